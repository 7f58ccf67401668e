"""Every error leaves as RFC 9457 application/problem+json with a stable `code`."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import get_route_path

from app.db.outage import is_database_unavailable
from app.domain.errors import DomainError
from app.domain.i18n import Language, problem_title
from app.http.language import request_language

logger = logging.getLogger("aftercare.errors")

PROBLEM_JSON = "application/problem+json"
_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    language: Language = Language.en,
    **extra: Any,
) -> JSONResponse:
    """The problem answer; its `title` comes from the catalogue by `code`, in `language`
    (`title` and then the HTTP reason phrase only for a code the catalogue lacks)."""
    code = code or _CODES.get(status, "error")
    body: dict[str, Any] = {
        "type": f"https://aftercare.example/problems/{code}",
        "title": problem_title(code, language) or title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        headers=exc.headers,
        language=request_language(request),
        **exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = request_language(request)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = "The request body is not valid JSON"
        return problem(400, detail, code="invalid_json", language=language)
    items = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{i['field']}: {i['message']}" for i in items)
    return problem(422, detail, code="validation_error", language=language, errors=items)


def _unparsable_json_detail(cause: BaseException | None) -> str | None:
    """Why the JSON decoder gave up on a body, for the decoder failures FastAPI folds into a bare
    400 "error parsing the body" (only json.JSONDecodeError reaches the validation handler)."""
    if isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid UTF-8"
    if isinstance(cause, RecursionError):
        return "The request body is nested too deeply"
    if isinstance(cause, ValueError):  # e.g. an integer longer than Python's 4300-digit limit
        return "The request body is not valid JSON (a number has too many digits?)"
    return None


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path: Starlette names only the first route that
    matched the path, and GET /x/{id} and PATCH /x/{id} are separate routes."""
    path = get_route_path(request.scope)
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods.update(route.methods)
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    language = request_language(request)
    if exc.status_code == 400 and (detail := _unparsable_json_detail(exc.__cause__)):
        return problem(400, detail, code="invalid_json", language=language)
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, detail, headers=headers, language=language)


async def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        409,
        "The object was changed by another request at the same time; reload it and retry",
        code="version_conflict",
        language=request_language(request),
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    logger.info("integrity error: %s", exc)
    return problem(
        409,
        "The change conflicts with existing data (a unique value is already taken or a "
        "referenced object is missing)",
        code="conflict",
        language=request_language(request),
    )


# Long enough for a restart or a failover to finish, short enough that clients come back soon.
RETRY_AFTER_SECONDS = 2


def unavailable(exc: BaseException, language: Language = Language.en) -> JSONResponse:
    """503 for "the database is not there"; also used by middleware that runs outside routes."""
    logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return problem(
        503,
        "The database is busy or unreachable; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        language=language,
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Driver, pool and socket errors: 503 when the database is unavailable, else a bug (500)."""
    if is_database_unavailable(exc):
        return unavailable(exc, request_language(request))
    return await _unhandled(request, exc)


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    language = request_language(request)
    if is_database_unavailable(exc):  # raised by a middleware layer, outside any route
        return unavailable(exc, language)
    logger.exception("unhandled error", exc_info=exc)
    detail = "An unexpected error occurred; it has been logged"
    return problem(500, detail, code="internal_error", language=language)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(IntegrityError, _integrity_error)
    for outage in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(outage, _database_error)
    app.add_exception_handler(Exception, _unhandled)
