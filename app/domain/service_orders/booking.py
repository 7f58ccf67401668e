"""On-site appointments (预约): an engineer cannot be in two places at once."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OrderKind, ServiceOrder, User
from app.db.repositories.locks import lock_row
from app.domain.errors import Conflict
from app.domain.events import json_safe
from app.domain.service_orders.workflow import SERVICE_ORDER

# Orders whose appointment still occupies the engineer.
BOOKED_STATES = sorted(SERVICE_ORDER.group("booked"))


class AppointmentConflict(Conflict):
    code, title = "appointment_conflict", "Engineer already booked"


async def book_engineer(
    session: AsyncSession,
    engineer_id: uuid.UUID,
    start: datetime,
    end: datetime,
    order_id: uuid.UUID,
    force: bool,
) -> list[str]:
    """Check that the engineer is free for [start, end) on site: 409 listing the overlapping
    appointments, unless `force`; then return the numbers of the orders it overlaps.

    The engineer's row is locked first, so two bookings of one engineer take turns and the
    second sees the first.
    """
    await lock_row(session, User, engineer_id)
    overlapping = await _overlapping(session, engineer_id, start, end, order_id)
    if overlapping and not force:
        raise AppointmentConflict(
            "The engineer has overlapping on-site appointments; pick another engineer or time, "
            "or send force=true to book anyway",
            conflicts=overlapping,
        )
    return [o["number"] for o in overlapping]


async def _overlapping(
    session: AsyncSession,
    engineer_id: uuid.UUID,
    start: datetime,
    end: datetime,
    exclude_order_id: uuid.UUID,
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(
            col(ServiceOrder.id),
            col(ServiceOrder.number),
            col(ServiceOrder.appointment_start),
            col(ServiceOrder.appointment_end),
        )
        .where(
            col(ServiceOrder.assignee_id) == engineer_id,
            col(ServiceOrder.kind) == OrderKind.onsite,
            col(ServiceOrder.status).in_(BOOKED_STATES),
            col(ServiceOrder.id) != exclude_order_id,
            col(ServiceOrder.appointment_start) < end,
            col(ServiceOrder.appointment_end) > start,
        )
        .order_by(col(ServiceOrder.appointment_start))
    )
    return [
        {
            "id": str(other_id),
            "number": number,
            "appointment_start": json_safe(other_start),
            "appointment_end": json_safe(other_end),
        }
        for other_id, number, other_start, other_end in rows.all()
    ]
