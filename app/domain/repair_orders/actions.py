"""The repair-order workflow actions (SPEC §4.2), registered on the workflow table. The runner
(app.domain.actions.perform) locks, loads, checks and writes the one event; each handler keeps
only its own rules and returns the changed fields for the event.

The re-inspection gate is the table's (deliver only from `ready`, reached only by a passed
`reinspect`); the handlers never set a state the table does not name for their action."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Device, RepairOrder, Role, User
from app.db.models.repairs import RepairOrderStatus, RepairOutcome, RepairRoute, RouteReason
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.errors import ValidationFailed
from app.domain.external_repairs.attempts import plan_attempt
from app.domain.repair_orders.schemas import (
    CloseBody,
    DeliverBody,
    DiagnoseBody,
    FinishRepairBody,
    ReinspectBody,
    ReinspectionResult,
    RepairAssignBody,
    SendOutBody,
)
from app.domain.repair_orders.service import get_order
from app.domain.repair_orders.warranty import decide_warranty
from app.domain.repair_orders.workflow import REPAIR_ORDER
from app.domain.schemas import EmptyBody, ReasonBody
from app.domain.service_orders.schemas import ConfirmBody
from app.domain.service_orders.sla import load_calendar
from app.domain.timeline import Channel
from app.domain.visits.service import plan_survey_for_closed

REPAIR_ORDERS = Subject(REPAIR_ORDER, RepairOrder, get_order)
Changes = dict[str, Any] | None
Order = Step[RepairOrder]


def _check_route_reason(reason: RouteReason | None, in_warranty: bool | None) -> None:
    if reason is None:
        raise ValidationFailed([("route_reason", "required for an external repair")])
    if reason == RouteReason.in_warranty and not in_warranty:
        raise ValidationFailed(
            [("route_reason", "the device is out of warranty; use beyond_local_capability")]
        )


@REPAIR_ORDER.handles("assign")
async def assign(step: Order, body: RepairAssignBody) -> Changes:
    engineer = await step.session.get(User, body.assignee_id)
    if engineer is None or engineer.role != Role.engineer or not engineer.active:
        raise ValidationFailed([("assignee_id", "must be an active engineer")])
    previous = step.obj.assignee_id
    if previous == engineer.id and step.to_status == step.from_status:
        return None  # the same engineer again: nothing changes
    step.obj.assignee_id = engineer.id
    return {"assignee_id": [previous, engineer.id]}


@REPAIR_ORDER.handles("diagnose")
async def diagnose(step: Order, body: DiagnoseBody) -> Changes:
    """The warranty is decided here, on the server, from the device's warranty date against the
    day the device was received (business time zone)."""
    session, order = step.session, step.obj
    device = await session.get(Device, order.device_id)
    assert device is not None  # a foreign key
    calendar = await load_calendar(session)
    decided = decide_warranty(device.warranty_until, order.received_at, calendar.timezone, utcnow())
    if body.route == RepairRoute.external:
        _check_route_reason(body.route_reason, decided.in_warranty)
    elif body.route_reason is not None:
        raise ValidationFailed([("route_reason", "only an external route has a reason")])
    order.diagnosis = body.diagnosis
    order.route = body.route
    order.route_reason = body.route_reason
    order.in_warranty = decided.in_warranty
    order.warranty = {
        "in_warranty": decided.in_warranty,
        "basis": decided.basis,
        "received_on": decided.received_on.isoformat(),
        "decided_at": decided.decided_at.isoformat(),
    }
    return {
        "diagnosis": body.diagnosis,
        "route": body.route,
        "route_reason": body.route_reason,
        "in_warranty": decided.in_warranty,
        "basis": decided.basis,
    }


@REPAIR_ORDER.handles("start_repair")
async def start_repair(step: Order, _: EmptyBody | None) -> Changes:
    return {}


@REPAIR_ORDER.handles("send_out")
async def send_out(step: Order, body: SendOutBody) -> Changes:
    order = step.obj
    reason = body.route_reason or order.route_reason
    _check_route_reason(reason, order.in_warranty)
    attempt = await plan_attempt(step.session, step.actor, order, body.vendor_id)
    order.route = RepairRoute.external
    order.route_reason = reason
    return {"external_repair_id": attempt.id, "vendor_id": body.vendor_id, "reason": reason}


@REPAIR_ORDER.handles("finish_repair")
async def finish_repair(step: Order, body: FinishRepairBody) -> Changes:
    step.obj.outcome = body.outcome
    step.obj.repair_summary = body.summary
    return {"outcome": body.outcome, "summary": body.summary}


@REPAIR_ORDER.handles("reinspect")
async def reinspect(step: Order, body: ReinspectBody) -> Changes:
    if body.result == ReinspectionResult.failed:
        step.choose(RepairOrderStatus.repairing)
    step.obj.reinspection = {
        "result": body.result.value,
        "notes": body.notes,
        "by": str(step.actor.id),
        "at": utcnow().isoformat(),
    }
    return {"result": body.result, "notes": body.notes}


@REPAIR_ORDER.handles("return_unrepaired")
async def return_unrepaired(step: Order, body: ReasonBody) -> Changes:
    step.obj.return_reason = body.reason
    step.obj.outcome = step.obj.outcome or RepairOutcome.unrepairable
    return {"reason": body.reason}


@REPAIR_ORDER.handles("deliver")
async def deliver(step: Order, body: DeliverBody) -> Changes:
    now = utcnow()
    step.obj.delivery = {"at": now.isoformat(), "to": body.to, "method": body.method.value}
    step.obj.delivered_at = now
    return {"to": body.to, "method": body.method}


@REPAIR_ORDER.handles("confirm")
async def confirm(step: Order, body: ConfirmBody | None) -> Changes:
    body = body or ConfirmBody()
    if step.actor.role == Role.customer:
        channel = Channel.portal
    elif body.channel is None:
        raise ValidationFailed([("channel", "say how the customer confirmed")])
    else:
        channel = body.channel
    step.obj.confirmation = {
        "at": utcnow().isoformat(),
        "by": str(step.actor.id),
        "channel": channel.value,
    }
    return {"channel": channel}


async def after_close(session: AsyncSession, actor: User, order: RepairOrder) -> None:
    """What else happens when a repair order closes, before the order itself is written (the
    kit's rule: other rows first, so the order is written by one UPDATE)."""
    # VISITS_SURVEY_ON_CLOSE: the customer gets an online satisfaction survey.
    await plan_survey_for_closed(session, actor, RepairOrder.object_type, order)


@REPAIR_ORDER.handles("close")
async def close(step: Order, body: CloseBody | None) -> Changes:
    order, summary = step.obj, (body or CloseBody()).repair_summary
    if not (summary or order.repair_summary):
        raise ValidationFailed([("repair_summary", "a repair order closes with its summary")])
    await after_close(step.session, step.actor, order)
    if summary is not None:
        order.repair_summary = summary
    order.closed_at = utcnow()
    return {"closed_at": order.closed_at, **({"summary": summary} if summary else {})}


@REPAIR_ORDER.handles("cancel")
async def cancel(step: Order, body: ReasonBody) -> Changes:
    step.obj.cancel_reason = body.reason
    return {"reason": body.reason}
