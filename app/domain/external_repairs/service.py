"""External repairs (SPEC §4.3): plan an attempt, read, list, the clerk's chase list. The
workflow actions are in actions.py."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, ExternalRepair, RepairOrder, Role, User, Vendor
from app.db.models.repairs import ExternalRepairStatus
from app.db.repositories.locks import lock_row
from app.db.repositories.scoping import select_visible
from app.db.types import utcnow
from app.domain.common import get_or_404
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.domain.external_repairs.attempts import plan_attempt
from app.domain.external_repairs.schemas import (
    ChaseRead,
    ContactRead,
    ExternalRepairCreate,
    ExternalRepairRead,
    VendorSummary,
)
from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from app.domain.filters import ListQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.repair_orders.service import sent_out
from app.domain.users.summaries import People, load_people

SORTS = {
    "created_at": col(ExternalRepair.created_at),
    "updated_at": col(ExternalRepair.updated_at),
}
AT_VENDOR = ExternalRepairStatus.at_vendor


class ExternalRepairQuery(ListQuery):
    search_columns = ("pickup_receipt_no", "vendor_rma_no", "vendor_report")
    special = frozenset({"follow_up_due", "overdue"})

    q: str | None = Field(default=None, max_length=200, description="receipt, RMA, report")
    status: list[ExternalRepairStatus] | None = Field(default=None, max_length=6)
    vendor_id: uuid.UUID | None = None
    repair_order_id: uuid.UUID | None = None
    follow_up_due: bool | None = Field(
        default=None, description="at the station and the next chase is due (the chase list)"
    )
    overdue: bool | None = Field(default=None, description="at the station past expected back")


def is_follow_up_due(attempt: ExternalRepair, now: datetime) -> bool:
    due = attempt.next_follow_up_at
    return attempt.status == AT_VENDOR and due is not None and due <= now


def is_overdue(attempt: ExternalRepair, now: datetime) -> bool:
    back = attempt.expected_back_at
    return attempt.status == AT_VENDOR and back is not None and back < now


def follow_up_due_clause(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of is_follow_up_due (the list filter and the watcher)."""
    return and_(
        col(ExternalRepair.status) == AT_VENDOR, col(ExternalRepair.next_follow_up_at) <= now
    )


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of is_overdue."""
    return and_(col(ExternalRepair.status) == AT_VENDOR, col(ExternalRepair.expected_back_at) < now)


@dataclass
class AttemptView:
    """What reads need besides the rows: people, vendors and repair-order numbers (one query
    each, however many attempts)."""

    people: People = field(default_factory=dict)
    vendors: dict[uuid.UUID, str] = field(default_factory=dict)
    numbers: dict[uuid.UUID, str] = field(default_factory=dict)


def _people_named_by(attempt: ExternalRepair) -> list[uuid.UUID | None]:
    named = [(attempt.contact or {}).get("by")] + [f.get("by") for f in attempt.follow_ups]
    return [uuid.UUID(by) for by in named if by]


async def view_for(session: AsyncSession, attempts: Sequence[ExternalRepair]) -> AttemptView:
    view = AttemptView()
    if not attempts:
        return view
    view.people = await load_people(session, [i for a in attempts for i in _people_named_by(a)])
    vendors = await session.execute(
        select(col(Vendor.id), col(Vendor.name)).where(
            col(Vendor.id).in_({a.vendor_id for a in attempts})
        )
    )
    view.vendors = {i: name for i, name in vendors.all()}
    numbers = await session.execute(
        select(col(RepairOrder.id), col(RepairOrder.number)).where(
            col(RepairOrder.id).in_({a.repair_order_id for a in attempts})
        )
    )
    view.numbers = {i: number for i, number in numbers.all()}
    return view


def _person(view: AttemptView, by: str | None) -> Any:
    return view.people.get(uuid.UUID(by)) if by else None


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def to_read(attempt: ExternalRepair, user: User, view: AttemptView) -> ExternalRepairRead:
    now = utcnow()
    contact = None
    if attempt.contact:
        given = attempt.contact
        contact = ContactRead(
            at=datetime.fromisoformat(given["at"]),
            by=_person(view, given.get("by")),
            person=given["person"],
            channel=given["channel"],
            notes=given["notes"],
        )
    follow_ups = [
        ChaseRead(
            at=datetime.fromisoformat(f["at"]),
            by=_person(view, f.get("by")),
            notes=f["notes"],
            vendor_eta=_at(f.get("vendor_eta")),
        )
        for f in attempt.follow_ups
    ]
    data = {
        name: getattr(attempt, name)
        for name in ExternalRepairRead.model_fields
        if hasattr(attempt, name) and name not in {"contact", "follow_ups", "cost"}
    }
    return ExternalRepairRead(
        **data,
        repair_order_number=view.numbers.get(attempt.repair_order_id, ""),
        vendor=VendorSummary(id=attempt.vendor_id, name=view.vendors.get(attempt.vendor_id, "")),
        contact=contact,
        follow_ups=follow_ups,
        follow_up_due=is_follow_up_due(attempt, now),
        overdue=is_overdue(attempt, now),
        cost=None if attempt.cost is None else f"{Decimal(attempt.cost):.2f}",
        allowed_actions=EXTERNAL_REPAIR.allowed_actions(attempt, user),
    )


async def read_one(
    session: AsyncSession, user: User, attempt: ExternalRepair
) -> ExternalRepairRead:
    return to_read(attempt, user, await view_for(session, [attempt]))


async def read_page(
    session: AsyncSession, user: User, attempts: Sequence[ExternalRepair]
) -> list[ExternalRepairRead]:
    view = await view_for(session, attempts)
    return [to_read(a, user, view) for a in attempts]


def hide_from_customers(user: User) -> None:
    """Customers never learn that external repairs exist: every route answers 404."""
    if user.role == Role.customer:
        raise NotFound("External repair")


async def get_attempt(session: AsyncSession, user: User, attempt_id: uuid.UUID) -> ExternalRepair:
    return await get_or_404(session, user, ExternalRepair, attempt_id, "External repair")


async def lock_repair_order_of(session: AsyncSession, attempt_id: uuid.UUID) -> None:
    """Lock the attempt's repair order (its id never changes, so reading it unlocked is safe)."""
    order_id = await session.scalar(
        select(col(ExternalRepair.repair_order_id)).where(col(ExternalRepair.id) == attempt_id)
    )
    if order_id is not None:
        await lock_row(session, RepairOrder, order_id)


async def create_attempt(
    session: AsyncSession, actor: User, data: ExternalRepairCreate
) -> ExternalRepair:
    """Plan the next attempt; the first one sends the repair order out (→ external)."""
    hide_from_customers(actor)
    if actor.role not in OFFICE_ROLES:
        raise Forbidden("Only the office sends repairs to outside stations")
    await lock_row(session, RepairOrder, data.repair_order_id)
    order = await session.get(RepairOrder, data.repair_order_id)
    if order is None:
        raise ValidationFailed(
            [("repair_order_id", f"Repair order {data.repair_order_id} does not exist")]
        )
    attempt = await plan_attempt(session, actor, order, data.vendor_id)
    await sent_out(session, actor, order, attempt)
    return attempt


async def list_attempts(
    session: AsyncSession, user: User, filters: ExternalRepairQuery, page: PageParams
) -> PageResult[ExternalRepair]:
    hide_from_customers(user)
    stmt = apply_filters(select_visible(user, ExternalRepair), ExternalRepair, filters)
    now = utcnow()
    for wanted, clause in (
        (filters.follow_up_due, follow_up_due_clause(now)),
        (filters.overdue, overdue_clause(now)),
    ):
        if wanted is not None:
            stmt = stmt.where(clause if wanted else ~clause)
    return await paginate(session, stmt, ExternalRepair, page, SORTS)


async def list_for_repair_order(
    session: AsyncSession, user: User, order_id: uuid.UUID, page: PageParams
) -> PageResult[ExternalRepair]:
    """The attempts of one repair order, oldest first; 404 if the caller cannot see the order."""
    hide_from_customers(user)
    await get_or_404(session, user, RepairOrder, order_id, "Repair order")
    stmt = select_visible(user, ExternalRepair).where(
        col(ExternalRepair.repair_order_id) == order_id
    )
    return await paginate(session, stmt, ExternalRepair, page, SORTS)
