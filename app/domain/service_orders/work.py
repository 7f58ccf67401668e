from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import ServiceOrder, User
from app.domain.service_orders.schemas import WorkItem, WorkList
from app.domain.service_orders.service import to_read, view_for
from app.domain.service_orders.workflow import SERVICE_ORDER

OPEN_WORK_STATES = sorted(SERVICE_ORDER.group("engineer_work"))
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


async def my_work(session: AsyncSession, user: User) -> WorkList:
    """The engineer's open orders: today's appointments first (by start), then the other
    appointments, then the rest by due time. "Today" is the day in the business calendar's
    time zone, where the department and its customers are."""
    rows = await session.scalars(
        select(ServiceOrder).where(
            col(ServiceOrder.assignee_id) == user.id,
            col(ServiceOrder.status).in_(OPEN_WORK_STATES),
        )
    )
    orders = list(rows.all())
    view = await view_for(session, orders)
    zone = ZoneInfo(view.calendar.timezone)
    today = datetime.now(zone).date()
    day_start = datetime.combine(today, time(), zone)
    day_end = datetime.combine(today + timedelta(days=1), time(), zone)

    def is_today(order: ServiceOrder) -> bool:
        start = order.appointment_start
        return start is not None and day_start <= start < day_end

    orders.sort(
        key=lambda o: (
            not is_today(o),
            o.appointment_start is None,
            o.appointment_start or _FAR_FUTURE,
            o.due_at or _FAR_FUTURE,
            o.number,
        )
    )
    return WorkList(
        items=[WorkItem(today=is_today(o), order=to_read(o, user, view)) for o in orders]
    )
