"""List filters as one query model per resource, applied by one function.

A resource's list route takes `filters: Annotated[XQuery, Query()]`; FastAPI turns the model's
fields into the documented query parameters (names, enums, descriptions) and refuses unknown
ones. By convention a field named like a column filters that column: a list value is "any of",
anything else is "equal"; `q` searches `search_columns` (case-insensitive substring); the
shared ranges compare `created_at` / `updated_at`. Fields whose rule is more than
that (overdue, in warranty on a day) are named in `special` and applied by the service.
"""

import dataclasses
import operator
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, Select, or_

from app.domain.common import text_search
from app.domain.numbering import sole_number_containing
from app.domain.pagination import PageParams
from app.domain.schemas import ExternalRef, Timestamp

# Paging is a dependency of its own (`Paging`) and reads these from the same query string.
_PAGING = frozenset(f.name for f in dataclasses.fields(PageParams))
_RANGES: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "created_after": ("created_at", operator.ge),
    "created_before": ("created_at", operator.lt),
    "updated_before": ("updated_at", operator.lt),  # updated_after is a paging parameter
}


class ListQuery(BaseModel):
    """What every list filters by: text, and when objects were created or last changed."""

    model_config = ConfigDict(extra="forbid")

    search_columns: ClassVar[tuple[str, ...]] = ()
    special: ClassVar[frozenset[str]] = frozenset()
    # The prefix of the numbers in the `number` column, when `q` searches it: a q that is a
    # whole number is then looked up in the unique index rather than by its trigrams, which
    # most numbers share (numbering.sole_number_containing says when that is the same).
    number_prefix: ClassVar[str | None] = None

    q: str | None = Field(default=None, max_length=200, description="text search")
    created_after: Timestamp | None = Field(default=None, description="created at or after")
    created_before: Timestamp | None = Field(default=None, description="created before")
    updated_before: Timestamp | None = Field(default=None, description="last changed before")

    @model_validator(mode="before")
    @classmethod
    def _leave_paging_to_paging(cls, data: Any) -> Any:
        # FastAPI hands a query model the whole query string; an unknown name is still refused.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in _PAGING}
        return data


class ExternalRefQuery(ListQuery):
    """A list of objects an ERP also knows, by its key."""

    external_ref: ExternalRef | None = Field(default=None, description="the ERP's key, exact")


def apply_filters(stmt: Select[Any], model: Any, filters: ListQuery) -> Select[Any]:
    """Narrow `stmt` (already scoped to what the caller may see) by every filter that was given,
    except the model's `special` ones."""
    for name in type(filters).model_fields:
        value = getattr(filters, name)
        if value is None or value == [] or name in filters.special:
            continue
        if name == "q":
            stmt = stmt.where(_search(model, filters, value))
        elif name in _RANGES:
            column, compare = _RANGES[name]
            stmt = stmt.where(compare(getattr(model, column), value))
        elif isinstance(value, list):
            stmt = stmt.where(getattr(model, name).in_(value))
        elif isinstance(value, bool):
            stmt = stmt.where(getattr(model, name).is_(value))
        else:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def _search(model: Any, filters: ListQuery, q: str) -> ColumnElement[bool]:
    names = filters.search_columns
    number = sole_number_containing(q, filters.number_prefix) if filters.number_prefix else None
    if number is None or "number" not in names:
        return text_search(q, *(getattr(model, c) for c in names))
    others = [getattr(model, c) for c in names if c != "number"]
    return or_(model.number == number, *([text_search(q, *others)] if others else []))
