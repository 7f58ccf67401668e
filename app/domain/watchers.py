"""Watchers: the periodic scans (SLA today; follow-ups, callbacks, case proposals next).

A watcher is a function that takes a session, moves what is due, and returns how many rows it
changed. One loop runs every registered watcher on each tick, both inside the API process
(SLA_WORKER_IN_PROCESS) and in `aftercare worker`. Each batch of each watcher is its own unit of
work: a scan's writes commit together or not at all, and one watcher failing (logged) neither
stops the others nor the loop. While the database is away, a watcher logs one line when the
outage starts and one when it ends, not a traceback on every tick.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.outage import is_database_unavailable
from app.db.session import unit_of_work

Scan = Callable[[AsyncSession], Awaitable[int]]
S = TypeVar("S", bound=Scan)


@dataclass(frozen=True)
class Watcher:
    name: str
    scan: Scan
    # A scan that changed `batch` rows may have left more due: it runs again at once.
    batch: int | None = None
    # What the count counts, for the log line ("sla scan moved 3 orders").
    counts: str = "rows"

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"aftercare.{self.name}")


_WATCHERS: dict[str, Watcher] = {}


def register_watcher(
    name: str, scan: Scan, *, batch: int | None = None, counts: str = "rows"
) -> None:
    if name in _WATCHERS and _WATCHERS[name].scan is not scan:
        raise ValueError(f"a watcher named {name!r} is already registered")
    _WATCHERS[name] = Watcher(name, scan, batch, counts)


def watcher(name: str, *, batch: int | None = None, counts: str = "rows") -> Callable[[S], S]:
    """Register the decorated scan under `name` (see the module docstring)."""

    def register(scan: S) -> S:
        register_watcher(name, scan, batch=batch, counts=counts)
        return scan

    return register


def registered_watchers() -> list[Watcher]:
    """Every watcher, in registration order. The modules that declare watchers are imported
    here, the one place that lists them (imported late: they import this module)."""
    from app.domain.cases import findings  # noqa: F401
    from app.domain.external_repairs import chase  # noqa: F401
    from app.domain.service_orders import sla_worker  # noqa: F401

    return list(_WATCHERS.values())


class _Run:
    """One watcher's loop state: whether its last attempt found the database away."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.database_away = False

    async def tick(
        self, sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event
    ) -> None:
        watcher, log = self.watcher, self.watcher.log
        try:
            while not stop.is_set():
                async with unit_of_work(sessionmaker) as session:
                    changed = await watcher.scan(session)
                if changed:
                    log.info("%s scan moved %d %s", watcher.name, changed, watcher.counts)
                if watcher.batch is None or changed < watcher.batch:
                    break
        except Exception as exc:
            if not is_database_unavailable(exc):
                log.exception("%s scan failed", watcher.name)
            elif not self.database_away:
                reason = getattr(exc, "orig", None) or exc
                log.warning("%s scan: database unavailable (%s); retrying", watcher.name, reason)
            self.database_away = is_database_unavailable(exc)
            return
        if self.database_away:
            log.warning("%s scan: database is back", watcher.name)
            self.database_away = False


async def run_watchers(
    sessionmaker: async_sessionmaker[AsyncSession],
    interval_seconds: float,
    stop: asyncio.Event,
    watchers: Sequence[Watcher] | None = None,
) -> None:
    """Run every watcher once per tick until `stop` is set (the scan in progress finishes)."""
    runs = [_Run(w) for w in (registered_watchers() if watchers is None else watchers)]
    while not stop.is_set():
        for run in runs:
            if stop.is_set():
                break
            await run.tick(sessionmaker, stop)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
