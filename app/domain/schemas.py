"""Base classes and field types every resource's schemas use."""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    MISSING,
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

T = TypeVar("T")


def is_storable_text(value: str) -> bool:
    """Whether both databases can store and compare `value`: PostgreSQL refuses U+0000, and a
    lone UTF-16 surrogate (JSON "\\ud800") cannot be encoded as UTF-8 for either driver."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_nul(value: Any, path: str = "") -> None:
    # Refuse text the database cannot take up front, for every backend alike.
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path or 'value'}: NUL characters are not allowed")
        if not is_storable_text(value):
            raise ValueError(f"{path or 'value'}: unpaired surrogate characters are not allowed")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _reject_nul(key, path)
            _reject_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_nul(item, f"{path}[{index}]")


class WriteModel(BaseModel):
    """A request body: unknown fields are refused, strings are trimmed and may not hold NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        _reject_nul(value, info.field_name or "")
        if info.field_name in _boolean_fields(cls) and not isinstance(value, bool | None):
            # JSON has true and false; "yes", "on" or 1 is a client bug, not a decision.
            raise ValueError("expected true or false")
        _check_raw_length(value, _max_lengths(cls).get(info.field_name or ""))
        return value


@cache
def _boolean_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if info.annotation is bool or info.annotation == bool | None
    )


def _string_max_length(schema: Mapping[str, Any]) -> int | None:
    for branch in (schema, *schema.get("anyOf", ())):
        if branch.get("type") == "string" and "maxLength" in branch:
            return int(branch["maxLength"])
    return None


def _items_max_length(schema: Mapping[str, Any]) -> int | None:
    for branch in (schema, *schema.get("anyOf", ())):
        items = branch.get("items")
        if branch.get("type") == "array" and isinstance(items, Mapping):
            return _string_max_length(items)
    return None


@cache
def _max_lengths(model: type[BaseModel]) -> dict[str, tuple[int | None, int | None]]:
    """Each field's published maxLength: of the field itself, and of its items if a list."""
    properties = model.model_json_schema(mode="validation").get("properties", {})
    return {
        name: (_string_max_length(schema), _items_max_length(schema))
        for name, schema in properties.items()
    }


def _check_raw_length(value: Any, limits: tuple[int | None, int | None] | None) -> None:
    # Strings are trimmed before their constraints run, but the published schema limits what
    # is sent: a value over maxLength is refused even if only its padding is over.
    own, per_item = limits or (None, None)
    if own is not None and isinstance(value, str) and len(value) > own:
        raise ValueError(f"String should have at most {own} characters")
    if per_item is not None and isinstance(value, list):
        for item in value:
            if isinstance(item, str) and len(item) > per_item:
                raise ValueError(f"String should have at most {per_item} characters")


class PatchModel(WriteModel):
    """A PATCH body: every field optional, but a field the object requires may not be nulled."""

    not_nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_nullable:
            raise ValueError("may not be null")
        return value


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


STAFF_ONLY = "x-staff-only"


def StaffOnly(description: str) -> Any:
    """A read field that only staff receive: annotate it `X | MISSING`; a customer's
    representation leaves it unset and it is left out of the JSON altogether (not sent as
    null), so a customer's answer cannot carry it."""
    return Field(
        default=MISSING,
        description=f"{description} (staff only: not sent to customers)",
        json_schema_extra={STAFF_ONLY: True},
    )


class StaffFieldsModel(ReadModel):
    """A read with StaffOnly fields. Build it without them for a customer (`read_for`).

    pydantic omits a MISSING field while it writes the JSON; the model_serializer this
    replaced took each object through Python and back, 8 % of a list's CPU."""


M = TypeVar("M", bound=BaseModel)


def read_for(model: type[M], row: Any, *, staff: bool, **computed: Any) -> M:
    """`model` filled from `row`'s attributes (and `computed` values); without staff rights its
    StaffOnly fields are left out, so they are not sent at all."""
    # A loaded ORM row keeps its column values in __dict__; reading them there rather than
    # through the attribute descriptors is a fifth of the cost of a list's per-order Python.
    loaded = row.__dict__
    values = {
        name: loaded[name] if name in loaded else getattr(row, name)
        for name in _read_names(model, staff, frozenset(computed))
    }
    values.update(computed)
    return model.model_validate(values)


@cache
def _read_names(model: type[BaseModel], staff: bool, computed: frozenset[str]) -> tuple[str, ...]:
    names = model.model_fields.keys() - computed
    if not staff:
        names -= staff_only_fields(model)
    return tuple(sorted(names))


@cache
def staff_only_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(STAFF_ONLY)
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null on the last page"
    )


def to_utc(value: datetime) -> datetime:
    """Normalise an aware timestamp to UTC; one too close to the ends of time is refused."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("timestamp is out of range") from None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    # Pydantic would also take 0, 86400 or "86400" as Unix times and "2025-03-01T00:00Z" as a
    # date; a client sending those has made a mistake we should report, not guess at.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]

_RFC3339_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_text(value: Any) -> Any:
    # Pydantic would also take 1700000000 or "1700000000" as Unix times; the API publishes
    # RFC 3339 (format: date-time), so a bare number is a client mistake, not a timestamp.
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and _RFC3339_PREFIX.match(value):
        return value
    raise ValueError("expected an RFC 3339 timestamp such as 2025-03-01T09:00:00+08:00")


# A timestamp as written on the wire (RFC 3339, never a Unix number); the offset is checked apart.
TimestampText = Annotated[datetime, BeforeValidator(_rfc3339_text)]
# A timestamp with an offset (RFC 3339), stored in UTC.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(to_utc)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Phone = Annotated[str, StringConstraints(max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
ExternalRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", to_lower=True),
]


Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class EmptyBody(WriteModel):
    """An action that takes no input: send nothing or `{}`; any field is refused."""


class ReasonBody(WriteModel):
    reason: Reason
