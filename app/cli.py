"""The `aftercare` command: serve, migrate, create-user, seed-demo, worker, openapi."""

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db.migrate import upgrade_to_head
from app.db.session import create_engine, create_sessionmaker, engine_for, unit_of_work

OPENAPI_PATH = Path("openapi/openapi.json")


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def _with_session(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    engine = create_engine(get_settings().database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


def cmd_migrate(_: argparse.Namespace) -> int:
    url = get_settings().database_url
    _ensure_sqlite_dir(url)
    upgrade_to_head(url)
    print("database is at the latest migration")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.http.server import uvicorn_options

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        access_log=False,
        workers=args.workers,
        **uvicorn_options(),
    )
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.domain.users.schemas import UserCreate
    from app.domain.users.service import create_user

    try:
        data = UserCreate(
            email=args.email,
            name=args.name,
            role=args.role,
            password=args.password,
            customer_id=uuid.UUID(args.customer_id) if args.customer_id else None,
        )
    except (ValidationError, ValueError) as exc:
        print(f"invalid user: {exc}", file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> Any:
        return await create_user(session, None, data)

    from app.domain.errors import DomainError

    try:
        created = asyncio.run(_with_session(work))
    except DomainError as exc:
        print(f"cannot create user: {exc.detail}", file=sys.stderr)
        return 2
    print(f"created {created.role} {created.email} ({created.id})")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Demo users get the README's public password only in dev/test. Elsewhere the command
    refuses unless forced, and then every demo user gets its own random password, shown once."""
    from app.seed import DEMO_PASSWORD, seed_demo

    env = get_settings().env
    public = env in ("dev", "test")
    if not public and not args.force:
        print(
            f"aftercare: seed-demo adds demo users and is meant for dev/test (AFTERCARE_ENV is "
            f"{env}); pass --force to add them anyway, with random passwords",
            file=sys.stderr,
        )
        return 2
    password = DEMO_PASSWORD if public else None

    async def work(session: AsyncSession) -> Any:
        return await seed_demo(session, password)

    logins = asyncio.run(_with_session(work))
    if logins is None:
        print("database already has users; demo data not added")
        return 0
    print("demo data added. Log in at /docs (Authorize) with:")
    for email, login_password, role in logins:
        print(f"  {role:<11} {email:<24} password: {login_password}")
    if not public:
        print("These passwords are shown only now and stored only as hashes: keep them.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the watchers (the SLA watcher today) in this process, for deployments with
    SLA_WORKER_IN_PROCESS=false: the same registry the API runs in process. SIGTERM or SIGINT
    stops it after the scan in progress; the exit status is then 0."""
    import logging
    import signal

    from app.domain.watchers import run_watchers

    settings = get_settings()
    if args.interval is None:
        args.interval = settings.sla_worker_interval_seconds
    if not args.interval > 0:
        print("--interval must be a positive number of seconds", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    async def main() -> None:
        engine = engine_for(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_watchers(create_sessionmaker(engine), args.interval, stop)
        finally:
            await engine.dispose()

    print(f"SLA worker scanning every {args.interval:g} s; Ctrl-C stops it", flush=True)
    asyncio.run(main())
    print("SLA worker stopped", flush=True)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from app.main import create_app

    spec = create_app().openapi()
    text = json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if args.check:
        current = OPENAPI_PATH.read_text() if OPENAPI_PATH.exists() else ""
        if current != text:
            print(f"{OPENAPI_PATH} is stale; run `aftercare openapi`", file=sys.stderr)
            return 1
        print(f"{OPENAPI_PATH} is current")
        return 0
    OPENAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
    OPENAPI_PATH.write_text(text)
    print(f"wrote {OPENAPI_PATH}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # Nothing here reads the settings, so `--help` works before anything is configured.
    parser = argparse.ArgumentParser(
        prog="aftercare",
        description=__doc__,
        epilog="Settings come from the environment or ./.env (see the README's Settings). "
        "Outside AFTERCARE_ENV=dev/test, SECRET_KEY is required.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the HTTP API", description="Run the HTTP API.")
    serve.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="address to listen on (default: $HOST or 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="port to listen on (default: $PORT or 8000)",
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="worker processes, one per core is typical (default: $WEB_CONCURRENCY or 1; "
        "see docs/operations.md)",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser(
        "migrate",
        help="upgrade the database to the latest migration",
        description="Upgrade DATABASE_URL to the latest migration (creates a SQLite file).",
    ).set_defaults(func=cmd_migrate)
    create = sub.add_parser("create-user", help="create a user", description="Create a user.")
    create.add_argument("--email", required=True, help="login email (stored lower-case)")
    create.add_argument("--password", required=True, help="the user's password")
    create.add_argument(
        "--role",
        required=True,
        choices=["customer", "engineer", "clerk", "supervisor"],
        help="what the user may do",
    )
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--customer-id", help="the customer company (required for --role customer)")
    create.set_defaults(func=cmd_create_user)
    seed = sub.add_parser(
        "seed-demo",
        help="add demo data to an empty database",
        description="Add demo users, customers, devices and vendors to an empty database. In "
        "dev/test the users share the README's demo password; elsewhere only with --force, "
        "and then each gets a random password, printed once.",
    )
    seed.add_argument(
        "--force",
        action="store_true",
        help="allow it outside AFTERCARE_ENV=dev/test (random passwords)",
    )
    seed.set_defaults(func=cmd_seed_demo)
    worker = sub.add_parser(
        "worker",
        help="run the SLA watcher (several may run at once)",
        description="Run the SLA watcher, for deployments with SLA_WORKER_IN_PROCESS=false.",
    )
    worker.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds between scans (default: SLA_WORKER_INTERVAL_SECONDS, 60)",
    )
    worker.set_defaults(func=cmd_worker)
    openapi = sub.add_parser(
        "openapi", help="write openapi/openapi.json", description="Write openapi/openapi.json."
    )
    openapi.add_argument("--check", action="store_true", help="fail if the file is stale")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def _settings_problem(exc: ValidationError) -> str:
    """One line naming the environment variable(s) at fault."""
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in error["loc"]).upper()
        parts.append(f"{loc}: {message}" if loc and loc not in message else message)
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except ValidationError as exc:
        print(f"aftercare: invalid settings: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except (OSError, DBAPIError) as exc:
        # An unreachable or refusing database: one line, not a driver traceback.
        reason = getattr(exc, "orig", None) or exc
        print(f"aftercare: cannot use the database: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
