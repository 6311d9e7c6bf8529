"""The period rule shared by the API and the CLI: Asia/Shanghai days, both ends in, ≤ 5 years."""

from __future__ import annotations

from datetime import date

import pytest

from quarterhour.analytics.service import period_span
from quarterhour.errors import ValidationFailed


def test_a_period_is_half_open_in_shanghai_time() -> None:
    starts, ends = period_span(date(2026, 10, 1), date(2026, 10, 31))
    assert starts.isoformat() == "2026-10-01T00:00:00+08:00"
    assert ends.isoformat() == "2026-11-01T00:00:00+08:00"


def test_one_day() -> None:
    starts, ends = period_span(date(2026, 10, 31), date(2026, 10, 31))
    assert (ends - starts).days == 1


def test_end_before_start_names_end() -> None:
    with pytest.raises(ValidationFailed) as found:
        period_span(date(2026, 10, 31), date(2026, 10, 1))
    assert found.value.field == "end"
    assert "before start" in found.value.message


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (date(2021, 1, 1), date(2025, 12, 31), True),  # five whole years
        (date(2021, 1, 1), date(2026, 1, 1), False),  # one day more
        (date(2024, 2, 29), date(2029, 2, 28), True),
        (date(2024, 2, 29), date(2029, 3, 1), False),
        (date(2016, 1, 1), date(2026, 12, 31), False),
    ],
)
def test_at_most_five_years(start: date, end: date, ok: bool) -> None:
    if ok:
        period_span(start, end)
    else:
        with pytest.raises(ValidationFailed) as found:
            period_span(start, end)
        assert found.value.field == "end"
        assert "5 years" in found.value.message
