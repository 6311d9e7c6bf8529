"""The bill run's pricing over columns: every account of a period at once, in exact integers.

Quantities are counted in 0.01 kWh, prices in 0.0001 yuan, so a quantity times a price is an
exact integer in 0.000001 yuan; each line is then rounded half-up to the fen, the rule of
`tariffs.reference.price()`, which this module must match line for line (tests/billing hold the
two equal). Accounts are grouped by tariff; within a group every account has the same price
segments in the month, so each segment and each line kind is a handful of array operations
over the group, never a Python loop over accounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from quarterhour.tariffs.reference import (
    LineKind,
    TariffVersion,
    TierMode,
    period_bounds,
    price_segments,
)

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

# Line kinds as small integers in the arrays (the order of LineKind).
KIND_CODES = {kind: n for n, kind in enumerate(LineKind)}
KINDS = list(LineKind)


@dataclass(frozen=True)
class Consumption:
    """One period's consumption of N accounts, as columns (all in 0.01 kWh)."""

    tariff: I64  # index into the tariffs passed to price_columns()
    kwh: I64
    peak: I64  # −1 where the meter has no time-of-use split
    valley: I64
    earlier_this_year: I64
    tiered: Bool  # False for 合表 households (flat price of a tiered tariff)


@dataclass(frozen=True)
class Lines:
    """Bill lines as columns; `account` indexes the Consumption rows."""

    account: I64
    line_no: I64
    kind: I64
    kwh: I64  # 0.01 kWh
    unit_price: I64  # 0.0001 yuan
    amount: I64  # fen
    starts_on: I64  # date ordinals
    ends_on: I64

    def __len__(self) -> int:
        return len(self.account)


def price_columns(
    consumption: Consumption, period: date, tariffs: Sequence[Sequence[TariffVersion]]
) -> tuple[Lines, I64]:
    """The lines of every account's bill, and each account's total in fen."""
    n = len(consumption.kwh)
    start, end = period_bounds(period)
    days = (end - start).days
    blocks: list[dict[str, I64]] = []
    line_count = np.zeros(n, dtype=np.int64)
    order = np.argsort(consumption.tariff, kind="stable")
    bounds = np.searchsorted(consumption.tariff[order], np.arange(len(tariffs) + 1))
    for t, versions in enumerate(tariffs):
        rows = order[bounds[t] : bounds[t + 1]]
        if len(rows) == 0:
            continue
        segments = price_segments(start, end, versions)
        taken = {key: np.zeros(len(rows), dtype=np.int64) for key in ("kwh", "peak", "valley")}
        before = consumption.earlier_this_year[rows].copy()
        has_split = consumption.peak[rows] >= 0
        for s, (version, seg_start, seg_end) in enumerate(segments):
            last = s == len(segments) - 1
            part_days = (seg_end - seg_start).days

            parts = {}
            for key, column in (
                ("kwh", consumption.kwh),
                ("peak", consumption.peak),
                ("valley", consumption.valley),
            ):
                total = np.maximum(column[rows], 0)  # −1: no time-of-use split
                value = total - taken[key] if last else _prorate(total, part_days, days)
                taken[key] += value
                parts[key] = value
            kwh, peak, valley = parts["kwh"], parts["peak"], parts["valley"]
            for kind, quantity, unit in _segment_lines(
                version,
                kwh,
                peak,
                valley,
                has_split,
                before,
                (part_days, days),
                consumption.tiered[rows],
            ):
                keep = quantity != 0
                if not keep.any():
                    continue
                accounts = rows[keep]
                q = quantity[keep]
                price = np.full(len(q), unit, dtype=np.int64)
                blocks.append(
                    {
                        "account": accounts,
                        "line_no": line_count[accounts] + 1,
                        "kind": np.full(len(q), KIND_CODES[kind], dtype=np.int64),
                        "kwh": q,
                        "unit_price": price,
                        "amount": _to_fen(q * price),
                        "starts_on": np.full(len(q), seg_start.toordinal(), dtype=np.int64),
                        "ends_on": np.full(len(q), seg_end.toordinal(), dtype=np.int64),
                    }
                )
                line_count[accounts] += 1
            before = before + kwh
    lines = Lines(**{key: _concat([b[key] for b in blocks]) for key in Lines.__annotations__})
    # Summed in float64, which is exact for integers below 2**53 fen (about 90 trillion yuan).
    totals = np.bincount(lines.account, weights=lines.amount, minlength=n).astype(np.int64)
    return lines, totals


def _concat(parts: list[I64]) -> I64:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _prorate(quantity: I64, part_days: int, days: int) -> I64:
    # Half-up division of non-negative integers: floor((2·q·d + D) / 2D).
    return (2 * quantity * part_days + days) // (2 * days)


def _to_fen(micro_yuan: I64) -> I64:
    # 0.01 kWh × 0.0001 yuan = 0.000001 yuan; a fen is 10,000 of them. Half-up, non-negative.
    return (micro_yuan + 5_000) // 10_000


def _units(value: Decimal | None, scale: int) -> int:
    assert value is not None  # checked by TariffVersion.check() before a run
    return int(value.scaleb(scale))


def _segment_lines(
    version: TariffVersion,
    kwh: I64,
    peak: I64,
    valley: I64,
    has_split: Bool,
    before: I64,
    share: tuple[int, int],
    tiered: Bool,
) -> list[tuple[LineKind, I64, int]]:
    """(kind, quantity, unit price) per line kind, in the reference's order; zero quantities
    are dropped by the caller. Each account takes exactly one of the three shapes."""
    zero = np.zeros_like(kwh)
    flat = _units(version.flat_price, 4)
    tou = has_split & version.has_time_of_use
    is_tiered = tiered & version.is_tiered
    q1 = q2 = q3 = zero
    if version.is_tiered:
        q1, q2, q3 = _tier_quantities(version, kwh, before, share)
    s2 = _units(version.tier2_surcharge, 4)
    s3 = _units(version.tier3_surcharge, 4)
    out: list[tuple[LineKind, I64, int]] = []
    if version.has_time_of_use:
        out += [
            (LineKind.PEAK, np.where(tou, peak, 0), _units(version.peak_price, 4)),
            (LineKind.VALLEY, np.where(tou, valley, 0), _units(version.valley_price, 4)),
            (LineKind.TIER2_SURCHARGE, np.where(tou & is_tiered, q2, 0), s2),
            (LineKind.TIER3_SURCHARGE, np.where(tou & is_tiered, q3, 0), s3),
        ]
    plain_tiered = ~tou & is_tiered
    out += [
        (LineKind.TIER1, np.where(plain_tiered, q1, 0), flat),
        (LineKind.TIER2, np.where(plain_tiered, q2, 0), flat + s2),
        (LineKind.TIER3, np.where(plain_tiered, q3, 0), flat + s3),
        (LineKind.FLAT, np.where(~tou & ~is_tiered, kwh, 0), flat),
    ]
    return out


def _tier_quantities(
    version: TariffVersion, kwh: I64, before: I64, share: tuple[int, int]
) -> tuple[I64, I64, I64]:
    limit1 = _units(version.tier1_limit, 2)
    limit2 = _units(version.tier2_limit, 2)
    if version.tier_mode is TierMode.MONTHLY:
        limit1 = int(_prorate(np.array([limit1]), *share)[0])
        limit2 = int(_prorate(np.array([limit2]), *share)[0])
        start = np.zeros_like(kwh)
    else:
        start = before
    after = start + kwh
    q1 = np.clip(after, 0, limit1) - np.clip(start, 0, limit1)
    q2 = np.clip(after, limit1, limit2) - np.clip(start, limit1, limit2)
    q3 = np.maximum(after, limit2) - np.maximum(start, limit2)
    return q1, q2, q3


def fingerprints(lines: Lines, n: int) -> npt.NDArray[np.uint64]:
    """A 64-bit digest of each account's lines (order-aware through line_no), so that a re-run
    can tell an unchanged bill without reading its lines back."""
    mix = np.zeros(len(lines), dtype=np.uint64)
    for column, salt in (
        (lines.line_no, 0x9E3779B97F4A7C15),
        (lines.kind, 0xC2B2AE3D27D4EB4F),
        (lines.kwh, 0x165667B19E3779F9),
        (lines.unit_price, 0xD6E8FEB86659FD93),
        (lines.amount, 0xFF51AFD7ED558CCD),
        (lines.starts_on, 0xC4CEB9FE1A85EC53),
        (lines.ends_on, 0x94D049BB133111EB),
    ):
        mix ^= column.astype(np.uint64) * np.uint64(salt)
        mix ^= mix >> np.uint64(29)
    digest = np.zeros(n, dtype=np.uint64)
    np.add.at(digest, lines.account, mix)
    return digest


def lines_of(lines: Lines, account: int) -> list[Mapping[str, object]]:
    """One account's lines back as readable values, as `tariffs.reference.price()` gives them."""
    picked = np.flatnonzero(lines.account == account)
    picked = picked[np.argsort(lines.line_no[picked])]
    return [
        {
            "kind": KINDS[int(lines.kind[i])],
            "kwh": Decimal(int(lines.kwh[i])).scaleb(-2),
            "unit_price": Decimal(int(lines.unit_price[i])).scaleb(-4),
            "amount": Decimal(int(lines.amount[i])).scaleb(-2),
            "starts_on": date.fromordinal(int(lines.starts_on[i])),
            "ends_on": date.fromordinal(int(lines.ends_on[i])),
        }
        for i in picked
    ]
