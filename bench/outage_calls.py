"""Fault calls inside an outage over HTTP, then the reply to all of them (issue 14).

Fills `qh_outage_calls` as bench.outage_lookup fills its database (the demo organisation,
customers, premises and accounts by SQL, feeders, transformer areas of 100 premises each and
`premises_supply`), then declares one fault in effect through `outages.service.declare` covering
20 transformers: 2,000 affected premises. Against `quarterhour serve` (2 workers):

1. intake: 500 fault calls (`POST /api/v1/contacts`, a fault repair about a caller's account, as
   the duty agent, with an Idempotency-Key), each from a different account inside the outage,
   arriving at paced (Poisson) moments over 5 minutes, sent by a few concurrent clients; p50, p99
   and max of each call's answer time (target: p99 < 100 ms with the outage lookup). Afterwards
   every order is checked in the database: linked (`outage_id`), no deadline, no `due_at`.
2. restoration: `POST /api/v1/outages/{id}/restore` as the dispatcher, timed (target: < 5 s for
   the reply to every linked call); then every linked order is checked: replied by SMS, with its
   `outage_reply` event.

    .venv/bin/python -m bench.outage_calls [--calls 500] [--seconds 300] [--premises 1000000]
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

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
from bench.outage_lookup import BENCH, fill_network
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.kit import clock
from quarterhour.outages import service as outages
from quarterhour.storage.engine import make_engine

OUT_TRANSFORMERS = 20  # × 100 premises: the 2,000 premises of the fault
WARM_UP = 10  # calls from outside the outage before the measured ones (not linked, not counted)


def fill(url: str, n: int) -> dict[str, Any]:
    network = fill_network(url, n)
    factory, transformers = network.factory, network.transformers
    engine, feeders, filled = network.engine, network.feeders, network.fill_s
    now = clock.now()
    rng = random.Random(14)
    out = sorted(rng.sample(range(1, transformers + 1), OUT_TRANSFORMERS))
    with factory() as session:
        outage = outages.declare(
            session,
            by=BENCH,
            kind="fault",
            cause="10kV线路故障，多个台区停电",
            starts_at=now - timedelta(minutes=10),
            expected_restoration_at=now + timedelta(hours=4),
            transformers=[f"T{t:06d}" for t in out],
        )
        outage_id = outage.id
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        inside = [
            number
            for (number,) in session.execute(
                text(
                    "SELECT a.number FROM account a"
                    " JOIN premises_supply s ON s.premises_id = a.premises_id"
                    " JOIN outage_transformer w ON w.transformer_id = s.transformer_id"
                    " WHERE w.outage_id = :o ORDER BY a.number"
                ),
                {"o": outage_id},
            )
        ]
        outside = [
            number
            for (number,) in session.execute(
                text(
                    "SELECT a.number FROM account a"
                    " JOIN premises_supply s ON s.premises_id = a.premises_id"
                    " WHERE s.transformer_id <> ALL(CAST(:out AS integer[]))"
                    " ORDER BY a.id LIMIT :k"
                ),
                {"out": out, "k": WARM_UP},
            )
        ]
    engine.dispose()
    return {
        "fill_s": round(filled, 1),
        "premises": n,
        "transformers": transformers,
        "feeders": feeders,
        "outage_id": outage_id,
        "outage_transformers": len(out),
        "affected_premises": len(inside),
        "inside": inside,
        "outside": outside,
    }


def log_in(base: str, username: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": demo_org.DEMO_PASSWORD},
        timeout=60,
    )
    if response.status_code != 200:
        raise RuntimeError(f"log in {username}: HTTP {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def fault_call(account: str) -> dict[str, Any]:
    return {
        "channel": "hotline",
        "customer": {"account": account},
        "matters": [
            {
                "order_type": "fault_repair",
                "area_class": "urban",
                "title": "家里突然停电",
                "description": "客户反映家中及邻居家全部停电，询问何时恢复供电。",
            }
        ],
    }


def intake(
    base: str,
    token: str,
    accounts: list[str],
    seconds: float,
    clients: int,
    *,
    seed: int,
    key: str,
) -> dict[str, Any]:
    """One call per account at Poisson arrival moments spread over `seconds`, taken in order by
    `clients` threads with a keep-alive httpx.Client each."""
    rng = random.Random(seed)
    gaps = [rng.expovariate(1.0) for _ in accounts]
    scale = seconds / sum(gaps)
    moments, t = [], 0.0
    for gap in gaps:
        moments.append(t)
        t += gap * scale
    lock = threading.Lock()
    cursor = iter(range(len(accounts)))
    samples: list[float] = []
    lateness: list[float] = []  # how long a call waited past its moment for a free client
    order_ids: list[int] = []
    errors: list[str] = []
    t0 = time.perf_counter() + 0.5

    def worker(stop: threading.Event) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while not stop.is_set():
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                due = t0 + moments[i]
                while (wait := due - time.perf_counter()) > 0 and not stop.is_set():
                    time.sleep(min(wait, 0.5))
                started = time.perf_counter()
                response = client.post(
                    "/api/v1/contacts",
                    json=fault_call(accounts[i]),
                    headers={"Idempotency-Key": f"bench-outage-{key}-{i}"},
                )
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code != 201:
                        errors.append(
                            f"call {i}: HTTP {response.status_code} {response.text[:200]}"
                        )
                        continue
                    samples.append(elapsed)
                    lateness.append(started - due)
                    order_ids.extend(o["id"] for o in response.json()["orders"])

    run_threads(clients, worker)
    wall = time.perf_counter() - t0
    return {
        "calls": len(accounts),
        "answered_201": len(samples),
        "errors": errors[:20],
        "error_count": len(errors),
        "wall_s": round(wall, 1),
        "clients": clients,
        "latency": latency(samples),
        "start_lateness_max_ms": round(max(lateness) * 1000, 1) if lateness else None,
        "order_ids": order_ids,
    }


def check_linked(url: str, outage_id: int, order_ids: list[int]) -> dict[str, Any]:
    engine = make_engine(Settings(database_url=url, run_background_sweep=False))
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT count(*) AS orders,"
                    " count(*) FILTER (WHERE o.outage_id = :o) AS linked,"
                    " count(*) FILTER (WHERE o.due_at IS NULL) AS no_due_at,"
                    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM deadline d"
                    "   WHERE d.order_id = o.id)) AS with_deadline,"
                    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM order_event e"
                    "   WHERE e.order_id = o.id AND e.action = 'link_outage')) AS link_event,"
                    " count(*) FILTER (WHERE o.state = 'accepted') AS accepted"
                    " FROM work_order o WHERE o.id = ANY(CAST(:ids AS bigint[]))"
                ),
                {"o": outage_id, "ids": order_ids},
            ).one()
            linked_total = connection.scalar(
                text("SELECT count(*) FROM work_order WHERE outage_id = :o"), {"o": outage_id}
            )
    finally:
        engine.dispose()
    found = dict(row._mapping)
    found["linked_to_outage_in_db"] = linked_total
    n = len(order_ids)
    found["ok"] = (
        found["orders"] == n
        and found["linked"] == n
        and found["no_due_at"] == n
        and found["with_deadline"] == 0
        and found["link_event"] == n
    )
    return found


def restore(base: str, token: str, outage_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        started = time.perf_counter()
        response = client.post(f"/api/v1/outages/{outage_id}/restore", json={}, timeout=120)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"restore: HTTP {response.status_code} {response.text[:300]}")
    body = response.json()
    return {
        "seconds": round(elapsed, 3),
        "replied_calls": body.get("replied_calls"),
        "outage_state": body["outage"]["state"],
    }


def check_replied(url: str, outage_id: int) -> dict[str, Any]:
    engine = make_engine(Settings(database_url=url, run_background_sweep=False))
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT count(*) AS linked,"
                    " count(*) FILTER (WHERE o.state = 'replied') AS replied,"
                    " count(*) FILTER (WHERE o.reply_method = 'sms') AS by_sms,"
                    " count(*) FILTER (WHERE o.restored_at IS NOT NULL) AS restored_at_set,"
                    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM order_event e"
                    "   WHERE e.order_id = o.id AND e.action = 'outage_reply')) AS reply_event,"
                    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM deadline d WHERE"
                    "   d.order_id = o.id AND d.kind = 'follow_up')) AS follow_up_clock"
                    " FROM work_order o WHERE o.outage_id = :o"
                ),
                {"o": outage_id},
            ).one()
    finally:
        engine.dispose()
    found = dict(row._mapping)
    n = found["linked"]
    found["ok"] = n > 0 and found["replied"] == n and found["reply_event"] == n
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_outage_calls")
    parser.add_argument("--premises", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=300.0, help="the calls' arrival window")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--force-drop", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "benchmark": "outage_calls",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "uptime_before": uptime_line(),
    }
    recreate_database(args.database_url, force=args.force_drop)
    filled = fill(args.database_url, args.premises)
    inside, outside = filled.pop("inside"), filled.pop("outside")
    outage_id = filled["outage_id"]
    if args.calls > len(inside):
        raise SystemExit(f"--calls {args.calls}: only {len(inside)} premises are out")
    result["fill"] = filled
    result["facts"] = machine_facts(args.database_url)
    accounts = random.Random(5).sample(inside, args.calls)
    database = args.database_url.rsplit("/", 1)[1]
    with terminate_as_interrupt(), Server(args.database_url, workers=args.workers) as server:
        agent = log_in(server.base, "agent")
        dispatcher = log_in(server.base, "dispatcher")
        warm = intake(server.base, agent, outside, 1.0, 2, seed=1, key="warm")
        log(
            f"warm-up: {warm['answered_201']} calls outside the outage, {warm['error_count']} errors"
        )
        result["uptime_intake_start"] = uptime_line()
        log(f"intake: {args.calls} calls over {args.seconds:.0f} s, {args.clients} clients")
        db_before, cpu_before = backend_cpu(database), server.workers_cpu_seconds()
        calls = intake(
            server.base, agent, accounts, args.seconds, args.clients, seed=14, key="call"
        )
        calls["workers_cpu_s"] = round(server.workers_cpu_seconds() - cpu_before, 2)
        calls["postgres_cpu_s"] = round(cpu_delta(db_before, backend_cpu(database)), 2)
        order_ids = calls.pop("order_ids")
        result["uptime_intake_end"] = uptime_line()
        result["intake"] = calls
        result["linked"] = check_linked(args.database_url, outage_id, order_ids)
        lat = calls["latency"]
        log(
            f"intake: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms;"
            f" {calls['error_count']} errors; linked check {result['linked']}"
        )
        result["uptime_restore"] = uptime_line()
        result["restore"] = restore(server.base, dispatcher, outage_id)
        result["worker_memory"] = server.worker_memory()
    result["replied"] = check_replied(args.database_url, outage_id)
    log(f"restore: {result['restore']}; replied check {result['replied']}")
    result["targets"] = {
        "intake_p99_under_100ms": lat["p99_ms"] is not None and lat["p99_ms"] < 100,
        "restore_under_5s": result["restore"]["seconds"] < 5,
        "all_linked": result["linked"]["ok"] and calls["error_count"] == 0,
        "all_replied": result["replied"]["ok"]
        and result["restore"]["replied_calls"] == result["linked"]["linked_to_outage_in_db"],
    }
    result["uptime_after"] = uptime_line()
    path = write_result("outage-calls", result, args.out)
    log(f"targets: {result['targets']}")
    log(f"result: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
