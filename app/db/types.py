"""Portable column types: the same code runs on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ColumnElement, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC.

    SQLite keeps no offset, so values are normalised to UTC on the way in and marked UTC on the
    way out; a naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Money(TypeDecorator[Decimal]):
    """An amount with two decimals, kept as integer minor units (cents/分) in both databases:
    SQLite has no exact decimal type, and a float would round money."""

    impl = BigInteger
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise ValueError("an amount has at most two decimals")
        return int(cents)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


# The last instant either database can hold comfortably: what "no appointment" or "no due time"
# sorts as, so those come last (service_orders.work).
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class FarFuture(ColumnElement[datetime]):
    """FAR_FUTURE as a literal in the SQL text, not a bound parameter, so that an expression
    index on `COALESCE(column, <this>)` (PostgreSQL) matches the query's expression, in a
    generic prepared plan too. Each database gets the spelling of its own stored values."""

    type = UTCDateTime()
    inherit_cache = True
    _traverse_internals: list[Any] = []  # nothing varies: one cache key, so statements cache


@compiles(FarFuture, "postgresql")
def _far_future_postgresql(element: FarFuture, compiler: Any, **kw: Any) -> str:
    return FAR_FUTURE_SQL


@compiles(FarFuture)
def _far_future_sqlite(element: FarFuture, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as naive UTC text with microseconds.
    return "'9999-01-01 00:00:00.000000'"


FAR_FUTURE_SQL = "'9999-01-01 00:00:00+00'::timestamp with time zone"
