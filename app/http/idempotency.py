"""Idempotency-Key on every POST (SPEC §3), as ASGI middleware so every route gets it.

The key's record, with the response to replay, is written in the request's own transaction just
before it commits: the middleware opens the request's session, the route's `Session` dependency
joins it (app/http/deps.py), and the middleware commits once the response is complete and
before any byte of it is sent. A key is therefore committed together with the write it protects
or not at all: a retry after any fault replays the committed answer or runs exactly once, and a
failed request leaves nothing behind that could block its key.

While a request runs, its key is held (see `_hold`): a duplicate meanwhile gets 409; once the
first committed, a duplicate gets the stored response (`Idempotent-Replayed: true`). The same key
with another body or URL → 422. Only 2xx responses are kept, and never a `no-store` one (tokens,
secrets shown once): the key stays free and a retry runs again. Keys are scoped per user (the
access token's subject) and kept for `IDEMPOTENCY_TTL_HOURS` (at least 24 h). Requests without a
valid token pass straight through (they will be answered 401 anyway).
"""

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.responses import Response

from app.auth.dependencies import load_login
from app.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from app.config import Settings
from app.db.models import IdempotencyRecord
from app.db.outage import is_database_unavailable
from app.db.session import commit
from app.db.types import utcnow
from app.domain.i18n import Language
from app.http.language import scope_language
from app.http.middleware import (
    BODY_KEY,
    SESSION_KEY,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    _header,
)
from app.http.problems import problem, unavailable

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_COMPLETED = "completed"
_NOT_REPLAYED = {b"x-request-id", b"date", b"server", b"content-length"}
# Advisory-lock namespace for idempotency keys (the two-int form, apart from the event log's).
# Within it a key is 32 bits of its hash: two live keys colliding costs one spurious 409.
_KEY_LOCK_CLASS = 7_426_002


@dataclass
class _Response:
    """A complete response, held back until the transaction that produced it has committed."""

    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    async def send_to(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})

    def storable(self) -> bool:
        no_store = any(
            k.lower() == b"cache-control" and b"no-store" in v.lower() for k, v in self.headers
        )
        return 200 <= self.status < 300 and not no_store


def _request_hash(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


# What the middleware answers: a held-back route response, a problem, or None (let the route
# answer: a revoked login is told 401 there, never given a replay).
_Answer = _Response | Response | None


def _in_flight(language: Language) -> Response:
    return problem(
        409,
        "A request with this Idempotency-Key is still being processed; retry later",
        code="idempotency_in_flight",
        headers={"Retry-After": "1"},
        language=language,
    )


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._held: set[tuple[uuid.UUID, str]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            response = problem(
                400,
                "Idempotency-Key must be 1-255 visible ASCII characters",
                code="invalid_idempotency_key",
                language=scope_language(scope),
            )
            await response(scope, receive, send)
            return
        claims = self._claims(scope)
        if claims is None:
            await self.app(scope, receive, send)
            return
        try:
            answer = await self._run_once(scope, receive, claims, key)
        except Exception as exc:
            # Here, outside any route, "the database is not there" must still be a 503.
            if not is_database_unavailable(exc):
                raise
            answer = unavailable(exc, scope_language(scope))
        finally:
            scope.pop(SESSION_KEY, None)
        if answer is None:  # a revoked login: no replay, the route answers 401
            await self.app(scope, receive, send)
        elif isinstance(answer, _Response):
            await answer.send_to(send)
        else:
            await answer(scope, receive, send)

    def _claims(self, scope: Scope) -> AccessClaims | None:
        authorization = _header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return decode_access_token(self.settings, token.strip())
        except InvalidToken:
            return None

    async def _run_once(
        self, scope: Scope, receive: Receive, claims: AccessClaims, key: str
    ) -> _Answer:
        """The answer for this request: a replay, a refusal, or the route's committed response."""
        request_hash = _request_hash(scope, scope.get(BODY_KEY, b""))
        async with scope["app"].state.sessionmaker() as session:
            if not await self._hold(session, claims.user_id, key):
                return _in_flight(scope_language(scope))
            try:
                existing = await self._find_live(session, claims.user_id, key)
                if existing is not None:
                    return await self._answer_existing(
                        session, existing, claims, request_hash, scope
                    )
                scope[SESSION_KEY] = session
                response = await self._call_route(scope, receive)
                if response.storable():
                    session.add(self._record(claims.user_id, key, scope, request_hash, response))
                try:
                    await commit(session)
                except IntegrityError:
                    # Another process stored this key first (only possible where `_hold` is not
                    # shared between processes): our transaction is void, theirs is the answer.
                    await session.rollback()
                    winner = await self._find_live(session, claims.user_id, key)
                    if winner is None:
                        raise
                    return await self._answer_existing(session, winner, claims, request_hash, scope)
                return response
            finally:
                self._held.discard((claims.user_id, key))

    async def _hold(self, session: AsyncSession, user_id: uuid.UUID, key: str) -> bool:
        """Hold the key for this request's transaction; False if another request holds it.

        PostgreSQL: a transaction-scoped advisory lock, so every API process sees it and it ends
        with the transaction, whatever happens (a crashed process's connection drops it too).
        SQLite is embedded, one process at a time: a set in this process does the same.
        """
        if session.get_bind().dialect.name == "postgresql":
            digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
            lock_key = int.from_bytes(digest[:4], "big", signed=True)
            stmt = select(func.pg_try_advisory_xact_lock(_KEY_LOCK_CLASS, lock_key))
            return bool(await session.scalar(stmt))
        if (user_id, key) in self._held:
            return False
        self._held.add((user_id, key))
        return True

    async def _find_live(
        self, session: AsyncSession, user_id: uuid.UUID, key: str
    ) -> IdempotencyRecord | None:
        """The key's stored response, if it is still kept. An expired record, or a claim an
        earlier version left `in_flight`, is removed in this transaction (so it goes only if
        the request it makes room for commits)."""
        stmt = select(IdempotencyRecord).where(
            col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key
        )
        record = (await session.scalars(stmt)).one_or_none()
        expired_before = utcnow() - timedelta(hours=self.settings.idempotency_ttl_hours)
        if record is not None and (
            record.created_at < expired_before or record.state != _COMPLETED
        ):
            await session.delete(record)
            await session.flush()  # before the new record's INSERT, which reuses the key
            return None
        return record

    async def _call_route(self, scope: Scope, receive: Receive) -> _Response:
        response = _Response()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.status = message["status"]
                response.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response.body += message.get("body", b"")

        await self.app(scope, receive, capture)
        return response

    @staticmethod
    def _record(
        user_id: uuid.UUID, key: str, scope: Scope, request_hash: str, response: _Response
    ) -> IdempotencyRecord:
        return IdempotencyRecord(
            user_id=user_id,
            key=key,
            method=scope["method"],
            path=scope["path"],
            request_hash=request_hash,
            state=_COMPLETED,
            status_code=response.status,
            headers=[
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in response.headers
                if k.lower() not in _NOT_REPLAYED
            ],
            body=response.body,
        )

    @staticmethod
    async def _answer_existing(
        session: AsyncSession,
        record: IdempotencyRecord,
        claims: AccessClaims,
        request_hash: str,
        scope: Scope,
    ) -> _Answer:
        # A revoked login or a disabled user learns nothing about its keys: the route says 401.
        if await load_login(session, claims) is None:
            return None
        if record.request_hash != request_hash:
            return problem(
                422,
                "This Idempotency-Key was already used with a different request; "
                "use a new key for a new request",
                code="idempotency_key_reused",
                language=scope_language(scope),
            )
        body = record.body or b""
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers]
        headers += [(b"idempotent-replayed", b"true"), (b"content-length", b"%d" % len(body))]
        return _Response(record.status_code or 200, headers, body)
