"""Console list pages at 1,000,000 work orders: rendered time of each main page over HTTP.

    .venv/bin/python -m bench.console_pages          # after `bench.scale` filled qh_scale

Serves `quarterhour serve --workers 2` on the filled database, logs in through the console's
form (cookie session) as the dispatcher, a department's handler and the supervisor, and fetches
each page one at a time (after a warm-up): the time from request to the last byte of the HTML,
which includes every query the page makes. Target (issue 4): under 200 ms.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

import httpx

from bench.common import (
    PG_BASE,
    Server,
    latency,
    log,
    machine_facts,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)
from bench.scale import is_filled
from quarterhour.demo import organisation as demo_org


def log_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    response = client.post(
        "/console/login", data={"username": username, "password": demo_org.DEMO_PASSWORD}
    )
    if response.status_code != 303:
        raise RuntimeError(f"log in {username}: HTTP {response.status_code}")
    return client


def timed(client: httpx.Client, path: str, runs: int, warmup: int = 5) -> dict[str, Any]:
    samples = []
    size = 0
    for n in range(warmup + runs):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.text[:200]}")
        size = len(response.content)
        if n >= warmup:
            samples.append(elapsed)
    return {"path": path, "bytes": size, **latency(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_scale")
    parser.add_argument("--department", default="marketing", help="the handler whose queue")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", help="result JSON (default bench/results/console-<time>.json)")
    args = parser.parse_args(argv)
    if not is_filled(args.database_url):
        raise SystemExit(f"{args.database_url} is not filled; run `python -m bench.scale` first")

    result: dict[str, Any] = {
        "benchmark": "console_pages",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "uptime_before": uptime_line(),
        "facts": machine_facts(args.database_url),
    }
    with terminate_as_interrupt():
        server = Server(args.database_url, workers=2, env={"QUARTERHOUR_BACKGROUND_SWEEP": "0"})
        try:
            server.start()
            dispatcher = log_in(server.base, "dispatcher")
            handler = log_in(server.base, args.department)
            supervisor = log_in(server.base, "supervisor")
            queue = handler.get("/console/my-work")
            found = re.search(r'href="/console/orders/(\d+)"', queue.text)
            if found is None:
                raise RuntimeError(f"{args.department} has no open order to show")
            order_id = int(found.group(1))
            pages = [
                ("dispatcher: all open, nearest deadline", dispatcher, "/console/orders"),
                (
                    "dispatcher: new contacts (accepted, oldest first)",
                    dispatcher,
                    "/console/orders?state=accepted&sort=oldest",
                ),
                ("dispatcher: overdue", dispatcher, "/console/orders?overdue=true"),
                ("dispatcher: page 20 of all open", dispatcher, "/console/orders?page=20"),
                (f"handler ({args.department}): my work", handler, "/console/my-work"),
                (
                    "supervisor: escalated",
                    supervisor,
                    "/console/orders?escalated=true&open=true",
                ),
                ("dispatcher: one order", dispatcher, f"/console/orders/{order_id}"),
            ]
            result["pages"] = {}
            for label, client, path in pages:
                figures = timed(client, path, args.runs)
                result["pages"][label] = figures
                log(f"{label}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
            result["memory"] = server.worker_memory()
        finally:
            server.stop()
    result["uptime_after"] = uptime_line()
    path = write_result("console", result, args.out)
    print("| page | p50 ms | p99 ms | max ms | bytes |")
    print("|---|---:|---:|---:|---:|")
    for label, f in result["pages"].items():
        print(f"| {label} | {f['p50_ms']} | {f['p99_ms']} | {f['max_ms']} | {f['bytes']:,} |")
    log(f"result: {path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: what the benchmark started has been stopped")
        sys.exit(130)
