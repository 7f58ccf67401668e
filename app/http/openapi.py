"""The OpenAPI document tells the truth about errors and headers (SPEC §3 "The contract").

FastAPI documents every operation's 422 as its own `HTTPValidationError` under
`application/json` and no other error at all, while the server answers every error as
`application/problem+json`. This module rewrites the generated document once: one shared
`Problem` schema, attached to each operation for each status it can really return, worked out
from what the route depends on (authentication, role gates, If-Match, a body, path ids), plus the
headers the conventions promise (`ETag`, `Idempotency-Key`, `Idempotent-Replayed`,
`Retry-After`, `If-Match`).
"""

import copy
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from app.auth.dependencies import current_user
from app.domain.cases.service import SORTS as CASE_SORTS
from app.domain.complaints.service import SORTS as COMPLAINT_SORTS
from app.domain.customers.service import SORTS as CUSTOMER_SORTS
from app.domain.devices.service import SORTS as DEVICE_SORTS
from app.domain.external_repairs.figures import SORTS as VENDOR_FIGURE_SORTS
from app.domain.external_repairs.service import SORTS as EXTERNAL_REPAIR_SORTS
from app.domain.notifications.service import SORTS as NOTIFICATION_SORTS
from app.domain.repair_orders.records import RECORD_SORTS as PROCESS_RECORD_SORTS
from app.domain.repair_orders.service import SORTS as REPAIR_ORDER_SORTS
from app.domain.service_orders.service import SORTS as SERVICE_ORDER_SORTS
from app.domain.users.service import SORTS as USER_SORTS
from app.domain.vendors.service import SORTS as VENDOR_SORTS
from app.domain.visits.reads import SORTS as VISIT_SORTS
from app.http.deps import optional_if_match, require_json_body, required_if_match
from app.http.problems import PROBLEM_JSON

_WRITES = {"post", "put", "patch", "delete"}
_UNAUTHENTICATED_DB_FREE = {"health-healthz", "health-metrics"}
# Probes answer in their own JSON shape, not as problems (load balancers read `status`).
_PROBES = {"health-readyz"}
# Operations whose service raises a status no dependency reveals.
_ALSO_RETURNS: dict[str, set[int]] = {
    "auth-issue_token": {401, 429},
    "auth-refresh_token": {401},
}
# The sort keys each list takes (the services' own tables, so the enum cannot drift from them).
_SORTS: dict[str, Any] = {
    "complaints-list_complaints": COMPLAINT_SORTS,
    "cases-list_cases": CASE_SORTS,
    "customers-list_customers": CUSTOMER_SORTS,
    "devices-list_devices": DEVICE_SORTS,
    "external-repairs-list_external_repairs": EXTERNAL_REPAIR_SORTS,
    "external-repairs-list_repair_order_external_repairs": EXTERNAL_REPAIR_SORTS,
    "external-repairs-list_vendor_figures": VENDOR_FIGURE_SORTS,
    "notifications-list_notifications": NOTIFICATION_SORTS,
    "repair-orders-list_repair_orders": REPAIR_ORDER_SORTS,
    "repair-orders-list_repair_order_process_records": PROCESS_RECORD_SORTS,
    "service-orders-list_service_orders": SERVICE_ORDER_SORTS,
    "users-list_users": USER_SORTS,
    "vendors-list_vendors": VENDOR_SORTS,
    "visits-list_visits": VISIT_SORTS,
}
_TITLES = {
    400: "Malformed request (invalid JSON or header)",
    408: "The body did not arrive in time",
    401: "Not authenticated",
    403: "Not allowed for this role or in this state",
    404: "Not found (or not visible to the caller)",
    409: "Conflict (wrong state, duplicate, concurrent change, or key still in flight)",
    412: "If-Match names another version",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid input",
    428: "If-Match required",
    429: "Too many requests; see Retry-After",
    503: "Database unavailable; see Retry-After",
}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 1},
}


class ProblemFieldError(BaseModel):
    field: str = Field(description="the input that is wrong, e.g. `body.priority`")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with Aftercare's stable machine `code`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str = Field(description="human-readable summary; follows Accept-Language")
    status: int
    detail: str
    code: str = Field(description="stable machine code, e.g. `invalid_transition`")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="one entry per invalid input (422)"
    )
    allowed_actions: list[str] | None = Field(
        default=None, description="what the caller may do now (409 invalid_transition)"
    )
    current_status: str | None = None
    current_version: int | None = Field(default=None, description="412: the version now stored")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _is_role_gate(call: Callable[..., Any]) -> bool:
    return getattr(call, "__qualname__", "").startswith("require_role.")


def _statuses(route: Any, method: str, operation: dict[str, Any]) -> set[int]:
    calls = set(_calls(route.dependant))
    gated = any(_is_role_gate(c) for c in calls)
    has_body = "requestBody" in operation
    declared = {int(s) for s in route.responses if str(s).startswith(("4", "5"))}
    # 400 anywhere: a NUL in the URL, a control byte in a header, a malformed Idempotency-Key
    # or body.
    found = {400} | declared | _ALSO_RETURNS.get(operation["operationId"], set())
    if operation["operationId"] not in _UNAUTHENTICATED_DB_FREE:
        found.add(503)
    if gated or current_user in calls:
        found.add(401)
        if gated or method in _WRITES:
            found.add(403)
    if route.dependant.path_params:
        found.update({404, 422})  # 422: an id that is not a UUID
    if method in _WRITES:
        found.add(409)  # a state, uniqueness or concurrency conflict, or an in-flight key
    if method == "post":
        found.add(422)  # the same Idempotency-Key with another body
    if optional_if_match in calls or required_if_match in calls:
        found.add(412)
    if required_if_match in calls:
        found.add(428)
    if has_body:
        found.update({408, 413})  # 408: the body did not arrive in time
        if require_json_body in calls or method in _WRITES:
            found.add(415)
    if route.dependant.query_params or route.dependant.header_params or has_body:
        found.add(422)
    return found


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _TITLES.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": _RETRY_AFTER}
    return response


def _resolves_to_versioned(spec: dict[str, Any], response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return False
    target = spec["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return "version" in target.get("properties", {})


def _simplify_optional_body(operation: dict[str, Any]) -> None:
    """`X | None = None` bodies come out as anyOf [X, null]; the body is already optional
    (`required: false`), and generators mishandle the null branch (openapi-python-client sends
    its UNSET marker as JSON)."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        variants = media.get("schema", {}).get("anyOf", [])
        if len(variants) == 2 and {"type": "null"} in variants:
            media["schema"] = next(v for v in variants if v != {"type": "null"})


def _document_sort(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "sort":
            keys = sorted(_SORTS[operation["operationId"]])
            parameter["schema"] = {
                **parameter["schema"],
                "enum": [*keys, *(f"-{key}" for key in keys)],
            }
            parameter["schema"].pop("maxLength", None)


def _document_headers(spec: dict[str, Any], method: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            parameter["description"] = (
                'The ETag of the version you read, e.g. "3" (strong form; W/"3" never matches)'
            )
            parameter["schema"] = {"type": "string", "pattern": r'^(?:"\d{1,9}"|\d{1,9})$'}
            parameter["required"] = "428" in operation["responses"]
    if method == "post":
        operation.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retry-safe key (1-255 visible ASCII characters, per user, kept "
                "at least 24 h): the same key and body replays the first answer",
                "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
            }
        )
    # Read by every answer's problem title (app/http/language.py), so every operation takes it.
    operation.setdefault("parameters", []).append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": "`zh-CN` or `en` (q-values honoured; else DEFAULT_LANGUAGE): the "
            "language of problem titles, notification texts and labels; codes never change",
            "schema": {"type": "string"},
        }
    )
    for status, response in operation["responses"].items():
        if not status.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        if _resolves_to_versioned(spec, response):
            headers["ETag"] = {
                "description": 'The object\'s version as a strong ETag, e.g. "3"',
                "schema": {"type": "string"},
            }
        if method == "post":
            headers["Idempotent-Replayed"] = {
                "description": "`true` when this is the stored answer to an earlier request "
                "with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        if not headers:
            del response["headers"]


def _truthful(app: FastAPI, generated: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(generated)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem

    # A route as mounted (prefixes and router-level dependencies applied), by path and method.
    routes = {
        (route.path_format, method.lower()): route
        for route in routing.iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in route.methods or ()
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            route = routes[(path, method)]
            responses = operation["responses"]
            for status in [s for s in responses if s.startswith(("4", "5"))]:
                del responses[status]  # FastAPI's HTTPValidationError, or a route's own note
            if operation["operationId"] in _PROBES:
                responses["503"] = {
                    "description": "Not ready: the database is unreachable or not migrated",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            else:
                for status in sorted(_statuses(route, method, operation)):
                    responses[str(status)] = _problem_response(status)
            _simplify_optional_body(operation)
            _document_sort(operation)
            _document_headers(spec, method, operation)

    token = spec["paths"]["/api/v1/auth/token"]["post"]
    token["security"] = [{}, {"HTTPBasic": []}]  # client authentication is optional
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]
    metrics["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return spec


def install_truthful_openapi(app: FastAPI) -> None:
    """Replace app.openapi() with the rewritten document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _truthful(app, FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
