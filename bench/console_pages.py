"""Console list pages at 1,000,000 work orders: rendered time of each main page over HTTP.

    .venv/bin/python -m bench.console_pages          # after `bench.scale` filled qh_scale
    .venv/bin/python -m bench.console_pages --database-url …/qh_search   # another filled copy

Serves `quarterhour serve --workers 2` on the filled database, logs in through the console's
form (cookie session) as the dispatcher, a department's handler and the supervisor, and fetches
each page one at a time (after a warm-up): the time from request to the last byte of the HTML,
which includes every query the page makes. Target (issue 4): under 200 ms.

Issue 13 adds the top bar's search (`/console/search?q=…`) for each kind of term — an order's
number (answered with a redirect to the order), a contact's number, a whole phone, its last
four digits, words that are rare, common or in between, two characters — as the dispatcher and
as the handler (his department's orders only), and the order list's archived, cancelled and
all-orders views. The terms are read from the database first (a few SELECTs). The search's
indexes come with migration 0012: a database filled before it is upgraded first
(`quarterhour db upgrade`), or its figures are those of scans.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import text

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
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.kit import clock
from quarterhour.storage.engine import make_engine


def log_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    response = client.post(
        "/console/login", data={"username": username, "password": demo_org.DEMO_PASSWORD}
    )
    if response.status_code != 303:
        raise RuntimeError(f"log in {username}: HTTP {response.status_code}")
    return client


def timed(
    client: httpx.Client, path: str, runs: int, warmup: int = 5, expect: int = 200
) -> dict[str, Any]:
    samples = []
    size = 0
    for n in range(warmup + runs):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != expect:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.text[:200]}")
        size = len(response.content)
        if n >= warmup:
            samples.append(elapsed)
    return {"path": path, "bytes": size, **latency(samples)}


def search_terms(url: str, department: str) -> dict[str, Any]:
    """What the search pages look for, read from the filled database (SELECTs only): an archived
    order of the handler's department two years back, its contact, its caller's phone."""
    engine = make_engine(Settings(database_url=url))
    try:
        with engine.connect() as db:
            indexed = db.scalar(text("SELECT to_regclass('ix_work_order_text_trgm')")) is not None
            order = db.execute(
                text(
                    "SELECT o.title, o.number, c.number, k.phone FROM work_order o"
                    " JOIN contact c ON c.id = o.contact_id"
                    " JOIN customer k ON k.id = o.customer_id"
                    " JOIN department d ON d.id = o.department_id"
                    " WHERE o.state = 'archived' AND d.code = :department"
                    "   AND o.id > (SELECT max(id) FROM work_order) / 3"
                    " ORDER BY o.id LIMIT 1"
                ),
                {"department": department},
            ).one()
    finally:
        engine.dispose()
    return {
        "indexed": indexed,
        "order_number": order[1],
        "contact_number": order[2],
        "phone": order[3],
        # bench.scale's titles are a kind of matter and the order's id: one order has this one.
        "rare_words": order[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_scale")
    parser.add_argument("--department", default="marketing", help="the handler whose queue")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", help="result JSON (default bench/results/console-<time>.json)")
    args = parser.parse_args(argv)
    if not is_filled(args.database_url):
        raise SystemExit(f"{args.database_url} is not filled; run `python -m bench.scale` first")
    terms = search_terms(args.database_url, args.department)
    if not terms["indexed"]:
        log(
            "warning: no ix_work_order_text_trgm (migration 0012): the search pages will read "
            "every order; run `quarterhour db upgrade` on the database (or a copy) first"
        )

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
            today = clock.now().date()
            month_ago = (today - timedelta(days=30)).isoformat()
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
                # Issue 13: closed orders in the list, newest first.
                ("dispatcher: archived orders", dispatcher, "/console/orders?state=archived"),
                ("dispatcher: cancelled orders", dispatcher, "/console/orders?state=cancelled"),
                ("dispatcher: every order", dispatcher, "/console/orders?open=all"),
                ("dispatcher: archived, page 20", dispatcher, "/console/orders?open=false&page=20"),
                # Issue 13: the dashboard (figures, overdue now by department, call mix) for this
                # month so far and for the last 30 days; its overdue card's drill-down list.
                ("supervisor: dashboard, this month", supervisor, "/console/dashboard"),
                (
                    "supervisor: dashboard, last 30 days",
                    supervisor,
                    "/console/dashboard?" + urlencode({"start": month_ago, "end": today}),
                ),
                (
                    "supervisor: overdue now (the card's list)",
                    supervisor,
                    "/console/orders?open=true&overdue=true",
                ),
            ]
            searches = [
                ("order number (answered 303)", dispatcher, terms["order_number"]),
                ("contact's number", dispatcher, terms["contact_number"]),
                ("whole phone", dispatcher, terms["phone"]),
                ("phone's last four", dispatcher, terms["phone"][-4:]),
                ("rare words (one order's title)", dispatcher, terms["rare_words"]),
                ("words in between (示范路12号: ~1 k orders)", dispatcher, "示范路12号"),
                ("common words (停电报修: 30 % of orders)", dispatcher, "停电报修"),
                ("common address (合肥市: every one)", dispatcher, "合肥市"),
                ("two characters (names only)", dispatcher, "客户"),
                (f"handler ({args.department}): whole phone", handler, terms["phone"]),
                (f"handler ({args.department}): rare words", handler, terms["rare_words"]),
                (f"handler ({args.department}): in between", handler, "示范路12号"),
            ]
            pages += [
                (f"search: {label}", client, "/console/search?" + urlencode({"q": q}))
                for label, client, q in searches
            ]
            result["terms"] = terms
            result["pages"] = {}
            for label, client, path in pages:
                expect = 303 if "answered 303" in label else 200
                figures = timed(client, path, args.runs, expect=expect)
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
