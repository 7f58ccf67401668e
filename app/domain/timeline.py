"""Records (the written trail) and the timeline that merges them with the event log.

A customer sees an object's history only from while the object was theirs: every event and
record keeps the customer the object belonged to when it was written, and a customer's timeline
is filtered on it. Of an event it sees only the changed fields the object's area declares
public (`PublicChanges`); the entry that moved the object in from another company shows the new
values only, never what the object looked like at its previous owner.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import MISSING, Field
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Event, Record, Role, User
from app.db.types import utcnow
from app.domain.errors import TooManyRequests, ValidationFailed
from app.domain.events import customer_of, record_event
from app.domain.schemas import (
    LongText,
    ReadModel,
    StaffFieldsModel,
    StaffOnly,
    WriteModel,
    to_utc,
)
from app.domain.users.schemas import UserSummary
from app.domain.users.summaries import People, load_people


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
    author: UserSummary | None = Field(description="who wrote it")
    created_at: datetime


class TimelineEntry(StaffFieldsModel):
    type: Literal["event", "record"]
    at: datetime
    actor_id: uuid.UUID | None
    actor: UserSummary | None = Field(description="who did it; null for the system")
    action: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    changes: dict[str, Any] | None = None
    seq: int | MISSING | None = StaffOnly("the event's position in the integration feed")
    people: list[UserSummary] = Field(
        default_factory=list, description="the users its changes name (assignee_id …), by name"
    )
    record: RecordRead | None = None


class TimelinePage(ReadModel):
    items: list[TimelineEntry]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )


class RecordPage(ReadModel):
    items: list[RecordRead]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )


@dataclass(frozen=True)
class PublicChanges:
    """Which changed fields of an object's events a customer may see.

    `fields` is the allow-list for every action; `internal` names fields that are internal for
    one action only (a hold's reason, say, while a cancellation's reason is told)."""

    fields: frozenset[str]
    internal: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def visible(self, action: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        hidden = self.internal.get(action, frozenset())
        return {k: v for k, v in changes.items() if k in self.fields and k not in hidden}


@dataclass(frozen=True)
class RecordLimits:
    """How much a customer may write: per record, and per user within a sliding hour."""

    max_chars: int = 2000
    per_hour: int = 30


async def add_record(
    session: AsyncSession,
    actor: User,
    object_type: str,
    obj: Any,
    data: RecordCreate,
    limits: RecordLimits,
) -> Record:
    """Write a record. A customer writes messages only (recorded as coming through the portal),
    of limited size and at a limited rate."""
    if actor.role == Role.customer:
        data = await _customer_message(session, actor, data, limits)
    record = Record(
        object_type=object_type,
        object_id=obj.id,
        kind=data.kind,
        channel=data.channel,
        body=data.body,
        author_id=actor.id,
        customer_id=customer_of(obj),
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


async def _customer_message(
    session: AsyncSession, actor: User, data: RecordCreate, limits: RecordLimits
) -> RecordCreate:
    if data.kind != RecordKind.communication:
        raise ValidationFailed([("kind", "customers can only add communication records")])
    if len(data.body) > limits.max_chars:
        raise ValidationFailed([("body", f"at most {limits.max_chars} characters from a customer")])
    window = timedelta(hours=1)
    since = utcnow() - window
    written, oldest = (
        await session.execute(
            select(func.count(), func.min(col(Record.created_at))).where(
                col(Record.author_id) == actor.id, col(Record.created_at) > since
            )
        )
    ).one()
    if written >= limits.per_hour:
        retry_after = int((oldest + window - utcnow()).total_seconds()) + 1
        raise TooManyRequests(
            f"at most {limits.per_hour} messages an hour; try again later", retry_after
        )
    return data.model_copy(update={"channel": Channel.portal})


Row = TypeVar("Row", Event, Record, Event | Record)
# A position in a timeline: (instant, 0 for an event / 1 for a record, seq or record id).
Position = tuple[datetime, int, Any]


def _encode_cursor(position: Position) -> str:
    at, kind, key = position
    raw = json.dumps({"t": at.isoformat(), "k": kind, "i": str(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> Position:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(data["t"])
        if at.tzinfo is None or data["k"] not in (0, 1):
            raise ValueError("bad cursor")
        at = to_utc(at)  # an instant at the ends of time is refused here, not by the driver
        key: Any = int(data["i"]) if data["k"] == 0 else uuid.UUID(data["i"])
        if data["k"] == 0 and not 0 <= key < 2**63:
            raise ValueError("bad cursor")
        return at, data["k"], key
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, binascii.Error):
        raise ValidationFailed(
            [("cursor", "invalid or expired cursor; restart from the first page")]
        ) from None


def _events_after(stmt: Select[Any], position: Position | None) -> Select[Any]:
    if position is None:
        return stmt
    at, kind, key = position
    if kind == 1:  # events at the same instant come before a record
        return stmt.where(col(Event.occurred_at) > at)
    return stmt.where(
        or_(
            col(Event.occurred_at) > at,
            and_(col(Event.occurred_at) == at, col(Event.seq) > key),
        )
    )


def _records_after(stmt: Select[Any], position: Position | None) -> Select[Any]:
    if position is None:
        return stmt
    at, kind, key = position
    if kind == 0:
        return stmt.where(col(Record.created_at) >= at)
    return stmt.where(
        or_(
            col(Record.created_at) > at,
            and_(col(Record.created_at) == at, col(Record.id) > key),
        )
    )


@dataclass(frozen=True)
class TimelineQuery:
    object_type: str
    object_id: uuid.UUID
    public: PublicChanges
    limit: int = 50
    cursor: str | None = None


def _records_stmt(user: User, query: TimelineQuery) -> Select[Any]:
    stmt = select(Record).where(
        col(Record.object_type) == query.object_type, col(Record.object_id) == query.object_id
    )
    if user.role == Role.customer:
        stmt = stmt.where(
            col(Record.kind) != RecordKind.internal, col(Record.customer_id) == user.customer_id
        )
    return stmt.order_by(col(Record.created_at), col(Record.id)).limit(query.limit + 1)


async def timeline(session: AsyncSession, user: User, query: TimelineQuery) -> TimelinePage:
    """One page of an object's events and records, oldest first.

    The caller has already checked that `user` may see the object itself. Three queries a
    page, however long the history: events, records, and the people they name."""
    position = _decode_cursor(query.cursor) if query.cursor else None
    # Each record also has a "record_added" event; the record itself stands in its place.
    events = select(Event).where(
        col(Event.object_type) == query.object_type,
        col(Event.object_id) == query.object_id,
        col(Event.action) != "record_added",
    )
    if user.role == Role.customer:
        events = events.where(
            col(Event.public).is_(True), col(Event.customer_id) == user.customer_id
        )
    events = events.order_by(col(Event.occurred_at), col(Event.seq)).limit(query.limit + 1)
    records = _records_stmt(user, query)
    merged: list[tuple[Position, Event | Record]] = [
        ((e.occurred_at, 0, e.seq), e)
        for e in (await session.scalars(_events_after(events, position))).all()
    ]
    merged += [
        ((r.created_at, 1, r.id), r)
        for r in (await session.scalars(_records_after(records, position))).all()
    ]
    merged.sort(key=lambda item: item[0])
    page, next_cursor = _cut(merged, query.limit)
    shown = {
        row.seq: _changes_for(row, user, query.public) for row in page if isinstance(row, Event)
    }
    named = [row.actor_id if isinstance(row, Event) else row.author_id for row in page]
    named += [person for changes in shown.values() for person in _people_in(changes)]
    people = await load_people(session, named)
    return TimelinePage(
        items=[_entry(row, shown, people, user.role != Role.customer) for row in page],
        next_cursor=next_cursor,
    )


async def list_records(session: AsyncSession, user: User, query: TimelineQuery) -> RecordPage:
    """One page of an object's records, oldest first (customers: public ones from their time)."""
    position = _decode_cursor(query.cursor) if query.cursor else None
    if position is not None and position[1] != 1:
        raise ValidationFailed([("cursor", "not a cursor of this list")])
    rows = (await session.scalars(_records_after(_records_stmt(user, query), position))).all()
    page, next_cursor = _cut([((r.created_at, 1, r.id), r) for r in rows], query.limit)
    people = await load_people(session, [r.author_id for r in page])
    return RecordPage(
        items=[record_read(r, people) for r in page],
        next_cursor=next_cursor,
    )


def _cut(merged: Sequence[tuple[Position, Row]], limit: int) -> tuple[list[Row], str | None]:
    if len(merged) <= limit:
        return [row for _, row in merged], None
    kept = merged[:limit]
    return [row for _, row in kept], _encode_cursor(kept[-1][0])


def record_read(record: Record, people: People) -> RecordRead:
    return RecordRead(
        id=record.id,
        object_type=record.object_type,
        object_id=record.object_id,
        kind=RecordKind(record.kind),
        channel=Channel(record.channel) if record.channel else None,
        body=record.body,
        author_id=record.author_id,
        author=people.get(record.author_id),
        created_at=record.created_at,
    )


# Changed fields that name users: an entry lists those people by name as well.
USER_FIELDS = ("assignee_id", "owner_id")


def _people_in(changes: Mapping[str, Any]) -> list[uuid.UUID]:
    found = []
    for name in USER_FIELDS:
        value = changes.get(name)
        for item in value if isinstance(value, list) else [value]:
            try:
                found.append(uuid.UUID(str(item)))
            except ValueError:
                continue  # None, or not an id
    return found


def _entry(
    row: Event | Record, shown: Mapping[Any, dict[str, Any]], people: People, staff: bool
) -> TimelineEntry:
    if isinstance(row, Record):
        return TimelineEntry(
            type="record",
            at=row.created_at,
            actor_id=row.author_id,
            actor=people.get(row.author_id),
            record=record_read(row, people),
        )
    changes = shown[row.seq]
    entry: dict[str, Any] = {
        "type": "event",
        "at": row.occurred_at,
        "actor_id": row.actor_id,
        "actor": people.get(row.actor_id) if row.actor_id else None,
        "action": row.action,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "changes": changes,
        "people": [people[p] for p in dict.fromkeys(_people_in(changes)) if p in people],
    }
    if staff:
        entry["seq"] = row.seq
    return TimelineEntry(**entry)


def _changes_for(event: Event, user: User, public: PublicChanges) -> dict[str, Any]:
    """What `user` may see of the event's changes: everything for staff."""
    if user.role != Role.customer:
        return event.changes
    changes = public.visible(event.action, event.changes)
    moved = event.changes.get("customer_id")
    if isinstance(moved, list) and len(moved) == 2 and moved[0] != str(user.customer_id):
        # The change that brought the object to this customer: its old values were another
        # company's (its id, the configuration it had there), so only the new ones are shown.
        changes = {
            name: [None, value[1]] if isinstance(value, list) and len(value) == 2 else value
            for name, value in changes.items()
        }
    return changes
