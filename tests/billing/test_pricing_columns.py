"""The bill run's column pricing gives, line for line, what the reference pricing gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quarterhour.billing.pricing import Consumption, fingerprints, lines_of, price_columns
from quarterhour.tariffs.reference import TariffVersion, TierMode, Usage, price

D = Decimal

ZHEJIANG = [
    TariffVersion(
        "ZJ-RES",
        date(2012, 7, 1),
        None,
        TierMode.ANNUAL,
        D("0.538"),
        D(2760),
        D(4800),
        D("0.05"),
        D("0.30"),
        D("0.568"),
        D("0.288"),
    )
]
# Monthly tiers whose prices change on the 17th: every month of 2026-10 has two segments.
CHANGING = [
    TariffVersion(
        "AH-RES",
        date(2012, 7, 1),
        date(2026, 10, 17),
        TierMode.MONTHLY,
        D("0.5653"),
        D(180),
        D(350),
        D("0.05"),
        D("0.30"),
    ),
    TariffVersion(
        "AH-RES",
        date(2026, 10, 17),
        None,
        TierMode.MONTHLY,
        D("0.5853"),
        D(200),
        D(400),
        D("0.05"),
        D("0.30"),
        D("0.6"),
        D("0.3"),
    ),
]
FLAT = [TariffVersion("BIZ", date(2000, 1, 1), None, TierMode.NONE, D("0.7342"))]
TARIFFS = [ZHEJIANG, CHANGING, FLAT]

centi = st.integers(min_value=0, max_value=1_500_000)


@st.composite
def account(draw: st.DrawFn) -> tuple[int, int, int, int, int, bool]:
    tariff = draw(st.integers(0, len(TARIFFS) - 1))
    kwh = draw(centi)
    if draw(st.booleans()):
        peak = draw(st.integers(0, kwh))
        valley = kwh - peak
    else:
        peak = valley = -1
    return tariff, kwh, peak, valley, draw(st.integers(0, 1_000_000)), draw(st.booleans())


def columns(accounts: list[tuple[int, int, int, int, int, bool]]) -> Consumption:
    arrays = list(zip(*accounts, strict=True))
    return Consumption(
        tariff=np.array(arrays[0], dtype=np.int64),
        kwh=np.array(arrays[1], dtype=np.int64),
        peak=np.array(arrays[2], dtype=np.int64),
        valley=np.array(arrays[3], dtype=np.int64),
        earlier_this_year=np.array(arrays[4], dtype=np.int64),
        tiered=np.array(arrays[5], dtype=np.bool_),
    )


def reference(row: tuple[int, int, int, int, int, bool], period: date) -> list[dict[str, object]]:
    tariff, kwh, peak, valley, before, tiered = row
    usage = Usage(
        kwh=D(kwh).scaleb(-2),
        peak_kwh=D(peak).scaleb(-2) if peak >= 0 else None,
        valley_kwh=D(valley).scaleb(-2) if valley >= 0 else None,
        earlier_this_year=D(before).scaleb(-2),
    )
    return [
        {
            "kind": line.kind,
            "kwh": line.kwh,
            "unit_price": line.unit_price,
            "amount": line.amount,
            "starts_on": line.starts_on,
            "ends_on": line.ends_on,
        }
        for line in price(usage, period, TARIFFS[tariff], tiered=tiered)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(account(), min_size=1, max_size=40),
    st.sampled_from([date(2026, 10, 1), date(2026, 2, 1)]),
)
def test_columns_match_the_reference_line_for_line(
    accounts: list[tuple[int, int, int, int, int, bool]], period: date
) -> None:
    lines, totals = price_columns(columns(accounts), period, TARIFFS)
    for n, row in enumerate(accounts):
        expected = reference(row, period)
        assert lines_of(lines, n) == expected
        assert D(int(totals[n])).scaleb(-2) == sum((line["amount"] for line in expected), D(0))  # type: ignore[misc]


def test_5000_kwh_under_the_zhejiang_annual_tiers_cost_2852_yuan_in_columns() -> None:
    lines, totals = price_columns(
        columns([(0, 500_000, -1, -1, 0, True)]), date(2026, 12, 1), TARIFFS
    )
    assert int(totals[0]) == 285_200
    assert len(lines) == 3


def test_the_fingerprint_changes_with_any_line_and_not_with_the_order_of_accounts() -> None:
    rows = [
        (0, 30_000, -1, -1, 0, True),
        (1, 45_000, 20_000, 25_000, 0, True),
        (2, 9_900, -1, -1, 0, False),
    ]
    lines, _ = price_columns(columns(rows), date(2026, 10, 1), TARIFFS)
    digest = fingerprints(lines, len(rows))
    swapped, _ = price_columns(columns(rows[::-1]), date(2026, 10, 1), TARIFFS)
    assert list(fingerprints(swapped, len(rows))[::-1]) == list(digest)
    one_more, _ = price_columns(
        columns([(0, 30_001, -1, -1, 0, True), *rows[1:]]), date(2026, 10, 1), TARIFFS
    )
    changed = fingerprints(one_more, len(rows))
    assert changed[0] != digest[0]
    assert list(changed[1:]) == list(digest[1:])


def test_a_line_of_exactly_half_a_fen_rounds_up_in_columns_as_in_the_reference() -> None:
    # The flat 0.7342 yuan/kWh tariff: find a quantity whose amount ends in exactly half a fen.
    kwh = next(q for q in range(1, 10_000) if q * 7342 % 10_000 == 5_000)
    lines, totals = price_columns(columns([(2, kwh, -1, -1, 0, False)]), date(2026, 10, 1), TARIFFS)
    assert int(totals[0]) == (kwh * 7342 + 5_000) // 10_000
    assert lines_of(lines, 0) == reference((2, kwh, -1, -1, 0, False), date(2026, 10, 1))
