"""Row locks, the one place where the two databases need different SQL."""

import uuid
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_row(session: AsyncSession, model: Any, row_id: uuid.UUID) -> None:
    """Hold a write lock on one row until this transaction ends, so check-then-write sequences
    (e.g. "is this engineer free?" then "book them") cannot interleave.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks and ignores FOR UPDATE; a no-op
    UPDATE (which leaves every column, updated_at included, as it was) takes its database write
    lock instead, which serialises writers just the same. Do this *before* the reads it
    protects, so they see what the previous holder committed.
    """
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
    else:
        keep = {name: table.c[name] for name in ("id", "updated_at") if name in table.c}
        await session.execute(update(table).where(table.c.id == row_id).values(keep))


def skip_locked(session: AsyncSession, stmt: Select[Any]) -> Select[Any]:
    """Let several workers share a queue: on PostgreSQL each claims rows the others have not
    locked (FOR UPDATE SKIP LOCKED). SQLite has one writer at a time, so nothing is needed."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt
