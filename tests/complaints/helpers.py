"""Shared builders for complaint tests."""

import uuid
from typing import Any

from app.db.models import ServiceOrder

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


def service_order_row(customer_id: uuid.UUID) -> ServiceOrder:
    """A bare service order of the customer, to link complaints to."""
    return ServiceOrder(
        number=f"SO-T-{uuid.uuid4().hex[:8]}",
        kind="remote",
        channel="phone",
        customer_id=customer_id,
        subject="Printer jams",
        priority="normal",
        status="new",
    )
