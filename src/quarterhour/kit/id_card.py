"""居民身份证号码 (GB 11643-1999): its shape, birth date and check digit."""

from __future__ import annotations

from datetime import date
from typing import Literal

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_DIGITS = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK_DIGITS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def checked_id_number(text: str) -> str:
    """The number in its canonical form (upper-case X), or ValueError saying what is wrong.
    The old 15-digit numbers (before 1999) carry no check digit and are taken as they are."""
    number = text.strip().upper()
    if len(number) == 15 and number.isdigit():
        return number
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValueError("an ID number has 18 characters: 17 digits and a digit or X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(f"{number[6:14]} is not a birth date") from None
    if check_digit(number[:17]) != number[17]:
        raise ValueError("the check digit does not match (a digit mistyped?)")
    return number


def sex_of(id_number: str | None) -> Literal["f", "m"] | None:
    """The sex a well-formed number records (the sequence's last digit: odd for men, even for
    women — the 17th of 18, the 15th of the old 15); None for a missing or malformed one."""
    if id_number is None:
        return None
    try:
        number = checked_id_number(id_number)
    except ValueError:
        return None
    return "m" if int(number[16 if len(number) == 18 else 14]) % 2 else "f"
