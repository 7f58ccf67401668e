"""Per-process caches of rows that are read far more often than they change, kept exact across
processes by PostgreSQL LISTEN/NOTIFY. Two caches, each with its own channel and tables:
- REFERENCE: the business calendar and the SLA policies, which every order read and write needs;
- LOGINS: the users and their logins (token families), which every authenticated request checks
  (app/auth/dependencies.py), and the people a read names (app/domain/users/summaries.py).

Re-reading them cost a round trip or two on every request. Now:
- the tables carry statement triggers (migration) that `pg_notify` their cache's channel on any
  change, whoever makes it: the API, a migration, psql, the test suite emptying tables;
- each API process listens on a connection of its own and drops a cache on every notice on its
  channel;
- a transaction of this process that changed a cached table drops that cache the moment it
  commits, so the next request of this process cannot see the old row even before the notice
  arrives (a disabled user's next request here is refused at once; in another process within the
  notice's delivery, milliseconds);
- nothing is cached while that connection is down (or on SQLite, or before it listened): the
  rows are read from the database as before, so a lost notice can never leave a stale value;
- a value read before a notice arrived is not stored after it (the generation check);
- a transaction that itself changed one of these rows reads them from the database until it
  ends, so a policy change recomputes open orders with the new policy.
"""

import asyncio
import logging
import weakref
from collections.abc import Hashable
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

REFERENCE = "aftercare_reference"
LOGINS = "aftercare_logins"
CHANNELS = (REFERENCE, LOGINS)
_CHANGED_HERE = "cached_rows_changed"  # session.info: the channels this transaction wrote
_RETRY_SECONDS = 1.0
MAX_ENTRIES = 20_000
_log = logging.getLogger("aftercare.reference_cache")

# The table classes whose rows each cache holds; registered by the code that caches them.
_CACHED_MODELS: dict[type[Any], str] = {}


class ReferenceCache:
    def __init__(self) -> None:
        self.generation = 0
        self.listeners = 0  # connections listening for this cache's notices right now
        self.last_notice: str | None = None  # the payload of the latest notice handled
        self._values: dict[Hashable, Any] = {}

    @property
    def live(self) -> bool:
        """Notices of changes will arrive (several apps of one process may share an engine)."""
        return self.listeners > 0

    def get(self, key: Hashable) -> Any | None:
        return self._values.get(key) if self.live else None

    def put(self, key: Hashable, value: Any, generation: int) -> None:
        if self.live and generation == self.generation:
            if len(self._values) >= MAX_ENTRIES:
                self._values.clear()  # bounded: a flood of distinct logins cannot grow it
            self._values[key] = value

    def invalidate(self) -> None:
        self.generation += 1
        self._values.clear()

    def on_notice(self, payload: str) -> None:
        self.invalidate()
        self.last_notice = payload


_CACHES: "weakref.WeakKeyDictionary[Engine, dict[str, ReferenceCache]]" = (
    weakref.WeakKeyDictionary()
)


def cache_models(channel: str, *models: type[Any]) -> None:
    assert channel in CHANNELS, channel
    _CACHED_MODELS.update(dict.fromkeys(models, channel))


# Engines that are another engine with other execution options (the same pool, the same
# database): the read-only sessions' autocommit engine (app/db/session.py::reader_of).
_SAME_DATABASE: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def same_database(variant: Engine, base: Engine) -> None:
    """Let sessions bound to `variant` use `base`'s caches."""
    _SAME_DATABASE[variant] = base


def cache_for(session: AsyncSession, channel: str = REFERENCE) -> ReferenceCache | None:
    """The cache of `channel` this session may use, or None (read the database): none while
    nobody listens, and none in a transaction that changed one of that cache's tables."""
    if channel in session.info.get(_CHANGED_HERE, ()):
        return None
    bind = session.get_bind()
    bind = _SAME_DATABASE.get(bind, bind) if isinstance(bind, Engine) else bind
    caches = _CACHES.get(bind) if isinstance(bind, Engine) else None
    return caches.get(channel) if caches else None


def _note(session: Session, model: Any) -> None:
    channel = _CACHED_MODELS.get(model)
    if channel is not None:
        session.info.setdefault(_CHANGED_HERE, set()).add(channel)


@event.listens_for(Session, "before_flush")
def _note_unit_of_work_writes(session: Session, *_: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        _note(session, type(obj))


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: Any) -> None:
    """`session.execute(update(User)…)` and the like write past the unit of work."""
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        _note(state.session, state.bind_mapper.class_)


@event.listens_for(Session, "after_commit")
def _drop_what_this_transaction_changed(session: Session) -> None:
    channels = session.info.get(_CHANGED_HERE)
    bind = session.get_bind() if channels else None
    if channels and isinstance(bind, Engine) and bind in _CACHES:
        for channel in channels:
            _CACHES[bind][channel].invalidate()


@event.listens_for(Session, "after_transaction_end")
def _forget_cached_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended
        session.info.pop(_CHANGED_HERE, None)


async def listen_for_changes(engine: AsyncEngine, stop: asyncio.Event) -> None:
    """Keep `engine`'s cache valid until `stop` is set (run as a task beside the app)."""
    if engine.dialect.name != "postgresql":
        return  # no notices: nothing is cached
    caches = _CACHES.setdefault(engine.sync_engine, {c: ReferenceCache() for c in CHANNELS})
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        lost = asyncio.Event()
        conn = None
        listening = False
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
            conn.add_termination_listener(lambda _, lost=lost: lost.set())
            for channel, cache in caches.items():
                await conn.add_listener(
                    channel, lambda *notice, cache=cache: cache.on_notice(notice[-1])
                )
            for cache in caches.values():
                cache.invalidate()  # whatever changed while we were not listening
                cache.listeners += 1
            listening = True
            await _first(stop.wait(), lost.wait())
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            _log.warning("caches off, not listening: %s", exc)
        finally:
            for cache in caches.values():
                cache.listeners -= listening
                cache.invalidate()
            if conn is not None and not conn.is_closed():
                await conn.close(timeout=2)
        if not stop.is_set():
            await _first(stop.wait(), asyncio.sleep(_RETRY_SECONDS))


async def _first(*awaitables: Any) -> None:
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
