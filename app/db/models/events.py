"""The append-only event log and the written records (communication, work, internal notes)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlmodel import Field, SQLModel

from app.db.types import BigIntPK, JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """One change to one object. Never updated or deleted; `seq` orders the integration feed."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_object", "object_type", "object_id", "seq"),)

    seq: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    object_type: str = Field(sa_type=String(40))
    object_id: uuid.UUID
    # The customer the object belongs to, so a customer's feed can be scoped without joins.
    customer_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(sa_type=String(40))
    from_status: str | None = Field(default=None, sa_type=String(40))
    to_status: str | None = Field(default=None, sa_type=String(40))
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    public: bool = True
    # PostgreSQL: one past the newest xid any transaction held when this row's seq was drawn,
    # set by the `events_position` trigger with the seq itself. A reader shows the row only once
    # its snapshot's xmin has passed it (app/domain/event_feed.py). NULL on SQLite and on rows
    # written under the old advisory lock.
    horizon: int | None = Field(default=None, sa_type=BigInteger)


class Record(SQLModel, table=True):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_object", "object_type", "object_id", "created_at"),
        # A customer's record-writing rate is counted per author over a recent window.
        Index("ix_records_author_created", "author_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    object_type: str = Field(sa_type=String(40))
    object_id: uuid.UUID
    kind: str = Field(sa_type=String(20))
    channel: str | None = Field(default=None, sa_type=String(20))
    body: str = Field(sa_type=Text)
    author_id: uuid.UUID = Field(foreign_key="users.id")
    # The customer the object belonged to when the record was written: a customer's timeline
    # shows only what was written while the object was theirs (a device can change hands).
    customer_id: uuid.UUID | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Participant(SQLModel, table=True):
    """A staff user who has acted on an object (written with their events, once per person and
    object): an engineer's "worked on" scope, readable in the object's creation order.

    `object_created_at` copies the object's creation time so that an engineer's list, ordered
    by it, is one index range of their own rows however long their history is
    (scoping.assigned_or_worked_on)."""

    __tablename__ = "participants"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True)
    object_type: str = Field(sa_type=String(40), primary_key=True)
    object_id: uuid.UUID = Field(primary_key=True)
    object_created_at: datetime = Field(sa_type=UTCDateTime)
