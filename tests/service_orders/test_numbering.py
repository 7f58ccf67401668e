"""Order numbers stay unique and no create waits for another one's number."""

import asyncio

import pytest

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
