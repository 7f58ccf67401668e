"""The SLA clock of service orders (服务承诺): due times in business time, paused while on hold.

Each order has two clocks that start when it is created: *response* (stops when the engineer
starts) and *resolve* (stops when the result is reported). Both stop during every pause segment:
a hold, or — for the resolve clock — waiting for the customer to confirm a report. Due instants
are recomputed from the pause segments, the policy and the calendar whenever one of them changes,
so the clock is exact; `*_warning_at` marks 75 % of each allowance so the worker can find work
with one indexed comparison.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import (
    CalendarSetting,
    OrderKind,
    PauseKind,
    Priority,
    ServiceOrder,
    SlaPause,
    SlaPolicy,
    SlaState,
)
from app.db.types import utcnow
from app.domain.calendar import BusinessCalendar, due_at
from app.domain.service_orders.workflow import ACTIVE_STATES

WARNING_SHARE = 0.75
# Business minutes (a business day is 480): used when no policy row exists for a kind/priority.
DEFAULT_SLA: dict[Priority, tuple[int, int]] = {
    Priority.urgent: (30, 480),
    Priority.high: (60, 960),
    Priority.normal: (240, 2400),
    Priority.low: (480, 4800),
}
Pauses = Sequence[tuple[datetime, datetime | None]]


async def seed_default_policies(session: AsyncSession) -> None:
    """Add DEFAULT_SLA rows for every kind/priority that has no policy yet."""
    existing = set(
        (await session.execute(select(col(SlaPolicy.kind), col(SlaPolicy.priority)))).all()
    )
    session.add_all(
        SlaPolicy(kind=kind, priority=priority, response_minutes=response, resolve_minutes=resolve)
        for kind in OrderKind
        for priority, (response, resolve) in DEFAULT_SLA.items()
        if (kind, priority) not in existing
    )


async def load_calendar(session: AsyncSession) -> BusinessCalendar:
    row = await session.get(CalendarSetting, 1)
    return BusinessCalendar.from_json(row.data) if row else BusinessCalendar.default()


async def load_policy(
    session: AsyncSession, kind: OrderKind, priority: Priority
) -> tuple[int, int]:
    policy = await session.scalar(
        select(SlaPolicy).where(col(SlaPolicy.kind) == kind, col(SlaPolicy.priority) == priority)
    )
    if policy is None:
        return DEFAULT_SLA[Priority(priority)]
    return policy.response_minutes, policy.resolve_minutes


async def load_pauses(
    session: AsyncSession, order_ids: Sequence[object]
) -> dict[object, list[SlaPause]]:
    """Every order's pause segments in one query."""
    found: dict[object, list[SlaPause]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        rows = await session.scalars(
            select(SlaPause)
            .where(col(SlaPause.order_id).in_(order_ids))
            .order_by(col(SlaPause.started_at))
        )
        for pause in rows:
            found[pause.order_id].append(pause)
    return found


def _segments(pauses: Sequence[SlaPause], kinds: set[PauseKind]) -> Pauses:
    return [(p.started_at, p.ended_at) for p in pauses if p.kind in kinds]


def apply_clock(
    order: ServiceOrder,
    pauses: Sequence[SlaPause],
    calendar: BusinessCalendar,
    policy: tuple[int, int],
) -> None:
    """Recompute the order's due and warning instants. While a clock is paused with allowance
    left, its instants stay as they were (frozen) until the pause ends."""
    response_minutes, resolve_minutes = policy
    clocks = (
        ("response_due_at", "response_warning_at", response_minutes, {PauseKind.hold}),
        ("due_at", "resolve_warning_at", resolve_minutes, set(PauseKind)),
    )
    for due_field, warning_field, minutes, kinds in clocks:
        segments = _segments(pauses, kinds)
        allowance = timedelta(minutes=minutes)
        due = due_at(calendar, order.created_at, allowance, segments)
        warning = due_at(calendar, order.created_at, allowance * WARNING_SHARE, segments)
        if due is not None:
            setattr(order, due_field, due)
        if warning is not None:
            setattr(order, warning_field, warning)


def clock_values(order: ServiceOrder) -> dict[str, Any]:
    return {name: getattr(order, name) for name in _CLOCK_FIELDS}


_CLOCK_FIELDS = (
    "response_due_at",
    "response_warning_at",
    "due_at",
    "resolve_warning_at",
    "sla_state",
)


async def store_clocks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write recomputed clock fields for many orders in one executemany, leaving `version`
    alone (derived values are not edits) but moving `updated_at` for delta sync."""
    if not rows:
        return
    table = ServiceOrder.__table__  # type: ignore[attr-defined]
    now = utcnow()
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in _CLOCK_FIELDS}
    values["updated_at"] = now
    stmt = update(table).where(table.c.id == bindparam("order_id")).values(values)
    params = [
        {"order_id": row["_id"], **{f"new_{name}": row[name] for name in _CLOCK_FIELDS}}
        for row in rows
    ]
    await session.execute(stmt, params)


def evaluate(order: ServiceOrder, now: datetime) -> SlaState:
    """The SLA state the order's running clocks are in at `now`."""
    clocks = []
    if order.responded_at is None:
        clocks.append((order.response_warning_at, order.response_due_at))
    if order.status in ACTIVE_STATES:
        clocks.append((order.resolve_warning_at, order.due_at))
    state = SlaState.ok
    for warning, due in clocks:
        if due is not None and due <= now:
            return SlaState.breached
        if warning is not None and warning <= now:
            state = SlaState.warning
    return state


def paused_minutes(pauses: Sequence[SlaPause], calendar: BusinessCalendar, now: datetime) -> int:
    total = sum((calendar.between(p.started_at, p.ended_at or now) for p in pauses), timedelta())
    return int(total.total_seconds() // 60)


def open_pause(pauses: Sequence[SlaPause]) -> SlaPause | None:
    return next((p for p in pauses if p.ended_at is None), None)
