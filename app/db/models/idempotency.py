import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.types import JSONType, UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST sent with an Idempotency-Key, replayed on retries; committed
    in the same transaction as the write it protects (app/http/idempotency.py)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID
    key: str = Field(sa_type=String(255))
    method: str = Field(sa_type=String(10))
    path: str = Field(sa_type=String(2000))
    request_hash: str = Field(sa_type=String(64))
    # Always "completed": the record is written with its response, in the request's own
    # transaction. "in_flight" rows (separate claims, before that) are treated as absent.
    state: str = Field(sa_type=String(12))
    status_code: int | None = None
    headers: list[list[str]] = Field(default_factory=list, sa_type=JSONType)
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
