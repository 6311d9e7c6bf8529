"""What an input may hold, declared once: text without control characters, whole numbers and
decimals that fit their columns, dates within a plausible window.

The API's schemas and parameters and the console's forms use these types (and the hand-written
form parsers the helpers below), so that a value the database would refuse is a 422 naming the
field instead of a 500: PostgreSQL refuses NUL in text ("text fields cannot contain NUL"), an
`integer` beyond 2^31 − 1 and a `bigint` beyond 2^63 − 1 ("out of range"), a decimal with more
digits than its `numeric(p, s)` ("numeric field overflow"); SQLite cannot bind an int beyond
2^63 − 1; UTF-8 cannot encode an unpaired surrogate; and Python's own dates end at year 9999, so
arithmetic on a date near either end of its range overflows. `entrypoints/api/errors.py` still
turns such a database error into a 422 (and logs it as the bug it is), as a last line of defence.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock

INT32_MAX = 2**31 - 1  # PostgreSQL `integer`, the ids of most tables
INT64_MAX = 2**63 - 1  # PostgreSQL `bigint`: orders, contacts, events, readings, bills, payments

# C0 controls but tab, line feed and carriage return (a textarea sends CR LF), DEL, and the
# surrogates: UTF-8 cannot encode an unpaired one, and a paired one never reaches a str.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_MESSAGE = "must not contain control characters (such as NUL)"


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def check_text(text: str, *, field: str) -> str:
    """`text` as it was given, or ValidationFailed naming `field` (for values read by hand)."""
    if has_control_character(text):
        raise ValidationFailed(f"{field}: {CONTROL_MESSAGE}", field=field)
    return text


def _printable(text: str) -> str:
    if has_control_character(text):
        raise PydanticCustomError("control_character", CONTROL_MESSAGE)
    return text


# No NUL, no control characters: after StringConstraints in an Annotated (which strip first).
NoControl = AfterValidator(_printable)
# Text of any length (give the length with Field / Query / Form).
Text = Annotated[str, NoControl]

# Ids of rows in `integer` and `bigint` columns; a number beyond them names nothing that exists.
DbId = Annotated[int, Field(ge=1, le=INT32_MAX)]
BigId = Annotated[int, Field(ge=1, le=INT64_MAX)]
# Any other whole number stored in an `integer` column (a priority, a count).
DbInt = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]


def whole_number(text: str, *, field: str, low: int = -INT32_MAX - 1, high: int = INT32_MAX) -> int:
    """A whole number typed in a form, within [low, high], or ValidationFailed naming `field`."""
    cleaned = text.strip()
    digits = cleaned.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        raise ValidationFailed(f"{field}: a whole number", field=field)
    value = int(cleaned)
    if not low <= value <= high:
        raise ValidationFailed(f"{field}: a whole number from {low} to {high}", field=field)
    return value


# numeric(14, 2): amounts of money in yuan and kWh (billing/models.py MONEY, KWH) and register
# values (customers/models.py MeterReading); numeric(10, 4): prices per kWh (PRICE).
MONEY_DIGITS, MONEY_PLACES = 14, 2
PRICE_DIGITS, PRICE_PLACES = 10, 4
Money = Annotated[Decimal, Field(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)]
Price = Annotated[Decimal, Field(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)]


def check_decimal(
    value: Decimal, *, field: str, digits: int = MONEY_DIGITS, places: int = MONEY_PLACES
) -> Decimal:
    """`value` if its column (numeric(digits, places)) holds it, or ValidationFailed."""
    if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationFailed(f"{field}: at most {places} decimals", field=field)
    if abs(value) >= Decimal(10) ** (digits - places):
        raise ValidationFailed(
            f"{field}: at most {digits - places} digits before the decimal point", field=field
        )
    return value


# Nothing this product records happened before 1980 (the oldest accounts and meters a utility
# carries over from its paper register) or is planned more than ten years ahead (tariffs and
# calendars are published for the next year). The window keeps out the years 1 and 9999 that a
# form or a fuzzer sends, whose arithmetic (a month's end, a time zone) overflows.
EARLIEST = date(1980, 1, 1)
YEARS_AHEAD = 10


def latest() -> date:
    return clock.now().date() + timedelta(days=365 * YEARS_AHEAD + YEARS_AHEAD // 4)


def window_problem(day: date) -> str | None:
    if day < EARLIEST:
        return f"must not be before {EARLIEST.isoformat()}"
    if day > latest():
        return f"must not be more than {YEARS_AHEAD} years ahead"
    return None


def check_date(day: date, *, field: str) -> date:
    """`day` if it lies in the window, or ValidationFailed naming `field`."""
    problem = window_problem(day)
    if problem is not None:
        raise ValidationFailed(f"{field}: {problem}", field=field)
    return day


def _sane_date(day: date) -> date:
    problem = window_problem(day)
    if problem is not None:
        raise PydanticCustomError("date_out_of_window", problem)
    return day


def _sane_datetime(moment: datetime) -> datetime:
    # Compared as a Shanghai day; astimezone of year 1 or 9999 with an offset overflows.
    problem = window_problem(moment.replace(tzinfo=None).date())
    if problem is not None:
        raise PydanticCustomError("date_out_of_window", problem)
    return moment


SaneDate = Annotated[date, AfterValidator(_sane_date)]
# Aware only: a time without its zone is refused (every time in Quarter Hour carries its zone).
SaneDateTime = Annotated[AwareDatetime, AfterValidator(_sane_datetime)]


# --- places and vehicles (crews) ---------------------------------------------------------------
# A position in degrees (WGS-84, as a phone reports it); NaN and infinities are no place.
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


def check_coordinates(latitude: float, longitude: float) -> tuple[Decimal, Decimal]:
    """The coordinates to the millionth of a degree (their columns' numeric(9, 6)), or
    ValidationFailed naming the coordinate out of its range."""
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if not (isinstance(value, int | float | Decimal) and -limit <= value <= limit):
            raise ValidationFailed(f"{name}: between -{limit} and {limit} degrees", field=name)
    millionth = Decimal("0.000001")
    return Decimal(str(latitude)).quantize(millionth), Decimal(str(longitude)).quantize(millionth)


# A Chinese number plate (GA 36): the province's character, the issuing office's letter (never I
# or O, mistaken for 1 and 0), then five characters, or six on a new-energy vehicle; written
# with a middle dot after the office's letter (皖A·D1234), which people may leave out or type
# as a space.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(rf"^([{PROVINCES}])([A-HJ-NP-Z])[·・. ]?([A-HJ-NP-Z0-9]{{5,6}})$")


def check_plate(text: str, *, field: str = "plate") -> str:
    """The plate as it is written (皖A·D1234), or ValidationFailed naming `field`."""
    found = PLATE.match(text.strip().upper())
    if found is None:
        raise ValidationFailed(
            f"{field}: a number plate such as 皖A·D1234 (province, letter, 5 or 6 characters)",
            field=field,
        )
    province, office, rest = found.groups()
    return f"{province}{office}·{rest}"
