"""A bound on the logins one process checks at once.

A password check is argon2: tens of milliseconds of CPU and 64 MiB each. Unbounded, a flood of
anonymous logins would take every core, every worker thread and — while each waits its turn —
database connections the signed-in users need. A login therefore first takes one of a few slots;
one that cannot get a slot within a short wait is answered 503 with Retry-After at once, having
touched neither the database nor a thread.
"""

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.domain.auth.errors import LoginBusy


class LoginGate:
    def __init__(self, slots: int, wait_seconds: float) -> None:
        self._slots = slots
        self._wait_seconds = wait_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(slots)

    def _current_semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; a new loop (a test, a reloaded server) gets a
        # fresh one instead of an error.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self._slots)
        return self._semaphore

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        semaphore = self._current_semaphore()
        if not semaphore.locked():
            await semaphore.acquire()  # a free slot: returns at once
        else:
            try:
                await asyncio.wait_for(semaphore.acquire(), self._wait_seconds)
            except TimeoutError:
                raise LoginBusy(math.ceil(self._wait_seconds)) from None
        try:
            yield
        finally:
            semaphore.release()
