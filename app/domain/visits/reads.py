"""Reading callback visits: one, a page, the filters, what a customer may see."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    CallbackVisit,
    RepairOrder,
    Role,
    ServiceOrder,
    User,
    VisitMethod,
    VisitOrder,
    VisitStatus,
)
from app.db.repositories.scoping import select_visible
from app.domain.common import get_or_404
from app.domain.errors import ValidationFailed
from app.domain.filters import ListQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.schemas import Timestamp, read_for
from app.domain.timeline import PublicChanges
from app.domain.users.summaries import People, load_people
from app.domain.visits.schemas import FollowUpRead, NpsCategory, ScoresRead, VisitRead
from app.domain.visits.workflow import VISIT

SORTS = {
    "created_at": col(CallbackVisit.created_at),
    "updated_at": col(CallbackVisit.updated_at),
    "planned_at": col(CallbackVisit.planned_at),
}
SCORE_FIELDS = ("overall", "response_speed", "professionalism", "attitude")
# What a customer sees of its survey's events: what it was asked and what it answered.
PUBLIC_CHANGES = PublicChanges(
    frozenset(
        {
            "customer_id",
            "method",
            "planned_at",
            "topics",
            "service_order_ids",
            "repair_order_ids",
            "reached",
            "feedback",
            "scores",
            "nps",
            "complaint_id",
        }
    )
)


class VisitQuery(ListQuery):
    search_columns = ("feedback",)
    special = frozenset({"planned_after", "planned_before", "service_order_id", "repair_order_id"})

    q: str | None = Field(default=None, max_length=200, description="text of the feedback")
    status: list[VisitStatus] | None = Field(default=None, max_length=4)
    customer_id: uuid.UUID | None = None
    method: VisitMethod | None = None
    visitor_id: uuid.UUID | None = Field(default=None, description="staff only")
    needs_follow_up: bool | None = Field(
        default=None, description="detractor answers waiting for a follow-up (staff only)"
    )
    planned_after: Timestamp | None = Field(default=None, description="planned at or after")
    planned_before: Timestamp | None = Field(default=None, description="planned before")
    service_order_id: uuid.UUID | None = Field(default=None, description="about this order")
    repair_order_id: uuid.UUID | None = Field(default=None, description="about this order")


# The VisitOrder column that names an order of each type.
ORDER_LINKS = {
    ServiceOrder.object_type: col(VisitOrder.service_order_id),
    RepairOrder.object_type: col(VisitOrder.repair_order_id),
}


@dataclass
class VisitView:
    """What reads need besides the rows: the orders of each visit, the people they name."""

    orders: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = field(default_factory=dict)
    people: People = field(default_factory=dict)


def nps_category(nps: int | None) -> NpsCategory | None:
    if nps is None:
        return None
    if nps >= 9:
        return NpsCategory.promoter
    return NpsCategory.passive if nps >= 7 else NpsCategory.detractor


def scores_of(visit: CallbackVisit) -> dict[str, int] | None:
    values = {name: getattr(visit, f"score_{name}") for name in SCORE_FIELDS}
    return values if all(v is not None for v in values.values()) else None


def to_read(visit: CallbackVisit, user: User, view: VisitView) -> VisitRead:
    orders = view.orders.get(visit.id, {})
    scores = scores_of(visit)
    follow_up = None
    if visit.follow_up:
        by = uuid.UUID(visit.follow_up["by"]) if visit.follow_up.get("by") else None
        follow_up = FollowUpRead(
            notes=visit.follow_up["notes"],
            at=datetime.fromisoformat(visit.follow_up["at"]),
            by=by,
            by_user=view.people.get(by) if by else None,
        )
    computed: dict[str, Any] = {
        "service_order_ids": orders.get(ServiceOrder.object_type, []),
        "repair_order_ids": orders.get(RepairOrder.object_type, []),
        "scores": ScoresRead(**scores) if scores else None,
        "allowed_actions": VISIT.allowed_actions(visit, user),
    }
    staff = user.role != Role.customer
    if staff:
        computed["visitor"] = view.people.get(visit.visitor_id) if visit.visitor_id else None
        computed["nps_category"] = nps_category(visit.nps)
        computed["follow_up"] = follow_up
    return read_for(VisitRead, visit, staff=staff, **computed)


async def view_for(session: AsyncSession, visits: Sequence[CallbackVisit]) -> VisitView:
    view = VisitView()
    if not visits:
        return view
    rows = await session.execute(
        select(VisitOrder).where(col(VisitOrder.visit_id).in_([v.id for v in visits]))
    )
    for link in rows.scalars():
        for kind, order_id in (
            (ServiceOrder.object_type, link.service_order_id),
            (RepairOrder.object_type, link.repair_order_id),
        ):
            if order_id is not None:
                view.orders.setdefault(link.visit_id, {}).setdefault(kind, []).append(order_id)
    followers = [uuid.UUID(by) for v in visits if (by := (v.follow_up or {}).get("by"))]
    view.people = await load_people(session, [*(v.visitor_id for v in visits), *followers])
    return view


async def read_one(session: AsyncSession, user: User, visit: CallbackVisit) -> VisitRead:
    return to_read(visit, user, await view_for(session, [visit]))


async def get_visit(session: AsyncSession, user: User, visit_id: uuid.UUID) -> CallbackVisit:
    return await get_or_404(session, user, CallbackVisit, visit_id, "Visit")


def _about_order(link: Any, order_id: uuid.UUID) -> ColumnElement[bool]:
    return col(CallbackVisit.id).in_(select(col(VisitOrder.visit_id)).where(link == order_id))


async def list_visits(
    session: AsyncSession, user: User, filters: VisitQuery, page: PageParams
) -> PageResult[CallbackVisit]:
    if user.role == Role.customer:
        staff_filters = [n for n in ("needs_follow_up", "visitor_id") if getattr(filters, n)]
        if staff_filters:
            raise ValidationFailed([(n, "a staff filter") for n in staff_filters])
    stmt = apply_filters(select_visible(user, CallbackVisit), CallbackVisit, filters)
    if filters.planned_after is not None:
        stmt = stmt.where(col(CallbackVisit.planned_at) >= filters.planned_after)
    if filters.planned_before is not None:
        stmt = stmt.where(col(CallbackVisit.planned_at) < filters.planned_before)
    for kind, order_id in (
        (ServiceOrder.object_type, filters.service_order_id),
        (RepairOrder.object_type, filters.repair_order_id),
    ):
        if order_id is not None:
            stmt = stmt.where(_about_order(ORDER_LINKS[kind], order_id))
    return await paginate(session, stmt, CallbackVisit, page, SORTS)
