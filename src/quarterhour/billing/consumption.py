"""What each account used in a billing period, read from the meter readings as columns.

Each reading carries the register values it follows (上次示数), so a meter's consumption in
month P is the sum over its readings of P of current − previous (a register that rolled over
adds 10^digits), times its multiplier: only the month's own rows are read, one index range. An account's consumption is the sum over the meters billed to it
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

from quarterhour.storage import driver
from quarterhour.tariffs.reference import month_back, period_bounds

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

# Every column a non-null BIGINT (−1 for "none"), so PostgreSQL can hand the rows over as a
# binary COPY that numpy reads in one piece; SQLite runs the same text.
_WRAP = (
    "CASE m.digits WHEN 4 THEN 10000 WHEN 5 THEN 100000 WHEN 6 THEN 1000000"
    " WHEN 7 THEN 10000000 WHEN 8 THEN 100000000 WHEN 9 THEN 1000000000 ELSE 10000000000 END"
)


def _used(register: str) -> str:
    # One reading's consumption in 0.01 register units: current − previous, plus the register's
    # span when it rolled over past its maximum.
    return (
        f"ROUND((r.{register} - r.previous_{register}"
        f" + CASE WHEN r.rolled_over AND r.{register} < r.previous_{register}"
        f" THEN {_WRAP} ELSE 0 END) * 100)"
    )


_METER_ROWS = f"""
WITH scope AS (
    SELECT a.id AS account_id, a.tariff_id,
           CASE WHEN a.category = 'residential' THEN 1 ELSE 0 END AS residential
    FROM account a {{district_join}}
    WHERE a.opened_on < :end AND (a.closed_on IS NULL OR a.closed_on >= :start) {{district}}
),
m AS (
    SELECT me.id AS meter_id, me.account_id, s.tariff_id, s.residential, me.multiplier, me.digits,
           CASE WHEN me.is_time_of_use THEN 1 ELSE 0 END AS tou,
           CASE WHEN me.is_shared THEN 1 ELSE 0 END AS shared
    FROM meter me JOIN scope s ON s.account_id = me.account_id
    WHERE me.installed_on < :end AND (me.removed_on IS NULL OR me.removed_on >= :start)
)
SELECT CAST(m.account_id AS BIGINT), CAST(m.tariff_id AS BIGINT), CAST(m.residential AS BIGINT),
       CAST(m.multiplier AS BIGINT), CAST(m.tou AS BIGINT), CAST(m.shared AS BIGINT),
       CAST(COUNT(r.id) AS BIGINT),
       CAST(COALESCE(SUM(CASE WHEN r.previous_total IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
       CAST(COALESCE(SUM({_used("total")}), 0) AS BIGINT),
       CAST(COALESCE(MIN({_used("total")}), 0) AS BIGINT),
       CAST(COALESCE(SUM({_used("peak")}), 0) AS BIGINT),
       CAST(COALESCE(MIN({_used("peak")}), 0) AS BIGINT),
       CAST(COALESCE(SUM({_used("valley")}), 0) AS BIGINT),
       CAST(COALESCE(MIN({_used("valley")}), 0) AS BIGINT)
FROM m
LEFT JOIN meter_reading r
       ON r.meter_id = m.meter_id AND r.period = :start AND r.kind <> 'initial'
      AND r.voided_at IS NULL
GROUP BY m.account_id, m.meter_id, m.tariff_id, m.residential, m.multiplier, m.tou, m.shared
"""
_METER_COLUMNS = 14

_HISTORY = """
SELECT CAST(b.account_id AS BIGINT),
       CAST(ROUND(SUM(CASE WHEN b.period >= :year_start THEN b.kwh ELSE 0 END) * 100) AS BIGINT),
       CAST(ROUND(AVG(b.kwh) * 100) AS BIGINT)
FROM bill b {district_join}
WHERE b.period >= :history AND b.period < :start {district}
GROUP BY b.account_id
"""
_HISTORY_COLUMNS = 3
_DISTRICT_OF_ACCOUNT = "JOIN premises p ON p.id = a.premises_id"
DISTRICT_OF_BILL = "JOIN account a ON a.id = b.account_id JOIN premises p ON p.id = a.premises_id"


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


def period_usage(session: Session, period: date, *, district_id: int | None = None) -> PeriodUsage:
    start, end = period_bounds(period)
    params: dict[str, object] = {
        "start": start,
        "end": end,
        "history": month_back(start, 12),
        "year_start": start.replace(month=1),
    }
    condition = ""
    if district_id is not None:
        params["district"] = district_id
        condition = "AND p.district_id = :district"
    meter_sql = _METER_ROWS.format(
        district=condition, district_join=_DISTRICT_OF_ACCOUNT if condition else ""
    )
    history_sql = _HISTORY.format(
        district=condition, district_join=DISTRICT_OF_BILL if condition else ""
    )
    if driver.on_postgresql(session):
        # Hashing a million readings by meter wants more than the default 4 MB, and the
        # statement is planned once per run, so compiling it (JIT) only costs time.
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        session.execute(text("SET LOCAL jit = off"))
    meters = driver.bigint_table(session, meter_sql, params, _METER_COLUMNS)
    history = driver.bigint_table(session, history_sql, params, _HISTORY_COLUMNS)
    columns = meters.T
    meter_account = columns[0]
    account_id, first = np.unique(meter_account, return_index=True)
    n = len(account_id)
    tariff_id = columns[1][first]
    residential = columns[2][first] == 1
    owner = np.searchsorted(account_id, meter_account)
    multiplier = columns[3]
    tou = columns[4] == 1
    shared = np.zeros(n, dtype=np.bool_)
    np.logical_or.at(shared, owner, columns[5] == 1)
    # A meter in place during the month needs a reading in it that follows an earlier one.
    gap = (columns[6] == 0) | (columns[7] > 0)
    meter_kwh = columns[8] * multiplier
    meter_peak = columns[10] * multiplier
    meter_valley = columns[12] * multiplier
    bad = ~gap & ((columns[9] < 0) | (tou & ((columns[11] < 0) | (columns[13] < 0))))
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
    if len(history) and n:
        found_at = np.searchsorted(account_id, history[:, 0])
        found = (found_at < n) & (account_id[np.minimum(found_at, n - 1)] == history[:, 0])
        earlier[found_at[found]] = history[found, 1]
        usual[found_at[found]] = history[found, 2]
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
