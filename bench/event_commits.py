"""The event log's commit path alone: concurrent writers, each committing one change and its
event, with the old commit-ordering lock and with the horizon trigger (docs/decisions.md,
"The event feed without the lock").

    .venv/bin/python bench/event_commits.py [--url postgresql://127.0.0.1:5432/postgres]
                                            [--writers 8] [--seconds 5]

It creates a throwaway database on that server, migrates it to the revision before the horizon
(default nextval, no trigger) and then to head, and in each schema runs `--writers` asyncpg
connections in a loop of: BEGIN; an UPDATE of the writer's own row (so the transaction holds an
xid, as a create or an action does); [the old path: pg_advisory_xact_lock]; INSERT the event;
COMMIT. It prints commits per second and the commit latency; the database is dropped afterwards.
It also times the trigger's work alone (one writer, 2,000 inserts in one transaction).
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.db.migrate import alembic_config

BEFORE_HORIZON = "c4a5e1d2b3f6"
OLD_LOCK = 7_426_001  # the constant app/db/session.py used
EVENT = (
    "INSERT INTO events (occurred_at, object_type, object_id, action, changes, public) "
    "VALUES (now(), 'customer', $1, 'updated', '{}'::jsonb, true) RETURNING seq"
)


async def _writer(dsn: str, n: int, lock: bool, stop: float, latencies: list[float]) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("INSERT INTO bench_rows VALUES ($1, 0) ON CONFLICT DO NOTHING", n)
    while time.monotonic() < stop:
        started = time.monotonic()
        async with conn.transaction():
            await conn.execute("UPDATE bench_rows SET n = n + 1 WHERE id = $1", n)
            if lock:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", OLD_LOCK)
            await conn.fetchval(EVENT, uuid.uuid4())
        latencies.append(time.monotonic() - started)
    await conn.close()


async def _run(dsn: str, writers: int, seconds: float, lock: bool) -> str:
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    await asyncio.gather(*(_writer(dsn, n, lock, stop, latencies) for n in range(writers)))
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[int(len(ms) * 0.99) - 1]
    return (
        f"{len(ms) / seconds:8.0f} commits/s   p50 {statistics.median(ms):6.2f} ms   "
        f"p99 {p99:6.2f} ms"
    )


async def _trigger_cost(dsn: str) -> float:
    conn = await asyncpg.connect(dsn)
    async with conn.transaction():
        started = time.monotonic()
        for _ in range(2000):
            await conn.fetchval(EVENT, uuid.uuid4())
        elapsed = time.monotonic() - started
    await conn.close()
    return elapsed / 2000 * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    name = f"aftercare_bench_events_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = args.url.rsplit("/", 1)[0] + f"/{name}"
    sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(sa_url), BEFORE_HORIZON)
        setup = await asyncpg.connect(dsn)
        await setup.execute("CREATE TABLE bench_rows (id int PRIMARY KEY, n int)")
        await setup.close()
        print(f"{args.writers} writers, {args.seconds:g} s each")
        print("before: lock, no trigger  ", await _run(dsn, args.writers, args.seconds, True))
        before_us = await _trigger_cost(dsn)
        await asyncio.to_thread(command.upgrade, alembic_config(sa_url), "head")
        print("after:  trigger, no lock  ", await _run(dsn, args.writers, args.seconds, False))
        after_us = await _trigger_cost(dsn)
        print(f"one event INSERT: {before_us:.0f} µs without the trigger, {after_us:.0f} µs with")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
