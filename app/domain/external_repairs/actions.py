"""The external-repair workflow actions (SPEC §4.3), registered on the workflow table. The runner
(app.domain.actions.perform) locks the repair order, then the attempt, loads, checks and writes
the one event; each handler keeps only its own rules and returns the changed fields."""

from datetime import timedelta
from typing import Any

from app.db.models import ExternalRepair, RepairOrder
from app.db.models.repairs import ExternalRepairStatus, VendorResult
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.errors import ValidationFailed
from app.domain.events import json_safe
from app.domain.external_repairs.schemas import ChaseBody, ContactBody, ReceiveBody, SendBody
from app.domain.external_repairs.service import get_attempt, lock_repair_order_of
from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from app.domain.repair_orders.service import vendor_returned
from app.domain.schemas import ReasonBody

EXTERNAL_REPAIRS = Subject(
    EXTERNAL_REPAIR, ExternalRepair, get_attempt, lock_first=lock_repair_order_of
)
Changes = dict[str, Any] | None
Attempt = Step[ExternalRepair]


@EXTERNAL_REPAIR.handles("contact")
async def contact(step: Attempt, body: ContactBody) -> Changes:
    # 先联系再送修: the station agrees to take the unit before anything leaves the building.
    step.obj.contact = json_safe(
        {"at": utcnow(), "by": step.actor.id, **body.model_dump(mode="json")}
    )
    return {"person": body.person, "channel": body.channel}


@EXTERNAL_REPAIR.handles("send")
async def send(step: Attempt, body: SendBody) -> Changes:
    attempt, now = step.obj, utcnow()
    if body.expected_back_at <= now:
        raise ValidationFailed([("expected_back_at", "must be in the future")])
    attempt.sent_at = now
    attempt.pickup_receipt_no = body.pickup_receipt_no
    attempt.vendor_rma_no = body.vendor_rma_no
    attempt.expected_back_at = body.expected_back_at
    attempt.follow_up_every_days = body.follow_up_every_days
    attempt.next_follow_up_at = now + timedelta(days=body.follow_up_every_days)
    return body.model_dump(exclude_none=True) | {"next_follow_up_at": attempt.next_follow_up_at}


@EXTERNAL_REPAIR.handles("follow_up")
async def follow_up(step: Attempt, body: ChaseBody) -> Changes:
    attempt, now = step.obj, utcnow()
    chase = {"at": now, "by": step.actor.id, "notes": body.notes, "vendor_eta": body.vendor_eta}
    # A new list, so the JSON column is seen as changed.
    attempt.follow_ups = [*attempt.follow_ups, json_safe(chase)]
    attempt.next_follow_up_at = now + timedelta(days=attempt.follow_up_every_days or 1)
    return {
        "notes": body.notes,
        "vendor_eta": body.vendor_eta,
        "next_follow_up_at": attempt.next_follow_up_at,
    }


@EXTERNAL_REPAIR.handles("receive")
async def receive(step: Attempt, body: ReceiveBody) -> Changes:
    session, attempt = step.session, step.obj
    repaired = body.result == VendorResult.repaired
    order = await session.get(RepairOrder, attempt.repair_order_id)  # locked by the runner
    assert order is not None  # a foreign key
    await vendor_returned(session, step.actor, order, repaired)
    if not repaired:
        step.choose(ExternalRepairStatus.unrepairable)
    attempt.returned_at = utcnow()
    attempt.result = body.result
    attempt.vendor_report = body.vendor_report
    attempt.cost = body.cost_amount()
    attempt.next_follow_up_at = None
    return {"result": body.result, "vendor_report": body.vendor_report, "cost": body.cost}


@EXTERNAL_REPAIR.handles("cancel")
async def cancel(step: Attempt, body: ReasonBody) -> Changes:
    step.obj.cancel_reason = body.reason
    return {"reason": body.reason}
