"""`escalate` on an order: propose a difficult case linked to it, the order keeping its state.

Any order workflow gets the action by having an `escalate` row in its table and calling
`handle_escalation(TABLE)` once; its router then calls `add_escalate_route` (app/routers/
escalation.py). The service and repair orders do both, here and in their routers.
"""

from typing import Any

from app.db.types import utcnow
from app.domain.actions import Step
from app.domain.cases.schemas import OrderEscalation
from app.domain.cases.service import propose_from_order
from app.domain.repair_orders.workflow import REPAIR_ORDER
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.workflow import Workflow


def handle_escalation(workflow: Workflow) -> None:
    """Register the generic `escalate` handler on an order workflow's table."""

    @workflow.handles("escalate")
    async def escalate_order(step: Step[Any], body: OrderEscalation) -> dict[str, Any]:
        order = step.obj
        case = await propose_from_order(step.session, step.actor, order.object_type, order, body)
        # The order changed (it now has a case): one UPDATE, one new version, one event.
        order.updated_at = utcnow()
        return {"case_id": case.id, "case_number": case.number, "criteria": case.criteria}


handle_escalation(SERVICE_ORDER)
handle_escalation(REPAIR_ORDER)
