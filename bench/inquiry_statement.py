"""What the failure budgets add to the bill inquiry's one statement, measured on its own.

    .venv/bin/python -m bench.inquiry_statement      # after bench.billing, on its database

The inquiry's statement as it is (the account's bills and payments, then the two failure-budget
rows of the account number and the caller, by primary key) against the same statement without
the budget branches, each prepared, one after the other in blocks of 1,000 random accounts on one
connection in autocommit (as storage/reads.py runs it): the time to the last row, round trip
included. Blocks alternate, so a machine whose load changes meanwhile weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

import psycopg

from bench.common import PG_BASE, log, uptime_line
from quarterhour.billing import inquiry

_BUDGET_BRANCH = " UNION ALL SELECT CAST(NULL AS VARCHAR)"
_NO_LOCK = ", CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS locked_until"


def _figures(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "mean_us": round(statistics.mean(ordered) * 1e6, 1),
        "p50_us": round(ordered[len(ordered) // 2] * 1e6, 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_billing")
    parser.add_argument("--blocks", type=int, default=10)
    args = parser.parse_args()
    with_budgets = inquiry._ANSWER_POSTGRESQL
    without = with_budgets.split(_BUDGET_BRANCH)[0].replace(_NO_LOCK, "")
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(11)
    times: dict[str, list[float]] = {"without budgets": [], "with budgets": []}
    with psycopg.connect(url, autocommit=True) as connection:
        accounts = int(connection.execute("SELECT count(*) FROM account").fetchone()[0])  # type: ignore[index]

        def block(sql: str, budgets: bool) -> list[float]:
            spent = []
            for _ in range(1000):
                n = rng.randint(1, accounts)
                params: dict[str, Any] = {"number": f"{n:010d}"}
                if budgets:
                    params |= {
                        "budget_scope_0": "bill",
                        "budget_key_0": params["number"],
                        "budget_scope_1": "bill-from",
                        "budget_key_1": f"10.0.{n % 250}.{n % 199}",
                    }
                start = time.perf_counter()
                connection.execute(sql, params, prepare=True).fetchall()
                spent.append(time.perf_counter() - start)
            return spent

        log(uptime_line())
        for _ in range(args.blocks):
            times["without budgets"] += block(without, False)
            times["with budgets"] += block(with_budgets, True)
        log(uptime_line())
    print(json.dumps({name: _figures(spent) for name, spent in times.items()}))


if __name__ == "__main__":
    main()
