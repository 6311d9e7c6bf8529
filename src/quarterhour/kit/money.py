"""Money is `Decimal` in yuan, rounded to the fen (0.01) half-up, per line of a bill."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from quarterhour.errors import ValidationFailed

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(amount: Decimal) -> Decimal:
    """Half-up to the fen: the rounding rule every bill line uses (documented in the README)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def decimal_of(value: object, *, field: str) -> Decimal:
    """An exact decimal from text, int or Decimal; a float is refused, it may already be off."""
    if isinstance(value, bool | float):
        raise ValidationFailed("give the number as text or an integer, not a float", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationFailed(f"{value!r} is not a number", field=field) from None
    else:
        raise ValidationFailed(f"{value!r} is not a number", field=field)
    if not result.is_finite():
        raise ValidationFailed(f"{value!r} is not a finite number", field=field)
    return result
