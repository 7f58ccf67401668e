"""The service orders on a caller's "my work" list, one keyset-paged query.

Engineers: their open assignments. Clerks: the orders they own (首问负责) that wait for the
office, and the ones nobody owns yet. Supervisors: the overdue orders, and what a clerk sees.
Today's appointments come first (by start), then the other appointments, then the rest by due
time; "today" is the day in the business calendar's time zone, where the department and its
customers are.

The order is (bucket, start, due, number) with a missing start or due time counting as
FAR_FUTURE. It is read as three ranges of one key, (start, due, number): today's appointments,
the earlier ones, then the later ones followed by the orders without any (the buckets 0, 1, 1
and 2). Each range of each arm of the caller's WHERE (owned by me / owned by nobody / ...) is an
ordered range of an index (app/db/models/indexes.py: WORK_INDEXES) read up to one page, and one
UNION ALL puts the pieces in order, so a page costs the same at any size of the table.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import Role, ServiceOrder, User
from app.db.models.indexes import ACTIVE_SQL, ENGINEER_WORK_SQL, OFFICE_WAITING_SQL
from app.db.repositories.scoping import stand_in, visible_to
from app.db.types import FAR_FUTURE, FarFuture, UTCDateTime, utcnow
from app.domain.errors import ValidationFailed
from app.domain.service_orders import sla
from app.domain.service_orders.service import _overdue_clause, is_overdue, to_read, view_for
from app.domain.work import ServiceOrderWork, WorkList, WorkReason

_LAST = FAR_FUTURE
Key = tuple[int, datetime, datetime, str]


class _Range(IntEnum):
    """The walk's ranges of (start, due, number), in the order they are listed."""

    today = 0
    earlier = 1
    later = 2  # later appointments, then the orders without one


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

    def range_of(self, key: Key) -> _Range:
        bucket, start = key[0], key[1]
        if bucket == 0:
            return _Range.today
        return _Range.earlier if bucket == 1 and start < self.start else _Range.later


def _arms(user: User, now: Any) -> list[ColumnElement[bool]]:
    """The caller's WHERE as disjoint arms, each in the words of one of WORK_INDEXES."""
    if user.role == Role.engineer:
        return [and_(col(ServiceOrder.assignee_id) == user.id, text(ENGINEER_WORK_SQL))]
    # An order nobody in the office has taken yet (opened on the portal) waits for every clerk
    # and supervisor until one assigns it and so becomes its owner.
    waiting = text(OFFICE_WAITING_SQL)
    owned = [
        and_(col(ServiceOrder.owner_id) == user.id, waiting),
        and_(col(ServiceOrder.owner_id).is_(None), waiting),
    ]
    if user.role == Role.clerk:
        return owned
    if user.role == Role.supervisor:
        # Overdue orders are active ones; those also waiting for this supervisor are listed once.
        overdue = and_(text(ACTIVE_SQL), _overdue_clause(now), not_(or_(*owned)))
        return [*owned, overdue]
    return []


def _key_columns(table: Any) -> tuple[Any, Any, Any]:
    # In the words of WORK_KEY, so the planner recognises the indexed expressions.
    return (
        func.coalesce(table.appointment_start, FarFuture()),
        func.coalesce(table.due_at, FarFuture()),
        table.number,
    )


def _instant(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _in_range(which: _Range) -> ColumnElement[bool]:
    start = _key_columns(ServiceOrder)[0]
    if which == _Range.today:
        return and_(start >= _instant("day_start"), start < _instant("day_end"))
    return (
        start < _instant("day_start") if which == _Range.earlier else start >= _instant("day_end")
    )


# The page's statement by (role, the cursor's range, whether there is a cursor), built once with
# the caller, the day, the cursor's key, the time and the page size as bound parameters:
# building this union and cache-keying it again was half of a my-work request's CPU.
_PAGES: dict[tuple[Role, _Range, bool], Select[Any] | None] = {}


def _page(role: Role, first: _Range, after_key: bool) -> Select[ServiceOrder] | None:
    """One statement: for every arm and every range from `first` on, the ids of the first
    `limit` rows in key order (after the cursor's key in `first`, if `after_key`); then those
    rows in walk order, cut to `limit`."""
    cache_key = (role, first, after_key)
    if cache_key in _PAGES:
        return _PAGES[cache_key]
    anyone = stand_in(role)
    key = _key_columns(ServiceOrder)
    limit = bindparam("page_limit", type_=Integer())
    visible = visible_to(anyone, ServiceOrder)
    after = tuple_(*key) > tuple_(
        _instant("last_start"), _instant("last_due"), bindparam("last_number")
    )
    pieces = []
    for arm in _arms(anyone, _instant("now")):
        for which in _Range:
            if which < first:
                continue
            piece = select(col(ServiceOrder.id), literal(int(which)).label("walk")).where(
                visible, arm, _in_range(which)
            )
            if after_key and which == first:
                piece = piece.where(after)
            inner = piece.order_by(*key).limit(limit).subquery()
            pieces.append(select(inner))
    stmt = None
    if pieces:
        walk = union_all(*pieces).subquery("walk")
        stmt = (
            select(ServiceOrder)
            .join(walk, walk.c.id == col(ServiceOrder.id))
            .order_by(walk.c.walk, *key)
            .limit(limit)
        )
    _PAGES[cache_key] = stmt
    return stmt


def _page_params(
    user: User, day: _Day, last: Key | None, limit: int, now: datetime
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "scope_user_id": user.id,
        "day_start": day.start,
        "day_end": day.end,
        "now": now,
        "page_limit": limit,
    }
    if last is not None:
        params.update(last_start=last[1], last_due=last[2], last_number=last[3])
    return params


def _key_of(order: ServiceOrder, day: _Day) -> Key:
    start = order.appointment_start
    bucket = 0 if day.has(start) else 1 if start is not None else 2
    return (bucket, start or _LAST, order.due_at or _LAST, order.number)


def _encode(day: _Day, key: Key) -> str:
    bucket, start, due, number = key
    raw = {"d": day.day.isoformat(), "k": [bucket, start.isoformat(), due.isoformat(), number]}
    text = json.dumps(raw, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, Key]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        bucket, start, due, number = data["k"]
        key = (bucket, datetime.fromisoformat(start), datetime.fromisoformat(due), number)
        if not (bucket in (0, 1, 2) and isinstance(number, str) and number.isprintable()):
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
    key = last[1] if last else None
    stmt = _page(user.role, day.range_of(key) if key else _Range.today, key is not None)
    now = utcnow()
    params = _page_params(user, day, key, limit + 1, now)
    rows = list((await session.scalars(stmt, params)).all()) if stmt is not None else []
    orders, more = rows[:limit], len(rows) > limit
    view = await view_for(session, orders)

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
