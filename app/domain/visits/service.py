"""Callback visits: plan one, plan a batch for closed orders, read, list. The workflow actions
are in actions.py."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import get_settings
from app.db.models import (
    STAFF_ROLES,
    CallbackVisit,
    Customer,
    RepairOrder,
    Role,
    ServiceOrder,
    ServiceOrderStatus,
    User,
    VisitMethod,
    VisitOrder,
    VisitStatus,
)
from app.db.models.repairs import RepairOrderStatus
from app.db.repositories.locks import lock_row
from app.db.repositories.scoping import select_visible
from app.db.types import utcnow
from app.domain.common import get_for_field, get_or_404
from app.domain.errors import ValidationFailed
from app.domain.events import add_created, record_event
from app.domain.filters import ListQuery, apply_filters
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.schemas import Timestamp, read_for
from app.domain.timeline import PublicChanges
from app.domain.users.summaries import People, load_people
from app.domain.visits.schemas import (
    FollowUpRead,
    NpsCategory,
    PlanBatch,
    PlanBatchResult,
    ScoresRead,
    VisitCreate,
    VisitRead,
)
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


# The orders a callback can be about, and what "closed" means for each (plan-batch, survey).
@dataclass(frozen=True)
class OrderSource:
    model: Any
    closed: str
    link: Any  # the VisitOrder column that names such an order


SOURCES = {
    ServiceOrder.object_type: OrderSource(
        ServiceOrder, ServiceOrderStatus.closed, col(VisitOrder.service_order_id)
    ),
    RepairOrder.object_type: OrderSource(
        RepairOrder, RepairOrderStatus.closed, col(VisitOrder.repair_order_id)
    ),
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


def is_detractor(scores: dict[str, int] | None, nps: int | None) -> bool:
    """NPS ≤ 6 or any satisfaction score ≤ 2 (SPEC §4.6)."""
    low_score = any(v <= 2 for v in (scores or {}).values())
    return low_score or (nps is not None and nps <= 6)


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


async def first_orders(session: AsyncSession, visit_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The visit's first service order and repair order, for a complaint raised during it."""
    rows = await session.scalars(
        select(VisitOrder).where(col(VisitOrder.visit_id) == visit_id).order_by(col(VisitOrder.id))
    )
    found: dict[str, uuid.UUID] = {}
    for link in rows:
        if link.service_order_id:
            found.setdefault("service_order_id", link.service_order_id)
        if link.repair_order_id:
            found.setdefault("repair_order_id", link.repair_order_id)
    return found


async def complaint_filed(session: AsyncSession, actor: User | None, complaint: Any) -> None:
    """A complaint was registered naming `complaint.visit_id` (POST /complaints): link it back
    and take the visit off the follow-up list (the complaint is its follow-up). Call it from
    the complaint's create, after register_complaint; a visit that already names a complaint
    keeps it."""
    if complaint.visit_id is None:
        return
    await lock_row(session, CallbackVisit, complaint.visit_id)
    visit = await session.get(CallbackVisit, complaint.visit_id)
    if visit is None or visit.complaint_id is not None:
        return
    visit.complaint_id = complaint.id
    visit.needs_follow_up = False
    await session.flush()
    record_event(
        session,
        actor=actor,
        object_type=CallbackVisit.object_type,
        obj=visit,
        action="complaint_filed",
        changes={"complaint_id": complaint.id, "needs_follow_up": False},
    )


async def read_one(session: AsyncSession, user: User, visit: CallbackVisit) -> VisitRead:
    return to_read(visit, user, await view_for(session, [visit]))


async def get_visit(session: AsyncSession, user: User, visit_id: uuid.UUID) -> CallbackVisit:
    return await get_or_404(session, user, CallbackVisit, visit_id, "Visit")


async def _check_visitor(session: AsyncSession, visitor_id: uuid.UUID) -> None:
    visitor = await session.get(User, visitor_id)
    if visitor is None or visitor.role not in STAFF_ROLES or not visitor.active:
        raise ValidationFailed([("visitor_id", "must be an active staff member")])


async def _check_orders(
    session: AsyncSession, field_name: str, model: Any, ids: list[uuid.UUID], customer_id: Any
) -> None:
    if not ids:
        return
    rows = await session.execute(select(model.id, model.customer_id).where(model.id.in_(ids)))
    owners: dict[uuid.UUID, uuid.UUID] = {row_id: owner for row_id, owner in rows.all()}
    errors = [
        (field_name, f"{i} does not exist")
        if i not in owners
        else (field_name, f"{i} belongs to another customer")
        for i in ids
        if owners.get(i) != customer_id
    ]
    if errors:
        raise ValidationFailed(errors)


async def plan_visit(session: AsyncSession, actor: User, data: VisitCreate) -> CallbackVisit:
    await get_for_field(session, actor, Customer, data.customer_id, "customer_id", "Customer")
    if data.visitor_id is not None:
        await _check_visitor(session, data.visitor_id)
    service_ids = list(dict.fromkeys(data.service_order_ids))
    repair_ids = list(dict.fromkeys(data.repair_order_ids))
    await _check_orders(session, "service_order_ids", ServiceOrder, service_ids, data.customer_id)
    await _check_orders(session, "repair_order_ids", RepairOrder, repair_ids, data.customer_id)
    visit = CallbackVisit(
        customer_id=data.customer_id,
        method=data.method,
        status=VisitStatus(VISIT.initial),
        planned_at=data.planned_at,
        topics=data.topics,
        visitor_id=data.visitor_id,
        planned_by_id=actor.id,
    )
    await add_created(session, actor, CallbackVisit.object_type, visit, data.model_dump())
    if visit.method == VisitMethod.online_survey:
        await _invite_to_surveys(session, [(visit.id, visit.customer_id, visit.topics)])
    session.add_all(
        [VisitOrder(visit_id=visit.id, service_order_id=i) for i in service_ids]
        + [VisitOrder(visit_id=visit.id, repair_order_id=i) for i in repair_ids]
    )
    return visit


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    """INSERT … ON CONFLICT DO NOTHING in the dialect at hand (both spell it alike)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = CallbackVisit.__table__  # type: ignore[attr-defined]
    return dialect.insert(table).on_conflict_do_nothing(index_elements=["callback_for"])


async def _plan_for_closed_orders(
    session: AsyncSession,
    actor: User | None,
    order_type: str,
    method: VisitMethod,
    orders: Sequence[Any],
) -> list[uuid.UUID]:
    """One visit per given closed order, keyed by `callback_for`: a concurrent run that planned
    the same order first wins and this one plans nothing for it. One INSERT for the visits
    (batched VALUES), one for their orders; the events are staged for the commit's insert."""
    if not orders:
        return []
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "customer_id": order.customer_id,
            "method": method,
            "status": VisitStatus(VISIT.initial),
            "planned_at": now,
            "topics": [order.number],
            "planned_by_id": actor.id if actor else None,
            "callback_for": f"{order_type}:{order.id}",
            "unreachable_count": 0,
            "needs_follow_up": False,
        }
        for order in orders
    ]
    inserted = await session.execute(
        _insert_ignoring_duplicates(session).returning(col(CallbackVisit.id)), rows
    )
    planned = set(inserted.scalars().all())
    link = SOURCES[order_type].link.key
    fresh = [(row, order) for row, order in zip(rows, orders, strict=True) if row["id"] in planned]
    if not fresh:
        return []
    await session.execute(
        VisitOrder.__table__.insert(),  # type: ignore[attr-defined]
        [{"id": uuid.uuid4(), "visit_id": row["id"], link: order.id} for row, order in fresh],
    )
    for row, order in fresh:
        record_event(
            session,
            actor=actor,
            object_type=CallbackVisit.object_type,
            obj=_Planned(row["id"], order.customer_id),
            action="created",
            to_status=VISIT.initial,
            changes={
                "customer_id": order.customer_id,
                "method": method,
                "planned_at": now,
                "topics": [order.number],
                f"{order_type}_ids": [order.id],
            },
        )
    if method == VisitMethod.online_survey:
        await _invite_to_surveys(
            session, [(row["id"], row["customer_id"], row["topics"]) for row, _ in fresh]
        )
    return [row["id"] for row, _ in fresh]


async def _invite_to_surveys(
    session: AsyncSession, surveys: Sequence[tuple[uuid.UUID, uuid.UUID, list[str]]]
) -> None:
    """Tell every active user of each survey's customer that a survey waits for them (one
    query for the users of all the customers)."""
    rows = await session.execute(
        select(col(User.id), col(User.customer_id)).where(
            col(User.customer_id).in_({customer for _, customer, _ in surveys}),
            col(User.role) == Role.customer,
            col(User.active).is_(True),
        )
    )
    users_of: dict[uuid.UUID, list[uuid.UUID]] = {}
    for user_id, customer_id in rows.all():
        if customer_id is not None:
            users_of.setdefault(customer_id, []).append(user_id)
    for visit_id, customer_id, topics in surveys:
        notify(
            session,
            users_of.get(customer_id, []),
            Message(
                NotificationKind.survey_requested,
                {"number": topics[0] if topics else "-", "subject": "; ".join(topics)},
                CallbackVisit.object_type,
                visit_id,
            ),
        )


@dataclass(frozen=True)
class _Planned:
    """What the event log needs of a visit inserted in bulk (no ORM object exists for it)."""

    id: uuid.UUID
    customer_id: uuid.UUID


def _without_visit(source: OrderSource) -> ColumnElement[bool]:
    return ~exists().where(source.link == source.model.id)


async def plan_batch(session: AsyncSession, actor: User, body: PlanBatch) -> PlanBatchResult:
    """One visit per order closed in the window that has none yet (a rerun plans nothing
    twice). Orders that already have one, or that a concurrent run planned first, are
    counted as skipped."""
    planned = skipped = 0
    for order_type, source in SOURCES.items():
        model = source.model
        in_window = (
            col(model.status) == source.closed,
            col(model.closed_at) >= body.closed_from,
            col(model.closed_at) < body.closed_to,
        )
        stmt: Select[Any] = select(
            model.id, model.customer_id, model.number, _without_visit(source).label("free")
        ).where(*in_window)
        rows = (await session.execute(stmt.order_by(model.closed_at, model.id))).all()
        done = await _plan_for_closed_orders(
            session, actor, order_type, body.method, [r for r in rows if r.free]
        )
        planned += len(done)
        skipped += len(rows) - len(done)
    return PlanBatchResult(planned=planned, skipped=skipped)


def survey_on_close() -> bool:
    return get_settings().visits_survey_on_close


async def plan_survey_for_closed(
    session: AsyncSession, actor: User | None, order_type: str, order: Any
) -> uuid.UUID | None:
    """When VISITS_SURVEY_ON_CLOSE is on, plan an online-survey visit for an order that has
    just closed (unless it already has a visit). Call it from the order's close handler; it
    answers the new visit's id, or None."""
    if not survey_on_close():
        return None
    source = SOURCES[order_type]
    has_visit = await session.scalar(select(exists().where(source.link == order.id)))
    if has_visit:
        return None
    planned = await _plan_for_closed_orders(
        session, actor, order_type, VisitMethod.online_survey, [order]
    )
    return planned[0] if planned else None


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
            stmt = stmt.where(_about_order(SOURCES[kind].link, order_id))
    return await paginate(session, stmt, CallbackVisit, page, SORTS)
