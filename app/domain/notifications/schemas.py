import uuid
from datetime import datetime

from pydantic import Field

from app.domain.schemas import ReadModel


class NotificationRead(ReadModel):
    id: uuid.UUID
    kind: str = Field(description="stable machine code, e.g. `completion_notice`")
    title: str = Field(description="in the language the request asked for (Accept-Language)")
    body: str = Field(description="in the language the request asked for (Accept-Language)")
    object_type: str | None
    object_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class MarkedRead(ReadModel):
    marked: int
