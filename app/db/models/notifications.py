"""In-app notices to one user, about any object."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from app.db.types import JSONType, UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id")
    kind: str = Field(sa_type=String(40))
    title: str = Field(sa_type=String(200))
    body: str = Field(sa_type=Text)
    # What the kind's template is filled with, so the text is made in the reader's language
    # when read (title/body keep the English text, for kinds without a template).
    params: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    object_type: str | None = Field(default=None, sa_type=String(40))
    object_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
