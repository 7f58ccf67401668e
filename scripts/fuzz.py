"""Fuzz the API against its own OpenAPI contract with schemathesis, once per role, on PostgreSQL.

    .venv/bin/python scripts/fuzz.py [--max-examples N] [--seed S] [--roles anonymous,clerk]

Creates its own database `<name>_<random>` on the server named by FUZZ_DATABASE_URL (default
postgresql+asyncpg://127.0.0.1:5432/aftercare_fuzz), migrates it, adds the demo data, starts
`aftercare serve` on a free 127.0.0.1 port and runs `st run` as anonymous, customer, engineer,
clerk and supervisor (in that order: the most powerful role, which changes the most, goes last).
Checks: no 5xx anywhere, and every 2xx body matches its schema. The seed and the number of
examples are fixed, so a run is repeatable; the server log and the schemathesis reports are kept
in var/fuzz/. The exit status is non-zero if any role found a failure. See docs/fuzzing.md.
"""

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AFTERCARE_ENV", "test")

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.auth.tokens import create_access_token  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db.migrate import upgrade_to_head  # noqa: E402
from app.db.models import Customer, Device, SlaPolicy, User, Vendor  # noqa: E402
from app.db.session import create_engine, create_sessionmaker, unit_of_work  # noqa: E402
from app.seed import seed_demo  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://127.0.0.1:5432/aftercare_fuzz"
ROLES = ["anonymous", "customer", "engineer", "clerk", "supervisor"]
CHECKS = os.environ.get(
    "FUZZ_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance",
)
OUT = ROOT / "var" / "fuzz"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin(url: str, statement: str) -> None:
    admin = create_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        await conn.execute(text(statement))
    await admin.dispose()


async def _seed(url: str) -> tuple[dict[str, uuid.UUID], dict[str, list[str]]]:
    """Demo data; return each role's first demo user, and the ids of the objects by the name of
    the path parameter that takes them (for tests/fuzz/hooks.py)."""
    engine = create_engine(url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await seed_demo(session, password=None)
            users = (await session.scalars(select(User).order_by(User.email))).all()
            by_role: dict[str, uuid.UUID] = {}
            for user in users:
                by_role.setdefault(str(user.role), user.id)
            known: dict[str, list[str]] = {}
            for param, model in [
                ("user_id", User),
                ("customer_id", Customer),
                ("device_id", Device),
                ("vendor_id", Vendor),
                ("policy_id", SlaPolicy),
            ]:
                known[param] = [str(i) for i in (await session.scalars(select(model.id))).all()]
            return by_role, known
    finally:
        await engine.dispose()


def _post(base: str, path: str, token: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        result: dict[str, object] = json.loads(response.read())
        return result


def _create_orders(
    base: str, tokens: dict[str, str], user_ids: dict[str, uuid.UUID], known: dict[str, list[str]]
) -> None:
    """A few service orders in different states, so order actions meet real orders."""
    clerk = tokens["clerk"]
    customer_id = next(iter(known["customer_id"]))
    orders = []
    for subject in ("Printer jams", "Spindle noise", "Scanner offline"):
        body = {"kind": "remote", "channel": "phone", "customer_id": customer_id}
        orders.append(_post(base, "/api/v1/service-orders", clerk, {**body, "subject": subject}))
    assign = {"assignee_id": str(user_ids["engineer"])}
    for order in orders[1:]:
        _post(base, f"/api/v1/service-orders/{order['id']}/assign", clerk, assign)
    known["order_id"] = [str(order["id"]) for order in orders]


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see {OUT}/server.log")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz within 30 s")


def _fuzz_role(base: str, role: str, token: str | None, args: argparse.Namespace) -> int:
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.max_examples),
        "--phases",
        args.phases,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(OUT / f"{role}.xml"),
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(ROOT)}
    print(f"\n=== schemathesis as {role} ===", flush=True)
    started = time.monotonic()
    status = subprocess.call(command, env=env, cwd=ROOT)
    print(f"=== {role}: exit {status} in {time.monotonic() - started:.0f} s ===", flush=True)
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--max-examples",
        type=int,
        default=8,
        help="generated cases per operation in the fuzzing phase",
    )
    parser.add_argument("--seed", type=int, default=20261202, help="schemathesis random seed")
    parser.add_argument("--phases", default="examples,coverage,fuzzing", help="st --phases")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles")
    args = parser.parse_args()
    roles = [r for r in args.roles.split(",") if r]
    if unknown := set(roles) - set(ROLES):
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")

    given = make_url(os.environ.get("FUZZ_DATABASE_URL", DEFAULT_URL))
    url = given.set(database=f"{given.database}_{secrets.token_hex(4)}").render_as_string(
        hide_password=False
    )
    name = make_url(url).database
    secret_key = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "AFTERCARE_ENV": "test",
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "PASSWORD_HASH_PROFILE": "fast",
        "SLA_WORKER_IN_PROCESS": "false",
        "ACCESS_TOKEN_MINUTES": "240",
    }
    settings = Settings(
        AFTERCARE_ENV="test",
        database_url=url,
        secret_key=secret_key,
        access_token_minutes=240,
        password_hash_profile="fast",
    )
    OUT.mkdir(parents=True, exist_ok=True)
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    server = None
    try:
        upgrade_to_head(url)
        user_ids, known = asyncio.run(_seed(url))
        # Tokens without a login id: fuzzing POST /auth/logout must not end the run's own login.
        tokens = {
            role: create_access_token(settings, user_id, None)[0]
            for role, user_id in user_ids.items()
        }
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with (OUT / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            _wait_until_up(base, server)
            _create_orders(base, tokens, user_ids, known)
            os.environ["FUZZ_KNOWN_IDS"] = json.dumps(known)
            failed = [role for role in roles if _fuzz_role(base, role, tokens.get(role), args) != 0]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    errors = (OUT / "server.log").read_text(errors="replace").count('"status": 5')
    print(f"\nfuzzing: failed roles: {', '.join(failed) or 'none'}; 5xx in server log: {errors}")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
