"""Planning an external repair attempt (SPEC §4.3 "create"), shared by `POST /external-repairs`
and the repair order's `send_out`: the same checks, whichever way the clerk starts it.

The caller holds the repair order's row lock and moves the repair order itself (send_out through
the workflow runner; a direct create through its own step), so this function only checks and adds
the attempt with its "created" event.
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import ExternalRepair, RepairOrder, User, Vendor
from app.db.models.repairs import ExternalRepairStatus
from app.domain.errors import Conflict, ValidationFailed
from app.domain.events import add_created
from app.domain.external_repairs.workflow import EXTERNAL_REPAIR
from app.domain.repair_orders.workflow import REPAIR_ORDER


async def plan_attempt(
    session: AsyncSession, actor: User, order: RepairOrder, vendor_id: uuid.UUID
) -> ExternalRepair:
    """Add the next attempt for `order` at `vendor_id`, in `planned`."""
    if order.status not in REPAIR_ORDER.groups["may_go_external"]:
        raise Conflict(
            f"a repair order in '{order.status}' cannot go to an outside station",
            current_status=str(order.status),
        )
    vendor = await session.get(Vendor, vendor_id)
    if vendor is None or not vendor.active:
        problem = "no such vendor" if vendor is None else "the vendor is not active"
        raise ValidationFailed([("vendor_id", problem)])
    attempts = (
        await session.execute(
            select(col(ExternalRepair.vendor_id), col(ExternalRepair.status)).where(
                col(ExternalRepair.repair_order_id) == order.id
            )
        )
    ).all()
    if any(status in EXTERNAL_REPAIR.groups["open"] for _, status in attempts):
        raise Conflict("this repair order already has an open external repair attempt")
    if any(
        vendor_of == vendor_id and status in EXTERNAL_REPAIR.groups["failed"]
        for vendor_of, status in attempts
    ):
        raise Conflict(f"{vendor.name} has already failed to repair this device; choose another")
    number = (
        await session.scalar(
            select(func.coalesce(func.max(col(ExternalRepair.attempt)), 0)).where(
                col(ExternalRepair.repair_order_id) == order.id
            )
        )
    ) or 0
    attempt = ExternalRepair(
        repair_order_id=order.id,
        vendor_id=vendor_id,
        attempt=number + 1,
        status=ExternalRepairStatus.planned,
    )
    await add_created(
        session,
        actor,
        ExternalRepair.object_type,
        attempt,
        {"repair_order_id": order.id, "vendor_id": vendor_id, "attempt": attempt.attempt},
        public=False,  # vendors are never shown to customers
    )
    return attempt
