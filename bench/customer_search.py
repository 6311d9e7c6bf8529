"""Caller lookup at 1,000,000 customers: by account number, phone, and part of an address.

    .venv/bin/python -m bench.billing                 # first: fills qh_billing with 1 M accounts
    .venv/bin/python -m bench.customer_search         # then: 300 random lookups of each kind
    .venv/bin/python -m bench.customer_search --http  # and the same over HTTP (2 workers)

Calls `customers.service.search` in process on PostgreSQL (the API route adds FastAPI's own
cost on top), and reports p50/p99 per kind of lookup and the plan of the address search.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

import httpx
from sqlalchemy import text

from bench import loadgen
from bench.common import (
    PG_BASE,
    Server,
    log,
    machine_facts,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)
from quarterhour.access.actor import Actor, Role
from quarterhour.config import Settings
from quarterhour.customers import service
from quarterhour.demo.organisation import DEMO_PASSWORD
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.tables import metadata


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_billing")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--http", action="store_true", help="also over HTTP (2 workers)")
    parser.add_argument("--seconds", type=float, default=10)
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
    if args.http:
        result["http"] = _over_http(args, accounts)
    result["uptime_after"] = uptime_line()
    result["facts"] = machine_facts(args.database_url)
    path = write_result("customer-search", result, args.out)
    print("| lookup | p50 ms | p99 ms |\n|---|---:|---:|")
    for name in ("account number", "full phone", "part of an address"):
        print(f"| {name} | {result[name]['p50_ms']} | {result[name]['p99_ms']} |")
    for run in result.get("http", []):
        print(
            f"| over HTTP, {run['lookup']}, concurrency {run['concurrency']} |"
            f" {run['p50_ms']} | {run['p99_ms']} | {run['answers_per_s']}/s |"
        )
    print(f"result: {path}")


def _over_http(args: argparse.Namespace, accounts: int) -> list[dict[str, Any]]:
    """`GET /api/v1/customers?account=…` and `?phone=…` as a duty agent, through `quarterhour
    serve --workers 2`, at concurrency 4 (a few desks typing) and 32."""
    rng = random.Random(8)
    picks = [rng.randint(1, accounts) for _ in range(20_000)]
    kinds = {
        "account number": [f"/api/v1/customers?account={n:010d}" for n in picks],
        "full phone": [f"/api/v1/customers?phone=139{n:08d}" for n in picks],
    }
    runs = []
    with terminate_as_interrupt(), Server(args.database_url, workers=2) as server:
        token = httpx.post(
            f"{server.base}/api/v1/auth/token",
            json={"username": "agent", "password": DEMO_PASSWORD},
            timeout=30,
        ).json()["access_token"]
        for name, paths in kinds.items():
            for concurrency in (4, 32):
                figures = loadgen.run(
                    "127.0.0.1",
                    server.port,
                    paths,
                    concurrency=concurrency,
                    seconds=args.seconds,
                    warmup=2,
                    headers={"Authorization": f"Bearer {token}"},
                    # One customer found, masked (139****…): a real answer, not an error.
                    check=lambda status, body: status == 200 and b"****" in body,
                ).figures()
                runs.append({"lookup": name, "concurrency": concurrency, **figures})
                log(json.dumps(runs[-1]))
    return runs


if __name__ == "__main__":
    main()
