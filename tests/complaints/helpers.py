"""Shared builders for complaint tests."""

from typing import Any

API = "/api/v1/complaints"
ACCEPT = {"authentic": True, "reasonable": True, "accepted": True}
REJECT = {
    "authentic": True,
    "reasonable": False,
    "accepted": False,
    "reason": "The delay was agreed with the customer beforehand",
}


def complaint_body(customer_id: Any, **fields: Any) -> dict[str, Any]:
    return {
        "source": "hotline",
        "customer_id": str(customer_id),
        "complainant": "Ms Li",
        "description": "The engineer arrived two hours late",
        "severity": "medium",
        **fields,
    }


def action_body(action: str, handler: Any = None) -> dict[str, Any] | None:
    """A valid body for `action` (`handler`: whom `analyze` names)."""
    if action == "assess":
        return dict(ACCEPT)
    if action == "analyze":
        return {
            "cause_analysis": "Dispatch booked two visits at once",
            "handler_id": str(handler.id),
        }
    if action == "resolve":
        return {"actions_taken": "Apologised; the next visit is free"}
    if action == "report_back":
        return {
            "to_staff": "Check the calendar before booking",
            "to_supervisor": "Handled; dispatch briefed",
            "customer_notified": True,
        }
    return None
