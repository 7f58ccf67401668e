"""Refresh-token families (rotation with reuse detection), login throttling and known addresses."""

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
    # SHA-256 of who used it (Idempotency-Key, else address and User-Agent): only that client's
    # retry within the reuse grace gets the same successor instead of revoking the login.
    used_by: str | None = Field(default=None, sa_type=String(64))


class LoginFailure(SQLModel, table=True):
    """One login attempt per throttle key. It is written *before* the password is checked and
    counts as a failure until the attempt succeeds (then it is deleted)."""

    __tablename__ = "login_failures"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    # "account:<login>", "address:<ip>" or "account_address:<login>|<ip>"
    key: str = Field(sa_type=String(400), index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class KnownLoginAddress(SQLModel, table=True):
    """An address (IPv6: its /64) an account has logged in from: the account's global failure
    budget does not apply there, so a distributed attack cannot lock the owner out."""

    __tablename__ = "known_login_addresses"

    account: str = Field(sa_type=String(300), primary_key=True)
    address: str = Field(sa_type=String(64), primary_key=True)
    last_success_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
