"""Repair orders: receive, read, list, and the vendor's return. The workflow actions are in
actions.py; parts, process records and the warranty override in records.py."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    OFFICE_ROLES,
    Customer,
    Device,
    ExternalRepair,
    RepairOrder,
    RepairPart,
    Role,
    User,
)
from app.db.models.repairs import BilledTo, RepairOrderStatus, RepairRoute
from app.db.repositories.locks import lock_row
from app.db.types import utcnow
from app.domain.cases.links import load_case_links
from app.domain.cases.schemas import CaseLink
from app.domain.common import ensure_unique, get_for_field, get_or_404, text_search
from app.domain.devices.schemas import DeviceCreate
from app.domain.devices.service import create_device
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.domain.events import add_created, record_event
from app.domain.filters import ExternalRefQuery, apply_filters
from app.domain.numbering import next_number
from app.domain.pagination import PageParams, PageResult, paginate_visible
from app.domain.repair_orders.schemas import (
    DeliveryRead,
    IntakeRead,
    PartRead,
    PartTotals,
    ReinspectionRead,
    RepairConfirmationRead,
    RepairOrderCreate,
    RepairOrderRead,
    WarrantyDecisionRead,
)
from app.domain.repair_orders.workflow import REPAIR_ORDER, VENDOR_RETURNED_REPAIRED
from app.domain.schemas import Timestamp, read_for
from app.domain.timeline import PublicChanges
from app.domain.users.summaries import People, load_people

NUMBER_PREFIX = "RO"
# The turnaround the department promises for a repair, from receipt (calendar days).
TURNAROUND = timedelta(days=7)
SORTS = {
    "created_at": col(RepairOrder.created_at),
    "updated_at": col(RepairOrder.updated_at),
    "received_at": col(RepairOrder.received_at),
    "due_at": col(RepairOrder.due_at),
    "number": col(RepairOrder.number),
}
# What a customer sees of a repair order's events: never vendors, costs billed elsewhere, or
# process records (those events are not public at all).
PUBLIC_CHANGES = PublicChanges(
    frozenset(
        {
            "customer_id",
            "device_id",
            "fault_description",
            "intake",
            "received_at",
            "assignee_id",
            "diagnosis",
            "route",
            "in_warranty",
            "outcome",
            "summary",
            "result",
            "notes",
            "to",
            "method",
            "reason",
            "channel",
            "repaired",
            "part_number",
            "description",
            "quantity",
            "unit_cost",
            "billed_to",
            "closed_at",
        }
    ),
    internal={"warranty_overridden": frozenset({"reason"}), "send_out": frozenset({"reason"})},
)


class RepairOrderQuery(ExternalRefQuery):
    special = frozenset({"q", "overdue", "received_after", "received_before"})

    q: str | None = Field(
        default=None, max_length=200, description="number, device serial or fault text"
    )
    status: list[RepairOrderStatus] | None = Field(default=None, max_length=11)
    customer_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    in_warranty: bool | None = None
    route: RepairRoute | None = None
    overdue: bool | None = Field(default=None, description="past due and still in the workshop")
    received_after: Timestamp | None = Field(default=None, description="received at or after")
    received_before: Timestamp | None = Field(default=None, description="received before")


@dataclass
class RepairView:
    """What a read needs besides the row: the people it names and its parts."""

    people: People = field(default_factory=dict)
    parts: dict[uuid.UUID, list[RepairPart]] = field(default_factory=dict)
    cases: dict[Any, CaseLink] = field(default_factory=dict)


def _people_named_by(order: RepairOrder) -> list[uuid.UUID | None]:
    nested = [(order.warranty or {}).get("overridden_by"), (order.reinspection or {}).get("by")]
    nested.append((order.confirmation or {}).get("by"))
    return [order.owner_id, order.assignee_id, *(uuid.UUID(i) for i in nested if i)]


async def view_for(session: AsyncSession, orders: Sequence[RepairOrder]) -> RepairView:
    view = RepairView(
        people=await load_people(session, [i for o in orders for i in _people_named_by(o)])
    )
    if orders:
        rows = await session.scalars(
            select(RepairPart)
            .where(col(RepairPart.repair_order_id).in_([o.id for o in orders]))
            .order_by(col(RepairPart.created_at), col(RepairPart.id))
        )
        for part in rows.all():
            view.parts.setdefault(part.repair_order_id, []).append(part)
        view.cases = await load_case_links(session, RepairOrder.object_type, [o.id for o in orders])
    return view


def _person(view: RepairView, value: Any) -> Any:
    return view.people.get(uuid.UUID(value)) if value else None


def is_overdue(order: RepairOrder, now: datetime) -> bool:
    running = order.status in REPAIR_ORDER.group("running")
    return running and order.due_at is not None and order.due_at < now


def _overdue_clause(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of is_overdue, for ?overdue=."""
    return and_(
        col(RepairOrder.status).in_(sorted(REPAIR_ORDER.group("running"))),
        col(RepairOrder.due_at) < now,
    )


def _parts(parts: list[RepairPart], staff: bool) -> tuple[list[PartRead], PartTotals]:
    totals = {b: Decimal("0.00") for b in BilledTo}
    shown = []
    for part in parts:
        line = part.unit_cost * part.quantity
        totals[BilledTo(part.billed_to)] += line
        if staff or part.billed_to == BilledTo.customer:
            shown.append(read_for(PartRead, part, staff=staff, line_total=line))
    if staff:
        return shown, PartTotals(**{b.value: v for b, v in totals.items()})
    return shown, PartTotals(customer=totals[BilledTo.customer])


def _warranty(warranty: dict[str, Any], view: RepairView, staff: bool) -> WarrantyDecisionRead:
    decision = {k: warranty[k] for k in ("in_warranty", "basis", "received_on", "decided_at")}
    if staff and "override_reason" in warranty:
        decision["overridden_by"] = _person(view, warranty.get("overridden_by"))
        decision["override_reason"] = warranty["override_reason"]
    return WarrantyDecisionRead(**decision)


def to_read(order: RepairOrder, user: User, view: RepairView) -> RepairOrderRead:
    staff = user.role != Role.customer
    warranty = order.warranty
    parts, totals = _parts(view.parts.get(order.id, []), staff)
    computed: dict[str, Any] = {
        "owner": view.people.get(order.owner_id) if order.owner_id else None,
        "assignee": view.people.get(order.assignee_id) if order.assignee_id else None,
        "intake": IntakeRead(**order.intake),
        "warranty": _warranty(warranty, view, staff) if warranty else None,
        "reinspection": ReinspectionRead(
            **{**order.reinspection, "by": _person(view, order.reinspection.get("by"))}
        )
        if order.reinspection
        else None,
        "delivery": DeliveryRead(**order.delivery) if order.delivery else None,
        "confirmation": RepairConfirmationRead(
            **{**order.confirmation, "by": _person(view, order.confirmation.get("by"))}
        )
        if order.confirmation
        else None,
        "overdue": is_overdue(order, utcnow()),
        "parts": parts,
        "parts_total": totals,
        "allowed_actions": REPAIR_ORDER.allowed_actions(order, user),
    }
    if staff:  # StaffOnly: a computed value is sent unless left out here
        computed["case"] = view.cases.get(order.id)
    return read_for(RepairOrderRead, order, staff=staff, **computed)


async def read_one(session: AsyncSession, user: User, order: RepairOrder) -> RepairOrderRead:
    return to_read(order, user, await view_for(session, [order]))


async def get_order(session: AsyncSession, user: User, order_id: uuid.UUID) -> RepairOrder:
    return await get_or_404(session, user, RepairOrder, order_id, "Repair order")


async def _device_for(session: AsyncSession, actor: User, data: RepairOrderCreate) -> Device:
    if data.device is not None:
        fields = data.device.model_dump()
        return await create_device(
            session, actor, DeviceCreate(customer_id=data.customer_id, **fields)
        )
    assert data.device_id is not None
    device = await get_for_field(session, actor, Device, data.device_id, "device_id", "Device")
    if device.customer_id != data.customer_id:
        raise ValidationFailed([("device_id", "belongs to another customer")])
    return device


async def receive_order(session: AsyncSession, actor: User, data: RepairOrderCreate) -> RepairOrder:
    """Take a faulty device in (维修服务单), with its intake inspection."""
    if actor.role not in OFFICE_ROLES:
        raise Forbidden("Only the office receives devices for repair")
    await get_for_field(session, actor, Customer, data.customer_id, "customer_id", "Customer")
    await ensure_unique(session, RepairOrder, {"external_ref": data.external_ref})
    device = await _device_for(session, actor, data)
    now = utcnow()
    order = RepairOrder(
        number=await next_number(session, NUMBER_PREFIX),
        customer_id=data.customer_id,
        device_id=device.id,
        received_at=now,
        owner_id=actor.id,  # 首问负责: the clerk who took the device in
        fault_description=data.fault_description,
        intake=data.intake.model_dump(),
        status=RepairOrderStatus(REPAIR_ORDER.initial),
        due_at=now + TURNAROUND,
        external_ref=data.external_ref,
    )
    changes = data.model_dump(exclude_none=True, exclude={"device"})
    await add_created(
        session, actor, RepairOrder.object_type, order, {**changes, "device_id": device.id}
    )
    return order


async def list_orders(
    session: AsyncSession, user: User, filters: RepairOrderQuery, page: PageParams
) -> PageResult[RepairOrder]:
    stmt = apply_filters(select(RepairOrder), RepairOrder, filters)  # scoped by paginate_visible
    if filters.q:
        serials = select(col(Device.id)).where(text_search(filters.q, col(Device.serial_number)))
        stmt = stmt.where(
            or_(
                text_search(filters.q, col(RepairOrder.number), col(RepairOrder.fault_description)),
                col(RepairOrder.device_id).in_(serials),
            )
        )
    if filters.overdue is not None:
        overdue = _overdue_clause(utcnow())
        stmt = stmt.where(overdue if filters.overdue else ~overdue)
    if filters.received_after:
        stmt = stmt.where(col(RepairOrder.received_at) >= filters.received_after)
    if filters.received_before:
        stmt = stmt.where(col(RepairOrder.received_at) < filters.received_before)
    return await paginate_visible(session, user, stmt, RepairOrder, page, SORTS)


def order_event(
    session: AsyncSession,
    actor: User,
    order: RepairOrder,
    action: str,
    changes: dict[str, Any],
    *,
    from_status: str | None = None,
    public: bool = True,
) -> None:
    """The one event of a change to `order` made outside the workflow runner."""
    record_event(
        session,
        actor=actor,
        object_type=RepairOrder.object_type,
        obj=order,
        action=action,
        from_status=from_status,
        to_status=str(order.status) if from_status else None,
        changes=changes,
        public=public,
    )


async def sent_out(
    session: AsyncSession, actor: User, order: RepairOrder, attempt: ExternalRepair
) -> None:
    """A direct `POST /external-repairs` takes the order to `external` (the first attempt;
    later ones find it there already). The caller holds the order's row lock."""
    if order.status == RepairOrderStatus.external:
        return
    source = str(order.status)
    order.status = RepairOrderStatus.external
    # Which station is the department's business: the event names the attempt, not the vendor.
    changes = {"external_repair_id": attempt.id, "attempt": attempt.attempt}
    order_event(session, actor, order, "send_out", changes, from_status=source)


async def vendor_returned(
    session: AsyncSession, actor: User, order: RepairOrder, repaired: bool
) -> RepairOrder:
    """The device came back from an outside station (SPEC §4.3 `receive`).

    Repaired: the order goes `external` → `reinspection`, so it is re-inspected in house before
    it can be delivered. Unrepairable: it stays `external`, waiting for another station or
    `return_unrepaired`. Either way one `vendor_returned` event. The caller (the external
    repair's `receive`) runs in the same unit of work; the order's row is locked here."""
    await lock_row(session, RepairOrder, order.id)
    await session.refresh(order)
    source, target = VENDOR_RETURNED_REPAIRED
    if order.status != source:
        raise Conflict(
            f"a repair order in '{order.status}' is not at an outside station",
            current_status=str(order.status),
        )
    if repaired:
        order.status = RepairOrderStatus(target)
        await session.flush()
    order_event(
        session, actor, order, "vendor_returned", {"repaired": repaired}, from_status=source
    )
    return order
