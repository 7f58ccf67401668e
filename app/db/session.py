"""Engine, session factory and the unit of work (one transaction per request)."""

import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.db.models import Event, Participant
from app.db.reference_cache import same_database

_PENDING_EVENTS = "pending_events"
_PENDING_PARTICIPANTS = "pending_participants"


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
        "server_settings": {
            "statement_timeout": str(int(timeouts.statement * 1000)),
            # Plan every statement for its values. A pooled connection runs the same prepared
            # statements thousands of times, and after five PostgreSQL may keep a generic plan
            # built for any value: for `q=` that plan took 23-28 ms instead of 0.1-0.2 ms at
            # 10,000 orders (bench/scale.py's generic-plan column; docs/decisions.md).
            "plan_cache_mode": "force_custom_plan",
        },
    }
    engine = create_async_engine(url, connect_args=connect_args, **kwargs)
    _ping_idle_connections(engine)
    return engine


def unpooled(engine: AsyncEngine, timeouts: Timeouts) -> AsyncEngine:
    """An engine for `engine`'s database without a pool: each connect opens a connection of its
    own and never waits behind the pool's (the readiness probe; making a number sequence while
    the request holds a pooled connection)."""
    url = engine.url.render_as_string(hide_password=False)
    return create_engine(url, timeouts, poolclass=NullPool)


def engine_for(settings: Settings) -> AsyncEngine:
    """The engine of an API process or a worker: the configured timeouts and pool.

    A fixed pool with no overflow (docs/operations.md): SQLAlchemy closes an overflow
    connection as soon as it is returned while the pool is full, so a process busier than its
    pool opened and closed a connection for nearly every request past it. Connections are opened
    as needed up to `db_pool_size` and kept; a request that finds none free waits for one (at
    most `db_pool_timeout_seconds`, then 503)."""
    return create_engine(
        settings.database_url,
        Timeouts.of(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


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


_READ_ONLY = "read_only"
_WRITE_WHILE_READING = "a read-only request tried to write"
_READERS: "weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]" = (  # noqa: E501
    weakref.WeakKeyDictionary()
)


def reader_of(sessionmaker: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions for a request that only reads (GET), on PostgreSQL without BEGIN and COMMIT.

    Under READ COMMITTED every statement sees its own snapshot anyway, so a read-only
    transaction adds two round trips (a sixth of a GET's CPU) and nothing else. Its
    connections come from the same pool. Such a session refuses to write: a flush with
    anything to write raises, so a GET that changes something fails loudly in the tests
    instead of writing outside a transaction. SQLite keeps its (local, cheap) transactions.
    """
    reader = _READERS.get(sessionmaker)
    if reader is None:
        bind = sessionmaker.kw["bind"]
        if bind.dialect.name == "postgresql":
            base, bind = bind, bind.execution_options(isolation_level="AUTOCOMMIT")
            same_database(bind.sync_engine, base.sync_engine)
        reader = async_sessionmaker(
            bind, expire_on_commit=False, autoflush=True, info={_READ_ONLY: True}
        )
        _READERS[sessionmaker] = reader
    return reader


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading(session: Session, *_: Any) -> None:
    if session.info.get(_READ_ONLY) and _has_changes(session):
        raise RuntimeError(_WRITE_WHILE_READING)


@event.listens_for(Session, "do_orm_execute")
def _refuse_write_statements_when_reading(state: Any) -> None:
    if state.session.info.get(_READ_ONLY) and (
        state.is_update or state.is_delete or state.is_insert
    ):
        raise RuntimeError(_WRITE_WHILE_READING)


def _has_changes(session: Session | AsyncSession) -> bool:
    return bool(session.new or session.dirty or session.deleted)


@asynccontextmanager
async def read_only_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A GET's session (`reader_of`): closed when the block ends, never committed, since it has
    nothing to commit; the commit's machinery was a twentieth of a GET's CPU. A change left in
    it raises instead of vanishing."""
    async with sessionmaker() as session:
        yield session
        if _has_changes(session):
            raise RuntimeError(_WRITE_WHILE_READING)


def stage_event(
    session: AsyncSession, event_row: Event, object_created_at: datetime | None = None
) -> None:
    """Queue an event to be written just before this session commits; with the object's
    creation time, its actor also becomes one of the object's participants."""
    session.info.setdefault(_PENDING_EVENTS, []).append(event_row)
    if object_created_at is not None and event_row.actor_id is not None:
        key = (event_row.actor_id, event_row.object_type, event_row.object_id)
        session.info.setdefault(_PENDING_PARTICIPANTS, {})[key] = object_created_at


async def commit(session: AsyncSession) -> None:
    """Write the staged events, then commit.

    The events go last, after every other write and row lock of the transaction, so an event's
    `seq` follows the order in which writers of the same object got its lock. Nothing else
    orders the commits: on PostgreSQL the `events_position` trigger stamps each event with a
    horizon and the feed shows only the events every older transaction has passed (see
    app/domain/event_feed.py); SQLite has one writer at a time.
    """
    pending: list[Event] = session.info.pop(_PENDING_EVENTS, [])
    participants = session.info.pop(_PENDING_PARTICIPANTS, {})
    if pending:
        await session.flush()
        if participants:
            await _add_participants(session, participants)
        session.add_all(pending)
    await session.commit()


async def _add_participants(
    session: AsyncSession, participants: dict[tuple[Any, str, Any], datetime]
) -> None:
    """One INSERT for the whole unit of work; a person already recorded on an object is kept."""
    rows = [
        {"user_id": u, "object_type": t, "object_id": o, "object_created_at": at}
        for (u, t, o), at in participants.items()
    ]
    await session.execute(insert_ignoring_duplicates(session, Participant).values(rows))


def insert_ignoring_duplicates(
    session: AsyncSession, table: Any, index_elements: list[str] | None = None
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING in the dialect at hand (both spell it alike); with
    `index_elements`, only a conflict on that unique index is ignored."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements)


def discard_staged_events(session: AsyncSession) -> None:
    session.info.pop(_PENDING_EVENTS, None)
    session.info.pop(_PENDING_PARTICIPANTS, None)


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
