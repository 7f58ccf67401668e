"""The SLA watcher: marks orders `warning` at 75 % and `breached` at 100 % of an allowance,
writing an event and notifying the supervisors (超时/限时催办). Safe to run in several processes
at once: on PostgreSQL each batch claims its rows with SKIP LOCKED, and every transition is
conditional on the state it saw."""

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.db.models import ServiceOrder, SlaState
from app.db.repositories.locks import skip_locked
from app.db.session import unit_of_work
from app.db.types import utcnow
from app.domain.events import record_event
from app.domain.notifications.service import Message, notify, supervisor_ids
from app.domain.service_orders import sla
from app.domain.service_orders.service import OBJECT_TYPE

logger = logging.getLogger("aftercare.sla")
RUNNING_STATES = ("new", "assigned", "in_progress")
_RANK = {SlaState.ok: 0, SlaState.warning: 1, SlaState.breached: 2}


async def scan_once(session: AsyncSession, now: datetime | None = None, batch: int = 200) -> int:
    """Move due orders forward; return how many changed."""
    now = now or utcnow()
    order = ServiceOrder
    response_running = col(order.responded_at).is_(None)
    warning_reached = or_(
        and_(response_running, col(order.response_warning_at) <= now),
        col(order.resolve_warning_at) <= now,
    )
    due_reached = or_(
        and_(response_running, col(order.response_due_at) <= now), col(order.due_at) <= now
    )
    stmt = (
        select(order)
        .where(
            col(order.status).in_(RUNNING_STATES),
            or_(
                and_(col(order.sla_state) == SlaState.ok, warning_reached),
                and_(col(order.sla_state) == SlaState.warning, due_reached),
            ),
        )
        .order_by(col(order.due_at))
        .limit(batch)
    )
    orders = (await session.scalars(skip_locked(session, stmt))).all()
    rows = []
    supervisors = await supervisor_ids(session) if orders else []
    for found in orders:
        session.expunge(found)  # derived state: stored without a version bump (sla.store_clocks)
        previous = SlaState(found.sla_state)
        state = sla.evaluate(found, now)
        if _RANK[state] <= _RANK[previous]:
            continue
        found.sla_state = state
        rows.append({"_id": found.id, **sla.clock_values(found)})
        record_event(
            session,
            actor=None,
            object_type=OBJECT_TYPE,
            obj=found,
            action=f"sla_{state}",
            changes={
                "sla_state": [previous, state],
                "due_at": found.due_at,
                "response_due_at": found.response_due_at,
            },
            public=False,
        )
        notify(
            session,
            supervisors,
            Message(
                f"sla_{state}",
                f"{found.number}: SLA {'breached' if state == SlaState.breached else 'warning'}",
                f"{found.subject}\nResponse due {_when(found.response_due_at)}, "
                f"resolution due {_when(found.due_at)}.",
                OBJECT_TYPE,
                found.id,
            ),
        )
    await sla.store_clocks(session, rows)
    return len(rows)


def _when(instant: datetime | None) -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC" if instant else "-"


async def run_worker(
    sessionmaker: async_sessionmaker[AsyncSession], interval_seconds: float, stop: asyncio.Event
) -> None:
    """Scan until `stop` is set; a failed scan is logged and retried on the next tick."""
    while not stop.is_set():
        try:
            while True:
                async with unit_of_work(sessionmaker) as session:
                    changed = await scan_once(session)
                if changed:
                    logger.info("sla scan moved %d orders", changed)
                if changed < 200:
                    break
        except Exception:
            logger.exception("sla scan failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
