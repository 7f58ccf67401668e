"""The SLA watcher: marks orders `warning` at 75 % and `breached` at 100 % of an allowance,
writing an event and notifying the supervisors (超时/限时催办). Safe to run in several processes
at once: on PostgreSQL each batch claims its rows with SKIP LOCKED, and on every database each
transition is written only if the order is still in the state the scan saw, so a second scanner
that read the same row before the first committed changes nothing. Registered as the "sla"
watcher (app/domain/watchers.py runs it, each batch in its own unit of work)."""

from datetime import datetime

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import ServiceOrder, SlaState
from app.db.models.indexes import SLA_ARMS
from app.db.repositories.locks import skip_locked
from app.db.types import utcnow
from app.domain.notifications.service import supervisor_ids
from app.domain.service_orders import sla
from app.domain.service_orders.workflow import SERVICE_ORDER
from app.domain.watchers import watcher

# States whose clocks run (on_hold and reported are paused; the rest have stopped). The
# watcher's partial indexes spell them out literally; tests/service_orders/test_sla_worker.py
# keeps the two equal.
RUNNING_STATES = sorted(SERVICE_ORDER.group("running"))
BATCH_SIZE = 200


@watcher("sla", batch=BATCH_SIZE, counts="orders")
async def scan_once(
    session: AsyncSession, now: datetime | None = None, batch: int = BATCH_SIZE
) -> int:
    """Move due orders forward; return how many changed."""
    now = now or utcnow()
    order = ServiceOrder
    # One arm per partial index (app/db/models/indexes.py): a running order whose next warning
    # or deadline has passed.
    due = or_(*(and_(text(where), column <= now) for column, where in SLA_ARMS))
    stmt = select(order).where(due).order_by(col(order.due_at), col(order.id)).limit(batch)
    orders = (await session.scalars(skip_locked(session, stmt))).all()
    if not orders:
        return 0
    supervisors = await supervisor_ids(session)
    calendar = await sla.load_calendar(session)
    changed = 0
    for found in orders:
        previous = SlaState(found.sla_state)
        state = sla.evaluate(found, now)
        if not sla.is_escalation(previous, state):
            continue
        if not await _claim(session, found, previous, state):
            continue  # another scanner got there first
        sla.announce(session, found, previous, state, supervisors, calendar)
        changed += 1
    return changed


async def _claim(
    session: AsyncSession, found: ServiceOrder, previous: SlaState, state: SlaState
) -> bool:
    """Store the new state if nobody changed the order since the scan read it (every write to
    an order moves `updated_at`). On SQLite, which has no row locks, the UPDATE waits for a
    concurrent scanner's or action's commit and then matches no row; the next scan looks again.
    Derived state: `version` stays (a user's If-Match must not fail because the clock ticked),
    `updated_at` moves for delta sync."""
    table = ServiceOrder.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        update(table)
        .where(
            table.c.id == found.id,
            table.c.updated_at == found.updated_at,
            table.c.sla_state == previous,
        )
        .values(sla_state=state, updated_at=utcnow())
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]
