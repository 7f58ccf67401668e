"""Measure the API in-process (ASGI, no network): create, act on and list service orders.

    .venv/bin/python bench/bench_api.py [--orders 300] [--database-url URL]

Prints latency percentiles per operation and the query count of one list page. The default
database is a fresh SQLite file; pass a PostgreSQL URL (an empty database) to measure that.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("AFTERCARE_ENV", "test")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import event

from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.migrate import upgrade_to_head
from app.db.models import Customer, Role, User
from app.db.session import create_engine, create_sessionmaker
from app.main import create_app


def _report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000  # noqa: E731
    total = sum(samples)
    print(
        f"{name:<28} n={len(samples):>4}  p50={p(0.5):6.1f} ms  p95={p(0.95):6.1f} ms  "
        f"max={samples[-1] * 1000:6.1f} ms  mean={statistics.mean(samples) * 1000:6.1f} ms  "
        f"{len(samples) / total:7.1f} req/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    await asyncio.to_thread(upgrade_to_head, url)
    settings = Settings(
        AFTERCARE_ENV="test",
        database_url=url,
        password_hash_profile="fast",
        sla_worker_in_process=False,
    )
    engine = create_engine(url)
    app = create_app(settings)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    async with app.state.sessionmaker() as session:
        customer = Customer(code="BENCH", name="Bench Co")
        session.add(customer)
        await session.flush()
        clerk = User(email="clerk@bench", name="Clerk", role=Role.clerk)
        engineer = User(email="eng@bench", name="Eng", role=Role.engineer)
        session.add_all([clerk, engineer])
        await session.commit()
    clerk_h = {"Authorization": "Bearer " + create_access_token(settings, clerk.id, None)[0]}
    eng_h = {"Authorization": "Bearer " + create_access_token(settings, engineer.id, None)[0]}
    transport = httpx.ASGITransport(app=app)
    timings: dict[str, list[float]] = {
        k: [] for k in ("create", "assign", "start", "report", "list page (50)", "get one")
    }
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def timed(name: str, coro):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            response = await coro
            timings[name].append(time.perf_counter() - started)
            assert response.status_code < 300, response.text
            return response

        api = "/api/v1/service-orders"
        body = {
            "kind": "remote",
            "channel": "phone",
            "customer_id": str(customer.id),
            "subject": "Bench order",
        }
        for _ in range(args.orders):
            order = (await timed("create", client.post(api, json=body, headers=clerk_h))).json()
            oid = order["id"]
            await timed(
                "assign",
                client.post(
                    f"{api}/{oid}/assign", json={"assignee_id": str(engineer.id)}, headers=clerk_h
                ),
            )
            await timed("start", client.post(f"{api}/{oid}/start", headers=eng_h))
            await timed(
                "report",
                client.post(f"{api}/{oid}/report", json={"resolution": "done"}, headers=eng_h),
            )
            await timed("get one", client.get(f"{api}/{oid}", headers=clerk_h))
        queries: list[str] = []

        def count(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
            queries.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        await client.get(f"{api}?limit=50", headers=clerk_h)
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        for _ in range(3):
            cursor = None
            while True:
                path = f"{api}?limit=50" + (f"&cursor={cursor}" if cursor else "")
                page = (await timed("list page (50)", client.get(path, headers=clerk_h))).json()
                cursor = page["next_cursor"]
                if not cursor:
                    break
    print(f"database: {engine.dialect.name}; orders: {args.orders}")
    for name, samples in timings.items():
        if samples:
            _report(name, samples)
    print(f"queries for one list page of 50 orders: {len(queries)}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
