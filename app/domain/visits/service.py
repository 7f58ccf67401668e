"""Callback visits: plan one, plan a batch for closed orders, the survey on close, and the
complaints raised about a visit. Reads are in reads.py, the workflow actions in actions.py."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select
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
from app.db.session import insert_ignoring_duplicates
from app.db.types import utcnow
from app.domain.common import get_for_field
from app.domain.errors import ValidationFailed
from app.domain.events import add_created, record_event
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify
from app.domain.visits.reads import ORDER_LINKS
from app.domain.visits.schemas import PlanBatch, PlanBatchResult, VisitCreate
from app.domain.visits.workflow import VISIT


# The orders a callback can be about, and what "closed" means for each (plan-batch, survey).
@dataclass(frozen=True)
class OrderSource:
    model: Any
    closed: str
    link: Any  # the VisitOrder column that names such an order


SOURCES = {
    ServiceOrder.object_type: OrderSource(
        ServiceOrder, ServiceOrderStatus.closed, ORDER_LINKS[ServiceOrder.object_type]
    ),
    RepairOrder.object_type: OrderSource(
        RepairOrder, RepairOrderStatus.closed, ORDER_LINKS[RepairOrder.object_type]
    ),
}


def is_detractor(scores: dict[str, int] | None, nps: int | None) -> bool:
    """NPS ≤ 6 or any satisfaction score ≤ 2 (SPEC §4.6)."""
    low_score = any(v <= 2 for v in (scores or {}).values())
    return low_score or (nps is not None and nps <= 6)


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
        insert_ignoring_duplicates(session, CallbackVisit, ["callback_for"]).returning(
            col(CallbackVisit.id)
        ),
        rows,
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
