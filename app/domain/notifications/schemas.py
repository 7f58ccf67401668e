import uuid
from datetime import datetime

from app.domain.schemas import ReadModel


class NotificationRead(ReadModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    object_type: str | None
    object_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class MarkedRead(ReadModel):
    marked: int
