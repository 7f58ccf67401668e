"""Engine, session factory and the unit of work (one transaction per request)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.db.models import Event

_PENDING_EVENTS = "pending_events"
# Any constant works; it only has to be the same for every writer of the event log.
_EVENT_LOG_LOCK = 7_426_001


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def create_sessionmaker(bind: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=True)


def stage_event(session: AsyncSession, event_row: Event) -> None:
    """Queue an event to be written just before this session commits."""
    session.info.setdefault(_PENDING_EVENTS, []).append(event_row)


async def commit(session: AsyncSession) -> None:
    """Write the staged events, then commit.

    On PostgreSQL the event log is appended under a transaction-scoped advisory lock taken as the
    very last step, so events commit in `seq` order and a reader of `GET /events?after=` can never
    see seq 11 before seq 10 becomes visible. Taking the lock last (after every row lock the
    transaction holds) keeps it from taking part in a deadlock.
    """
    pending: list[Event] = session.info.pop(_PENDING_EVENTS, [])
    if pending:
        await session.flush()
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _EVENT_LOG_LOCK})
        session.add_all(pending)
    await session.commit()


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
            session.info.pop(_PENDING_EVENTS, None)
            await session.rollback()
            raise
