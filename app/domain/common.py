"""Small rules shared by every resource's service: versions, uniqueness, lookups, text search."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User
from app.db.repositories.scoping import get_visible
from app.domain.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)

M = TypeVar("M")


def check_version(obj: Any, expected: int | None) -> None:
    """Honour If-Match: the caller must have read the version it is changing."""
    if expected is not None and expected != obj.version:
        raise PreconditionFailed(expected, obj.version)


def require_version(obj: Any, expected: int | None) -> None:
    """A PATCH must name the version it read (428), and that version must be current (412).

    Checked once the object has been found, so a missing object is a 404 rather than a 428
    (RFC 9110 §13.2.1: preconditions are considered only for a request that could succeed).
    """
    if expected is None:
        raise PreconditionRequired()
    check_version(obj, expected)


async def get_or_404(
    session: AsyncSession, user: User, model: type[M], row_id: uuid.UUID, what: str
) -> M:
    obj = await get_visible(session, user, model, row_id)
    if obj is None:
        raise NotFound(what)
    return obj


async def get_for_field(
    session: AsyncSession,
    user: User | None,
    model: type[M],
    row_id: uuid.UUID,
    field: str,
    what: str,
) -> M:
    """Look up an object named in a request body; a missing or hidden one is a 422 on the field.

    `user` None is the system itself (the command line), which sees everything.
    """
    if user is None:
        obj = await session.get(model, row_id)
    else:
        obj = await get_visible(session, user, model, row_id)
    if obj is None:
        raise ValidationFailed([(field, f"{what} {row_id} does not exist")])
    return obj


async def ensure_unique(
    session: AsyncSession,
    model: type[Any],
    values: dict[str, Any],
    exclude_id: uuid.UUID | None = None,
) -> None:
    """409 naming the field when a unique value is already taken by another row."""
    for field, value in values.items():
        if value is None:
            continue
        stmt = select(model.id).where(getattr(model, field) == value)
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        if (await session.scalars(stmt.limit(1))).first() is not None:
            raise Conflict(f"{field} '{value}' is already used", field=field)


def text_search(q: str, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive substring match over the given columns; % and _ are taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    return or_(*(func.lower(col).like(pattern, escape="\\") for col in columns))
