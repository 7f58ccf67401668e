"""Refresh-token rotation with reuse detection."""

import uuid

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


async def rotate_refresh_token(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    token: str,
) -> TokenResponse:
    """Trade a refresh token for a new pair. A token used twice means it was stolen (or the
    client is confused): the whole family is revoked, logging out every holder."""
    row = (
        await session.execute(
            select(RefreshToken, TokenFamily, User)
            .join(TokenFamily, col(TokenFamily.id) == col(RefreshToken.family_id))
            .join(User, col(User.id) == col(TokenFamily.user_id))
            .where(col(RefreshToken.token_hash) == hash_token(token))
        )
    ).one_or_none()
    if row is None:
        raise InvalidGrant(_BAD_REFRESH)
    refresh, family, user = row
    now = utcnow()
    if family.revoked_at is not None or refresh.expires_at <= now or not user.active:
        raise InvalidGrant(_BAD_REFRESH)
    if refresh.used_at is not None:
        # The revocation gets its own transaction (this one rolls back with the 401). Nothing
        # has been written here yet, so it holds no lock the revocation could wait on.
        await revoke_family(sessionmaker, family.id)
        raise InvalidGrant(_BAD_REFRESH)
    # Mark used only if nobody else did first: two concurrent uses cannot both succeed.
    claimed = await session.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.token_hash) == refresh.token_hash, col(RefreshToken.used_at).is_(None)
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # A concurrent request used it first. The UPDATE above holds SQLite's write lock until
        # this transaction ends, and the revocation's own transaction would wait on it (and
        # fail as "database is locked"): end it first; nothing in it is worth keeping.
        family_id = family.id  # read before the rollback expires the loaded rows
        await session.rollback()
        await revoke_family(sessionmaker, family_id)
        raise InvalidGrant(_BAD_REFRESH)
    access, expires_in = create_access_token(settings, user.id, family.id)
    new_refresh, refresh_expires_in = add_refresh_token(session, settings, family.id)
    return TokenResponse(
        access_token=access,
        expires_in=expires_in,
        refresh_token=new_refresh,
        refresh_expires_in=refresh_expires_in,
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
