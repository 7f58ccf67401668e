"""The case an order was escalated into, for the order's read (one query for a whole list)."""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Case
from app.domain.cases.schemas import CaseLink


async def load_case_links(
    session: AsyncSession, source_type: str, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CaseLink]:
    """The latest case of each order in `ids` (orders without one are absent)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Case)
        .where(col(Case.source_type) == source_type, col(Case.source_id).in_(wanted))
        .order_by(col(Case.created_at), col(Case.number))
    )
    # Later rows overwrite earlier ones: each order keeps its newest case.
    return {
        case.source_id: CaseLink.model_validate(case) for case in rows if case.source_id is not None
    }
