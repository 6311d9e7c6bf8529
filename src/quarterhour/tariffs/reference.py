"""Tariffs as versioned data, and the reference pricing of one account's period.

Chinese residential tariffs are built the same way everywhere: a base price per kWh (one flat
price, or peak and valley prices for time-of-use meters) and three tiers (阶梯) whose upper two
add a surcharge per kWh on top of the base (typically +0.05 and +0.30 yuan). Tier limits count
per month or cumulatively over the calendar year. Only 一户一表 households are tiered; a 合表
household and non-residential customers pay a flat price.

`price()` is the reference: exact `Decimal`, one account at a time, easy to read. The bill run
computes the same lines over columns (`billing/pricing.py`) and the tests hold the two equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from quarterhour.errors import ValidationFailed
from quarterhour.kit.money import to_fen

KWH = Decimal("0.01")  # consumption is kept to 0.01 kWh (registers × multiplier)


class TierMode(StrEnum):
    NONE = "none"  # flat: 合表 households, non-residential
    MONTHLY = "monthly"
    ANNUAL = "annual"  # cumulative over the calendar year


class LineKind(StrEnum):
    FLAT = "flat"
    TIER1 = "tier1"
    TIER2 = "tier2"
    TIER3 = "tier3"
    PEAK = "peak"
    VALLEY = "valley"
    TIER2_SURCHARGE = "tier2_surcharge"
    TIER3_SURCHARGE = "tier3_surcharge"


@dataclass(frozen=True)
class TariffVersion:
    """One tariff's prices from `effective_from` up to (not including) `effective_to`."""

    tariff_code: str
    effective_from: date
    effective_to: date | None
    tier_mode: TierMode
    flat_price: Decimal
    # Upper limits (kWh) of tiers 1 and 2, and the surcharges of tiers 2 and 3; unused when flat.
    tier1_limit: Decimal | None = None
    tier2_limit: Decimal | None = None
    tier2_surcharge: Decimal = Decimal(0)
    tier3_surcharge: Decimal = Decimal(0)
    # Time-of-use base prices; a TOU meter is billed on these instead of the flat price.
    peak_price: Decimal | None = None
    valley_price: Decimal | None = None

    @property
    def is_tiered(self) -> bool:
        return self.tier_mode is not TierMode.NONE

    @property
    def has_time_of_use(self) -> bool:
        return self.peak_price is not None and self.valley_price is not None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def check(self) -> None:
        """Refuse a version a bill could not be computed from, naming the field."""
        prefix = f"tariff {self.tariff_code} from {self.effective_from}"
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValidationFailed(f"{prefix}: ends before it starts", field="effective_to")
        for name in ("flat_price", "tier2_surcharge", "tier3_surcharge"):
            if getattr(self, name) < 0:
                raise ValidationFailed(f"{prefix}: {name} is negative", field=name)
        if (self.peak_price is None) != (self.valley_price is None):
            raise ValidationFailed(
                f"{prefix}: time-of-use needs both peak_price and valley_price",
                field="peak_price" if self.peak_price is None else "valley_price",
            )
        for name in ("peak_price", "valley_price"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationFailed(f"{prefix}: {name} is negative", field=name)
        # Published prices have at most four decimals and limits two; the bill run counts in
        # those units exactly (billing/pricing.py).
        for name, places in (
            ("flat_price", 4),
            ("tier2_surcharge", 4),
            ("tier3_surcharge", 4),
            ("peak_price", 4),
            ("valley_price", 4),
            ("tier1_limit", 2),
            ("tier2_limit", 2),
        ):
            value = getattr(self, name)
            if value is not None and value != value.quantize(Decimal(1).scaleb(-places)):
                raise ValidationFailed(
                    f"{prefix}: {name} has more than {places} decimals", field=name
                )
        if not self.is_tiered:
            return
        if self.tier1_limit is None or self.tier2_limit is None:
            raise ValidationFailed(
                f"{prefix}: a tiered tariff needs tier1_limit and tier2_limit",
                field="tier1_limit" if self.tier1_limit is None else "tier2_limit",
            )
        if not 0 < self.tier1_limit < self.tier2_limit:
            raise ValidationFailed(
                f"{prefix}: tiers overlap or leave a gap (need 0 < tier1_limit < tier2_limit)",
                field="tier2_limit",
            )
        if not 0 <= self.tier2_surcharge <= self.tier3_surcharge:
            raise ValidationFailed(
                f"{prefix}: tier surcharges must rise (0 <= tier2 <= tier3)",
                field="tier3_surcharge",
            )


def check_versions(versions: Sequence[TariffVersion]) -> None:
    """One tariff's versions: each valid, in date order, no overlap and no gap between them."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for version in ordered:
        version.check()
    for earlier, later in itertools.pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to > later.effective_from:
            raise ValidationFailed(
                f"tariff {later.tariff_code}: the version from {later.effective_from} overlaps"
                f" the one from {earlier.effective_from}",
                field="effective_from",
            )
        if earlier.effective_to < later.effective_from:
            raise ValidationFailed(
                f"tariff {later.tariff_code}: no price from {earlier.effective_to} to"
                f" {later.effective_from - timedelta(days=1)}",
                field="effective_from",
            )


@dataclass(frozen=True)
class Usage:
    """An account's consumption in one billing period (kWh, already × multiplier)."""

    kwh: Decimal
    peak_kwh: Decimal | None = None  # with valley_kwh: a TOU meter's split of `kwh`
    valley_kwh: Decimal | None = None
    earlier_this_year: Decimal = Decimal(0)  # kWh billed earlier in the calendar year


@dataclass(frozen=True)
class BillLine:
    kind: LineKind
    kwh: Decimal
    unit_price: Decimal
    amount: Decimal
    starts_on: date
    ends_on: date  # exclusive


def period_bounds(period: date) -> tuple[date, date]:
    """A billing period is a calendar month: its first day and the first day of the next."""
    start = period.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def month_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def price(
    usage: Usage,
    period: date,
    versions: Sequence[TariffVersion],
    *,
    tiered: bool = True,
) -> list[BillLine]:
    """The lines of one account's bill for `period` (a month).

    A price change inside the month splits it at the change: each part takes its share of the
    consumption (and of monthly tier limits) in proportion to its days; the last part takes what
    rounding left. `tiered=False` bills a 合表 household at the flat price of a tiered tariff."""
    start, end = period_bounds(period)
    segments = price_segments(start, end, versions)
    days = (end - start).days
    lines: list[BillLine] = []
    taken = {"kwh": Decimal(0), "peak": Decimal(0), "valley": Decimal(0)}
    billed_before = usage.earlier_this_year
    for n, (version, seg_start, seg_end) in enumerate(segments):
        last = n == len(segments) - 1
        part_days = (seg_end - seg_start).days

        def part(
            key: str, total: Decimal | None, *, last: bool = last, part_days: int = part_days
        ) -> Decimal:
            if total is None:
                return Decimal(0)
            value = total - taken[key] if last else prorate(total, part_days, days)
            taken[key] += value
            return value

        kwh = part("kwh", usage.kwh)
        peak = part("peak", usage.peak_kwh)
        valley = part("valley", usage.valley_kwh)
        lines.extend(
            _segment_lines(
                version,
                kwh,
                peak if usage.peak_kwh is not None else None,
                valley if usage.valley_kwh is not None else None,
                billed_before,
                (part_days, days),
                tiered,
                seg_start,
                seg_end,
            )
        )
        billed_before += kwh
    return lines


def prorate(quantity: Decimal, part_days: int, days: int) -> Decimal:
    """The part of `quantity` that `part_days` of `days` carry, to 0.01 kWh, half-up."""
    return (quantity * part_days / days).quantize(KWH, rounding=ROUND_HALF_UP)


def price_segments(
    start: date, end: date, versions: Sequence[TariffVersion]
) -> list[tuple[TariffVersion, date, date]]:
    """The parts of [start, end) each under one version; a day without a price is refused."""
    segments = []
    day = start
    while day < end:
        version = next((v for v in versions if v.covers(day)), None)
        if version is None:
            raise ValidationFailed(
                f"no tariff version in force on {day}", field="tariff", day=day.isoformat()
            )
        seg_end = end if version.effective_to is None else min(end, version.effective_to)
        segments.append((version, day, seg_end))
        day = seg_end
    return segments


def _tier_quantities(
    version: TariffVersion, kwh: Decimal, billed_before: Decimal, share: tuple[int, int]
) -> tuple[Decimal, Decimal, Decimal]:
    assert version.tier1_limit is not None
    assert version.tier2_limit is not None
    if version.tier_mode is TierMode.MONTHLY:
        # A month's limits shrink with the part of the month this price covers.
        limit1 = prorate(version.tier1_limit, *share)
        limit2 = prorate(version.tier2_limit, *share)
        before = Decimal(0)
    else:
        limit1, limit2, before = version.tier1_limit, version.tier2_limit, billed_before
    after = before + kwh

    def within(low: Decimal, high: Decimal | None) -> Decimal:
        top = after if high is None else min(after, high)
        bottom = max(before, low)
        return max(top - bottom, Decimal(0))

    return within(Decimal(0), limit1), within(limit1, limit2), within(limit2, None)


def _segment_lines(
    version: TariffVersion,
    kwh: Decimal,
    peak: Decimal | None,
    valley: Decimal | None,
    billed_before: Decimal,
    share: tuple[int, int],
    tiered: bool,
    starts_on: date,
    ends_on: date,
) -> list[BillLine]:
    def line(kind: LineKind, quantity: Decimal, unit_price: Decimal) -> BillLine:
        return BillLine(
            kind, quantity, unit_price, to_fen(quantity * unit_price), starts_on, ends_on
        )

    is_tiered = tiered and version.is_tiered
    use_tou = peak is not None and valley is not None and version.has_time_of_use
    out: list[BillLine] = []
    if use_tou:
        assert version.peak_price is not None
        assert version.valley_price is not None
        assert peak is not None
        assert valley is not None
        out.append(line(LineKind.PEAK, peak, version.peak_price))
        out.append(line(LineKind.VALLEY, valley, version.valley_price))
        if is_tiered:
            _, q2, q3 = _tier_quantities(version, kwh, billed_before, share)
            out.append(line(LineKind.TIER2_SURCHARGE, q2, version.tier2_surcharge))
            out.append(line(LineKind.TIER3_SURCHARGE, q3, version.tier3_surcharge))
    elif is_tiered:
        q1, q2, q3 = _tier_quantities(version, kwh, billed_before, share)
        base = version.flat_price
        out.append(line(LineKind.TIER1, q1, base))
        out.append(line(LineKind.TIER2, q2, base + version.tier2_surcharge))
        out.append(line(LineKind.TIER3, q3, base + version.tier3_surcharge))
    else:
        out.append(line(LineKind.FLAT, kwh, version.flat_price))
    return [item for item in out if item.kwh != 0]
