"""The reference pricing of one account's month, against the worked cases of PRODUCT.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quarterhour.errors import ValidationFailed
from quarterhour.tariffs.reference import (
    LineKind,
    TariffVersion,
    TierMode,
    Usage,
    check_versions,
    price,
)

D = Decimal

# PRODUCT.md, confirmed: Zhejiang annual tiers 2760 / 4800 kWh at 0.538 / 0.588 / 0.838 yuan.
ZHEJIANG = TariffVersion(
    tariff_code="ZJ-RES",
    effective_from=date(2012, 7, 1),
    effective_to=None,
    tier_mode=TierMode.ANNUAL,
    flat_price=D("0.538"),
    tier1_limit=D(2760),
    tier2_limit=D(4800),
    tier2_surcharge=D("0.05"),
    tier3_surcharge=D("0.30"),
    peak_price=D("0.568"),
    valley_price=D("0.288"),
)
MONTHLY = TariffVersion(
    tariff_code="AH-RES",
    effective_from=date(2012, 7, 1),
    effective_to=None,
    tier_mode=TierMode.MONTHLY,
    flat_price=D("0.5653"),
    tier1_limit=D(180),
    tier2_limit=D(350),
    tier2_surcharge=D("0.05"),
    tier3_surcharge=D("0.30"),
)


def total(lines: list) -> Decimal:  # type: ignore[type-arg]
    return sum((line.amount for line in lines), D(0))


def test_5000_kwh_under_the_zhejiang_annual_tiers_cost_2852_yuan() -> None:
    lines = price(Usage(kwh=D(5000)), date(2026, 12, 1), [ZHEJIANG])
    assert [(line.kind, line.kwh, line.unit_price, line.amount) for line in lines] == [
        (LineKind.TIER1, D(2760), D("0.538"), D("1484.88")),
        (LineKind.TIER2, D(2040), D("0.588"), D("1199.52")),
        (LineKind.TIER3, D(200), D("0.838"), D("167.60")),
    ]
    assert total(lines) == D("2852.00")


def test_annual_tiers_count_what_was_billed_earlier_in_the_year() -> None:
    lines = price(Usage(kwh=D(300), earlier_this_year=D(2700)), date(2026, 11, 1), [ZHEJIANG])
    assert [(line.kind, line.kwh) for line in lines] == [
        (LineKind.TIER1, D(60)),
        (LineKind.TIER2, D(240)),
    ]


def test_monthly_tiers_restart_every_month() -> None:
    lines = price(Usage(kwh=D(400), earlier_this_year=D(5000)), date(2026, 10, 1), [MONTHLY])
    assert [(line.kind, line.kwh, line.unit_price, line.amount) for line in lines] == [
        (LineKind.TIER1, D(180), D("0.5653"), D("101.75")),  # 101.754 → 101.75
        (LineKind.TIER2, D(170), D("0.6153"), D("104.60")),  # 104.601 → 104.60
        (LineKind.TIER3, D(50), D("0.8653"), D("43.27")),  # 43.265 → 43.27 (half-up)
    ]


def test_a_shared_meter_household_pays_the_flat_price_of_a_tiered_tariff() -> None:
    lines = price(Usage(kwh=D(5000)), date(2026, 12, 1), [ZHEJIANG], tiered=False)
    assert [(line.kind, line.kwh, line.amount) for line in lines] == [
        (LineKind.FLAT, D(5000), D("2690.00"))
    ]


def test_time_of_use_bills_peak_and_valley_and_the_tier_surcharges() -> None:
    usage = Usage(kwh=D(3000), peak_kwh=D(1800), valley_kwh=D(1200))
    lines = price(usage, date(2026, 12, 1), [ZHEJIANG])
    assert [(line.kind, line.kwh, line.unit_price, line.amount) for line in lines] == [
        (LineKind.PEAK, D(1800), D("0.568"), D("1022.40")),
        (LineKind.VALLEY, D(1200), D("0.288"), D("345.60")),
        (LineKind.TIER2_SURCHARGE, D(240), D("0.05"), D("12.00")),
    ]


def test_a_price_change_inside_the_month_is_prorated_by_days() -> None:
    old = TariffVersion(
        "X", date(2020, 1, 1), date(2026, 10, 17), TierMode.MONTHLY, D("0.50"), D(180), D(350)
    )
    new = TariffVersion("X", date(2026, 10, 17), None, TierMode.MONTHLY, D("0.60"), D(180), D(350))
    lines = price(Usage(kwh=D(155)), date(2026, 10, 1), [old, new])
    # 16 of 31 days at the old price, 15 at the new.
    assert [(line.kind, line.kwh, line.amount, line.starts_on) for line in lines] == [
        (LineKind.TIER1, D("80.00"), D("40.00"), date(2026, 10, 1)),
        (LineKind.TIER1, D("75.00"), D("45.00"), date(2026, 10, 17)),
    ]
    # Monthly limits shrink the same way: 180 kWh of tier 1 become 92.90 + 87.10.
    lines = price(Usage(kwh=D(310)), date(2026, 10, 1), [old, new])
    assert [(line.kind, line.kwh) for line in lines] == [
        (LineKind.TIER1, D("92.90")),
        (LineKind.TIER2, D("67.10")),
        (LineKind.TIER1, D("87.10")),
        (LineKind.TIER2, D("62.90")),
    ]


def test_a_month_without_a_price_in_force_is_refused() -> None:
    late = TariffVersion("X", date(2026, 10, 10), None, TierMode.NONE, D("0.5"))
    with pytest.raises(ValidationFailed) as caught:
        price(Usage(kwh=D(10)), date(2026, 10, 1), [late])
    assert caught.value.field == "tariff"


@pytest.mark.parametrize(
    ("versions", "field"),
    [
        (
            [
                TariffVersion("X", date(2026, 1, 1), date(2026, 7, 1), TierMode.NONE, D("0.5")),
                TariffVersion("X", date(2026, 6, 1), None, TierMode.NONE, D("0.6")),
            ],
            "effective_from",
        ),
        (
            [
                TariffVersion("X", date(2026, 1, 1), date(2026, 6, 1), TierMode.NONE, D("0.5")),
                TariffVersion("X", date(2026, 7, 1), None, TierMode.NONE, D("0.6")),
            ],
            "effective_from",
        ),
        (
            [
                TariffVersion(
                    "X", date(2026, 1, 1), None, TierMode.MONTHLY, D("0.5"), D(350), D(180)
                )
            ],
            "tier2_limit",
        ),
        (
            [TariffVersion("X", date(2026, 1, 1), None, TierMode.MONTHLY, D("0.5"), D(180))],
            "tier2_limit",
        ),
        ([TariffVersion("X", date(2026, 1, 1), None, TierMode.NONE, D("-0.5"))], "flat_price"),
        (
            [
                TariffVersion(
                    "X", date(2026, 1, 1), None, TierMode.NONE, D("0.5"), peak_price=D("0.6")
                )
            ],
            "valley_price",
        ),
    ],
    ids=["overlap", "gap", "tiers-reversed", "tier-missing", "negative-price", "half-tou"],
)
def test_bad_tariffs_are_refused_naming_the_field(
    versions: list[TariffVersion], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_versions(versions)
    assert caught.value.field == field


kwh = st.integers(min_value=0, max_value=20_000).map(lambda n: D(n) / 10)


@given(st.lists(kwh, min_size=1, max_size=12), st.sampled_from([ZHEJIANG, MONTHLY]))
def test_tier_quantities_add_up_to_the_consumption(
    months: list[Decimal], version: TariffVersion
) -> None:
    before = D(0)
    for month, used in enumerate(months, start=1):
        lines = price(Usage(kwh=used, earlier_this_year=before), date(2026, month, 1), [version])
        assert sum((line.kwh for line in lines), D(0)) == used
        before += used


@given(st.lists(kwh, min_size=1, max_size=12))
def test_annual_tiers_do_not_depend_on_how_the_year_is_split(months: list[Decimal]) -> None:
    per_tier: dict[LineKind, Decimal] = {}
    before = D(0)
    for month, used in enumerate(months, start=1):
        for line in price(
            Usage(kwh=used, earlier_this_year=before), date(2026, month, 1), [ZHEJIANG]
        ):
            per_tier[line.kind] = per_tier.get(line.kind, D(0)) + line.kwh
        before += used
    whole = {
        line.kind: line.kwh
        for line in price(Usage(kwh=sum(months, D(0))), date(2026, 12, 1), [ZHEJIANG])
    }
    assert per_tier == whole
