"""Shared builders for difficult-case tests."""

from typing import Any

API = "/api/v1/cases"


def case_body(**fields: Any) -> dict[str, Any]:
    return {"criteria": ["beyond_authority"], "summary": "Fault returns after every fix", **fields}


def default_body(action: str, users: Any, case: dict[str, Any] | None = None) -> Any:
    """A valid body for `action` (None: the action takes none)."""
    if action == "reject":
        return {"reason": "Not a difficult case"}
    if action == "assign":
        return {"handler_id": str(users["engineer"].id)}
    if action == "escalate":
        return {"reason": "Beyond my authority", "to_user_id": str(users["chief"].id)}
    if action == "resolve":
        return {"solution": "Replaced the main board"}
    if action == "archive":
        return {"final_record": "Customer satisfied; filed"}
    return None
