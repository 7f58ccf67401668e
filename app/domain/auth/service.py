"""Logins (password and client-credentials grants), logout.

A login never holds a database connection while the password is checked: the attempt is
reserved in a short side transaction of its own (app.domain.auth.throttle), the connection goes
back to the pool, the hash is checked, and only a success then writes, in the request's unit of
work. A failure writes nothing more: its reservation already counts it.
"""

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.auth.passwords import verify_password
from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.models import RefreshToken, TokenFamily, User
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.domain.auth import throttle
from app.domain.auth.schemas import TokenResponse
from app.domain.errors import InvalidGrant

_BAD_LOGIN = "Incorrect email or password"
_BAD_CLIENT = "Incorrect client id or secret"


@dataclass(frozen=True)
class LoginAttempt:
    identity: str  # email for the password grant, client id for client credentials
    secret: str
    address: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_refresh_token(
    session: AsyncSession, settings: Settings, family_id: uuid.UUID, token: str | None = None
) -> tuple[str, int]:
    """Store a refresh token of the login (a new random one unless given); return it and its
    lifetime in seconds."""
    token = token or secrets.token_urlsafe(32)
    lifetime = timedelta(days=settings.refresh_token_days)
    session.add(
        RefreshToken(
            token_hash=hash_token(token), family_id=family_id, expires_at=utcnow() + lifetime
        )
    )
    return token, int(lifetime.total_seconds())


async def _note_login(session: AsyncSession, user: User) -> None:
    """Stamp `last_login_at` as bookkeeping, not an edit: written past the ORM so it bumps
    neither `version` nor `updated_at`. Otherwise every login would turn the ETag a supervisor
    holds stale (412) and make a delta sync re-send the user, and a login racing a PATCH of the
    same user would fail on the version check."""
    now = utcnow()
    await session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(last_login_at=now, updated_at=col(User.updated_at))
        .execution_options(synchronize_session=False)
    )
    set_committed_value(user, "last_login_at", now)


async def _reserve(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    attempt: LoginAttempt,
    find_user: Callable[[AsyncSession], Awaitable[User | None]],
) -> tuple[throttle.Reservation, User | None]:
    """The side transaction: count the attempt (or 429) and read the account, then commit and
    give the connection back before any hashing starts."""
    async with unit_of_work(sessionmaker) as side:
        reservation = await throttle.reserve_attempt(
            side, settings, attempt.identity, attempt.address
        )
        return reservation, await find_user(side)


async def login_with_password(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    attempt: LoginAttempt,
) -> TokenResponse:
    async def by_email(side: AsyncSession) -> User | None:
        stmt = select(User).where(col(User.email) == attempt.identity.lower())
        return (await side.scalars(stmt)).one_or_none()

    reservation, user = await _reserve(sessionmaker, settings, attempt, by_email)
    password_hash = user.password_hash if user and not user.service_account else None
    valid = await verify_password(attempt.secret, password_hash)
    if user is None or not valid or not user.active:
        raise InvalidGrant(_BAD_LOGIN)
    # Only now the request's own unit of work: its first statement takes the connection.
    await throttle.record_success(session, reservation)
    await _note_login(session, user)
    family = TokenFamily(user_id=user.id)
    session.add(family)
    await session.flush()
    access, expires_in = create_access_token(settings, user.id, family.id)
    refresh, refresh_expires_in = add_refresh_token(session, settings, family.id)
    return TokenResponse(
        access_token=access,
        expires_in=expires_in,
        refresh_token=refresh,
        refresh_expires_in=refresh_expires_in,
    )


async def login_with_client_credentials(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    attempt: LoginAttempt,
) -> TokenResponse:
    """Service accounts get a short access token and no refresh token (RFC 6749 §4.4.3)."""

    async def by_client_id(side: AsyncSession) -> User | None:
        try:
            client_id = uuid.UUID(attempt.identity)
        except ValueError:
            return None
        return await side.get(User, client_id)

    reservation, user = await _reserve(sessionmaker, settings, attempt, by_client_id)
    secret_hash = user.client_secret_hash if user and user.service_account else None
    valid = await verify_password(attempt.secret, secret_hash)
    if user is None or not valid or not user.active:
        raise InvalidGrant(_BAD_CLIENT)
    await throttle.record_success(session, reservation)
    await _note_login(session, user)
    access, expires_in = create_access_token(settings, user.id, None)
    return TokenResponse(access_token=access, expires_in=expires_in)


async def logout(
    session: AsyncSession, user: User, family_id: uuid.UUID | None, refresh_token: str | None
) -> None:
    """Revoke the caller's login session (and the one a given refresh token belongs to)."""
    families = {family_id} if family_id else set()
    if refresh_token:
        found = (
            await session.scalars(
                select(col(RefreshToken.family_id))
                .join(TokenFamily, col(TokenFamily.id) == col(RefreshToken.family_id))
                .where(
                    col(RefreshToken.token_hash) == hash_token(refresh_token),
                    col(TokenFamily.user_id) == user.id,
                )
            )
        ).one_or_none()
        if found:
            families.add(found)
    if families:
        await session.execute(
            update(TokenFamily)
            .where(col(TokenFamily.id).in_(families), col(TokenFamily.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )


async def revoke_all_sessions(
    session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID | None = None
) -> None:
    """End every login session of a user, except `keep` (the caller's own, when given)."""
    stmt = update(TokenFamily).where(
        col(TokenFamily.user_id) == user_id, col(TokenFamily.revoked_at).is_(None)
    )
    if keep is not None:
        stmt = stmt.where(col(TokenFamily.id) != keep)
    await session.execute(stmt.values(revoked_at=utcnow()))
