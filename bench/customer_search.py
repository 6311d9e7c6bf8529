"""Caller lookup at 1,000,000 customers: by account number, phone, and part of an address.

    .venv/bin/python -m bench.billing                 # first: fills qh_billing with 1 M accounts
    .venv/bin/python -m bench.customer_search         # then: 300 random lookups of each kind

Calls `customers.service.search` in process on PostgreSQL (the API route adds FastAPI's own
cost on top), and reports p50/p99 per kind of lookup and the plan of the address search.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from sqlalchemy import text

from bench.common import PG_BASE, log, machine_facts, uptime_line, write_result
from quarterhour.access.actor import Actor
from quarterhour.config import Settings
from quarterhour.customers import service
from quarterhour.organisation.models import Role
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.registry import metadata


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_billing")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--out")
    args = parser.parse_args()
    metadata()
    engine = make_engine(Settings(database_url=args.database_url))
    agent = Actor(1, "agent", Role.DUTY_AGENT, None)
    rng = random.Random(7)
    result: dict[str, Any] = {
        "benchmark": "customer_search",
        "args": vars(args),
        "uptime_before": uptime_line(),
    }
    with make_session_factory(engine)() as session:
        accounts = int(session.scalar(text("SELECT count(*) FROM account")) or 0)
        result["accounts"] = accounts
        kinds = {
            "account number": lambda: {"account": f"{rng.randint(1, accounts):010d}"},
            "full phone": lambda: {"phone": f"139{rng.randint(1, accounts):08d}"},
            "part of an address": lambda: {"address": f"某路{rng.randint(1, accounts)}号"},
        }
        for name, make in kinds.items():
            service.search(session, by=agent, **make())  # warm
            times = []
            for _ in range(args.lookups):
                started = time.perf_counter()
                found = service.search(session, by=agent, **make())
                times.append(time.perf_counter() - started)
                assert found, name
            times.sort()
            result[name] = {
                "p50_ms": round(1000 * times[len(times) // 2], 2),
                "p99_ms": round(1000 * times[int(len(times) * 0.99) - 1], 2),
            }
            log(f"{name}: {result[name]}")
        plan = session.execute(
            text(
                "EXPLAIN (ANALYZE) SELECT a.customer_id FROM account a JOIN premises p"
                " ON p.id = a.premises_id WHERE p.address LIKE '%某路123456号%'"
            )
        ).all()
        result["address_plan"] = [row[0] for row in plan]
        session.rollback()
    engine.dispose()
    result["uptime_after"] = uptime_line()
    result["facts"] = machine_facts(args.database_url)
    path = write_result("customer-search", result, args.out)
    print("| lookup | p50 ms | p99 ms |\n|---|---:|---:|")
    for name in ("account number", "full phone", "part of an address"):
        print(f"| {name} | {result[name]['p50_ms']} | {result[name]['p99_ms']} |")
    print(f"result: {path}")


if __name__ == "__main__":
    main()
