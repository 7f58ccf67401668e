"""Refresh-token families (rotation with reuse detection) and login-failure counters."""

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.db.types import BigIntPK, UTCDateTime, utcnow


class TokenFamily(SQLModel, table=True):
    """One login session: every refresh token rotated from the same login belongs to it."""

    __tablename__ = "token_families"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    # Only the SHA-256 of the opaque token is kept: a database leak yields no usable token.
    token_hash: str = Field(sa_type=String(64), primary_key=True)
    family_id: uuid.UUID = Field(foreign_key="token_families.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failures"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    # "account:<email>" or "address:<ip>"
    key: str = Field(sa_type=String(300), index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
