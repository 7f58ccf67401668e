"""On-site appointments (预约): an engineer cannot be in two places at once."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import OrderKind, ServiceOrder
from app.domain.errors import Conflict
from app.domain.events import json_safe

# Orders whose appointment still occupies the engineer.
BOOKED_STATES = ("assigned", "in_progress", "on_hold")


class AppointmentConflict(Conflict):
    code, title = "appointment_conflict", "Engineer already booked"


async def check_engineer_free(
    session: AsyncSession,
    engineer_id: uuid.UUID,
    start: datetime,
    end: datetime,
    exclude_order_id: uuid.UUID,
) -> None:
    """409 listing the engineer's on-site appointments that overlap [start, end)."""
    rows = await session.execute(
        select(
            col(ServiceOrder.id),
            col(ServiceOrder.number),
            col(ServiceOrder.appointment_start),
            col(ServiceOrder.appointment_end),
        ).where(
            col(ServiceOrder.assignee_id) == engineer_id,
            col(ServiceOrder.kind) == OrderKind.onsite,
            col(ServiceOrder.status).in_(BOOKED_STATES),
            col(ServiceOrder.id) != exclude_order_id,
            col(ServiceOrder.appointment_start) < end,
            col(ServiceOrder.appointment_end) > start,
        )
    )
    overlapping = [
        {
            "id": str(order_id),
            "number": number,
            "appointment_start": json_safe(start),
            "appointment_end": json_safe(end),
        }
        for order_id, number, start, end in rows.all()
    ]
    if overlapping:
        raise AppointmentConflict(
            "The engineer has overlapping on-site appointments; pick another engineer or time, "
            "or send force=true to book anyway",
            conflicts=overlapping,
        )
