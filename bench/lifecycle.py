"""The closed loop over HTTP: N work-order lifecycles against `quarterhour serve` on PostgreSQL.

    .venv/bin/python -m bench.lifecycle                 # 2,000 lifecycles after 32 warm-up, c=16
    .venv/bin/python -m bench.lifecycle --client httpx  # the same on the peer's kind of client

One lifecycle is 8 calls, each checked (status and resulting state):
intake (POST /api/v1/contacts, a complaint in 包河区, Idempotency-Key) → dispatch (dispatcher) →
acknowledge (hall-baohe) → return_result (hall-baohe) → approve (dispatcher) → reply by phone
(followup) → follow_up satisfied (followup) → archive (followup).

Sixteen keep-alive connections take lifecycles from a shared counter. By default they are the
lean client of bench.loadgen (one event loop): the client shares the two cores with the servers
and PostgreSQL, and a thread with an httpx.Client per connection — how the django-helpdesk peer's
benchmark drives it (../shared/bench-peers/django_helpdesk), kept as `--client httpx` — spent a
quarter of them on itself (1.1 of 4.5 ms of CPU per request), against 3 % of the peer's budget.
The database is recreated, migrated and given the demo organisation first; afterwards every order
is checked in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import make_url, text

from bench import loadgen
from bench.common import (
    PG_BASE,
    Server,
    backend_cpu,
    cpu_delta,
    latency,
    log,
    machine_facts,
    recreate_database,
    run_threads,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.migrate import upgrade

CALLS = (
    "intake",
    "dispatch",
    "acknowledge",
    "return_result",
    "approve",
    "reply",
    "follow_up",
    "archive",
)
USERS = ("agent", "dispatcher", "hall-baohe", "followup")
# Each call is one event; intake writes `accept`.
EXPECTED_EVENTS = ("accept", *CALLS[1:])

TITLE = "营业厅排队时间过长投诉"
DESCRIPTION = "客户反映在包河区供电营业厅办理业务排队超过一小时，窗口只开两个，工作人员解释不耐心。"
RESULT = "已核实：当日两名窗口人员培训，已增开窗口并对当班人员进行服务规范教育，向客户致歉。"
NOTE = "回访客户，对处理结果满意。"


@dataclass
class Context:
    tokens: dict[str, str]
    district_id: int
    department_id: int


@dataclass
class Run:
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    done: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lat: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CALLS})
    t0: float = 0.0


class CallFailed(Exception):
    pass


def prepare_database(url: str, *, force: bool) -> tuple[int, int]:
    recreate_database(url, force=force)
    engine = make_engine(Settings(database_url=url))
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            org = demo_org.install(session)  # default Argon2 cost, as in production
            session.commit()
            return org.districts["baohe"], org.dept("hall-baohe")
    finally:
        engine.dispose()


def log_in(base: str) -> dict[str, str]:
    tokens = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for username in USERS:
            response = client.post(
                "/api/v1/auth/token",
                json={"username": username, "password": demo_org.DEMO_PASSWORD},
            )
            if response.status_code != 200:
                raise RuntimeError(
                    f"log in {username}: HTTP {response.status_code} {response.text}"
                )
            tokens[username] = response.json()["access_token"]
    return tokens


@dataclass(frozen=True)
class Call:
    name: str
    user: str
    url: str
    body: dict[str, Any]
    expect: int
    headers: dict[str, str] = field(default_factory=dict)


Script = Generator[Call, Any, None]


def lifecycle_calls(i: int, ctx: Context) -> Script:
    """One lifecycle as a script both clients play: it yields each call and is sent the answer's
    JSON, from which the next call is made (the order's id, its version)."""
    contact = yield Call(
        "intake",
        "agent",
        "/api/v1/contacts",
        {
            "channel": "hotline",
            "customer": {
                "name": f"客户{i:06d}",
                "phone": f"139{i:08d}",
                "address": f"合肥市包河区徽州大道{i % 900 + 1}号",
                "district_id": ctx.district_id,
            },
            "matters": [{"order_type": "complaint", "title": TITLE, "description": DESCRIPTION}],
        },
        201,
        {"Idempotency-Key": f"bench-lifecycle-{i}"},
    )
    order = contact["orders"][0]
    if order["state"] != "accepted" or order["department_id"] != ctx.department_id:
        raise CallFailed(f"intake: got {order['state']} for department {order['department_id']}")
    order_id, version = order["id"], order["version"]
    steps: tuple[tuple[str, str, dict[str, Any], str], ...] = (
        ("dispatch", "dispatcher", {}, "dispatched"),
        ("acknowledge", "hall-baohe", {}, "acknowledged"),
        ("return_result", "hall-baohe", {"result": RESULT}, "returned"),
        ("approve", "dispatcher", {}, "reviewed"),
        ("reply", "followup", {"reply_method": "phone"}, "replied"),
        ("follow_up", "followup", {"outcome": "satisfied", "note": NOTE}, "followed_up"),
        ("archive", "followup", {}, "archived"),
    )
    for action, user, body, state in steps:
        result = yield Call(
            action,
            user,
            f"/api/v1/orders/{order_id}/actions/{action}",
            {"version": version, **body},
            200,
        )
        if result["state"] != state:
            raise CallFailed(f"{action}: state {result['state']}, expected {state}")
        version = result["version"]


def _answered(call: Call, status: int, body: bytes, elapsed: float, lat: Latencies | None) -> Any:
    if status != call.expect:
        raise CallFailed(f"{call.name}: HTTP {status}: {body[:300].decode(errors='replace')}")
    if lat is not None:
        lat[call.name].append(elapsed)
    return json.loads(body)


Latencies = dict[str, list[float]]


def drive(
    base: str, ctx: Context, n: int, concurrency: int, first: int, measure: bool, client: str
) -> Run:
    """`n` lifecycles, `concurrency` at a time, numbered from `first`: on threads with an
    `httpx.Client` each (what the peer's benchmark does), or on connections of the lean client
    (bench.loadgen), which leaves more of the two cores to the server."""
    run = Run()
    cpu0 = time.process_time()
    run.t0 = time.perf_counter()
    if client == "httpx":
        _drive_threads(run, base, ctx, n, concurrency, first, measure)
    else:
        loadgen.run_async(_drive_lean(run, base, ctx, n, concurrency, first, measure))
    run.wall_s = time.perf_counter() - run.t0
    run.client_cpu_s = time.process_time() - cpu0
    return run


def _headers(call: Call, ctx: Context) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx.tokens[call.user]}", **call.headers}


def _drive_threads(
    run: Run, base: str, ctx: Context, n: int, concurrency: int, first: int, measure: bool
) -> None:
    counter = itertools.count()
    lock = threading.Lock()

    def worker(stop: threading.Event) -> None:
        lat: Latencies = {c: [] for c in CALLS}
        done: list[float] = []
        errors: list[str] = []
        with httpx.Client(base_url=base, timeout=60) as http:
            while not stop.is_set():
                with lock:
                    k = next(counter)
                if k >= n:
                    break
                script = lifecycle_calls(first + k, ctx)
                try:
                    call = next(script)
                    while True:
                        started = time.perf_counter()
                        response = http.post(call.url, json=call.body, headers=_headers(call, ctx))
                        elapsed = time.perf_counter() - started
                        answer = _answered(
                            call,
                            response.status_code,
                            response.content,
                            elapsed,
                            lat if measure else None,
                        )
                        call = script.send(answer)
                except StopIteration:
                    done.append(time.perf_counter())
                except (CallFailed, httpx.HTTPError, KeyError, ValueError) as exc:
                    errors.append(repr(exc)[:300])
        with lock:
            run.done.extend(done)
            run.errors.extend(errors)
            for c in CALLS:
                run.lat[c].extend(lat[c])

    run_threads(concurrency, worker)


async def _drive_lean(
    run: Run, base: str, ctx: Context, n: int, concurrency: int, first: int, measure: bool
) -> None:
    url = httpx.URL(base)
    counter = itertools.count()
    lat = run.lat if measure else None

    async def worker(order: int) -> None:
        # Connections dial in 5 ms apart so that both server processes take some (loadgen says why).
        await asyncio.sleep(order * 0.005)
        connection = await loadgen.Connection.open(url.host, url.port or 80)
        try:
            while (k := next(counter)) < n:
                script = lifecycle_calls(first + k, ctx)
                try:
                    call = next(script)
                    while True:
                        started = time.perf_counter()
                        status, body = await connection.request(
                            "POST",
                            call.url,
                            json.dumps(call.body, ensure_ascii=False).encode(),
                            _headers(call, ctx),
                        )
                        elapsed = time.perf_counter() - started
                        call = script.send(_answered(call, status, body, elapsed, lat))
                except StopIteration:
                    run.done.append(time.perf_counter())
                except (CallFailed, KeyError, ValueError) as exc:
                    run.errors.append(repr(exc)[:300])
        finally:
            connection.close()

    await asyncio.gather(*(worker(order) for order in range(concurrency)))


def quarter_rates(done: list[float], t0: float) -> list[float]:
    """Lifecycles/s within each quarter of the run: shows whether it slows as tables grow."""
    ordered = sorted(done)
    rates, previous = [], t0
    for q in range(4):
        lo, hi = q * len(ordered) // 4, (q + 1) * len(ordered) // 4
        if hi > lo:
            rates.append(round((hi - lo) / max(ordered[hi - 1] - previous, 1e-9), 2))
            previous = ordered[hi - 1]
    return rates


def healthz_ceiling(base: str, requests: int, concurrency: int) -> dict[str, Any]:
    """The same server answering its cheapest endpoint: the ceiling the client and uvicorn allow."""
    counter = itertools.count()
    lock = threading.Lock()
    lat: list[float] = []
    errors = 0

    def worker(stop: threading.Event) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                with lock:
                    k = next(counter)
                if k >= requests:
                    break
                started = time.perf_counter()
                try:
                    ok = client.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    mine.append(time.perf_counter() - started)
                else:
                    failed += 1
        with lock:
            lat.extend(mine)
            errors += failed

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    run_threads(concurrency, worker)
    wall = time.perf_counter() - t0
    return {
        "requests": requests,
        "concurrency": concurrency,
        "errors": errors,
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(lat) / wall, 1),
        "latency": latency(lat),
        "client_cpu_s": round(time.process_time() - cpu0, 2),
    }


def healthz_lean(base: str, concurrency: int) -> dict[str, Any]:
    """The same ceiling through the lean client, for 5 s after a 1 s warm-up."""
    url = httpx.URL(base)
    load = loadgen.run(
        url.host, url.port or 80, ["/healthz"], concurrency=concurrency, seconds=5, warmup=1
    )
    figures = load.figures()
    return {
        "concurrency": concurrency,
        "errors": figures["errors"],
        "requests_per_s": figures["answers_per_s"],
        "latency": {k: v for k, v in figures.items() if k.endswith("_ms")},
    }


def verify(url: str, expected_orders: int) -> dict[str, Any]:
    """What the database holds after the run: every order archived, its whole history there."""
    engine = make_engine(Settings(database_url=url))
    try:
        with engine.connect() as db:
            orders = db.execute(
                text(
                    "SELECT count(*) AS total, count(*) FILTER (WHERE state = 'archived') AS archived"
                    " FROM work_order"
                )
            ).one()
            histories = db.execute(
                text(
                    "SELECT seq, count(*) FROM (SELECT string_agg(action, ',' ORDER BY id) AS seq"
                    " FROM order_event GROUP BY order_id) h GROUP BY seq ORDER BY 2 DESC"
                )
            ).all()
            events = db.scalar(text("SELECT count(*) FROM order_event"))
            contacts = db.scalar(text("SELECT count(*) FROM contact"))
            follow_ups = db.execute(
                text("SELECT outcome, count(*) FROM follow_up GROUP BY outcome")
            ).all()
            deadlines = db.execute(
                text(
                    "SELECT count(*) AS total, count(*) FILTER (WHERE met_at IS NULL) AS unmet"
                    " FROM deadline"
                )
            ).one()
    finally:
        engine.dispose()
    expected_seq = ",".join(EXPECTED_EVENTS)
    full = sum(count for seq, count in histories if seq == expected_seq)
    result = {
        "orders": orders.total,
        "archived": orders.archived,
        "contacts": contacts,
        "events": events,
        "events_per_order": len(EXPECTED_EVENTS),
        "orders_with_expected_history": full,
        "other_histories": {seq: count for seq, count in histories if seq != expected_seq},
        "follow_ups": {outcome: count for outcome, count in follow_ups},
        "deadlines": deadlines.total,
        "deadlines_unmet": deadlines.unmet,
    }
    result["ok"] = (
        orders.total == expected_orders
        and orders.archived == expected_orders
        and contacts == expected_orders
        and full == expected_orders
        and events == expected_orders * len(EXPECTED_EVENTS)
        and result["follow_ups"] == {"satisfied": expected_orders}
        and deadlines.unmet == 0
    )
    return result


def summarise(run: Run, n: int) -> dict[str, Any]:
    ok = len(run.done)
    return {
        "lifecycles": n,
        "ok": ok,
        "errors": len(run.errors),
        "error_samples": run.errors[:5],
        "wall_s": round(run.wall_s, 3),
        "lifecycles_per_s": round(ok / run.wall_s, 2),
        "requests_per_s": round(ok * len(CALLS) / run.wall_s, 1),
        "quarter_lifecycles_per_s": quarter_rates(run.done, run.t0),
        "client_cpu_s": round(run.client_cpu_s, 2),
        "calls": {c: latency(run.lat[c]) for c in CALLS},
    }


def markdown(result: dict[str, Any]) -> str:
    timed = result["timed"]
    cpu = timed["cpu"]
    lines = [
        f"lifecycles/s **{timed['lifecycles_per_s']}**, requests/s {timed['requests_per_s']}, "
        f"errors {timed['errors'] + result['warmup']['errors']}, "
        f"quarters {timed['quarter_lifecycles_per_s']}, client CPU {timed['client_cpu_s']} s, "
        f"worker peak RSS MiB {result['memory']['worker_peak_rss_mib']}, "
        f"database check {'ok' if result['db_after']['ok'] else 'FAILED'}",
        f"CPU ms per request: server workers {cpu['workers_ms_per_request']}, PostgreSQL "
        f"{cpu['postgres_ms_per_request']}, client {cpu['client_ms_per_request']}",
        "",
        "| call | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for name, figures in timed["calls"].items():
        lines.append(
            f"| {name} | {figures['p50_ms']} | {figures['p99_ms']} | {figures['max_ms']} |"
        )
    if "healthz" in result:
        h = result["healthz"]
        lines += [
            "",
            f"GET /healthz ceiling at concurrency {h['concurrency']}: {h['requests_per_s']} req/s, "
            f"p50 {h['latency']['p50_ms']} ms, p99 {h['latency']['p99_ms']} ms, "
            f"errors {h['errors']}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_bench")
    parser.add_argument("--lifecycles", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="lean: keep-alive connections on one event loop (bench.loadgen); httpx: a thread"
        " and an httpx.Client per connection, as the peer's benchmark drives django-helpdesk",
    )
    parser.add_argument("--healthz-requests", type=int, default=5000, help="0 to skip")
    parser.add_argument("--out", help="result JSON (default bench/results/lifecycle-<time>.json)")
    parser.add_argument(
        "--force-drop", action="store_true", help="replace a database the bench did not create"
    )
    args = parser.parse_args(argv)

    result: dict[str, Any] = {
        "benchmark": "lifecycle",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "uptime_before": uptime_line(),
    }
    with terminate_as_interrupt():
        log(f"preparing {args.database_url}")
        district_id, department_id = prepare_database(args.database_url, force=args.force_drop)
        result["facts"] = machine_facts(args.database_url)
        server = Server(args.database_url, workers=args.workers)
        try:
            server.start()
            log(f"serving on {server.base}, workers {server.worker_pids()}")
            ctx = Context(log_in(server.base), district_id, department_id)
            warm = drive(server.base, ctx, args.warmup, args.concurrency, 0, False, args.client)
            result["warmup"] = {"lifecycles": args.warmup, "errors": len(warm.errors)}
            log(f"warm-up done ({len(warm.errors)} errors); timing {args.lifecycles} lifecycles")
            database = make_url(args.database_url).database or ""
            workers_cpu0, pg_cpu0 = server.workers_cpu_seconds(), backend_cpu(database)
            timed = drive(
                server.base, ctx, args.lifecycles, args.concurrency, args.warmup, True, args.client
            )
            workers_cpu = server.workers_cpu_seconds() - workers_cpu0
            pg_cpu = cpu_delta(pg_cpu0, backend_cpu(database))
            result["uptime_after_lifecycles"] = uptime_line()
            result["timed"] = summarise(timed, args.lifecycles)
            requests = max(1, len(timed.done) * len(CALLS))
            # Where the 2 cores went: server workers, PostgreSQL backends of this database, client.
            result["timed"]["cpu"] = {
                "workers_s": round(workers_cpu, 2),
                "postgres_backends_s": round(pg_cpu, 2),
                "client_s": round(timed.client_cpu_s, 2),
                "workers_ms_per_request": round(workers_cpu / requests * 1000, 2),
                "postgres_ms_per_request": round(pg_cpu / requests * 1000, 2),
                "client_ms_per_request": round(timed.client_cpu_s / requests * 1000, 2),
            }
            result["memory"] = server.worker_memory()
            if args.healthz_requests and args.client == "httpx":
                result["healthz"] = healthz_ceiling(
                    server.base, args.healthz_requests, args.concurrency
                )
            elif args.healthz_requests:
                result["healthz"] = healthz_lean(server.base, args.concurrency)
        finally:
            server.stop()
        result["db_after"] = verify(args.database_url, args.warmup + args.lifecycles)
    path = write_result("lifecycle", result, args.out)
    print(markdown(result))
    log(f"result: {path}")
    failed = result["timed"]["errors"] or result["warmup"]["errors"] or not result["db_after"]["ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: what the benchmark started has been stopped")
        sys.exit(130)
