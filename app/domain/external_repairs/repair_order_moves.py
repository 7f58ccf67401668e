"""What an external repair attempt does to its repair order (SPEC §4.3): the first attempt
sends the order out (→ `external`). A unit coming back is the repair order's own
`app.domain.repair_orders.service.vendor_returned`.

These moves are not actions of the repair-order table (nobody calls them on the repair order),
so they live here, each writing one event on the repair order. The caller holds the repair
order's row lock.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ExternalRepair, RepairOrder, User
from app.db.models.repairs import RepairOrderStatus
from app.domain.events import record_event


def _move(
    session: AsyncSession,
    actor: User,
    order: RepairOrder,
    action: str,
    to_status: RepairOrderStatus,
    changes: dict[str, object],
) -> None:
    from_status = str(order.status)
    order.status = to_status
    record_event(
        session,
        actor=actor,
        object_type=RepairOrder.object_type,
        obj=order,
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=changes,
    )


async def sent_out(
    session: AsyncSession, actor: User, order: RepairOrder, attempt: ExternalRepair
) -> None:
    """The first attempt takes the order to `external`; later ones find it there already."""
    if order.status == RepairOrderStatus.external:
        return
    # Which station is the department's business: the event names the attempt, not the vendor.
    changes = {"external_repair_id": attempt.id, "attempt": attempt.attempt}
    _move(session, actor, order, "send_out", RepairOrderStatus.external, changes)
