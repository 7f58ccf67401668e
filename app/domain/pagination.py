"""Keyset pagination with opaque cursors, shared by every list endpoint.

A cursor names the sort and the last row's (sort value, id); the next page starts strictly after
it, so rows inserted meanwhile never shift or repeat a page.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User
from app.db.repositories.scoping import Arm, visible_arms, visible_to
from app.domain.errors import ValidationFailed
from app.domain.schemas import is_storable_text, to_utc

MAX_LIMIT = 200
T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int = 50
    cursor: str | None = None
    updated_after: datetime | None = None
    sort: str = "created_at"


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed([("cursor", "invalid or expired cursor; restart from the first page")])


def _encode(sort: str, value: Any, row_id: uuid.UUID) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"s": sort, "v": value, "i": str(row_id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str, column: Any) -> tuple[Any, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("s") != sort:
            raise _bad_cursor()
        value = data["v"]
        python_type = column.type.python_type
        if python_type is datetime:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise _bad_cursor()
            value = to_utc(value)
        elif not isinstance(value, python_type) or (
            isinstance(value, str) and not is_storable_text(value)
        ):
            raise _bad_cursor()
        return value, uuid.UUID(data["i"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise _bad_cursor() from exc


def _after(column: Any, id_column: Any, value: Any, last_id: uuid.UUID, descending: bool) -> Any:
    """Rows strictly after (value, last_id) in the page order.

    The row-value form `(a, id) > (x, y)` is what an index on (a, id) can start a scan at; the
    equivalent `a > x OR (a = x AND id > y)` makes PostgreSQL filter from the start of the index,
    so a deep cursor cost as much as the rows before it."""
    if descending:
        return tuple_(column, id_column) < tuple_(value, last_id)
    return tuple_(column, id_column) > tuple_(value, last_id)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    model: Any,
    params: PageParams,
    sort_fields: Mapping[str, Any],
) -> PageResult[Any]:
    """Run `stmt` (already filtered and scoped) for one page ordered by `params.sort`.

    `sort` is a field name from `sort_fields`, prefixed with "-" for descending order; the row
    id breaks ties, so the order is total and a cursor is exact.
    """
    sort_name = params.sort.removeprefix("-")
    column = sort_fields.get(sort_name)
    if column is None:
        options = ", ".join(sorted(sort_fields)) + " (prefix - for descending)"
        raise ValidationFailed([("sort", f"unknown sort; use one of {options}")])
    page = _one_page(stmt, model, params, column, column, model.id)
    rows = list((await session.scalars(page)).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = _encode(params.sort, getattr(last, sort_name), last.id)
    return PageResult(items=rows, next_cursor=next_cursor)


async def paginate_visible(
    session: AsyncSession,
    user: User,
    stmt: Select[Any],
    model: Any,
    params: PageParams,
    sort_fields: Mapping[str, Any],
) -> PageResult[Any]:
    """`paginate` over what `user` may see of `stmt` (filtered, not yet scoped).

    Where the scope is a union no one index holds in order (an engineer's assigned or worked-on
    rows) and the page is in creation order (the default), each arm is read as its own index
    range, at most one page of it, and the page is taken from those; so its cost does not grow
    with the engineer's history. Any other sort reads the scope as one WHERE."""
    arms = visible_arms(user, model)
    if arms is None or params.sort.removeprefix("-") != "created_at":
        return await paginate(
            session, stmt.where(visible_to(user, model)), model, params, sort_fields
        )
    first = [_first_of_arm(stmt, model, arm, params) for arm in arms]
    candidates = union_all(*(select(piece.subquery().c.id) for piece in first))
    return await paginate(session, stmt.where(model.id.in_(candidates)), model, params, sort_fields)


def _first_of_arm(stmt: Select[Any], model: Any, arm: Arm, params: PageParams) -> Select[Any]:
    """The ids of the first page (plus one) of `stmt` in this arm, in the arm's index order."""
    piece = stmt.with_only_columns(model.id)
    if arm.join is not None:
        piece = piece.join(*arm.join)
    piece = piece.where(arm.where)
    return _one_page(piece, model, params, model.created_at, arm.created_at, arm.id)


def _one_page(
    stmt: Select[Any], model: Any, params: PageParams, sort_column: Any, column: Any, id_column: Any
) -> Select[Any]:
    """`stmt` from the cursor on (and `updated_after`, if asked), ordered by (`column`,
    `id_column`) as `params.sort` says, one page plus one row. The cursor holds a value of
    `sort_column`; `column` is where this statement reads it (the same, or its copy in an arm's
    index)."""
    descending = params.sort.startswith("-")
    if params.updated_after is not None:
        stmt = stmt.where(model.updated_at > params.updated_after)
    if params.cursor:
        value, last_id = _decode(params.cursor, params.sort, sort_column)
        stmt = stmt.where(_after(column, id_column, value, last_id, descending))
    order = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
    return stmt.order_by(*order).limit(params.limit + 1)
