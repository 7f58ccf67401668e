"""The case watcher: proposes (never confirms) a difficult case when

- a device is received for repair again within 90 days of a delivery (`repeat_failure`, about
  the new repair order), and
- a service order breaches its SLA (`sla_breached`, about the order).

Each finding is proposed once: the case's unique `finding_key` ("<criterion>:<order id>") makes
a second proposal impossible, and the scan skips every order that already has a case from that
finding (whatever became of it: a rejected proposal is not made again). The candidates are
found by one query per finding; a second process that races the same finding fails its
batch on the unique key and finds nothing left on its next tick.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.db.models import Case, CaseCriterion, RepairOrder, ServiceOrder, SlaState
from app.db.types import utcnow
from app.domain.cases.schemas import OrderEscalation
from app.domain.cases.service import propose_finding
from app.domain.service_orders import sla_worker  # noqa: F401  (registered first: see below)
from app.domain.watchers import watcher

REPEAT_WINDOW = timedelta(days=90)
BATCH_SIZE = 200


def _no_case_from(criterion: CaseCriterion, source_type: str, source_id: Any) -> Any:
    return ~(
        select(col(Case.id))
        .where(
            col(Case.source_type) == source_type,
            col(Case.source_id) == source_id,
            col(Case.finding_key).like(f"{criterion.value}:%"),
        )
        .exists()
    )


async def _repeat_failures(session: AsyncSession, now: datetime) -> int:
    earlier = aliased(RepairOrder)
    again = RepairOrder
    rows = await session.execute(
        select(again, col(earlier.number), col(earlier.delivered_at))
        .join(
            earlier,
            and_(
                col(earlier.device_id) == col(again.device_id),
                col(earlier.id) != col(again.id),
                col(earlier.delivered_at).is_not(None),
                col(earlier.delivered_at) <= col(again.received_at),
            ),
        )
        .where(
            # Only receipts of the last 90 days can be within 90 days of an earlier delivery
            # not after them; the exact gap is checked below.
            col(again.received_at) >= now - REPEAT_WINDOW,
            _no_case_from(CaseCriterion.repeat_failure, RepairOrder.object_type, again.id),
        )
        .order_by(col(again.received_at), col(again.id), col(earlier.delivered_at).desc())
    )
    proposed = 0
    seen: set[Any] = set()
    for order, earlier_number, delivered_at in rows.all():
        if delivered_at is None or order.id in seen:
            continue
        if order.received_at - delivered_at > REPEAT_WINDOW:
            continue
        seen.add(order.id)
        summary = (
            f"{order.number}: the device is back {(order.received_at - delivered_at).days} days "
            f"after {earlier_number} was delivered"
        )
        body = OrderEscalation(criteria=[CaseCriterion.repeat_failure], summary=summary)
        await propose_finding(session, RepairOrder.object_type, order.id, body)
        proposed += 1
    return proposed


async def _sla_breaches(session: AsyncSession, batch: int) -> int:
    orders = await session.scalars(
        select(ServiceOrder)
        .where(
            col(ServiceOrder.sla_state) == SlaState.breached,
            _no_case_from(CaseCriterion.sla_breached, ServiceOrder.object_type, ServiceOrder.id),
        )
        .order_by(col(ServiceOrder.due_at), col(ServiceOrder.id))
        .limit(batch)
    )
    proposed = 0
    for order in orders.all():
        body = OrderEscalation(
            criteria=[CaseCriterion.sla_breached],
            summary=f"{order.number} breached its SLA: {order.subject}",
        )
        await propose_finding(session, ServiceOrder.object_type, order.id, body)
        proposed += 1
    return proposed


# Registered after the SLA watcher (imported above), so a breach it marks on a tick is proposed
# as a case on the same tick.
@watcher("case_findings", batch=BATCH_SIZE, counts="cases proposed")
async def propose_found_cases(
    session: AsyncSession, now: datetime | None = None, batch: int = BATCH_SIZE
) -> int:
    """Propose the cases the department's rules call for; return how many."""
    now = now or utcnow()
    return await _sla_breaches(session, batch) + await _repeat_failures(session, now)
