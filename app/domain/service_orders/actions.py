"""The service-order workflow actions (SPEC §4.1), registered on the workflow table. The runner
(app.domain.actions.perform) locks, loads, checks and writes the one event; each handler here
keeps only its own rules and returns the changed fields for the event (None: nothing changed).
The SLA clock is recomputed where time stops or starts.

Every handler does its database reads and writes of other rows (pauses, locks, look-ups)
*before* it touches the order, so the order is written by one UPDATE: one action, one version."""

from typing import Any

from sqlalchemy import update
from sqlmodel import col

from app.db.models import (
    OrderKind,
    OrderSignature,
    PauseKind,
    Role,
    ServiceOrder,
    ServiceOrderStatus,
    SlaPause,
    User,
)
from app.db.types import utcnow
from app.domain.actions import Step, Subject
from app.domain.errors import ValidationFailed
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify, notify_customer_users
from app.domain.schemas import EmptyBody, ReasonBody
from app.domain.service_orders.booking import book_engineer
from app.domain.service_orders.schemas import AssignBody, ConfirmBody, HoldBody, ReportBody
from app.domain.service_orders.service import get_order, record_hash, refresh_sla
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.signatures import decode_png_data_url
from app.domain.timeline import Channel
from app.domain.visits.service import plan_survey_for_closed

SERVICE_ORDERS = Subject(SERVICE_ORDER, ServiceOrder, get_order)
Changes = dict[str, Any] | None
Order = Step[ServiceOrder]


async def _end_pauses(session: Any, order: ServiceOrder, *kinds: PauseKind) -> None:
    await session.execute(
        update(SlaPause)
        .where(
            col(SlaPause.order_id) == order.id,
            col(SlaPause.ended_at).is_(None),
            col(SlaPause.kind).in_(kinds),
        )
        .values(ended_at=utcnow())
    )


@SERVICE_ORDER.handles("assign")
async def assign(step: Order, body: AssignBody) -> Changes:
    session, actor, order = step.session, step.actor, step.obj
    engineer = await session.get(User, body.assignee_id)
    if engineer is None or engineer.role != Role.engineer or not engineer.active:
        raise ValidationFailed([("assignee_id", "must be an active engineer")])
    overlaps: list[str] = []
    if order.kind == OrderKind.onsite:
        if order.appointment_start is None or order.appointment_end is None:
            raise ValidationFailed(
                [("appointment_start", "book the on-site appointment before assigning")]
            )
        overlaps = await book_engineer(
            session,
            engineer.id,
            order.appointment_start,
            order.appointment_end,
            order.id,
            body.force,
        )
    previous = order.assignee_id
    if previous == engineer.id and step.to_status == step.from_status:
        return None  # the same engineer again: nothing changes, nobody is notified twice
    order.assignee_id = engineer.id
    if order.owner_id is None:
        order.owner_id = actor.id
    notify(
        session,
        [engineer.id],
        Message(
            NotificationKind.order_assigned,
            {"number": order.number, "subject": order.subject},
            ServiceOrder.object_type,
            order.id,
        ),
    )
    # `forced` only when force really overrode a clash, naming the orders it overlaps.
    forced = {"forced": True, "overlaps": overlaps} if overlaps else {}
    return {"assignee_id": [previous, engineer.id], **forced}


@SERVICE_ORDER.handles("start")
async def start(step: Order, _: EmptyBody | None) -> Changes:
    step.obj.responded_at = utcnow()
    step.enter()
    await refresh_sla(step.session, step.obj, step.actor)
    return {"responded_at": step.obj.responded_at}


@SERVICE_ORDER.handles("hold")
async def hold(step: Order, body: HoldBody) -> Changes:
    order, now = step.obj, utcnow()
    step.session.add(SlaPause(order_id=order.id, kind=PauseKind.hold, started_at=now))
    order.has_pauses = True
    order.held_from = ServiceOrderStatus(step.from_status)
    order.hold_reason = body.reason
    order.hold_message = body.customer_message
    step.enter()
    # Judge the clocks as they stop: an order late before the hold stays (and is shown) late.
    await refresh_sla(step.session, order, step.actor, held_since=now)
    told = {"customer_message": body.customer_message} if body.customer_message else {}
    return {"reason": body.reason, **told}


@SERVICE_ORDER.handles("resume")
async def resume(step: Order, _: EmptyBody | None) -> Changes:
    order = step.obj
    await _end_pauses(step.session, order, PauseKind.hold)
    order.held_from = None
    order.hold_reason = None
    order.hold_message = None
    step.enter()
    await refresh_sla(step.session, order, step.actor)
    return {"due_at": order.due_at}


@SERVICE_ORDER.handles("report")
async def report(step: Order, body: ReportBody) -> Changes:
    session, order, now = step.session, step.obj, utcnow()
    if order.kind == OrderKind.onsite:
        missing = [
            (f, "required for an on-site order")
            for f in ("service_record", "signoff")
            if getattr(body, f) is None
        ]
        if missing:
            raise ValidationFailed(missing)
        assert body.signoff is not None and body.service_record is not None
        png = decode_png_data_url(body.signoff.signature)
        await session.merge(OrderSignature(order_id=order.id, png=png))
        await session.flush()
        order.signoff = {
            "signer_name": body.signoff.signer_name,
            "signed_at": now.isoformat(),
            "record_sha256": record_hash(body.service_record),
        }
        # The customer's signature on the service record is the confirmation.
        order.confirmation = {"at": now.isoformat(), "by": None, "channel": "signature"}
    elif body.signoff is not None:
        raise ValidationFailed([("signoff", "only on-site orders are signed on the spot")])
    else:
        session.add(
            SlaPause(order_id=order.id, kind=PauseKind.awaiting_confirmation, started_at=now)
        )
        await session.flush()  # refresh_sla below must see the new pause
        order.has_pauses = True  # after that flush: the order is written once, with its state
    order.resolution = body.resolution
    if body.service_record is not None:
        order.service_record = body.service_record
    order.reported_at = now
    step.enter()
    await refresh_sla(session, order, step.actor)
    signer = {"signer_name": body.signoff.signer_name} if body.signoff else {}
    return {"resolution": body.resolution, **signer}


@SERVICE_ORDER.handles("confirm")
async def confirm(step: Order, body: ConfirmBody | None) -> Changes:
    actor, body = step.actor, body or ConfirmBody()
    if actor.role == Role.customer:
        channel = Channel.portal
    elif body.channel is None:
        raise ValidationFailed([("channel", "say how the customer confirmed")])
    else:
        channel = body.channel
    await _end_pauses(step.session, step.obj, PauseKind.awaiting_confirmation)
    step.obj.confirmation = {
        "at": utcnow().isoformat(),
        "by": str(actor.id),
        "channel": channel.value,
    }
    return {"channel": channel}


@SERVICE_ORDER.handles("reopen")
async def reopen(step: Order, body: ReasonBody) -> Changes:
    await _end_pauses(step.session, step.obj, PauseKind.awaiting_confirmation)
    step.enter()
    await refresh_sla(step.session, step.obj, step.actor)
    return {"reason": body.reason}


@SERVICE_ORDER.handles("close")
async def close(step: Order, _: EmptyBody | None) -> Changes:
    session, order = step.session, step.obj
    # 办结告知: the customer is told the order is complete.
    await notify_customer_users(
        session,
        order.customer_id,
        Message(
            NotificationKind.completion_notice,
            {
                "number": order.number,
                "subject": order.subject,
                "resolution": order.resolution or "-",
            },
            ServiceOrder.object_type,
            order.id,
        ),
    )
    # VISITS_SURVEY_ON_CLOSE: the customer gets an online satisfaction survey.
    await plan_survey_for_closed(session, step.actor, ServiceOrder.object_type, order)
    order.closed_at = utcnow()
    return {"closed_at": order.closed_at}


@SERVICE_ORDER.handles("cancel")
async def cancel(step: Order, body: ReasonBody) -> Changes:
    await _end_pauses(step.session, step.obj, *PauseKind)
    step.obj.cancel_reason = body.reason
    return {"reason": body.reason}
