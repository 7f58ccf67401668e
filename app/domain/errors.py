"""Domain exceptions. Services raise these; app.http.problems renders each once as problem+json."""

from collections.abc import Iterable, Sequence
from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotAuthenticated(DomainError):
    status, code, title = 401, "not_authenticated", "Not authenticated"

    def __init__(self, detail: str = "Missing or invalid credentials") -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class InvalidGrant(DomainError):
    status, code, title = 401, "invalid_grant", "Invalid credentials"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidTransition(DomainError):
    status, code, title = 409, "invalid_transition", "Action not allowed in this state"

    def __init__(self, action: str, status: str, allowed: Sequence[str]) -> None:
        super().__init__(
            f"'{action}' is not allowed while the object is '{status}'",
            current_status=status,
            allowed_actions=list(allowed),
        )


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition_failed", "Version mismatch"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"If-Match names version {expected} but the object is at version {current}",
            current_version=current,
        )


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition_required", "If-Match required"

    def __init__(self) -> None:
        super().__init__('Send If-Match: "<version>" with the version you read')


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(self, errors: Iterable[tuple[str, str]], detail: str | None = None) -> None:
        items = [{"field": field, "message": message} for field, message in errors]
        super().__init__(detail or "; ".join(f"{e['field']}: {e['message']}" for e in items))
        self.extra["errors"] = items


class TooManyRequests(DomainError):
    status, code, title = 429, "too_many_requests", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(max(1, retry_after))}
