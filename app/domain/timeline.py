"""Records (the written trail) and the timeline that merges them with the event log."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Event, Record, Role, User
from app.domain.events import record_event
from app.domain.schemas import LongText, ReadModel, WriteModel


class RecordKind(StrEnum):
    communication = "communication"
    work = "work"
    internal = "internal"  # never shown to a customer


class Channel(StrEnum):
    phone = "phone"
    fax = "fax"
    email = "email"
    portal = "portal"
    walk_in = "walk_in"
    onsite = "onsite"
    other = "other"


class RecordCreate(WriteModel):
    kind: RecordKind
    channel: Channel | None = None
    body: LongText = Field(min_length=1)


class RecordRead(ReadModel):
    id: uuid.UUID
    object_type: str
    object_id: uuid.UUID
    kind: RecordKind
    channel: Channel | None
    body: str
    author_id: uuid.UUID
    created_at: datetime


class TimelineEntry(ReadModel):
    type: Literal["event", "record"]
    at: datetime
    actor_id: uuid.UUID | None
    action: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    changes: dict[str, Any] | None = None
    seq: int | None = None
    record: RecordRead | None = None


async def add_record(
    session: AsyncSession, actor: User, object_type: str, obj: Any, data: RecordCreate
) -> Record:
    record = Record(
        object_type=object_type,
        object_id=obj.id,
        kind=data.kind,
        channel=data.channel,
        body=data.body,
        author_id=actor.id,
    )
    session.add(record)
    await session.flush()
    record_event(
        session,
        actor=actor,
        object_type=object_type,
        obj=obj,
        action="record_added",
        changes={"record_id": record.id, "kind": data.kind},
        public=data.kind != RecordKind.internal,
    )
    return record


async def timeline(
    session: AsyncSession, user: User, object_type: str, object_id: uuid.UUID
) -> list[TimelineEntry]:
    """Events and records of one object, oldest first; a customer sees only public entries.

    The caller has already checked that `user` may see the object itself.
    """
    # Each record also has a "record_added" event; the record itself stands in its place.
    events = select(Event).where(
        col(Event.object_type) == object_type,
        col(Event.object_id) == object_id,
        col(Event.action) != "record_added",
    )
    records = select(Record).where(
        col(Record.object_type) == object_type, col(Record.object_id) == object_id
    )
    if user.role == Role.customer:
        events = events.where(col(Event.public).is_(True))
        records = records.where(col(Record.kind) != RecordKind.internal)
    entries = [
        TimelineEntry(
            type="event",
            at=e.occurred_at,
            actor_id=e.actor_id,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            changes=e.changes,
            seq=e.seq,
        )
        for e in (await session.scalars(events.order_by(col(Event.seq)))).all()
    ]
    entries += [
        TimelineEntry(
            type="record",
            at=r.created_at,
            actor_id=r.author_id,
            record=RecordRead.model_validate(r),
        )
        for r in (await session.scalars(records.order_by(col(Record.created_at)))).all()
    ]
    entries.sort(key=lambda e: (e.at, e.type == "record"))
    return entries
