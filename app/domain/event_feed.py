"""The integration feed: the event log read in `seq` order, never past an event that a still
running transaction could precede."""

import uuid
from datetime import datetime
from itertools import takewhile
from typing import Any

from sqlalchemy import ColumnElement, or_, select, text, true
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


async def settled(session: AsyncSession) -> ColumnElement[bool]:
    """True for an event that no smaller seq can still join (docs/decisions.md, "The event feed
    without the lock").

    PostgreSQL: the `events_position` trigger gave each event a horizon, one past the newest xid
    held in this database when its seq was drawn; every transaction that could still commit a
    smaller seq held one of those xids. The bound, read *before* the page's own snapshot, is at
    or below the xid of every transaction that can still commit. So an event whose horizon is at
    or below the bound has every smaller seq committed (and visible to the page's later
    snapshot) or gone for good. The test reads the row's own horizon only, so it holds for a
    page filtered by object type as for the whole log. The order of the two statements is the
    argument: it needs READ COMMITTED (a fresh snapshot per statement), the sessions' default.
    NULL horizons were written under the old commit-ordering lock. SQLite has one writer at a
    time: what it shows is settled.
    """
    if session.get_bind().dialect.name != "postgresql":
        return true()
    bound = await session.scalar(text("SELECT aftercare_event_feed_bound()"))
    return or_(col(Event.horizon).is_(None), col(Event.horizon) <= bound)


async def read_events(
    session: AsyncSession, after: int, limit: int, object_type: str | None
) -> EventPage:
    """One page after `after`, cut before the first event that is not settled yet (a poller
    asking again with the same `after` gets it later, never a seq beyond one it missed)."""
    stmt = select(Event, (await settled(session)).label("settled")).where(col(Event.seq) > after)
    if object_type:
        stmt = stmt.where(col(Event.object_type) == object_type)
    page = (await session.execute(stmt.order_by(col(Event.seq)).limit(limit))).all()
    rows = [event for event, _ in takewhile(lambda row: bool(row.settled), page)]
    people = await load_people(session, [e.actor_id for e in rows])
    items = [
        EventRead.model_validate(e).model_copy(
            update={"actor": people.get(e.actor_id) if e.actor_id else None}
        )
        for e in rows
    ]
    return EventPage(items=items, next_after=items[-1].seq if items else None)
