"""Write the append-only event log. Every change to an object writes exactly one event, in the
same transaction as the change (staged on the session, written by the unit of work's commit)."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import STAFF_ROLES, Customer, Event, User
from app.db.repositories.scoping import records_participants
from app.db.session import stage_event
from app.db.types import utcnow


def json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def apply_changes(obj: Any, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields on `obj`; return {field: [old, new]} for those that really changed."""
    changed: dict[str, list[Any]] = {}
    for field, new in data.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changed[field] = [json_safe(old), json_safe(new)]
    return changed


def customer_of(obj: Any) -> uuid.UUID | None:
    if isinstance(obj, Customer):
        return obj.id
    return getattr(obj, "customer_id", None)


def record_event(
    session: AsyncSession,
    *,
    actor: User | None,
    object_type: str,
    obj: Any,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    changes: Mapping[str, Any] | None = None,
    public: bool = True,
) -> Event:
    event = Event(
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        object_type=object_type,
        object_id=obj.id,
        customer_id=customer_of(obj),
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=json_safe(dict(changes or {})),
        public=public,
    )
    # A staff user who acts on a workflow resource has worked on it (scoping.AssignedOrWorkedOn).
    worked_on = actor is not None and actor.role in STAFF_ROLES
    stage_event(
        session,
        event,
        object_created_at=obj.created_at
        if worked_on and records_participants(object_type)
        else None,
    )
    return event


async def add_created(
    session: AsyncSession,
    actor: User | None,
    object_type: str,
    row: Any,
    changes: Mapping[str, Any],
    *,
    public: bool = True,
) -> None:
    """Insert a new row and write its "created" event."""
    session.add(row)
    await session.flush()
    record_event(
        session,
        actor=actor,
        object_type=object_type,
        obj=row,
        action="created",
        to_status=getattr(row, "status", None),
        changes=changes,
        public=public,
    )


async def save_changes(
    session: AsyncSession,
    actor: User | None,
    object_type: str,
    row: Any,
    values: Mapping[str, Any],
    *,
    public: bool = True,
) -> dict[str, list[Any]]:
    """Apply field values; if anything really changed, write it and its "updated" event."""
    changes = apply_changes(row, values)
    if changes:
        await session.flush()
        record_event(
            session,
            actor=actor,
            object_type=object_type,
            obj=row,
            action="updated",
            changes=changes,
            public=public,
        )
    return changes
