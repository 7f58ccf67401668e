"""The SLA clock of service orders (服务承诺): due times in business time, paused while on hold.

Each order has two clocks that start when it is created: *response* (stops when the engineer
starts) and *resolve* (stops when the result is reported). Both stop during every pause segment:
a hold, or — for the resolve clock — waiting for the customer to confirm a report. Due instants
are recomputed from the pause segments, the policy and the calendar whenever one of them changes,
so the clock is exact; `*_warning_at` marks 75 % of each allowance so the worker can find work
with one indexed comparison.

While a pause is still open its instants are frozen: computed as if the pause ended the moment
it began. Ending the pause recomputes them, which moves them later by exactly the business time
the pause lasted.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

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
    User,
)
from app.db.reference_cache import REFERENCE, cache_for, cache_models
from app.db.types import utcnow
from app.domain.calendar import BusinessCalendar, due_at
from app.domain.events import record_event
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify
from app.domain.service_orders.workflow import SERVICE_ORDER

WARNING_SHARE = 0.75
# Business minutes (a business day is 480): used when no policy row exists for a kind/priority.
# Every order read needs these; they change a few times a year (app/db/reference_cache.py).
cache_models(REFERENCE, CalendarSetting, SlaPolicy)

DEFAULT_SLA: dict[Priority, tuple[int, int]] = {
    Priority.urgent: (30, 480),
    Priority.high: (60, 960),
    Priority.normal: (240, 2400),
    Priority.low: (480, 4800),
}
# Where a clock can still run or is paused: a policy or calendar change recomputes these. Once
# the result is confirmed the outcome is history and a later policy change does not rewrite it.
CLOCKED_STATES = sorted(SERVICE_ORDER.group("clocked"))
_RANK = {SlaState.ok: 0, SlaState.warning: 1, SlaState.breached: 2}
Segments = Sequence[tuple[datetime, datetime | None]]


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


# The loaders never autoflush: they are called while an order is half-changed (e.g. created but
# not yet given its due times), and flushing it then would write it twice and bump its version
# twice. They read only committed inputs (policies, calendar, pauses already ended by UPDATE).


async def load_calendar(session: AsyncSession) -> BusinessCalendar:
    """The business calendar, from this process's cache when it can be trusted
    (app/db/reference_cache.py)."""
    cache = cache_for(session)
    cached = cache.get("calendar") if cache else None
    if cached is not None:
        return cast(BusinessCalendar, cached)
    generation = cache.generation if cache else 0
    with session.no_autoflush:
        row = await session.get(CalendarSetting, 1)
    calendar = BusinessCalendar.from_json(row.data) if row else BusinessCalendar.default()
    if cache:
        cache.put("calendar", calendar, generation)
    return calendar


async def load_policy(
    session: AsyncSession, kind: OrderKind, priority: Priority
) -> tuple[int, int]:
    cache = cache_for(session)
    policies = cache.get("policies") if cache else None
    if policies is None:
        generation = cache.generation if cache else 0
        # All of them at once (a few rows): the next order asks for another one.
        with session.no_autoflush:
            rows = (
                await session.execute(
                    select(
                        col(SlaPolicy.kind),
                        col(SlaPolicy.priority),
                        col(SlaPolicy.response_minutes),
                        col(SlaPolicy.resolve_minutes),
                    )
                )
            ).all()
        policies = {(k, p): (response, resolve) for k, p, response, resolve in rows}
        if cache:
            cache.put("policies", policies, generation)
    found = policies.get((kind, priority))
    return found if found is not None else DEFAULT_SLA[Priority(priority)]


async def load_pauses(
    session: AsyncSession, orders: Sequence[ServiceOrder]
) -> dict[object, list[SlaPause]]:
    """Every order's pause segments in one query (none for orders that never paused)."""
    found: dict[object, list[SlaPause]] = {order.id: [] for order in orders}
    paused = [order.id for order in orders if order.has_pauses]
    if paused:
        with session.no_autoflush:
            rows = await session.scalars(
                select(SlaPause)
                .where(col(SlaPause.order_id).in_(paused))
                .order_by(col(SlaPause.started_at))
            )
        for pause in rows:
            found[pause.order_id].append(pause)
    return found


def _ended(pauses: Iterable[SlaPause], until: datetime | None) -> Segments:
    """The pause segments that have ended, cut off at `until` (when the clock stopped for good).

    An open pause is left out, which freezes the due instant at its value when the pause began.
    """
    segments: list[tuple[datetime, datetime | None]] = []
    for pause in pauses:
        start, end = pause.started_at, pause.ended_at
        if until is not None:
            if start >= until:
                continue
            end = until if end is None else min(end, until)
        if end is not None:
            segments.append((start, end))
    return segments


def apply_clock(
    order: ServiceOrder,
    pauses: Sequence[SlaPause],
    calendar: BusinessCalendar,
    policy: tuple[int, int],
) -> None:
    """Recompute the order's due and warning instants from its ended pauses.

    The response clock stops for good when work starts, so a hold after that does not move it.
    """
    response_minutes, resolve_minutes = policy
    holds = [p for p in pauses if p.kind == PauseKind.hold]
    clocks = (
        (
            "response_due_at",
            "response_warning_at",
            response_minutes,
            _ended(holds, order.responded_at),
        ),
        ("due_at", "resolve_warning_at", resolve_minutes, _ended(pauses, None)),
    )
    for due_field, warning_field, minutes, segments in clocks:
        allowance = timedelta(minutes=minutes)
        setattr(order, due_field, due_at(calendar, order.created_at, allowance, segments))
        setattr(
            order,
            warning_field,
            due_at(calendar, order.created_at, allowance * WARNING_SHARE, segments),
        )


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


def evaluate(order: ServiceOrder, now: datetime, held_since: datetime | None = None) -> SlaState:
    """The SLA state of the order's clocks at `now`.

    A running clock is in warning from 75 % of its allowance and breached from 100 %. A clock
    that has stopped (response at `responded_at`, resolve at `reported_at`) is breached if it
    stopped after its due time and otherwise ok: a met commitment carries no warning. A clock on
    hold is judged at the moment the hold began (`held_since`); without it the state is kept.
    """
    if order.status == "on_hold":
        if held_since is None:
            return SlaState(order.sla_state)
        now = held_since
    # (warning at, due at, judged at, still running)
    clocks: list[tuple[datetime | None, datetime | None, datetime, bool]] = []
    if order.responded_at is None:
        clocks.append((order.response_warning_at, order.response_due_at, now, True))
    else:
        clocks.append((None, order.response_due_at, order.responded_at, False))
    if order.status in SERVICE_ORDER.group("active"):
        clocks.append((order.resolve_warning_at, order.due_at, now, True))
    elif order.reported_at is not None and order.status != "cancelled":
        clocks.append((None, order.due_at, order.reported_at, False))
    state = SlaState.ok
    for warning, due, judged_at, running in clocks:
        if due is not None and (due <= judged_at if running else due < judged_at):
            return SlaState.breached
        if warning is not None and warning <= judged_at:
            state = SlaState.warning
    return state


def is_escalation(previous: SlaState | str, state: SlaState) -> bool:
    return _RANK[state] > _RANK[SlaState(previous)]


def announce(
    session: AsyncSession,
    order: ServiceOrder,
    previous: SlaState | str,
    state: SlaState,
    supervisors: Sequence[Any],
    calendar: BusinessCalendar,
    actor: User | None = None,
) -> None:
    """超时催办: write the `sla_warning` / `sla_breached` event and tell every supervisor."""
    record_event(
        session,
        actor=actor,
        object_type=ServiceOrder.object_type,
        obj=order,
        action=f"sla_{state.value}",
        changes={
            "sla_state": [SlaState(previous), state],
            "due_at": order.due_at,
            "response_due_at": order.response_due_at,
        },
        public=False,
    )
    zone = ZoneInfo(calendar.timezone)
    kind = (
        NotificationKind.sla_breached
        if state == SlaState.breached
        else NotificationKind.sla_warning
    )
    params = {
        "number": order.number,
        "subject": order.subject,
        "response_due": _when(order.response_due_at, zone),
        "resolve_due": _when(order.due_at, zone),
    }
    notify(session, supervisors, Message(kind, params, ServiceOrder.object_type, order.id))


def _when(instant: datetime | None, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})" if instant else "-"


def paused_minutes(pauses: Sequence[SlaPause], calendar: BusinessCalendar, now: datetime) -> int:
    total = sum((calendar.between(p.started_at, p.ended_at or now) for p in pauses), timedelta())
    return int(total.total_seconds() // 60)


def open_pause(pauses: Sequence[SlaPause]) -> SlaPause | None:
    return next((p for p in pauses if p.ended_at is None), None)
