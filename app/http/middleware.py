"""ASGI middleware: request ids, JSON access logs and metrics; body size and query guards."""

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import Counter, Histogram

from app.http.language import scope_language
from app.http.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("aftercare.access")
REQUESTS = Counter("aftercare_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "aftercare_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# RFC 9110 §5.5: a field value holds visible characters, spaces and tabs. h11 lets other control
# bytes through; refusing them here keeps them out of logs and of every header parser after us.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
BODY_KEY = "aftercare.body"
# The session of a request whose transaction a middleware owns (see app/http/idempotency.py).
SESSION_KEY = "aftercare.session"
CLIENT_CLOSED_REQUEST = 499
# A client that has not finished sending its body by then is holding a connection for nothing.
BODY_TIMEOUT_SECONDS = 30.0


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    """The matched path with its parameters named ("/api/v1/customers/{customer_id}"), so
    metrics stay low-cardinality; "unmatched" for requests no route took."""
    if scope.get("route") is None:
        return "unmatched"
    path = str(scope["path"])
    for name, value in (scope.get("path_params") or {}).items():
        path = path.replace(f"/{value}", f"/{{{name}}}", 1)
    return path


class ObservabilityMiddleware:
    """Give every request an id (X-Request-ID, echoed back), log one JSON line, count it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = status or 500
            raise
        finally:
            # No response and no error (or a cancellation): the client went away first (nginx's
            # 499), which is not a server error and must not count as one in logs or metrics.
            status = status or CLIENT_CLOSED_REQUEST
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            state = scope.get("state", {})
            access_log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "user_id": str(state["user_id"]) if state.get("user_id") else None,
                    }
                )
            )


class BodyGuardMiddleware:
    """Refuse oversized bodies (413), bodies sent too slowly (408) and NUL bytes in the URL (400)
    before any handler runs.

    The body is read once, up to the limit, and handed on; later layers find it in the scope.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_timeout_seconds: float = BODY_TIMEOUT_SECONDS,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            detail = "NUL characters are not allowed in the URL"
            await problem(400, detail, language=scope_language(scope))(scope, receive, send)
            return
        if any(_CONTROL_BYTES.search(value) for _, value in scope.get("headers", [])):
            detail = "Control characters are not allowed in header values"
            await problem(400, detail, language=scope_language(scope))(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, receive, send)
            return
        more = scope["method"] not in ("GET", "HEAD", "OPTIONS", "DELETE") or declared is not None
        try:
            async with asyncio.timeout(self.body_timeout_seconds):
                body = await self._read_body(receive) if more else b""
        except TimeoutError:
            detail = f"The request body did not arrive within {self.body_timeout_seconds:g} s"
            await problem(408, detail, language=scope_language(scope))(scope, receive, send)
            return
        if body is None:  # the client went away
            return
        if len(body) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        scope[BODY_KEY] = body
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None if the client disconnected; stops one chunk past the limit."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if size > self.max_body_bytes:
                break
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {self.max_body_bytes} bytes"
        response = problem(413, detail, language=scope_language(scope))
        await response(scope, receive, send)
