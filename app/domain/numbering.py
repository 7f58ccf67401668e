"""Human-facing numbers per order type and year: SO-2026-000123, RO-…, CP-…, CS-…."""

import re
from contextlib import suppress

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from app.config import get_settings
from app.db.models import NumberSequence
from app.db.session import Timeouts, unpooled

# PREFIX-YYYY-NNNNNN: at least six digits, zero-padded (next_number).
_WHOLE_NUMBER = re.compile(r"[A-Z]{2}-[0-9]{4}-[0-9]{6,}")

# (database, prefix-year) pairs known to have their PostgreSQL sequence, in this process.
_SEQUENCES_MADE: set[tuple[str, str]] = set()


async def next_number(session: AsyncSession, prefix: str) -> str:
    """Take the next number of this prefix and year.

    PostgreSQL: from a sequence per prefix and year, which no transaction waits for; a create
    that fails after drawing leaves a gap (docs/decisions.md). SQLite has one writer at a time
    anyway, so there the counter row is bumped and stays locked until the transaction ends."""
    year = get_settings().business_today().year
    name = f"{prefix}-{year}"
    if session.get_bind().dialect.name == "postgresql":
        value = await _from_sequence(session, name)
    else:
        value = await _from_counter_row(session, name)
    return f"{name}-{value:06d}"


def _sequence_name(name: str) -> str:
    return "number_" + re.sub(r"[^a-z0-9]", "_", name.lower())


async def _from_sequence(session: AsyncSession, name: str) -> int:
    sequence = _sequence_name(name)
    known = (str(session.get_bind().engine.url), name)
    if known not in _SEQUENCES_MADE:
        await _make_sequence(session, name, sequence)
        _SEQUENCES_MADE.add(known)
    return int((await session.execute(text(f"SELECT nextval('{sequence}')"))).scalar_one())


async def _make_sequence(session: AsyncSession, name: str, sequence: str) -> None:
    """Create the sequence once, committed on a connection of its own (so a request that rolls
    back cannot take it with it), continuing after the counter row that numbered this year
    before sequences were used.

    That connection is not taken from the pool: the request already holds one, and when as many
    requests as the pool holds all reached here at once (the first creates after a start, or
    of a new year) each would wait for a second connection that none of them gives back."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "the unit of work is bound to the engine"
    side = unpooled(engine, Timeouts.of(get_settings()))
    try:
        await _create_sequence(side, name, sequence)
    finally:
        await side.dispose()


async def _create_sequence(engine: AsyncEngine, name: str, sequence: str) -> None:
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        last = await autocommit.scalar(
            select(col(NumberSequence.last)).where(col(NumberSequence.name) == name)
        )
        # Another process creating it at the same moment makes IF NOT EXISTS fail; it exists.
        with suppress(IntegrityError, DBAPIError):
            await autocommit.execute(
                text(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START WITH {(last or 0) + 1}")
            )


async def _from_counter_row(session: AsyncSession, name: str) -> int:
    bump = (
        update(NumberSequence)
        .where(col(NumberSequence.name) == name)
        .values(last=col(NumberSequence.last) + 1)
        .returning(col(NumberSequence.last))
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is None:
        try:
            async with session.begin_nested():
                session.add(NumberSequence(name=name, last=1))
            value = 1
        except IntegrityError:  # another request created this year's counter first
            value = (await session.execute(bump)).scalar_one()
    return int(value)


def sole_number_containing(q: str, prefix: str) -> str | None:
    """The number `q` is, when it is a whole number of this prefix that no other number
    contains (in any case); then "number contains q" is "number = that".

    A number with more than six digits counts a million or more, so its digits never start
    with 0: a whole number whose digits start with 0 is inside no other number (a number's
    letters are its first two characters, so a number containing it starts with it). One like
    SO-2026-123456 is the beginning of SO-2026-1234567, so it is left to the substring search.
    ASCII only: the long s (U+017F) upper-cases to "S", which lower-cases to "s"."""
    number = q.upper()
    whole = q.isascii() and _WHOLE_NUMBER.fullmatch(number) is not None
    if whole and number.startswith(f"{prefix}-") and number.split("-")[2][0] == "0":
        return number
    return None
