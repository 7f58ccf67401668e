"""The pool pings a connection only after it sat idle, and still replaces one that died idle."""

import asyncio

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import text

from app.db import session as db_session
from app.db.session import create_engine
from tests.conftest import DATABASE_URL, IS_POSTGRES


def _count_pings(engine, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn):
        pings.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


async def test_a_connection_in_steady_use_is_not_pinged(monkeypatch):
    engine = create_engine(DATABASE_URL)
    assert engine.pool._pre_ping is False  # no round trip on every checkout
    pings = _count_pings(engine, monkeypatch)
    try:
        for _ in range(5):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert pings == []
    finally:
        await engine.dispose()


@pytest.mark.skipif(not IS_POSTGRES, reason="a server that can kill our connection")
async def test_a_connection_that_died_while_idle_is_replaced_unnoticed(monkeypatch):
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = create_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    admin = create_engine(DATABASE_URL)
    pings = _count_pings(engine, monkeypatch)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with engine.connect() as conn:  # would raise without the ping
            new_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert new_pid != pid
        assert pings
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_the_default_pool_keeps_the_connections_it_opened_under_load():
    """More requests in flight than the pool holds wait for a connection; none is opened and
    closed again per request (an overflow connection returned to a full pool would be)."""
    from app.config import Settings
    from app.db.session import engine_for

    settings = Settings(database_url=DATABASE_URL, _env_file=None)
    engine = engine_for(settings)
    opened: list[int] = []
    sqlalchemy_event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))

    async def request() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)

    in_flight = settings.db_pool_size * 2  # as 32 clients against one worker
    try:
        await asyncio.gather(*(request() for _ in range(in_flight)))
        first_wave = len(opened)
        for _ in range(3):
            await asyncio.gather(*(request() for _ in range(in_flight)))
        assert 1 <= first_wave <= settings.db_pool_size + settings.db_max_overflow
        assert len(opened) == first_wave, "connections were opened again under steady load"
    finally:
        await engine.dispose()


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's plan cache")
async def test_connections_plan_each_statement_for_its_values():
    """A pooled connection runs its prepared statements thousands of times; PostgreSQL would
    switch one to a generic plan after five runs, which for `q=` is 100x slower."""
    engine = create_engine(DATABASE_URL)
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("SHOW plan_cache_mode"))).scalar()
        assert mode == "force_custom_plan"
    finally:
        await engine.dispose()
