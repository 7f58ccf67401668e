"""Request-level dependencies shared by every router: the unit of work, versions, paging."""

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.session import joined_work, read_only_work, reader_of, unit_of_work
from app.domain.errors import DomainError, ValidationFailed
from app.domain.pagination import MAX_LIMIT, PageParams
from app.domain.schemas import TimestampText, to_utc
from app.http.middleware import SESSION_KEY


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent.

    A request with an Idempotency-Key runs in the transaction its middleware opened, which
    commits the key's record together with this work (app/http/idempotency.py)."""
    opened: AsyncSession | None = request.scope.get(SESSION_KEY)
    if opened is not None:
        async with joined_work(opened) as session:
            yield session
        return
    sessionmaker = request.app.state.sessionmaker
    if request.method in ("GET", "HEAD"):
        async with read_only_work(reader_of(sessionmaker)) as session:
            yield session
        return
    async with unit_of_work(sessionmaker) as session:
        yield session


# scope="function": the commit runs when the endpoint returns, *before* the response goes out,
# so a failed commit becomes an error response instead of a 200 followed by lost data.
Session = Annotated[AsyncSession, Depends(_session, scope="function")]

# A strong ETag ("3"); a bare 3 is accepted as a courtesy to hand-written clients.
_ETAG = re.compile(r'^\s*(?:"(\d{1,9})"|(\d{1,9}))\s*$')
_WEAK_ETAG = re.compile(r'^\s*W/"\d{1,9}"\s*$')


def _parse_if_match(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    if _WEAK_ETAG.match(if_match):
        # RFC 9110 §13.1.1: If-Match uses the strong comparison; a weak tag never matches.
        raise WeakETag()
    match = _ETAG.match(if_match)
    if not match:
        raise ValidationFailed([("If-Match", 'expected an ETag such as "3"')])
    return int(match.group(1) or match.group(2))


async def optional_if_match(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    return _parse_if_match(if_match)


async def required_if_match(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description='required: the ETag you read, e.g. "3" (else 428)'),
    ] = None,
) -> int | None:
    # A missing header is not refused here: the service raises 428 once the path, the body and
    # the object itself have passed, so a bad id is a 422 or 404 rather than a 428.
    return _parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(optional_if_match)]
RequiredIfMatch = Annotated[int | None, Depends(required_if_match)]


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    updated_after: Annotated[
        TimestampText | None,
        Query(description="only objects changed after this instant (delta sync)"),
    ] = None,
    sort: Annotated[
        str,
        Query(max_length=40, description="a sortable field, prefixed with - for descending"),
    ] = "created_at",
) -> PageParams:
    if updated_after is not None:
        if updated_after.tzinfo is None:
            raise ValidationFailed([("updated_after", "needs a time zone offset (RFC 3339)")])
        try:
            updated_after = to_utc(updated_after)
        except ValueError as exc:
            raise ValidationFailed([("updated_after", str(exc))]) from None
    return PageParams(limit=limit, cursor=cursor, updated_after=updated_after, sort=sort)


Paging = Annotated[PageParams, Depends(page_params)]


async def require_json_body(request: Request) -> None:
    """Refuse a write whose body is not JSON (415) before FastAPI tries to parse it."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.headers.get("content-type", "")
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in (
        request.headers
    )
    if not has_body:
        return
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(f"Send the body as application/json (got '{media or 'none'}')")


_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class JsonRouter(APIRouter):
    """A router whose writes refuse a body that is not JSON (415, `require_json_body`).

    Its reads skip that check: every dependency a route has costs each of its requests (FastAPI
    solves them anew), and a GET has no body to check."""

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        if _WITH_BODY & set(kwargs.get("methods") or ()):
            kwargs["dependencies"] = [
                Depends(require_json_body),
                *(kwargs.get("dependencies") or []),
            ]
        super().add_api_route(path, endpoint, **kwargs)


class WeakETag(DomainError):
    status, code, title = 412, "precondition_failed", "Weak ETag"

    def __init__(self) -> None:
        super().__init__('If-Match needs the strong ETag as sent (e.g. "3"), not W/"3"')


class UnsupportedMediaType(DomainError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


def set_etag(response: Response, obj: Any) -> None:
    response.headers["ETag"] = f'"{obj.version}"'
