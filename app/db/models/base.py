"""Columns every mutable table shares: opaque id, timestamps and the optimistic-lock version."""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Integer
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.db.types import UTCDateTime, utcnow


class Entity(SQLModel):
    # The name events, records and notifications use for this kind of row ("service_order").
    # Every table class declares it; tests/db/test_models.py checks that none forgot.
    object_type: ClassVar[str]
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        index=True,
        sa_column_kwargs={"onupdate": utcnow},
    )
    # SQLAlchemy bumps this on every UPDATE and adds "AND version = :old" to the statement, so a
    # concurrent writer that loaded the same version fails with StaleDataError instead of
    # silently overwriting.
    version: int = Field(default=1, sa_type=Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
