"""Refresh-token rotation with reuse detection, and a short grace for a client's own retry.

A refresh token works once. A second use normally means it was stolen, and the whole login is
revoked. A field app on a bad network, though, retries a refresh whose answer it never got: so
for `REFRESH_REUSE_GRACE_SECONDS` after a use, *the same client* (same Idempotency-Key, or with
none the same address and User-Agent) presenting the same token gets the same successor back,
as long as that successor has not been used itself. Anything else is reuse, as before.

The successor is derived from the used token (an HMAC under the server key), so answering the
retry needs no copy of a live token in the database.
"""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.models import RefreshToken, TokenFamily, User
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.domain.auth.schemas import TokenResponse
from app.domain.auth.service import add_refresh_token, hash_token
from app.domain.errors import InvalidGrant

_BAD_REFRESH = "Refresh token is invalid, expired or revoked; log in again"


@dataclass(frozen=True)
class _Use:
    used_at: datetime | None
    used_by: str | None


def _successor(settings: Settings, token: str) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), b"refresh-successor\x00" + token.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def _use_of(session: AsyncSession, token_hash: str) -> _Use:
    """Read the token's use afresh (not from the identity map: a concurrent use just wrote it)."""
    row = (
        await session.execute(
            select(col(RefreshToken.used_at), col(RefreshToken.used_by)).where(
                col(RefreshToken.token_hash) == token_hash
            )
        )
    ).one()
    return _Use(row[0], row[1])


async def _unused_successor_expiry(
    session: AsyncSession, settings: Settings, token: str
) -> datetime | None:
    row = (
        await session.execute(
            select(col(RefreshToken.expires_at), col(RefreshToken.used_at)).where(
                col(RefreshToken.token_hash) == hash_token(_successor(settings, token))
            )
        )
    ).one_or_none()
    return row[0] if row is not None and row[1] is None else None


async def rotate_refresh_token(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    token: str,
    client: str,
) -> TokenResponse:
    """Trade a refresh token for a new pair. `client` names who is asking (see the module
    docstring); a use by anyone else, or after the grace, revokes the whole login."""
    token_hash = hash_token(token)
    row = (
        await session.execute(
            select(RefreshToken, TokenFamily, User)
            .join(TokenFamily, col(TokenFamily.id) == col(RefreshToken.family_id))
            .join(User, col(User.id) == col(TokenFamily.user_id))
            .where(col(RefreshToken.token_hash) == token_hash)
        )
    ).one_or_none()
    if row is None:
        raise InvalidGrant(_BAD_REFRESH)
    refresh, family, user = row
    now = utcnow()
    if family.revoked_at is not None or refresh.expires_at <= now or not user.active:
        raise InvalidGrant(_BAD_REFRESH)
    client_hash = hash_token(client)
    if refresh.used_at is None:
        # Mark used only if nobody else did first: two concurrent uses cannot both rotate.
        claimed = await session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.token_hash) == token_hash, col(RefreshToken.used_at).is_(None))
            .values(used_at=now, used_by=client_hash)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            successor, lifetime = add_refresh_token(
                session, settings, family.id, _successor(settings, token)
            )
            return _pair(settings, user.id, family.id, successor, lifetime)
    # Used before (or a moment ago by a concurrent request, which has committed by now: our
    # UPDATE waited for it). The same client's retry within the grace gets the same successor.
    use = await _use_of(session, token_hash)
    grace = timedelta(seconds=settings.refresh_reuse_grace_seconds)
    if use.used_at is not None and use.used_by == client_hash and now - use.used_at <= grace:
        expires_at = await _unused_successor_expiry(session, settings, token)
        if expires_at is not None:
            lifetime = int((expires_at - now).total_seconds())
            return _pair(settings, user.id, family.id, _successor(settings, token), lifetime)
    # Reuse. The revocation gets its own transaction (this one rolls back with the 401). End
    # this one first: an UPDATE above may hold SQLite's write lock, which the revocation's own
    # transaction would wait on (and fail as "database is locked"); nothing here is worth keeping.
    family_id = family.id
    await session.rollback()
    await revoke_family(sessionmaker, family_id)
    raise InvalidGrant(_BAD_REFRESH)


def _pair(
    settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID, refresh: str, lifetime: int
) -> TokenResponse:
    access, expires_in = create_access_token(settings, user_id, family_id)
    return TokenResponse(
        access_token=access,
        expires_in=expires_in,
        refresh_token=refresh,
        refresh_expires_in=lifetime,
    )


async def revoke_family(
    sessionmaker: async_sessionmaker[AsyncSession], family_id: uuid.UUID
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(TokenFamily)
            .where(col(TokenFamily.id) == family_id, col(TokenFamily.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
