"""Human-facing numbers per order type and year: SO-2026-000123, RO-…, CP-…, CS-…."""

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import get_settings
from app.db.models import NumberSequence


async def next_number(session: AsyncSession, prefix: str) -> str:
    """Take the next number; the counter row stays locked until this transaction ends, so two
    concurrent requests can never draw the same number."""
    year = get_settings().business_today().year
    name = f"{prefix}-{year}"
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
    return f"{name}-{value:06d}"
