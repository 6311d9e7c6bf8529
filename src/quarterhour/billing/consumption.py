"""What each account used in a billing period, read from the meter readings as columns.

A meter's consumption in month P is its last reading of P minus its last reading before P (or
its installation reading, for a meter installed in P), times its multiplier; a register that
rolled over adds 10^digits. An account's consumption is the sum over the meters billed to it
that were in place during P — a meter exchanged in the middle of P contributes through its
final reading, the new one from its initial reading. Missing and negative consumption are
reported, not guessed; `bill_run` holds such accounts back for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.orm import Session

from quarterhour.billing.tariffs import period_bounds

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

_METER_ROWS = """
WITH scope AS (
    SELECT a.id AS account_id, a.tariff_id, a.category
    FROM account a JOIN premises p ON p.id = a.premises_id
    WHERE a.opened_on < :end AND (a.closed_on IS NULL OR a.closed_on >= :start) {district}
),
m AS (
    SELECT me.id AS meter_id, me.account_id, s.tariff_id, s.category, me.multiplier, me.digits,
           me.is_time_of_use, me.is_shared
    FROM meter me JOIN scope s ON s.account_id = me.account_id
    WHERE me.installed_on < :end AND (me.removed_on IS NULL OR me.removed_on >= :start)
),
ends AS (
    SELECT r.meter_id, r.total, r.peak, r.valley, r.rolled_over,
           ROW_NUMBER() OVER (PARTITION BY r.meter_id ORDER BY r.read_on DESC, r.id DESC) AS rn
    FROM meter_reading r JOIN m ON m.meter_id = r.meter_id
    WHERE r.period = :start AND r.kind <> 'initial'
),
starts AS (
    SELECT r.meter_id, r.total, r.peak, r.valley,
           ROW_NUMBER() OVER (PARTITION BY r.meter_id ORDER BY r.read_on DESC, r.id DESC) AS rn
    FROM meter_reading r JOIN m ON m.meter_id = r.meter_id
    WHERE (r.period < :start AND r.period >= :history)
       OR (r.period = :start AND r.kind = 'initial')
)
SELECT m.account_id, m.tariff_id, m.category, m.multiplier, m.digits, m.is_time_of_use,
       m.is_shared,
       CAST(ROUND(st.total * 100) AS BIGINT), CAST(ROUND(st.peak * 100) AS BIGINT),
       CAST(ROUND(st.valley * 100) AS BIGINT),
       CAST(ROUND(en.total * 100) AS BIGINT), CAST(ROUND(en.peak * 100) AS BIGINT),
       CAST(ROUND(en.valley * 100) AS BIGINT), en.rolled_over
FROM m
LEFT JOIN starts st ON st.meter_id = m.meter_id AND st.rn = 1
LEFT JOIN ends en ON en.meter_id = m.meter_id AND en.rn = 1
ORDER BY m.account_id, m.meter_id
"""

_HISTORY = """
SELECT b.account_id,
       CAST(ROUND(SUM(CASE WHEN b.period >= :year_start THEN b.kwh ELSE 0 END) * 100) AS BIGINT),
       CAST(ROUND(AVG(b.kwh) * 100) AS BIGINT), COUNT(*)
FROM bill b JOIN account a ON a.id = b.account_id JOIN premises p ON p.id = a.premises_id
WHERE b.period >= :history AND b.period < :start {district}
GROUP BY b.account_id
"""


@dataclass(frozen=True)
class PeriodUsage:
    """One row per account that has a meter in the period (sorted by account id)."""

    account_id: I64
    tariff_id: I64
    kwh: I64  # 0.01 kWh
    peak: I64  # −1: no time-of-use meter
    valley: I64
    earlier_this_year: I64
    usual: I64  # average of up to 12 earlier bills, −1 without history
    tiered: Bool
    missing: Bool  # a meter without a reading this period (or without one to start from)
    negative: Bool


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period_usage(session: Session, period: date, *, district_id: int | None = None) -> PeriodUsage:
    start, end = period_bounds(period)
    params = {
        "start": start,
        "end": end,
        "history": _month_back(start, 12),
        "year_start": start.replace(month=1),
        "district": district_id,
    }
    where_district = "AND p.district_id = :district" if district_id is not None else ""
    meters = session.execute(text(_METER_ROWS.format(district=where_district)), params).all()
    history = session.execute(text(_HISTORY.format(district=where_district)), params).all()
    columns = list(zip(*meters, strict=True)) or [()] * 14
    meter_account = np.array(columns[0], dtype=np.int64)
    account_id, first = np.unique(meter_account, return_index=True)
    n = len(account_id)
    tariff_id = np.array(columns[1], dtype=np.int64)[first] if n else np.zeros(0, np.int64)
    residential = np.array([columns[2][i] == "residential" for i in first], dtype=np.bool_)
    owner = np.searchsorted(account_id, meter_account)
    multiplier = np.array(columns[3], dtype=np.int64)
    digits = np.array(columns[4], dtype=np.int64)
    tou = np.array(columns[5], dtype=np.bool_)
    shared = np.zeros(n, dtype=np.bool_)
    np.logical_or.at(shared, owner, np.array(columns[6], dtype=np.bool_))

    def values(i: int) -> tuple[I64, Bool]:
        raw = columns[i]
        present = np.fromiter((v is not None for v in raw), dtype=np.bool_, count=len(raw))
        return np.array([v or 0 for v in raw], dtype=np.int64), present

    start_total, has_start = values(7)
    start_peak, _ = values(8)
    start_valley, _ = values(9)
    end_total, has_end = values(10)
    end_peak, _ = values(11)
    end_valley, _ = values(12)
    rolled = np.array([bool(v) for v in columns[13]], dtype=np.bool_)
    wrap = np.where(rolled, (10**digits) * 100, 0)

    def used(before: I64, after: I64) -> I64:
        return (after + wrap - before) * multiplier

    meter_kwh = used(start_total, end_total)
    meter_peak = used(start_peak, end_peak)
    meter_valley = used(start_valley, end_valley)
    gap = ~(has_start & has_end)
    bad = ~gap & ((meter_kwh < 0) | (tou & ((meter_peak < 0) | (meter_valley < 0))))
    missing = np.zeros(n, dtype=np.bool_)
    negative = np.zeros(n, dtype=np.bool_)
    np.logical_or.at(missing, owner, gap)
    np.logical_or.at(negative, owner, bad)
    ok = ~gap
    kwh = np.zeros(n, dtype=np.int64)
    np.add.at(kwh, owner[ok], meter_kwh[ok])
    # An account is billed by time of use when every meter billed to it is a time-of-use meter.
    all_tou = np.ones(n, dtype=np.bool_)
    np.logical_and.at(all_tou, owner, tou)
    split_peak = np.zeros(n, dtype=np.int64)
    split_valley = np.zeros(n, dtype=np.int64)
    np.add.at(split_peak, owner[ok & tou], meter_peak[ok & tou])
    np.add.at(split_valley, owner[ok & tou], meter_valley[ok & tou])
    peak = np.where(all_tou, split_peak, -1)
    valley = np.where(all_tou, split_valley, -1)

    earlier = np.zeros(n, dtype=np.int64)
    usual = np.full(n, -1, dtype=np.int64)
    if history and n:
        columns = list(zip(*history, strict=True))
        where = np.searchsorted(account_id, np.array(columns[0], dtype=np.int64))
        found = (where < n) & (account_id[np.minimum(where, n - 1)] == np.array(columns[0]))
        earlier[where[found]] = np.array(columns[1], dtype=np.int64)[found]
        usual[where[found]] = np.array(columns[2], dtype=np.int64)[found]
    return PeriodUsage(
        account_id=account_id,
        tariff_id=tariff_id,
        kwh=kwh,
        peak=peak,
        valley=valley,
        earlier_this_year=earlier,
        usual=usual,
        # Only residential households on their own meter are tiered (一户一表); a 合表 pays flat.
        tiered=residential & ~shared,
        missing=missing,
        negative=negative,
    )
