"""Idempotency-Key on every POST (SPEC §3), as ASGI middleware so every route gets it.

The first request with a key claims it (a row in `idempotency_records`, state in_flight); a
successful (2xx) response is stored and replayed for any retry with the same key and body
(`Idempotent-Replayed: true`). The same key with another body or URL → 422; a retry while the
first is still running → 409. An error response releases the key: nothing was changed, so a
retry may run again. Keys are scoped per user (the access token's subject) and kept for
`IDEMPOTENCY_TTL_HOURS` (at least 24 h). Requests without a valid token pass straight through
(they will be answered 401 anyway).
"""

import hashlib
import re
import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.auth.dependencies import load_login
from app.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from app.config import Settings
from app.db.models import IdempotencyRecord
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.http.middleware import BODY_KEY, ASGIApp, Message, Receive, Scope, Send, _header
from app.http.problems import problem

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# A claim whose request never finished (process killed between commit and storing the
# response) would block its key for good; after this long it is treated as abandoned.
_ABANDONED_AFTER = timedelta(minutes=10)
_NOT_REPLAYED = {b"x-request-id", b"date", b"server", b"content-length"}


def _no_store(start: Message) -> bool:
    return any(
        k.lower() == b"cache-control" and b"no-store" in v.lower()
        for k, v in start.get("headers", [])
    )


def _request_hash(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

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
            )
            await response(scope, receive, send)
            return
        claims = self._claims(scope)
        if claims is None:
            await self.app(scope, receive, send)
            return
        sessionmaker = scope["app"].state.sessionmaker
        # A revoked login or a disabled user gets no replay either: the route will answer 401.
        async with sessionmaker() as session:
            if await load_login(session, claims) is None:
                claims = None
        if claims is None:
            await self.app(scope, receive, send)
            return
        request_hash = _request_hash(scope, scope.get(BODY_KEY, b""))
        claimed, record = await self._claim(sessionmaker, claims.user_id, key, scope, request_hash)
        if not claimed:
            await self._answer_existing(record, request_hash, scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await self._release(sessionmaker, record.id)
            raise
        body = b"".join(chunks)
        status = start.get("status", 500)
        # A response that must not be stored (tokens, secrets shown once) is not kept either:
        # the key is released, and a retry runs again (a second create then meets the unique
        # email, a second rotation issues another secret).
        if 200 <= status < 300 and not _no_store(start):
            headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in start.get("headers", [])
                if k.lower() not in _NOT_REPLAYED
            ]
            await self._store(sessionmaker, record.id, status, headers, body)
        else:
            await self._release(sessionmaker, record.id)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _claims(self, scope: Scope) -> AccessClaims | None:
        authorization = _header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return decode_access_token(self.settings, token.strip())
        except InvalidToken:
            return None

    async def _claim(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        user_id: uuid.UUID,
        key: str,
        scope: Scope,
        request_hash: str,
    ) -> tuple[bool, IdempotencyRecord]:
        now = utcnow()
        expired_before = now - timedelta(hours=self.settings.idempotency_ttl_hours)
        try:
            async with unit_of_work(sessionmaker) as session:
                existing = await self._find(session, user_id, key)
                if existing is not None and (
                    existing.created_at < expired_before
                    or (
                        existing.state == "in_flight"
                        and existing.created_at < now - _ABANDONED_AFTER
                    )
                ):
                    await session.delete(existing)
                    await session.flush()
                    existing = None
                if existing is not None:
                    return False, existing
                record = IdempotencyRecord(
                    user_id=user_id,
                    key=key,
                    method=scope["method"],
                    path=scope["path"],
                    request_hash=request_hash,
                    state="in_flight",
                )
                session.add(record)
            return True, record
        except IntegrityError:
            # Another request claimed the same key between our read and our insert.
            async with sessionmaker() as session:
                winner = await self._find(session, user_id, key)
            if winner is None:  # it failed and released the key meanwhile: run as new
                return await self._claim(sessionmaker, user_id, key, scope, request_hash)
            return False, winner

    @staticmethod
    async def _find(
        session: AsyncSession, user_id: uuid.UUID, key: str
    ) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(
            col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key
        )
        return (await session.scalars(stmt)).one_or_none()

    @staticmethod
    async def _answer_existing(
        record: IdempotencyRecord, request_hash: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if record.request_hash != request_hash:
            response = problem(
                422,
                "This Idempotency-Key was already used with a different request; "
                "use a new key for a new request",
                code="idempotency_key_reused",
            )
        elif record.state == "in_flight":
            response = problem(
                409,
                "A request with this Idempotency-Key is still being processed; retry later",
                code="idempotency_in_flight",
                headers={"Retry-After": "1"},
            )
        else:
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers]
            body = record.body or b""
            headers += [(b"idempotent-replayed", b"true"), (b"content-length", b"%d" % len(body))]
            await send(
                {"type": "http.response.start", "status": record.status_code, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await response(scope, receive, send)

    @staticmethod
    async def _store(
        sessionmaker: async_sessionmaker[AsyncSession],
        record_id: uuid.UUID,
        status: int,
        headers: list[list[str]],
        body: bytes,
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            record = await session.get(IdempotencyRecord, record_id)
            if record is not None:
                record.state = "completed"
                record.status_code = status
                record.headers = headers
                record.body = body

    @staticmethod
    async def _release(
        sessionmaker: async_sessionmaker[AsyncSession], record_id: uuid.UUID
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record_id)
            )
