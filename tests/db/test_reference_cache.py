"""The calendar and SLA policies are cached per process and dropped on any change, anywhere."""

import asyncio

import pytest
from sqlalchemy import text, update

from app.db.models import OrderKind, Priority, SlaPolicy
from app.db.reference_cache import _CACHES, REFERENCE, listen_for_changes
from app.db.session import create_engine
from app.domain.service_orders.sla import load_calendar, load_policy
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.http.test_query_counts import count_queries

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="notices are PostgreSQL's LISTEN/NOTIFY")


async def _until(condition) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
async def listening(engine):
    """The suite's own listener (tests/conftest.py::_live_caches) keeps the caches live."""
    cache = _CACHES[engine.sync_engine][REFERENCE]
    await _until(lambda: cache.live)  # a test before may have cut its connection (back in 1 s)
    return cache


async def test_nothing_is_cached_while_nobody_listens():
    engine = create_engine(DATABASE_URL)
    try:
        stop = asyncio.Event()
        task = asyncio.create_task(listen_for_changes(engine, stop))
        await _until(
            lambda: engine.sync_engine in _CACHES and _CACHES[engine.sync_engine][REFERENCE].live
        )
        caches = _CACHES[engine.sync_engine]
        caches[REFERENCE].put("calendar", "cached", caches[REFERENCE].generation)
        assert caches[REFERENCE].get("calendar") == "cached"
        stop.set()
        await task
        assert not any(c.live for c in caches.values())
        assert caches[REFERENCE].get("calendar") is None
    finally:
        await engine.dispose()


async def _policy(sessionmaker) -> tuple[int, int]:
    async with sessionmaker() as session:
        return await load_policy(session, OrderKind.remote, Priority.high)


async def test_a_second_read_costs_no_query(engine, sessionmaker, listening):
    async with sessionmaker() as session:
        await load_calendar(session)
        await load_policy(session, OrderKind.remote, Priority.high)
    with count_queries(engine, cold=False) as statements:
        async with sessionmaker() as session:
            await load_calendar(session)
            await load_policy(session, OrderKind.onsite, Priority.low)
    assert statements == []


async def test_a_change_made_elsewhere_reaches_the_cache(engine, sessionmaker, listening):
    before = await _policy(sessionmaker)
    generation = listening.generation
    # Another process (or psql) changes the policy: no code of ours runs.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE sla_policies SET resolve_minutes = resolve_minutes + 7 "
                "WHERE kind = 'remote' AND priority = 'high'"
            )
        )
    await _until(lambda: listening.generation > generation)
    assert await _policy(sessionmaker) == (before[0], before[1] + 7)


async def test_the_writing_transaction_reads_its_own_change(engine, sessionmaker, listening):
    before = await _policy(sessionmaker)
    async with sessionmaker() as session:
        policy = await session.scalar(
            SlaPolicy.__table__.select()
            .where(SlaPolicy.kind == "remote")  # type: ignore[attr-defined]
            .where(SlaPolicy.priority == "high")
        )
        assert policy is not None
        await session.execute(
            update(SlaPolicy)
            .where(SlaPolicy.kind == "remote", SlaPolicy.priority == "high")
            .values(resolve_minutes=before[1] + 1)
        )
        row = await session.get(SlaPolicy, policy)
        row.response_minutes = before[0] + 1  # an ORM change marks the transaction
        await session.flush()
        assert await load_policy(session, OrderKind.remote, Priority.high) == (
            before[0] + 1,
            before[1] + 1,
        )
        await session.rollback()
