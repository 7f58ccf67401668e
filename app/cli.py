"""The `aftercare` command: serve, migrate, create-user, seed-demo, openapi."""

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
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db.migrate import upgrade_to_head
from app.db.session import create_engine, create_sessionmaker, unit_of_work

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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        access_log=False,
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


def cmd_seed_demo(_: argparse.Namespace) -> int:
    from app.seed import seed_demo

    logins = asyncio.run(_with_session(seed_demo))
    if logins is None:
        print("database already has users; demo data not added")
        return 0
    print("demo data added. Log in at /docs (Authorize) with:")
    for email, password, role in logins:
        print(f"  {role:<11} {email:<24} password: {password}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the SLA watcher in this process (for deployments with SLA_WORKER_IN_PROCESS=false).
    SIGTERM or SIGINT stops it after the scan in progress; the exit status is then 0."""
    import logging
    import signal

    from app.domain.service_orders.sla_worker import run_worker

    if not args.interval > 0:
        print("--interval must be a positive number of seconds", file=sys.stderr)
        return 2
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    async def main() -> None:
        engine = create_engine(settings.database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_worker(create_sessionmaker(engine), args.interval, stop)
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
    parser = argparse.ArgumentParser(prog="aftercare", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="upgrade the database to the latest migration").set_defaults(
        func=cmd_migrate
    )
    create = sub.add_parser("create-user", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument(
        "--role", required=True, choices=["customer", "engineer", "clerk", "supervisor"]
    )
    create.add_argument("--name", required=True)
    create.add_argument("--customer-id")
    create.set_defaults(func=cmd_create_user)
    sub.add_parser("seed-demo", help="add demo data to an empty database").set_defaults(
        func=cmd_seed_demo
    )
    worker = sub.add_parser("worker", help="run the SLA watcher (several may run at once)")
    worker.add_argument(
        "--interval", type=float, default=get_settings().sla_worker_interval_seconds
    )
    worker.set_defaults(func=cmd_worker)
    openapi = sub.add_parser("openapi", help="write openapi/openapi.json")
    openapi.add_argument("--check", action="store_true", help="fail if the file is stale")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
