"""The repair orders on a caller's "my work" list, after its service orders.

Engineers: their open repairs (assigned, diagnosed, repairing, re-inspection). Clerks: the
repairs they took in (首问负责) that wait for the office (to assign, hand back, confirm, close).
Supervisors: every overdue repair, and what a clerk sees. By due time, then id.

The list walks the service orders first, then the repairs: a cursor starting with `r:` is in the
repair phase, so one walk never mixes up the two keysets."""

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import RepairOrder, Role, User
from app.db.repositories.scoping import select_visible
from app.db.types import utcnow
from app.domain.pagination import PageParams, paginate
from app.domain.repair_orders.service import SORTS, _overdue_clause, is_overdue, to_read, view_for
from app.domain.repair_orders.workflow import REPAIR_ORDER
from app.domain.service_orders.work import my_work as service_order_work
from app.domain.work import RepairOrderWork, WorkList, WorkReason

_PHASE = "r:"


def _responsible(user: User) -> ColumnElement[bool]:
    if user.role == Role.engineer:
        return and_(
            col(RepairOrder.assignee_id) == user.id,
            col(RepairOrder.status).in_(sorted(REPAIR_ORDER.group("engineer_work"))),
        )
    owned = and_(
        col(RepairOrder.owner_id) == user.id,
        col(RepairOrder.status).in_(sorted(REPAIR_ORDER.group("office_waiting"))),
    )
    if user.role == Role.clerk:
        return owned
    if user.role == Role.supervisor:
        return or_(owned, _overdue_clause(utcnow()))
    return false()


async def repair_work(
    session: AsyncSession, user: User, limit: int, cursor: str | None = None
) -> WorkList:
    stmt = select_visible(user, RepairOrder).where(_responsible(user))
    page = await paginate(
        session, stmt, RepairOrder, PageParams(limit, cursor, None, "due_at"), SORTS
    )
    view = await view_for(session, page.items)
    now = utcnow()

    def reason(order: RepairOrder) -> WorkReason:
        if user.role == Role.engineer:
            return WorkReason.assigned
        if user.role == Role.supervisor and is_overdue(order, now):
            return WorkReason.overdue
        return WorkReason.owned_waiting

    return WorkList(
        items=[
            RepairOrderWork(
                kind="repair_order", reason=reason(o), today=False, order=to_read(o, user, view)
            )
            for o in page.items
        ],
        next_cursor=_PHASE + page.next_cursor if page.next_cursor else None,
    )


async def my_work(
    session: AsyncSession, user: User, limit: int, cursor: str | None = None
) -> WorkList:
    """Service orders first (their own order), then repair orders, in one paged walk."""
    if cursor is not None and cursor.startswith(_PHASE):
        return await repair_work(session, user, limit, cursor[len(_PHASE) :] or None)
    page = await service_order_work(session, user, limit, cursor)
    if page.next_cursor is not None:
        return page
    room = limit - len(page.items)
    if room == 0:
        more = (await repair_work(session, user, 1)).items
        return WorkList(items=page.items, next_cursor=_PHASE if more else None)
    repairs = await repair_work(session, user, room)
    return WorkList(items=[*page.items, *repairs.items], next_cursor=repairs.next_cursor)
