"""Service orders: create, read, list, edit. The workflow actions are in actions.py."""

import base64
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    OFFICE_ROLES,
    Customer,
    Device,
    OrderChannel,
    OrderKind,
    OrderSignature,
    PauseKind,
    Priority,
    Role,
    ServiceOrder,
    ServiceOrderStatus,
    SlaPause,
    User,
)
from app.db.repositories.locks import lock_row
from app.db.types import utcnow
from app.domain.calendar import BusinessCalendar
from app.domain.cases.links import load_case_links
from app.domain.cases.schemas import CaseLink
from app.domain.common import ensure_unique, get_for_field, get_or_404, require_version
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.domain.events import add_created, apply_changes, record_event
from app.domain.filters import ExternalRefQuery, apply_filters
from app.domain.notifications.service import supervisor_ids
from app.domain.numbering import next_number
from app.domain.pagination import PageParams, PageResult, paginate_visible
from app.domain.schemas import read_for
from app.domain.service_orders import sla
from app.domain.service_orders.booking import book_engineer
from app.domain.service_orders.schemas import (
    ConfirmationRead,
    ServiceOrderCreate,
    ServiceOrderRead,
    ServiceOrderUpdate,
    SignoffRead,
    SlaRead,
)
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.timeline import PublicChanges
from app.domain.users.summaries import People, load_people

NUMBER_PREFIX = "SO"
SORTS = {
    "created_at": col(ServiceOrder.created_at),
    "updated_at": col(ServiceOrder.updated_at),
    "due_at": col(ServiceOrder.due_at),
    "number": col(ServiceOrder.number),
    "priority": col(ServiceOrder.priority),
}
# What a customer sees of an order's event changes: the order's own public fields and what the
# actions record, never the ERP key, booking clashes with other orders, or a hold's reason.
PUBLIC_CHANGES = PublicChanges(
    frozenset(
        {
            "kind",
            "channel",
            "customer_id",
            "device_id",
            "subject",
            "description",
            "priority",
            "contact_name",
            "contact_phone",
            "appointment_start",
            "appointment_end",
            "assignee_id",
            "responded_at",
            "due_at",
            "resolution",
            "signer_name",
            "reason",
            "customer_message",
            "closed_at",
        }
    ),
    internal={"hold": frozenset({"reason"})},
)


class OrderQuery(ExternalRefQuery):
    search_columns = ("number", "subject", "description", "contact_name")
    number_prefix = NUMBER_PREFIX
    special = frozenset({"overdue"})

    q: str | None = Field(default=None, max_length=200, description="number, subject, text")
    number: str | None = Field(
        default=None, max_length=40, description="the order's number, exact (SO-2026-000123)"
    )
    status: list[ServiceOrderStatus] | None = Field(default=None, max_length=10)
    kind: OrderKind | None = None
    customer_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    priority: list[Priority] | None = Field(default=None, max_length=4)
    overdue: bool | None = None


@dataclass
class OrderView:
    """What a read needs besides the row: its pauses, the calendar, maybe the signature."""

    calendar: BusinessCalendar
    pauses: dict[Any, list[SlaPause]] = field(default_factory=dict)
    signatures: dict[Any, bytes] = field(default_factory=dict)
    people: People = field(default_factory=dict)
    cases: dict[Any, CaseLink] = field(default_factory=dict)


def record_hash(service_record: str | None) -> str:
    return hashlib.sha256((service_record or "").encode()).hexdigest()


def to_read(order: ServiceOrder, user: User, view: OrderView) -> ServiceOrderRead:
    now = utcnow()
    pauses = view.pauses.get(order.id, [])
    signoff = None
    if order.signoff:
        png = view.signatures.get(order.id)
        signoff = SignoffRead(
            signer_name=order.signoff["signer_name"],
            signed_at=datetime.fromisoformat(order.signoff["signed_at"]),
            signature="data:image/png;base64," + base64.b64encode(png).decode() if png else None,
            record_sha256=order.signoff["record_sha256"],
            record_matches=order.signoff["record_sha256"] == record_hash(order.service_record),
        )
    confirmation = None
    if order.confirmation:
        by = uuid.UUID(order.confirmation["by"]) if order.confirmation.get("by") else None
        confirmation = ConfirmationRead(
            at=datetime.fromisoformat(order.confirmation["at"]),
            by=by,
            confirmed_by=view.people.get(by) if by else None,
            channel=order.confirmation.get("channel"),
        )
    computed: dict[str, Any] = {
        "owner": view.people.get(order.owner_id) if order.owner_id else None,
        "assignee": view.people.get(order.assignee_id) if order.assignee_id else None,
        "overdue": is_overdue(order, pauses, now),
        "signoff": signoff,
        "confirmation": confirmation,
        "allowed_actions": SERVICE_ORDER.allowed_actions(order, user),
    }
    staff = user.role != Role.customer
    if staff:
        computed["sla"] = SlaRead(
            response_due_at=order.response_due_at,
            resolve_due_at=order.due_at,
            paused_minutes=sla.paused_minutes(pauses, view.calendar, now),
            paused=sla.open_pause(pauses) is not None,
            state=order.sla_state,
        )
        computed["case"] = view.cases.get(order.id)
    return read_for(ServiceOrderRead, order, staff=staff, **computed)


def _people_named_by(order: ServiceOrder) -> list[uuid.UUID | None]:
    by = (order.confirmation or {}).get("by")
    return [order.owner_id, order.assignee_id, uuid.UUID(by) if by else None]


def is_overdue(order: ServiceOrder, pauses: Sequence[SlaPause], now: datetime) -> bool:
    """Past its resolution due time while the resolve clock runs; an order on hold is overdue
    only if it was already late when the hold began (its clock is stopped)."""
    if order.due_at is None or order.status not in SERVICE_ORDER.group("active"):
        return False
    if order.status == "on_hold":
        held = sla.open_pause(pauses)
        return held is not None and order.due_at < held.started_at
    return order.due_at < now


def _overdue_clause(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of is_overdue, for ?overdue=."""
    held_late = (
        select(col(SlaPause.id))
        .where(
            col(SlaPause.order_id) == col(ServiceOrder.id),
            col(SlaPause.kind) == PauseKind.hold,
            col(SlaPause.ended_at).is_(None),
            col(SlaPause.started_at) > col(ServiceOrder.due_at),
        )
        .exists()
    )
    running = col(ServiceOrder.status).in_(sorted(SERVICE_ORDER.group("running")))
    return or_(
        and_(running, col(ServiceOrder.due_at) < now),
        and_(col(ServiceOrder.status) == "on_hold", held_late),
    )


async def view_for(
    session: AsyncSession, orders: Sequence[ServiceOrder], with_signature: bool = False
) -> OrderView:
    view = OrderView(calendar=await sla.load_calendar(session))
    view.pauses = await sla.load_pauses(session, orders)
    view.people = await load_people(session, [i for o in orders for i in _people_named_by(o)])
    escalated = [o.id for o in orders if o.has_case]
    view.cases = await load_case_links(session, ServiceOrder.object_type, escalated)
    if with_signature:
        ids = [o.id for o in orders if o.signoff]
        if ids:
            rows = await session.execute(
                select(col(OrderSignature.order_id), col(OrderSignature.png)).where(
                    col(OrderSignature.order_id).in_(ids)
                )
            )
            view.signatures = {order_id: png for order_id, png in rows.all()}
    return view


async def read_one(session: AsyncSession, user: User, order: ServiceOrder) -> ServiceOrderRead:
    return to_read(order, user, await view_for(session, [order], with_signature=True))


async def get_order(session: AsyncSession, user: User, order_id: uuid.UUID) -> ServiceOrder:
    return await get_or_404(session, user, ServiceOrder, order_id, "Service order")


async def _check_device(
    session: AsyncSession, user: User, device_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    device = await get_for_field(session, user, Device, device_id, "device_id", "Device")
    if device.customer_id != customer_id:
        raise ValidationFailed([("device_id", "belongs to another customer")])


async def refresh_sla(
    session: AsyncSession,
    order: ServiceOrder,
    actor: User | None,
    held_since: datetime | None = None,
) -> None:
    """Recompute the order's due instants and SLA state from its pauses, policy and calendar.

    A state that rises (an action or edit that finds the order already late) is announced at
    once, as the watcher would. The reads do not autoflush: the order's pending edits and these
    clock fields then reach the database in one UPDATE, so an action bumps the version once.
    Flush new pauses first."""
    with session.no_autoflush:
        pauses = (await sla.load_pauses(session, [order]))[order.id]
        policy = await sla.load_policy(session, order.kind, order.priority)
        calendar = await sla.load_calendar(session)
    sla.apply_clock(order, pauses, calendar, policy)
    previous = order.sla_state
    order.sla_state = sla.evaluate(order, utcnow(), held_since)
    if sla.is_escalation(previous, order.sla_state):
        with session.no_autoflush:
            supervisors = await supervisor_ids(session)
        sla.announce(session, order, previous, order.sla_state, supervisors, calendar, actor)


async def create_order(
    session: AsyncSession, actor: User, data: ServiceOrderCreate
) -> ServiceOrder:
    if actor.role == Role.customer:
        if data.channel != OrderChannel.portal:
            raise ValidationFailed([("channel", "customers open orders through the portal")])
        if data.external_ref is not None:
            # The key an ERP matches orders on is the integrations' to set, not the portal's.
            raise ValidationFailed([("external_ref", "set by the office or an integration")])
    elif actor.role not in OFFICE_ROLES:
        raise Forbidden("Only the office and customers open service orders")
    await get_for_field(session, actor, Customer, data.customer_id, "customer_id", "Customer")
    if data.device_id:
        await _check_device(session, actor, data.device_id, data.customer_id)
    await ensure_unique(session, ServiceOrder, {"external_ref": data.external_ref})
    order = ServiceOrder(
        **data.model_dump(),
        number=await next_number(session, NUMBER_PREFIX),
        status=ServiceOrderStatus(SERVICE_ORDER.initial),
        # 首问负责: the staff member who first received the request owns its follow-through.
        # A portal order gets its owner when the office first assigns it.
        owner_id=actor.id if actor.role in OFFICE_ROLES else None,
    )
    await refresh_sla(session, order, actor)
    await add_created(
        session, actor, ServiceOrder.object_type, order, data.model_dump(exclude_none=True)
    )
    return order


async def list_orders(
    session: AsyncSession, user: User, filters: OrderQuery, page: PageParams
) -> PageResult[ServiceOrder]:
    stmt = apply_filters(select(ServiceOrder), ServiceOrder, filters)  # scoped by paginate_visible
    if filters.overdue is not None:
        overdue = _overdue_clause(utcnow())
        stmt = stmt.where(overdue if filters.overdue else ~overdue)
    return await paginate_visible(session, user, stmt, ServiceOrder, page, SORTS)


async def update_order(
    session: AsyncSession,
    actor: User,
    order_id: uuid.UUID,
    data: ServiceOrderUpdate,
    expected_version: int | None,
    force: bool = False,
) -> ServiceOrder:
    # The order first, then (if its visit moves) the engineer: the same order of locks as the
    # actions take, so an edit and an action on one order queue up instead of deadlocking.
    await lock_row(session, ServiceOrder, order_id)
    order = await get_order(session, actor, order_id)
    if actor.role not in OFFICE_ROLES:
        raise Forbidden("Only the office edits service orders")
    require_version(order, expected_version)
    if order.status not in SERVICE_ORDER.group("editable"):
        raise Conflict(f"A {order.status} order can no longer be edited")
    values = data.model_dump(exclude_unset=True)
    start = values.get("appointment_start", order.appointment_start)
    end = values.get("appointment_end", order.appointment_end)
    moved = bool({"appointment_start", "appointment_end"} & values.keys())
    if moved:
        if order.kind == OrderKind.remote:
            raise ValidationFailed([("appointment_start", "only on-site orders have one")])
        if (start is None) != (end is None) or (start and end and end <= start):
            raise ValidationFailed([("appointment_end", "must come with and after the start")])
        if start is None and order.assignee_id is not None:
            # Assigning needed the appointment; an engineer booked for no time is nobody's plan.
            raise ValidationFailed(
                [("appointment_start", "an assigned on-site order keeps its appointment")]
            )
    overlaps: list[str] = []
    if moved and order.assignee_id and start and end:
        overlaps = await book_engineer(session, order.assignee_id, start, end, order.id, force)
    if values.get("device_id"):
        await _check_device(session, actor, values["device_id"], order.customer_id)
    await ensure_unique(
        session, ServiceOrder, {"external_ref": values.get("external_ref")}, exclude_id=order.id
    )
    changes = apply_changes(order, values)
    if "priority" in changes:
        await refresh_sla(session, order, actor)
    if changes:
        await session.flush()
        forced = {"forced": True, "overlaps": overlaps} if overlaps else {}
        record_event(
            session,
            actor=actor,
            object_type=ServiceOrder.object_type,
            obj=order,
            action="updated",
            changes={**changes, **forced},
        )
    return order
