"""Money rounding (half-up to the fen) and exact parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quarterhour.errors import ValidationFailed
from quarterhour.kit.money import decimal_of, to_fen


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("43.265", "43.27"), ("2.675", "2.68"), ("0.005", "0.01"), ("0.0049", "0.00"), ("7", "7.00")],
)
def test_to_fen_rounds_half_up(amount: str, expected: str) -> None:
    assert to_fen(Decimal(amount)) == Decimal(expected)
    assert str(to_fen(Decimal(amount))) == expected


def test_decimal_of_reads_text_and_integers_exactly() -> None:
    assert decimal_of("1,234.50", field="amount") == Decimal("1234.50")
    assert decimal_of(12, field="amount") == Decimal(12)


@pytest.mark.parametrize("value", [0.1, True, "abc", "NaN", None])
def test_decimal_of_refuses_floats_and_non_numbers_naming_the_field(value: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decimal_of(value, field="amount")
    assert caught.value.field == "amount"
