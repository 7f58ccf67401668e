"""The service-order workflow actions (SPEC §4.1). Each checks the workflow table, changes the
order, and writes exactly one event; the SLA clock is recomputed where time stops or starts.

Every action does its database reads and writes of other rows (pauses, locks, look-ups) *before*
it touches the order, so the order is written by one UPDATE: one action, one new version."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    OrderKind,
    OrderSignature,
    PauseKind,
    Role,
    ServiceOrder,
    SlaPause,
    User,
)
from app.db.repositories.locks import lock_row
from app.db.types import utcnow
from app.domain.common import check_version
from app.domain.errors import ValidationFailed
from app.domain.events import record_event
from app.domain.notifications.service import Message, notify, notify_customer_users
from app.domain.service_orders.booking import book_engineer
from app.domain.service_orders.schemas import (
    AssignBody,
    ConfirmBody,
    HoldBody,
    ReasonBody,
    ReportBody,
    decode_png_data_url,
)
from app.domain.service_orders.service import OBJECT_TYPE, get_order, record_hash, refresh_sla
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.timeline import Channel


@dataclass
class Step:
    """One action in progress: the order, who acts, and where it goes."""

    session: AsyncSession
    actor: User
    order: ServiceOrder
    action: str
    from_status: str
    to_status: str

    def finish(self, **changes: Any) -> ServiceOrder:
        self.order.status = self.to_status
        record_event(
            self.session,
            actor=self.actor,
            object_type=OBJECT_TYPE,
            obj=self.order,
            action=self.action,
            from_status=self.from_status,
            to_status=self.to_status,
            changes=changes,
        )
        return self.order


async def _begin(
    session: AsyncSession, actor: User, order_id: uuid.UUID, action: str, version: int | None
) -> Step:
    # Lock the order before reading it: a concurrent action on the same order waits, then sees
    # the winner's outcome (409 invalid_transition, or 412 with If-Match) instead of racing it
    # into a version clash or a duplicate signature row.
    await lock_row(session, ServiceOrder, order_id)
    order = await get_order(session, actor, order_id)
    check_version(order, version)
    rule = SERVICE_ORDER.check(action, order, actor)
    return Step(session, actor, order, action, order.status, rule.next_state(order))


async def _end_pauses(session: AsyncSession, order: ServiceOrder, *kinds: PauseKind) -> None:
    await session.execute(
        update(SlaPause)
        .where(
            col(SlaPause.order_id) == order.id,
            col(SlaPause.ended_at).is_(None),
            col(SlaPause.kind).in_(kinds),
        )
        .values(ended_at=utcnow())
    )


async def assign(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: AssignBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "assign", version)
    order = step.order
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
        return order  # the same engineer again: nothing changes, nobody is notified twice
    order.assignee_id = engineer.id
    if order.owner_id is None:
        order.owner_id = actor.id
    notify(
        session,
        [engineer.id],
        Message(
            "order_assigned",
            f"{order.number} assigned to you",
            order.subject,
            OBJECT_TYPE,
            order.id,
        ),
    )
    # `forced` only when force really overrode a clash, naming the orders it overlaps.
    forced = {"forced": True, "overlaps": overlaps} if overlaps else {}
    return step.finish(assignee_id=[previous, engineer.id], **forced)


async def start(
    session: AsyncSession, actor: User, order_id: uuid.UUID, version: int | None
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "start", version)
    step.order.responded_at = utcnow()
    step.order.status = step.to_status
    await refresh_sla(session, step.order, actor)
    return step.finish(responded_at=step.order.responded_at)


async def hold(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: HoldBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "hold", version)
    now = utcnow()
    session.add(SlaPause(order_id=step.order.id, kind=PauseKind.hold, started_at=now))
    step.order.held_from = step.from_status
    step.order.hold_reason = body.reason
    step.order.hold_message = body.customer_message
    step.order.status = step.to_status
    # Judge the clocks as they stop: an order late before the hold stays (and is shown) late.
    await refresh_sla(session, step.order, actor, held_since=now)
    told = {"customer_message": body.customer_message} if body.customer_message else {}
    return step.finish(reason=body.reason, **told)


async def resume(
    session: AsyncSession, actor: User, order_id: uuid.UUID, version: int | None
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "resume", version)
    await _end_pauses(session, step.order, PauseKind.hold)
    step.order.held_from = None
    step.order.hold_reason = None
    step.order.hold_message = None
    step.order.status = step.to_status
    await refresh_sla(session, step.order, actor)
    return step.finish(due_at=step.order.due_at)


async def report(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: ReportBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "report", version)
    order = step.order
    now = utcnow()
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
    order.resolution = body.resolution
    if body.service_record is not None:
        order.service_record = body.service_record
    order.reported_at = now
    order.status = step.to_status
    await refresh_sla(session, order, actor)
    return step.finish(
        resolution=body.resolution,
        **({"signer_name": body.signoff.signer_name} if body.signoff else {}),
    )


async def confirm(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: ConfirmBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "confirm", version)
    if actor.role == Role.customer:
        channel = Channel.portal
    elif body.channel is None:
        raise ValidationFailed([("channel", "say how the customer confirmed")])
    else:
        channel = body.channel
    await _end_pauses(session, step.order, PauseKind.awaiting_confirmation)
    step.order.confirmation = {
        "at": utcnow().isoformat(),
        "by": str(actor.id),
        "channel": channel.value,
    }
    return step.finish(channel=channel)


async def reopen(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: ReasonBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "reopen", version)
    await _end_pauses(session, step.order, PauseKind.awaiting_confirmation)
    step.order.status = step.to_status
    await refresh_sla(session, step.order, actor)
    return step.finish(reason=body.reason)


async def close(
    session: AsyncSession, actor: User, order_id: uuid.UUID, version: int | None
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "close", version)
    order = step.order
    # 办结告知: the customer is told the order is complete.
    await notify_customer_users(
        session,
        order.customer_id,
        Message(
            "completion_notice",
            f"Service order {order.number} is complete",
            f"{order.subject}\n\nResult: {order.resolution or '-'}",
            OBJECT_TYPE,
            order.id,
        ),
    )
    order.closed_at = utcnow()
    return step.finish(closed_at=order.closed_at)


async def cancel(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    body: ReasonBody,
    version: int | None,
) -> ServiceOrder:
    step = await _begin(session, actor, order_id, "cancel", version)
    await _end_pauses(session, step.order, *PauseKind)
    step.order.cancel_reason = body.reason
    return step.finish(reason=body.reason)
