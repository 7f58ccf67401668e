"""The chase watcher (跟催): tells the clerk who owns a repair when a follow-up at the station
falls due and when a unit is overdue, once per due date.

The owner is the repair order's first-contact owner (`owner_id`, the clerk who received the
device, 首问负责); an order without one goes to the active supervisors. Each notice is claimed
by a conditional UPDATE of the attempt's `follow_up_notified_for` / `overdue_notified_for`
(the due instant announced): only the scan whose UPDATE matched notifies, so ticks and
processes running at once never notify twice. A follow-up moves `next_follow_up_at`, which is
a new due date and is announced again when it falls due. The columns are bookkeeping: neither
`version` nor `updated_at` moves. Registered as the "external_repairs" watcher.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db.models import ExternalRepair, RepairOrder, Vendor
from app.db.types import utcnow
from app.domain.external_repairs.service import follow_up_due_clause, overdue_clause
from app.domain.notifications.kinds import NotificationKind
from app.domain.notifications.service import Message, notify, supervisor_ids
from app.domain.watchers import watcher

BATCH_SIZE = 200
# (the due column, the column that records what was announced, the notice, the "due" clause)
_CHASES = (
    ("next_follow_up_at", "follow_up_notified_for", NotificationKind.external_follow_up_due),
    ("expected_back_at", "overdue_notified_for", NotificationKind.external_overdue),
)


def _not_yet_told(due: Any, told: Any) -> ColumnElement[bool]:
    return or_(told.is_(None), told != due)


@watcher("external_repairs", batch=BATCH_SIZE, counts="notices")
async def scan_once(
    session: AsyncSession, now: datetime | None = None, batch: int = BATCH_SIZE
) -> int:
    """Announce every due follow-up and overdue unit not yet announced; return how many."""
    now = now or utcnow()
    supervisors: list[Any] | None = None
    sent = 0
    for (due_name, told_name, kind), is_due in zip(
        _CHASES, (follow_up_due_clause(now), overdue_clause(now)), strict=True
    ):
        due, told = getattr(ExternalRepair, due_name), getattr(ExternalRepair, told_name)
        rows = await session.execute(
            select(
                col(ExternalRepair.id),
                due,
                col(ExternalRepair.attempt),
                col(RepairOrder.number),
                col(RepairOrder.fault_description),
                col(RepairOrder.owner_id),
                col(Vendor.name),
            )
            .join(RepairOrder, col(RepairOrder.id) == col(ExternalRepair.repair_order_id))
            .join(Vendor, col(Vendor.id) == col(ExternalRepair.vendor_id))
            .where(is_due, _not_yet_told(due, told))
            .order_by(due, col(ExternalRepair.id))
            .limit(batch)
        )
        for attempt_id, due_at, attempt, number, fault, owner_id, vendor in rows.all():
            if not await _claim(session, attempt_id, due_name, told_name, due_at):
                continue  # another scanner announced it first
            if owner_id is None and supervisors is None:
                supervisors = await supervisor_ids(session)
            notify(
                session,
                [owner_id] if owner_id else supervisors or [],
                Message(
                    kind,
                    {
                        "number": number,
                        "subject": fault,
                        "vendor": vendor,
                        "attempt": str(attempt),
                        "due": due_at.isoformat(timespec="minutes"),
                    },
                    ExternalRepair.object_type,
                    attempt_id,
                ),
            )
            sent += 1
    return sent


async def _claim(
    session: AsyncSession, attempt_id: Any, due_name: str, told_name: str, due_at: datetime
) -> bool:
    """Record that `due_at` is announced, if nobody has and the due instant is still the one
    the scan read. On PostgreSQL a second scanner's UPDATE waits for the first to commit and
    then matches no row; SQLite has one writer at a time."""
    table = ExternalRepair.__table__  # type: ignore[attr-defined]
    due, told = table.c[due_name], table.c[told_name]
    result = await session.execute(
        update(table)
        .where(table.c.id == attempt_id, due == due_at, _not_yet_told(due, told))
        .values({told_name: due_at})
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]
