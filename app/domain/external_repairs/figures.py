"""Per-vendor figures for the office (SPEC §4.3, §4.8 "repairs"): open attempts, units at the
station now, overdue units and the days units have spent there so far. One aggregate query for
any number of vendors."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OFFICE_ROLES, ExternalRepair, User, Vendor
from app.db.models.repairs import ExternalRepairStatus
from app.db.types import UTCDateTime, utcnow
from app.domain.errors import Forbidden
from app.domain.external_repairs.schemas import VendorFigures, VendorSummary
from app.domain.external_repairs.service import hide_from_customers, overdue_clause
from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from app.domain.filters import ListQuery, apply_filters
from app.domain.pagination import PageParams, PageResult, paginate
from app.domain.vendors.service import SORTS as VENDOR_SORTS
from app.domain.vendors.service import get_vendor

SECONDS_PER_DAY = 86_400
SORTS = VENDOR_SORTS


class VendorFiguresQuery(ListQuery):
    search_columns = ("name",)


def check_office(user: User) -> None:
    hide_from_customers(user)
    if user.role not in OFFICE_ROLES:
        raise Forbidden("Vendor figures are for the office")


def _days_between(session: AsyncSession, start: Any, end: Any) -> Any:
    """Days from `start` to `end` in SQL. The two databases subtract timestamps differently:
    PostgreSQL gives an interval, SQLite keeps text that julianday() reads."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / SECONDS_PER_DAY
    return func.julianday(end) - func.julianday(start)


async def figures_for(
    session: AsyncSession, vendors: Sequence[Vendor], now: datetime | None = None
) -> list[VendorFigures]:
    if not vendors:
        return []
    now = now or utcnow()
    attempt = ExternalRepair
    status = col(attempt.status)
    sent, back = col(attempt.sent_at), col(attempt.returned_at)
    until = func.coalesce(back, literal(now, UTCDateTime))

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = (
        select(
            col(Vendor.id),
            count(status.in_(sorted(EXTERNAL_REPAIR.group("open")))),
            count(status == ExternalRepairStatus.at_vendor),
            count(overdue_clause(now)),
            func.coalesce(
                func.sum(case((sent.isnot(None), _days_between(session, sent, until)))), 0
            ),
        )
        .outerjoin(attempt, col(attempt.vendor_id) == col(Vendor.id))
        .where(col(Vendor.id).in_([v.id for v in vendors]))
        .group_by(col(Vendor.id))
    )
    rows: dict[uuid.UUID, Any] = {row[0]: row[1:] for row in (await session.execute(stmt)).all()}
    return [
        VendorFigures(
            vendor=VendorSummary(id=v.id, name=v.name),
            active=v.active,
            open_attempts=int(rows[v.id][0]),
            at_vendor=int(rows[v.id][1]),
            overdue=int(rows[v.id][2]),
            days_at_vendor=round(float(rows[v.id][3]), 1),
        )
        for v in vendors
    ]


async def vendor_figures(session: AsyncSession, user: User, vendor_id: uuid.UUID) -> VendorFigures:
    check_office(user)
    return (await figures_for(session, [await get_vendor(session, user, vendor_id)]))[0]


async def list_vendor_figures(
    session: AsyncSession, user: User, filters: VendorFiguresQuery, page: PageParams
) -> tuple[list[VendorFigures], str | None]:
    check_office(user)
    found: PageResult[Vendor] = await paginate(
        session, apply_filters(select(Vendor), Vendor, filters), Vendor, page, SORTS
    )
    return await figures_for(session, found.items), found.next_cursor
