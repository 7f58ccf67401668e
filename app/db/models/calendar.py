"""The business calendar the SLA clocks run on (one row)."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db.types import JSONType, UTCDateTime, utcnow


class CalendarSetting(SQLModel, table=True):
    """The department's business calendar: a single row (id 1) holding its JSON form."""

    __tablename__ = "business_calendar"

    id: int = Field(default=1, primary_key=True)
    data: dict[str, Any] = Field(sa_type=JSONType)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
