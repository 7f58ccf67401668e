import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, WithJsonSchema

from app.db.models import OrderKind, Priority
from app.domain.schemas import IsoDate, PatchModel, ReadModel, WriteModel

_MAX_MINUTES = 480 * 365  # a business year
# Strict: a count of minutes is a JSON integer, not "30" or 30.5.
Minutes = Annotated[int, Field(strict=True, ge=1, le=_MAX_MINUTES, description="business minutes")]


class SlaPolicyCreate(WriteModel):
    kind: OrderKind
    priority: Priority
    response_minutes: Minutes
    resolve_minutes: Minutes


class SlaPolicyUpdate(PatchModel):
    not_nullable = frozenset({"response_minutes", "resolve_minutes"})

    response_minutes: Minutes | None = None
    resolve_minutes: Minutes | None = None


class SlaPolicyRead(ReadModel):
    id: uuid.UUID
    kind: OrderKind
    priority: Priority
    response_minutes: int
    resolve_minutes: int
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []


# Described as "two strings" rather than with prefixItems: the same constraint, and tools that
# mishandle 3.1 tuples (schemathesis 4's response check, several client generators) read it.
WorkInterval = Annotated[
    tuple[str, str],
    WithJsonSchema({"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}),
]


class CalendarBody(WriteModel):
    timezone: str = Field(min_length=1, max_length=64, examples=["Asia/Shanghai"])
    work_hours: dict[str, list[WorkInterval]] = Field(
        description='per weekday ("mon" … "sun"), local [start, end] pairs as "HH:MM"',
        examples=[{"mon": [["08:00", "12:00"], ["14:00", "18:00"]]}],
    )
    holidays: list[IsoDate] = Field(default_factory=list, max_length=1000)
    extra_workdays: list[IsoDate] = Field(
        default_factory=list,
        max_length=1000,
        description="make-up working days on weekends (调休); they use Monday's hours",
    )


class CalendarRead(CalendarBody):
    version: int
    updated_at: datetime | None
    orders_recomputed: int | None = None
