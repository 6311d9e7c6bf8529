"""The bill inquiry line (电话管家) over HTTP at 1,000,000 accounts, beside the same server's ceiling.

    .venv/bin/python -m bench.billing         # first: fills qh_billing with 1 M accounts and bills
    .venv/bin/python -m bench.bill_inquiry    # then: /healthz, then the inquiry, at concurrency 32

Starts `quarterhour serve --workers 2` on qh_billing and drives it with `bench.loadgen` (keep-alive
connections on one event loop): closed loops at concurrency 32 for /healthz and the inquiry (the
most each answers), then the inquiry offered at --rate requests a second, at most 32 at a time
(the latency callers see at that load; a closed loop's mean latency is just 32 / its rate). Every inquiry asks for a random account with the right last four
digits of its phone, so every answer is a real bill and total due (a 200 whose body names the
account); the trivial endpoint `/healthz` measured the same way is the ceiling of this server on
this machine. Reports answers/s, p50/p99 and the CPU each part used per answer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from typing import Any

from sqlalchemy import create_engine, text

from bench import loadgen
from bench.common import (
    PG_BASE,
    Server,
    backend_cpu,
    cpu_delta,
    cpu_seconds,
    log,
    machine_facts,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)

_READ = (
    "account",
    "uq_account_number",
    "bill",
    "uq_bill_account_id_period",
    "payment",
    "ix_payment_account_id",
    "failure_budget",
    "pk_failure_budget",
)


def _measure(
    server: Server,
    paths: list[str],
    args: argparse.Namespace,
    check: Any,
    rate: float | None = None,
) -> dict[str, Any]:
    database = server.database_url.rsplit("/", 1)[1]
    workers_before = server.workers_cpu_seconds()
    each_before = {pid: cpu_seconds(pid) for pid in server.worker_pids()}
    pg_before = backend_cpu(database)
    me_before = cpu_seconds(os.getpid())
    result = loadgen.run(
        "127.0.0.1",
        server.port,
        paths,
        concurrency=args.concurrency,
        seconds=args.seconds,
        warmup=args.warmup,
        check=check,
        rate=rate,
    )
    figures = result.figures()
    answers = max(figures["answers"], 1)
    # The CPU of the warm-up is in these totals too; per answer it is counted over the whole run.
    total = answers * (args.seconds + args.warmup) / args.seconds
    # How evenly the kernel spread the keep-alive connections over the worker processes.
    figures["worker_cpu_s"] = sorted(
        round(cpu_seconds(pid) - before, 2) for pid, before in each_before.items()
    )
    figures["cpu_ms_per_answer"] = {
        "workers": round((server.workers_cpu_seconds() - workers_before) * 1000 / total, 3),
        "postgresql": round(cpu_delta(pg_before, backend_cpu(database)) * 1000 / total, 3),
        "load_generator": round((cpu_seconds(os.getpid()) - me_before) * 1000 / total, 3),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_billing")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rate", type=float, default=2000, help="open-loop offered rate")
    parser.add_argument("--out")
    args = parser.parse_args()
    engine = create_engine(args.database_url)
    with engine.begin() as connection:
        accounts = int(connection.scalar(text("SELECT count(*) FROM account")) or 0)
        billed = int(connection.scalar(text("SELECT count(DISTINCT account_id) FROM bill")) or 0)
        # The steady state of a line in service: what the inquiry reads is in the OS page cache
        # (read once here), and the planner knows the bill run's rows (bench.billing wrote them
        # just before; autovacuum would get there within minutes).
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        connection.execute(text("ANALYZE account, bill, payment, failure_budget"))
        for relation in _READ:
            connection.execute(text("SELECT pg_prewarm(:r, 'read')"), {"r": relation})
    engine.dispose()
    log(f"{accounts} accounts, {billed} with bills")
    rng = random.Random(11)
    # bench.billing numbers accounts 1..n and registers phone 139 + the number on 8 digits.
    picks = [rng.randint(1, accounts) for _ in range(50_000)]
    paths = [f"/api/v1/public/bill?account={n:010d}&phone_last4={n % 10_000:04d}" for n in picks]
    result: dict[str, Any] = {
        "benchmark": "bill_inquiry",
        "args": vars(args),
        "accounts": accounts,
        "accounts_with_bills": billed,
        "uptime_before": uptime_line(),
        "machine": machine_facts(args.database_url),
    }

    def inquiry_ok(status: int, body: bytes) -> bool:
        return status == 200 and b'"sentence"' in body

    with terminate_as_interrupt(), Server(args.database_url, workers=args.workers) as server:
        log("ceiling: /healthz")
        result["healthz"] = _measure(
            server, ["/healthz"], args, lambda status, body: status == 200 and b"ok" in body
        )
        log(json.dumps(result["healthz"]))
        log("bill inquiry")
        result["inquiry"] = _measure(server, paths, args, inquiry_ok)
        log(json.dumps(result["inquiry"]))
        log(f"bill inquiry offered at {args.rate}/s (open loop)")
        result["inquiry_at_rate"] = _measure(server, paths, args, inquiry_ok, rate=args.rate)
        log(json.dumps(result["inquiry_at_rate"]))
        result["server_memory"] = server.worker_memory()
    result["ratio_to_ceiling"] = round(
        result["inquiry"]["answers_per_s"] / result["healthz"]["answers_per_s"], 3
    )
    result["uptime_after"] = uptime_line()
    write_result("bill-inquiry", result, args.out)
    log(json.dumps({k: result[k] for k in ("ratio_to_ceiling",)}))


if __name__ == "__main__":
    main()
