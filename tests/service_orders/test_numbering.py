"""Order numbers stay unique and no create waits for another one's number."""

import asyncio

import pytest
from sqlalchemy import text

from app.domain.numbering import next_number
from tests.conftest import IS_POSTGRES


async def test_numbers_drawn_at_once_are_unique(sessionmaker):
    async def draw() -> str:
        async with sessionmaker() as session:
            number = await next_number(session, "ZZ")
            await session.commit()
            return number

    numbers = [await draw(), *await asyncio.gather(*(draw() for _ in range(8)))]
    assert len(set(numbers)) == len(numbers)


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has a single writer anyway")
async def test_a_number_is_not_held_until_its_transaction_ends(sessionmaker):
    async with sessionmaker() as first, sessionmaker() as second:
        taken = await next_number(first, "ZZ")  # first stays open, uncommitted
        # With a counter row locked to the end of `first`, this would wait for it.
        other = await asyncio.wait_for(next_number(second, "ZZ"), timeout=3)
        assert other != taken
        await first.rollback()
        await second.rollback()


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite numbers from a counter row, no sequence")
async def test_a_full_pool_can_still_make_a_new_years_sequence(engine):
    """Every pooled connection is held by a request that needs the sequence made: making it
    must not wait for a pooled connection (none would ever come back)."""
    from app.db.session import Timeouts, create_engine, create_sessionmaker
    from app.domain import numbering

    url = engine.url.render_as_string(hide_password=False)
    one = create_engine(url, Timeouts(pool=0.5), pool_size=1, max_overflow=0)
    numbering._SEQUENCES_MADE.clear()  # as in a process that just started
    try:
        async with create_sessionmaker(one)() as session:
            await session.execute(text("SELECT 1"))  # the request holds the only connection
            number = await asyncio.wait_for(next_number(session, "ZY"), timeout=5)
            assert number.startswith("ZY-")
            await session.rollback()
    finally:
        await one.dispose()
