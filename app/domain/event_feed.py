"""The integration feed: the event log read in `seq` order."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Event
from app.domain.schemas import ReadModel
from app.domain.users.schemas import UserSummary
from app.domain.users.summaries import load_people


class EventRead(ReadModel):
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor: UserSummary | None = None
    object_type: str
    object_id: uuid.UUID
    customer_id: uuid.UUID | None
    action: str
    from_status: str | None
    to_status: str | None
    changes: dict[str, Any]
    public: bool


class EventPage(ReadModel):
    items: list[EventRead]
    next_after: int | None


async def read_events(
    session: AsyncSession, after: int, limit: int, object_type: str | None
) -> EventPage:
    stmt = select(Event).where(col(Event.seq) > after)
    if object_type:
        stmt = stmt.where(col(Event.object_type) == object_type)
    rows = (await session.scalars(stmt.order_by(col(Event.seq)).limit(limit))).all()
    people = await load_people(session, [e.actor_id for e in rows])
    items = [
        EventRead.model_validate(e).model_copy(
            update={"actor": people.get(e.actor_id) if e.actor_id else None}
        )
        for e in rows
    ]
    return EventPage(items=items, next_after=items[-1].seq if items else None)
