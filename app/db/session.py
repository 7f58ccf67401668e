"""Engine, session factory and the unit of work (one transaction per request)."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.db.models import Event

_PENDING_EVENTS = "pending_events"


@dataclass(frozen=True)
class Timeouts:
    """How long a request may wait on the database before it is answered 503 (docs/reliability.md).

    An outage must be answered quickly, not after the driver's defaults (a 30 s pool wait, a 60 s
    connect): `pool` bounds the wait for a free pooled connection, `connect` the opening of a new
    one, `statement` one statement on the server (PostgreSQL `statement_timeout`; the driver
    itself gives up a little later, for a server that stopped answering altogether).
    """

    pool: float = 2.0
    connect: float = 3.0
    statement: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> "Timeouts":
        return cls(
            pool=settings.db_pool_timeout_seconds,
            connect=settings.db_connect_timeout_seconds,
            statement=settings.db_statement_timeout_seconds,
        )


_DRIVER_GRACE_SECONDS = 2.0
# A pooled connection idle for longer than this is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> AsyncEngine:
    timeouts = timeouts or Timeouts()
    if "poolclass" not in kwargs:  # a NullPool (the readiness probe) has nothing to wait for
        kwargs.setdefault("pool_timeout", timeouts.pool)
    if url.startswith("sqlite"):
        # SQLite waits for the writer lock (busy_timeout), not for a server.
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    connect_args = {
        "timeout": timeouts.connect,
        "command_timeout": timeouts.statement + _DRIVER_GRACE_SECONDS,
        "server_settings": {"statement_timeout": str(int(timeouts.statement * 1000))},
    }
    engine = create_async_engine(url, connect_args=connect_args, **kwargs)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Ping a pooled connection before reuse only when it sat idle for a while.

    SQLAlchemy's `pool_pre_ping` costs a round trip on every checkout (about 10 % of a simple
    GET's CPU). Under load a connection comes back to the pool and leaves it again within
    milliseconds, so the ping would find nothing; what it protects against is a connection that
    died while idle (a database restart during a quiet moment). Those are pinged, and a dead
    one is replaced before any request sees it. A connection killed less than a second after
    its last use fails its request like one in flight would (503), and SQLAlchemy then
    invalidates the whole pool, so the next requests reconnect.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, __: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception:
            alive = False
        if not alive:
            raise sa_exc.DisconnectionError("idle connection did not answer a ping")


def create_sessionmaker(bind: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=True)


def stage_event(session: AsyncSession, event_row: Event) -> None:
    """Queue an event to be written just before this session commits."""
    session.info.setdefault(_PENDING_EVENTS, []).append(event_row)


async def commit(session: AsyncSession) -> None:
    """Write the staged events, then commit.

    The events go last, after every other write and row lock of the transaction, so an event's
    `seq` follows the order in which writers of the same object got its lock. Nothing else
    orders the commits: on PostgreSQL the `events_position` trigger stamps each event with a
    horizon and the feed shows only the events every older transaction has passed (see
    app/domain/event_feed.py); SQLite has one writer at a time.
    """
    pending: list[Event] = session.info.pop(_PENDING_EVENTS, [])
    if pending:
        await session.flush()
        session.add_all(pending)
    await session.commit()


def discard_staged_events(session: AsyncSession) -> None:
    session.info.pop(_PENDING_EVENTS, None)


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A transaction that commits when the block succeeds and rolls back when it raises."""
    async with sessionmaker() as session:
        try:
            yield session
            await commit(session)
        except BaseException:
            discard_staged_events(session)
            await session.rollback()
            raise


@asynccontextmanager
async def joined_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A part of a unit of work that someone else commits (the idempotency middleware, which
    stores its record in the same transaction): flush when the block succeeds, so its errors
    surface here, and roll the whole transaction back when it raises."""
    try:
        yield session
        await session.flush()
    except BaseException:
        discard_staged_events(session)
        await session.rollback()
        raise
