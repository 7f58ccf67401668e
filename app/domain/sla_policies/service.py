"""SLA policies and the business calendar; changing either recomputes open orders' clocks."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    CalendarSetting,
    OrderKind,
    Priority,
    Role,
    ServiceOrder,
    SlaPolicy,
    User,
)
from app.db.types import utcnow
from app.domain.calendar import BusinessCalendar
from app.domain.common import get_or_404, require_version
from app.domain.errors import Conflict, PreconditionFailed, PreconditionRequired, ValidationFailed
from app.domain.events import add_created, json_safe, record_event, save_changes
from app.domain.notifications.service import supervisor_ids
from app.domain.service_orders import sla
from app.domain.sla_policies.schemas import (
    CalendarBody,
    CalendarRead,
    SlaPolicyCreate,
    SlaPolicyRead,
    SlaPolicyUpdate,
)


def to_read(policy: SlaPolicy, user: User) -> SlaPolicyRead:
    actions = ["update"] if user.role == Role.supervisor else []
    return SlaPolicyRead.model_validate(policy).model_copy(update={"allowed_actions": actions})


async def list_policies(session: AsyncSession) -> Sequence[SlaPolicy]:
    rows = await session.scalars(
        select(SlaPolicy).order_by(col(SlaPolicy.kind), col(SlaPolicy.priority))
    )
    return rows.all()


async def create_policy(session: AsyncSession, actor: User, data: SlaPolicyCreate) -> SlaPolicy:
    existing = await session.scalar(
        select(col(SlaPolicy.id)).where(
            col(SlaPolicy.kind) == data.kind, col(SlaPolicy.priority) == data.priority
        )
    )
    if existing is not None:
        raise Conflict(
            f"A policy for {data.kind}/{data.priority} exists; PATCH it instead", field="priority"
        )
    policy = SlaPolicy(**data.model_dump())
    await add_created(
        session, actor, SlaPolicy.object_type, policy, data.model_dump(), public=False
    )
    await recompute_open_orders(session, actor, kind=data.kind, priority=data.priority)
    return policy


async def update_policy(
    session: AsyncSession,
    actor: User,
    policy_id: uuid.UUID,
    data: SlaPolicyUpdate,
    expected_version: int | None,
) -> tuple[SlaPolicy, int]:
    policy = await get_or_404(session, actor, SlaPolicy, policy_id, "SLA policy")
    require_version(policy, expected_version)
    values = data.model_dump(exclude_unset=True)
    changes = await save_changes(
        session, actor, SlaPolicy.object_type, policy, values, public=False
    )
    recomputed = 0
    if changes:
        recomputed = await recompute_open_orders(
            session, actor, kind=policy.kind, priority=policy.priority
        )
    return policy, recomputed


async def recompute_open_orders(
    session: AsyncSession,
    actor: User | None,
    *,
    kind: OrderKind | None = None,
    priority: Priority | None = None,
) -> int:
    """Recompute due times of every order whose clock a policy or calendar change affects: those
    still running or paused (sla.CLOCKED_STATES), not confirmed or finished ones.

    A constant number of queries however many orders: one for the orders, one for their pauses,
    one for the policies; the changed rows are written in one batch. A change that pushes an
    order into warning or breach is announced like the worker would.
    """
    # FOR UPDATE (PostgreSQL; SQLite already holds its write lock here, taken by the policy or
    # calendar write before): an action or a watcher scan on one of these orders finishes
    # first and is then seen, so neither its clock change is overwritten nor its SLA notice
    # sent twice. Locking in id order keeps two recomputes from deadlocking.
    stmt = (
        select(ServiceOrder)
        .where(col(ServiceOrder.status).in_(sla.CLOCKED_STATES))
        .order_by(col(ServiceOrder.id))
        .with_for_update()
    )
    if kind is not None:
        stmt = stmt.where(col(ServiceOrder.kind) == kind)
    if priority is not None:
        stmt = stmt.where(col(ServiceOrder.priority) == priority)
    orders = (await session.scalars(stmt)).all()
    if not orders:
        return 0
    calendar = await sla.load_calendar(session)
    pauses = await sla.load_pauses(session, orders)
    policies = {
        (p.kind, p.priority): (p.response_minutes, p.resolve_minutes)
        for p in await list_policies(session)
    }
    supervisors: list[uuid.UUID] | None = None
    now = utcnow()
    rows = []
    for order in orders:
        # Derived values are computed on detached rows and stored in one batch below, without
        # bumping `version`: a recomputed clock is not an edit, and must not make a user's
        # If-Match fail.
        session.expunge(order)
        before = sla.clock_values(order)
        policy = policies.get((order.kind, order.priority)) or sla.DEFAULT_SLA[order.priority]
        sla.apply_clock(order, pauses[order.id], calendar, policy)
        hold = sla.open_pause(pauses[order.id])
        order.sla_state = sla.evaluate(order, now, hold.started_at if hold else None)
        after = sla.clock_values(order)
        if after == before:
            continue
        rows.append({"_id": order.id, **after})
        record_event(
            session,
            actor=actor,
            object_type="service_order",
            obj=order,
            action="sla_recomputed",
            changes={
                name: [before[name], value]
                for name, value in after.items()
                if before[name] != value
            },
            public=False,
        )
        if sla.is_escalation(before["sla_state"], order.sla_state):
            if supervisors is None:
                supervisors = await supervisor_ids(session)
            sla.announce(
                session, order, before["sla_state"], order.sla_state, supervisors, calendar, actor
            )
    await sla.store_clocks(session, rows)
    return len(rows)


async def read_calendar(session: AsyncSession) -> CalendarRead:
    calendar = await sla.load_calendar(session)
    row = await session.get(CalendarSetting, 1)  # already in the session: no second query
    return CalendarRead(
        **calendar.to_json(),
        version=row.version if row else 0,
        updated_at=row.updated_at if row else None,
    )


async def replace_calendar(
    session: AsyncSession, actor: User, data: CalendarBody, expected_version: int | None
) -> CalendarRead:
    """Replace the business calendar (If-Match "0" the first time) and recompute open orders."""
    try:
        calendar = BusinessCalendar.from_json(json_safe(data.model_dump()))  # validates
    except ValueError as exc:
        raise ValidationFailed([(_calendar_field(str(exc)), str(exc))]) from None
    row = await session.get(CalendarSetting, 1)
    current = row.version if row else 0
    if expected_version is None:
        raise PreconditionRequired()
    if expected_version != current:
        raise PreconditionFailed(expected_version, current)
    before: dict[str, Any] = row.data if row else BusinessCalendar.default().to_json()
    if row is None:
        row = CalendarSetting(id=1, data=calendar.to_json(), version=1)
        session.add(row)
    else:
        row.data = calendar.to_json()
        row.version += 1
        row.updated_at = utcnow()
    await session.flush()
    record_event(
        session,
        actor=actor,
        object_type="business_calendar",
        obj=_CalendarRef(),
        action="updated",
        changes={"before": before, "after": row.data},
        public=False,
    )
    recomputed = await recompute_open_orders(session, actor)
    result = await read_calendar(session)
    return result.model_copy(update={"orders_recomputed": recomputed})


def _calendar_field(message: str) -> str:
    """The body field a calendar error is about: the calendar names it at the message's start
    ("work_hours mon: …" → "work_hours.mon")."""
    head = message.split(":", 1)[0]
    if head.startswith("work_hours"):
        return head.replace(" ", ".")
    if head in ("timezone", "holidays", "extra_workdays"):
        return head
    if message.startswith("unknown time zone"):
        return "timezone"
    if message.endswith("both a holiday and an extra workday"):
        return "extra_workdays"
    return "calendar"


class _CalendarRef:
    """The calendar is a singleton; its events use a fixed object id."""

    id = uuid.UUID(int=1)
