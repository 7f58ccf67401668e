"""The service orders on a caller's "my work" list, one keyset-paged query.

Engineers: their open assignments. Clerks: the orders they own (首问负责) that wait for the
office, and the ones nobody owns yet. Supervisors: the overdue orders, and what a clerk sees.
Today's appointments come first (by start), then the other appointments, then the rest by due
time; "today" is the day in the business calendar's time zone, where the department and its
customers are.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Role, ServiceOrder, User
from app.db.repositories.scoping import select_visible
from app.db.types import UTCDateTime, utcnow
from app.domain.errors import ValidationFailed
from app.domain.service_orders import sla
from app.domain.service_orders.service import _overdue_clause, is_overdue, to_read, view_for
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.work import ServiceOrderWork, WorkList, WorkReason

ENGINEER_WORK = sorted(SERVICE_ORDER.group("engineer_work"))
OFFICE_WAITING = sorted(SERVICE_ORDER.group("office_waiting"))
# Stands in for "no appointment" / "no due time" so those sort last; inside both databases' range.
_LAST = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Day:
    """The business day a walk through the pages started on: every page uses the same one."""

    day: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date, zone: ZoneInfo) -> "_Day":
        start = datetime.combine(day, time(), zone)
        return cls(day, start, datetime.combine(day + timedelta(days=1), time(), zone))

    def has(self, instant: datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end


def _responsible(user: User) -> ColumnElement[bool]:
    # An order nobody in the office has taken yet (opened on the portal) waits for every clerk
    # and supervisor until one assigns it and so becomes its owner.
    owned = and_(
        or_(col(ServiceOrder.owner_id) == user.id, col(ServiceOrder.owner_id).is_(None)),
        col(ServiceOrder.status).in_(OFFICE_WAITING),
    )
    if user.role == Role.engineer:
        return and_(
            col(ServiceOrder.assignee_id) == user.id, col(ServiceOrder.status).in_(ENGINEER_WORK)
        )
    if user.role == Role.clerk:
        return owned
    if user.role == Role.supervisor:
        return or_(owned, _overdue_clause(utcnow()))
    return false()


def _sort_key(day: _Day) -> tuple[Any, ...]:
    start = col(ServiceOrder.appointment_start)
    bucket = case((and_(start >= day.start, start < day.end), 0), (start.isnot(None), 1), else_=2)
    far = literal(_LAST, UTCDateTime())
    return (
        bucket,
        func.coalesce(start, far),
        func.coalesce(col(ServiceOrder.due_at), far),
        col(ServiceOrder.number),
    )


def _key_of(order: ServiceOrder, day: _Day) -> tuple[int, datetime, datetime, str]:
    start = order.appointment_start
    bucket = 0 if day.has(start) else 1 if start is not None else 2
    return (bucket, start or _LAST, order.due_at or _LAST, order.number)


def _after(columns: tuple[Any, ...], values: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `columns` (a portable row comparison)."""
    terms = [
        and_(
            *(c == v for c, v in zip(columns[:i], values[:i], strict=True)), columns[i] > values[i]
        )
        for i in range(len(columns))
    ]
    return or_(*terms)


def _encode(day: _Day, key: tuple[int, datetime, datetime, str]) -> str:
    bucket, start, due, number = key
    raw = {"d": day.day.isoformat(), "k": [bucket, start.isoformat(), due.isoformat(), number]}
    text = json.dumps(raw, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, tuple[int, datetime, datetime, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        bucket, start, due, number = data["k"]
        key = (bucket, datetime.fromisoformat(start), datetime.fromisoformat(due), number)
        if not (isinstance(bucket, int) and isinstance(number, str) and number.isprintable()):
            raise ValueError("bad key")
        if key[1].tzinfo is None or key[2].tzinfo is None:
            raise ValueError("naive time")
        return date.fromisoformat(data["d"]), key
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationFailed(
            [("cursor", "invalid or expired cursor; restart from the first page")]
        ) from exc


async def my_work(
    session: AsyncSession, user: User, limit: int, cursor: str | None = None
) -> WorkList:
    calendar = await sla.load_calendar(session)
    zone = ZoneInfo(calendar.timezone)
    last = _decode(cursor) if cursor else None
    day = _Day.of(last[0] if last else datetime.now(zone).date(), zone)
    key = _sort_key(day)
    stmt = select_visible(user, ServiceOrder).where(_responsible(user))
    if last is not None:
        stmt = stmt.where(_after(key, last[1]))
    rows = list((await session.scalars(stmt.order_by(*key).limit(limit + 1))).all())
    orders, more = rows[:limit], len(rows) > limit
    view = await view_for(session, orders)
    now = utcnow()

    def reason(order: ServiceOrder) -> WorkReason:
        if user.role == Role.engineer:
            return WorkReason.appointment if order.appointment_start else WorkReason.assigned
        if user.role == Role.supervisor and is_overdue(order, view.pauses.get(order.id, []), now):
            return WorkReason.overdue
        return WorkReason.owned_waiting if order.owner_id else WorkReason.unowned

    return WorkList(
        items=[
            ServiceOrderWork(
                kind="service_order",
                reason=reason(o),
                today=day.has(o.appointment_start),
                order=to_read(o, user, view),
            )
            for o in orders
        ],
        next_cursor=_encode(day, _key_of(orders[-1], day)) if more else None,
    )
