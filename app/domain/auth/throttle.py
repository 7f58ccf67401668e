"""Login throttling that cannot be raced and that an attacker cannot turn into a lockout.

Every attempt is *reserved* before its password is checked: one row per throttle key is written
and the keys are counted in the same short transaction, serialised per key, so of N parallel
guesses at most the limit ever reach the password check. The row counts as a failure until the
attempt succeeds, when it is deleted again; a failure needs no second write at all.

Keys (docs/security.md): account+address (the usual guesser), address (one client spraying
many accounts), and the account across all addresses — a larger budget that does not apply at an
address the account has logged in from before, so a distributed attack slows down without
locking the owner out.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import Settings
from app.db.models import KnownLoginAddress, LoginFailure
from app.db.types import utcnow
from app.domain.errors import TooManyRequests

# An address counts as the account's own for this long after its last successful login.
KNOWN_ADDRESS_DAYS = 90
# Expired rows purged per attempt: bounds the work one request does after a spray.
_PURGE_BATCH = 500
# Advisory-lock class for throttle keys (the two-integer lock space, apart from other locks).
_THROTTLE_LOCK_CLASS = 7_426_002


@dataclass(frozen=True)
class Reservation:
    account: str
    address: str
    row_ids: tuple[int, ...]

    @property
    def pair_key(self) -> str:
        return _pair_key(self.account, self.address)


def client_bucket(address: str) -> str:
    """The unit an address is throttled by: an IPv4 address, or an IPv6 /64 (one subscriber
    usually holds a whole /64, so counting single IPv6 addresses would throttle nobody)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _pair_key(account: str, address: str) -> str:
    return f"account_address:{account}|{address}"


@dataclass(frozen=True)
class _Limit:
    key: str
    max_failures: int
    applies_at_known_address: bool = True


def _limits(settings: Settings, account: str, address: str) -> list[_Limit]:
    return [
        _Limit(_pair_key(account, address), settings.login_max_failures_per_account_address),
        _Limit(f"address:{address}", settings.login_max_failures_per_address),
        _Limit(
            f"account:{account}",
            settings.login_max_failures_per_account,
            applies_at_known_address=False,
        ),
    ]


async def _serialize_per_key(session: AsyncSession, keys: list[str]) -> None:
    """Make reserve-then-count atomic per key.

    PostgreSQL: concurrent reservations of one key queue on a transaction advisory lock, taken
    in sorted order so two attempts sharing keys cannot deadlock. SQLite needs nothing: the
    INSERT that follows takes its single write lock until commit, which serialises every writer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(keys):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(:key))"),
            {"cls": _THROTTLE_LOCK_CLASS, "key": key},
        )


async def _is_known_address(session: AsyncSession, account: str, address: str) -> bool:
    since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    found = await session.scalar(
        select(func.count()).where(
            col(KnownLoginAddress.account) == account,
            col(KnownLoginAddress.address) == address,
            col(KnownLoginAddress.last_success_at) > since,
        )
    )
    return bool(found)


async def _purge_expired(session: AsyncSession, cutoff: datetime) -> None:
    # Expired rows of *every* key go (names nobody tries again would otherwise stay forever).
    # SKIP LOCKED (ignored by SQLite): two purges never wait on, or deadlock with, each other.
    expired = (
        select(col(LoginFailure.id))
        .where(col(LoginFailure.at) <= cutoff)
        .limit(_PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    await session.execute(delete(LoginFailure).where(col(LoginFailure.id).in_(expired)))


async def reserve_attempt(
    session: AsyncSession, settings: Settings, identity: str, address: str
) -> Reservation:
    """Count this attempt against every key, or raise 429 (and write nothing) when a key is
    over its limit. Whether the account exists makes no difference, so nothing is revealed."""
    account, address = identity.lower(), client_bucket(address)
    limits = _limits(settings, account, address)
    await _serialize_per_key(session, [limit.key for limit in limits])
    now = utcnow()
    rows = [LoginFailure(key=limit.key, at=now) for limit in limits]
    session.add_all(rows)
    await session.flush()
    since = now - timedelta(seconds=settings.login_window_seconds)
    known = await _is_known_address(session, account, address)
    for limit in limits:
        if known and not limit.applies_at_known_address:
            continue
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(col(LoginFailure.at))).where(
                    col(LoginFailure.key) == limit.key, col(LoginFailure.at) > since
                )
            )
        ).one()
        if count > limit.max_failures:  # the count includes this attempt's own row
            retry = int((oldest - since).total_seconds()) + 1
            raise TooManyRequests("Too many failed logins; wait before trying again", retry)
    await _purge_expired(session, since)
    return Reservation(account, address, tuple(row.id for row in rows if row.id is not None))


async def record_success(session: AsyncSession, reservation: Reservation) -> None:
    """The attempt was not a failure after all: drop its rows and the failures of this account
    at this address, and remember the address as the account's own."""
    await _serialize_per_key(session, [reservation.pair_key])
    await session.execute(
        delete(LoginFailure).where(
            or_(
                col(LoginFailure.id).in_(reservation.row_ids),
                col(LoginFailure.key) == reservation.pair_key,
            )
        )
    )
    await _remember_address(session, reservation.account, reservation.address)


async def _remember_address(session: AsyncSession, account: str, address: str) -> None:
    # Both dialects spell the upsert alike; only the constructor differs.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(KnownLoginAddress).values(account=account, address=address, last_success_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["account", "address"], set_={"last_success_at": now}
        )
    )
