"""How `aftercare serve` runs uvicorn: limits on what a client may make the server hold.

uvicorn's default HTTP parser (httptools) accepts request headers of any size, and uvicorn times
out only idle keep-alive connections, so one client could make the process buffer a 64 MiB
header or keep hundreds of half-sent requests open for ever. We run h11, whose receive buffer
is bounded, and give every request head a deadline. The body has its own deadline in
BodyGuardMiddleware (app/http/middleware.py). docs/fuzzing.md has the figures measured.
"""

import asyncio
import gc
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# Request line plus headers; more is refused with 400 before the app sees anything.
MAX_REQUEST_HEAD_BYTES = 32 * 1024
# A client has this long to send a complete request head (from connecting, or from the end of
# the previous response on a kept-alive connection).
REQUEST_HEAD_TIMEOUT_SECONDS = 10.0
KEEP_ALIVE_TIMEOUT_SECONDS = 5
# Beyond this many open connections new requests get 503 rather than exhausting the process.
MAX_CONCURRENT_CONNECTIONS = 1000
GRACEFUL_SHUTDOWN_SECONDS = 30


class BoundedH11Protocol(H11Protocol):
    """h11 with a deadline for each request head (slow-header clients are disconnected)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is complete
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_deadline()  # the next request on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(
            REQUEST_HEAD_TIMEOUT_SECONDS, self._head_too_slow
        )

    def _disarm_head_deadline(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


# Python's cyclic garbage collector, tuned for a request loop (measured in bench/RESULTS.md):
# every request allocates thousands of short-lived objects (statements, rows, models), so with
# the default first threshold (700) a collection ran every few requests and a full one, walking
# every object the process holds, every hundred or so — about a seventh of a read's CPU.
# Freezing what exists once the app has started keeps those long-lived objects (modules, the
# mapped tables, the pydantic schemas, the route table) out of every later collection, and a
# higher first threshold collects young objects less often; cycles are still collected.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_garbage_collection() -> None:
    """Called once the app has started (app/main.py lifespan)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def uvicorn_options() -> dict[str, Any]:
    """The keyword arguments `aftercare serve` passes to uvicorn.run."""
    return {
        "http": BoundedH11Protocol,
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT_SECONDS,
        "limit_concurrency": MAX_CONCURRENT_CONNECTIONS,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
