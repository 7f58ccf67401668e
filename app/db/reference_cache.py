"""A per-process cache of the rarely changed rows every order read needs (the business calendar,
the SLA policies), kept exact across processes by PostgreSQL LISTEN/NOTIFY.

Re-reading them cost two round trips on every order read and write. Now:
- the tables carry statement triggers (migration) that `pg_notify` CHANNEL on any change,
  whoever makes it: the API, a migration, psql, the test suite emptying tables;
- each API process listens on a connection of its own and drops its cache on every notice;
- nothing is cached while that connection is down (or on SQLite, or before it listened): the
  rows are read from the database as before, so a lost notice can never leave a stale value;
- a value read before a notice arrived is not stored after it (the generation check);
- a transaction that itself changed one of these rows reads them from the database until it
  ends, so a policy change recomputes open orders with the new policy.
"""

import asyncio
import logging
import weakref
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

CHANNEL = "aftercare_reference"
_CHANGED_HERE = "reference_rows_changed"
_RETRY_SECONDS = 1.0
_log = logging.getLogger("aftercare.reference_cache")

# Table classes whose rows the cache holds; registered by the code that caches them.
_CACHED_MODELS: set[type[Any]] = set()


class ReferenceCache:
    def __init__(self) -> None:
        self.generation = 0
        self.live = False  # listening: notices of changes will arrive
        self._values: dict[str, Any] = {}

    def get(self, key: str) -> Any | None:
        return self._values.get(key) if self.live else None

    def put(self, key: str, value: Any, generation: int) -> None:
        if self.live and generation == self.generation:
            self._values[key] = value

    def invalidate(self) -> None:
        self.generation += 1
        self._values.clear()


_CACHES: "weakref.WeakKeyDictionary[Engine, ReferenceCache]" = weakref.WeakKeyDictionary()


def cache_models(*models: type[Any]) -> None:
    _CACHED_MODELS.update(models)


def cache_for(session: AsyncSession) -> ReferenceCache | None:
    """The cache this session may use, or None (read the database)."""
    if session.info.get(_CHANGED_HERE):
        return None
    bind = session.get_bind()
    return _CACHES.get(bind) if isinstance(bind, Engine) else None


@event.listens_for(Session, "before_flush")
def _note_reference_writes(session: Session, *_: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj) in _CACHED_MODELS:
            session.info[_CHANGED_HERE] = True
            return


@event.listens_for(Session, "after_transaction_end")
def _forget_reference_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended
        session.info.pop(_CHANGED_HERE, None)


async def listen_for_changes(engine: AsyncEngine, stop: asyncio.Event) -> None:
    """Keep `engine`'s cache valid until `stop` is set (run as a task beside the app)."""
    if engine.dialect.name != "postgresql":
        return  # no notices: nothing is cached
    cache = _CACHES.setdefault(engine.sync_engine, ReferenceCache())
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        lost = asyncio.Event()
        conn = None
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
            conn.add_termination_listener(lambda _, lost=lost: lost.set())
            await conn.add_listener(CHANNEL, lambda *_: cache.invalidate())
            cache.invalidate()  # whatever changed while we were not listening
            cache.live = True
            await _first(stop.wait(), lost.wait())
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            _log.warning("reference cache off, not listening: %s", exc)
        finally:
            cache.live = False
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
