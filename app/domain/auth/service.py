"""Logins (password and client-credentials grants), refresh-token rotation, logout, throttling."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.auth.passwords import verify_password
from app.auth.tokens import create_access_token
from app.config import Settings
from app.db.models import LoginFailure, RefreshToken, TokenFamily, User
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.domain.auth.schemas import TokenResponse
from app.domain.errors import InvalidGrant, TooManyRequests

_BAD_LOGIN = "Incorrect email or password"
_BAD_CLIENT = "Incorrect client id or secret"
_BAD_REFRESH = "Refresh token is invalid, expired or revoked; log in again"


@dataclass(frozen=True)
class LoginAttempt:
    identity: str  # email for the password grant, client id for client credentials
    secret: str
    address: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle_keys(attempt: LoginAttempt) -> list[tuple[str, int]]:
    return [(f"account:{attempt.identity.lower()}", 0), (f"address:{attempt.address}", 1)]


async def _check_throttle(session: AsyncSession, settings: Settings, attempt: LoginAttempt) -> None:
    """429 while an account or an address has too many recent failures (whether or not the
    account exists, so the answer reveals nothing)."""
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    limits = (settings.login_max_failures_per_account, settings.login_max_failures_per_address)
    for key, which in _throttle_keys(attempt):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(col(LoginFailure.at))).where(
                    col(LoginFailure.key) == key, col(LoginFailure.at) > since
                )
            )
        ).one()
        if count >= limits[which]:
            retry = int((oldest - since).total_seconds()) + 1
            raise TooManyRequests("Too many failed logins; wait before trying again", retry)


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, attempt: LoginAttempt
) -> None:
    # Its own transaction: the request's transaction rolls back with the 401 it answers.
    # Expired failures of *every* key go: those of names nobody tries again (a spray of random
    # emails) would otherwise stay forever.
    cutoff = utcnow() - timedelta(seconds=settings.login_window_seconds)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(delete(LoginFailure).where(col(LoginFailure.at) <= cutoff))
        session.add_all([LoginFailure(key=key) for key, _ in _throttle_keys(attempt)])


async def _issue_refresh_token(
    session: AsyncSession, settings: Settings, family_id: uuid.UUID
) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=settings.refresh_token_days)
    session.add(
        RefreshToken(
            token_hash=_hash_token(token), family_id=family_id, expires_at=utcnow() + lifetime
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


async def login_with_password(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    attempt: LoginAttempt,
) -> TokenResponse:
    await _check_throttle(session, settings, attempt)
    user = (
        await session.scalars(select(User).where(col(User.email) == attempt.identity.lower()))
    ).one_or_none()
    password_hash = user.password_hash if user and not user.service_account else None
    valid = await verify_password(attempt.secret, password_hash)
    if user is None or not valid or not user.active:
        await _record_failure(sessionmaker, settings, attempt)
        raise InvalidGrant(_BAD_LOGIN)
    await session.execute(
        delete(LoginFailure).where(col(LoginFailure.key) == f"account:{attempt.identity.lower()}")
    )
    await _note_login(session, user)
    family = TokenFamily(user_id=user.id)
    session.add(family)
    await session.flush()
    access, expires_in = create_access_token(settings, user.id, family.id)
    refresh, refresh_expires_in = await _issue_refresh_token(session, settings, family.id)
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
    await _check_throttle(session, settings, attempt)
    try:
        client_id = uuid.UUID(attempt.identity)
    except ValueError:
        client_id = None
    user = await session.get(User, client_id) if client_id else None
    secret_hash = user.client_secret_hash if user and user.service_account else None
    valid = await verify_password(attempt.secret, secret_hash)
    if user is None or not valid or not user.active:
        await _record_failure(sessionmaker, settings, attempt)
        raise InvalidGrant(_BAD_CLIENT)
    await _note_login(session, user)
    access, expires_in = create_access_token(settings, user.id, None)
    return TokenResponse(access_token=access, expires_in=expires_in)


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
            .where(col(RefreshToken.token_hash) == _hash_token(token))
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
    new_refresh, refresh_expires_in = await _issue_refresh_token(session, settings, family.id)
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
                    col(RefreshToken.token_hash) == _hash_token(refresh_token),
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
