"""Money is exact in both databases: two decimals in, the same two decimals out."""

from decimal import Decimal

import pytest

from app.db.types import Money


def test_an_amount_round_trips_through_minor_units() -> None:
    money = Money()
    stored = money.process_bind_param(Decimal("1234.5"), dialect=None)  # type: ignore[arg-type]
    assert stored == 123450
    assert money.process_result_value(stored, dialect=None) == Decimal("1234.50")  # type: ignore[arg-type]


def test_a_third_decimal_is_refused_rather_than_rounded() -> None:
    with pytest.raises(ValueError, match="two decimals"):
        Money().process_bind_param(Decimal("0.125"), dialect=None)  # type: ignore[arg-type]
