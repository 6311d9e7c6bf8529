"""The outbox's sender at volume: 100,000 SMS dispatched by 2 workers to the sandbox gateway
(issue 15).

Creates and migrates `qh_outbox_bench`, starts the sandbox SMS gateway
(`quarterhour notifications sandbox-gateway`, uvicorn on a free port, no delivery reports) and 2
`quarterhour worker` processes pointed at it (schedules off: nothing but the sender runs), each
in its own process group. Then:

1. backlog: `--messages` queued SMS messages inserted by one statement (each to its own number,
   so flood control defers none) and committed at once; measured until all are sent: the rate
   (messages / (last sent_at - commit)), p50/p99 of sent_at - created_at (here mostly the time
   a message waited its turn in the backlog), failures, and the CPU each process used.
2. steady: `--rate` messages a second for `--seconds` seconds, written in small set-based
   batches every tenth of a second, as the product's use cases write them; p50/p99 of
   sent_at - created_at: the latency a customer sees while the sender keeps up.

Every message must reach the gateway exactly once: the sandbox counts what it accepted and the
client_refs it saw again (`repeated`), and every message has exactly one `sent` attempt in
delivery_attempt.

    .venv/bin/python -m bench.outbox_dispatch [--messages 100000] [--rate 500] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.common import (
    PG_BASE,
    QUARTERHOUR,
    ROOT,
    backend_cpu,
    cpu_delta,
    cpu_seconds,
    free_port,
    log,
    machine_facts,
    recreate_database,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)
from quarterhour.config import Settings
from quarterhour.storage.engine import make_engine
from quarterhour.storage.migrate import upgrade

WORKERS = 2
DATABASE = "qh_outbox_bench"

# Each message to a number of its own (flood control holds at most a few an hour per number);
# `offset` keeps the phases' numbers apart.
_QUEUE = """
INSERT INTO outbox_message (kind, channel, recipient, lang, body, status, urgent, attempts,
                            max_attempts, not_before, created_at)
SELECT 'contact_accepted', 'sms', '139' || lpad((:offset + g)::text, 8, '0'), 'zh',
       '【供电一刻钟】您的诉求已受理，工单编号GD20261205-' || lpad((:offset + g)::text, 6, '0')
       || '，进度查询：http://127.0.0.1:8000/status', 'queued', false, 0, 5,
       clock_timestamp(), clock_timestamp()
FROM generate_series(1, :n) g
"""

_LATENCY = """
SELECT count(*) AS n,
       count(*) FILTER (WHERE status IN ('sent', 'delivered')) AS sent,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))
           AS p50_s,
       percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))
           AS p99_s,
       max(extract(epoch FROM sent_at - created_at)) AS max_s,
       avg(extract(epoch FROM sent_at - created_at)) AS mean_s,
       min(created_at) AS first_created, max(sent_at) AS last_sent
FROM outbox_message WHERE id > :after AND id <= :upto
"""


class Process:
    """A command of ours in its own process group, its output in a log file; stopped by id."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.logpath = Path(f"/tmp/quarterhour-bench-{name}-{os.getpid()}.log")
        with self.logpath.open("ab") as logfile:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                # This checkout's package, not whichever one the venv's script was installed from.
                env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env},
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group we created, nothing else
            self.proc.wait(timeout=10)


def _gateway(key: str) -> tuple[Process, str]:
    port = free_port()
    command = [
        str(QUARTERHOUR),
        *("notifications", "sandbox-gateway", "--port", str(port), "--key", key),
    ]
    gateway = Process("sandbox-gateway", command, {})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if gateway.proc.poll() is not None:
            raise RuntimeError(f"the sandbox gateway exited early; see {gateway.logpath}")
        try:
            if httpx.get(f"{base}/v1/stats", timeout=2).status_code == 200:
                return gateway, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the sandbox gateway did not start; see {gateway.logpath}")


def _workers(url: str, gateway: str, key: str) -> list[Process]:
    env = {
        "QUARTERHOUR_DATABASE_URL": url,
        "QUARTERHOUR_SMS_GATEWAY_URL": gateway,
        "QUARTERHOUR_SMS_GATEWAY_KEY": key,
        "QUARTERHOUR_BACKGROUND_SWEEP": "0",
        "QUARTERHOUR_LOG_LEVEL": "warning",
    }
    return [
        Process(f"worker-{i}", [str(QUARTERHOUR), "worker", "--name", f"bench-{i}"], env)
        for i in range(1, WORKERS + 1)
    ]


def _queue(engine: Engine, n: int, offset: int) -> tuple[int, float]:
    """`n` queued messages in one statement; (the last id, the commit's wall time)."""
    with engine.begin() as connection:
        connection.execute(text(_QUEUE), {"n": n, "offset": offset})
        last = int(connection.scalar(text("SELECT max(id) FROM outbox_message")) or 0)
    return last, time.time()


def _waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text("SELECT count(*) FROM outbox_message WHERE status IN ('queued', 'sending')")
            )
            or 0
        )


def _wait_until_sent(engine: Engine, workers: list[Process], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while (left := _waiting(engine)) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{left} messages still unsent after {timeout:.0f} s")
        for worker in workers:
            if worker.proc.poll() is not None:
                raise RuntimeError(f"{worker.name} exited; see {worker.logpath}")
        time.sleep(0.2)
    return time.time()


def _latency(engine: Engine, after: int, upto: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(text(_LATENCY), {"after": after, "upto": upto}).mappings().one()

    def ms(value: Any) -> float | None:
        return None if value is None else round(float(value) * 1000, 1)

    return {
        "messages": row["n"],
        "sent": row["sent"],
        "failed": row["failed"],
        "p50_ms": ms(row["p50_s"]),
        "p99_ms": ms(row["p99_s"]),
        "max_ms": ms(row["max_s"]),
        "mean_ms": ms(row["mean_s"]),
        "first_created": row["first_created"],
        "last_sent": row["last_sent"],
    }


def _cpu(gateway: Process, workers: list[Process]) -> dict[str, float]:
    return {"gateway": gateway.cpu(), **{w.name: w.cpu() for w in workers}}


def _cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before[name], 2) for name in after}


def backlog(
    engine: Engine, gateway: Process, workers: list[Process], n: int, after: int
) -> tuple[dict[str, Any], int]:
    log(f"backlog: {n:,} messages queued at once")
    cpu, pg = _cpu(gateway, workers), backend_cpu(DATABASE)
    upto, committed = _queue(engine, n, after)
    done = _wait_until_sent(engine, workers, timeout=max(600, n / 20))
    found = _latency(engine, after, upto)
    seconds = (found.pop("last_sent").timestamp()) - committed
    found.pop("first_created")
    found |= {
        "seconds": round(seconds, 2),
        "rate_per_s": round(n / seconds, 1),
        "waited_s": round(done - committed, 2),
        "cpu_s": _cpu_used(cpu, _cpu(gateway, workers))
        | {"postgresql": round(cpu_delta(pg, backend_cpu(DATABASE)), 2)},
    }
    log(
        f"backlog: {found['rate_per_s']} msg/s, p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms,"
        f" {found['failed']} failed"
    )
    return found, upto


def steady(
    engine: Engine,
    gateway: Process,
    workers: list[Process],
    rate: int,
    seconds: int,
    after: int,
) -> tuple[dict[str, Any], int]:
    log(f"steady: {rate}/s for {seconds} s")
    tick = 0.1
    per_tick = max(1, round(rate * tick))
    cpu, pg = _cpu(gateway, workers), backend_cpu(DATABASE)
    started = time.monotonic()
    written, last = 0, after
    for i in range(round(seconds / tick)):
        # Paced against the start, so a slow insert does not lower the rate.
        pause = started + i * tick - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        last, _ = _queue(engine, per_tick, after + written)
        written += per_tick
    behind = round(time.monotonic() - started - seconds, 2)
    _wait_until_sent(engine, workers, timeout=max(600, written / 20))
    found = _latency(engine, after, last)
    span = (found.pop("last_sent") - found.pop("first_created")).total_seconds()
    found |= {
        "rate_asked_per_s": rate,
        "seconds_asked": seconds,
        "writer_behind_s": behind,
        "rate_written_per_s": round(written / (seconds + max(behind, 0)), 1),
        "first_created_to_last_sent_s": round(span, 2),
        "cpu_s": _cpu_used(cpu, _cpu(gateway, workers))
        | {"postgresql": round(cpu_delta(pg, backend_cpu(DATABASE)), 2)},
    }
    log(f"steady: p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms, {found['failed']} failed")
    return found, last


def exactly_once(engine: Engine, base: str, key: str, total: int) -> dict[str, Any]:
    stats = httpx.get(f"{base}/v1/stats", timeout=10).json()
    listed = httpx.get(
        f"{base}/v1/sms", params={"limit": 10_000}, headers={"Authorization": f"Bearer {key}"}
    ).json()
    refs = [m["client_ref"] for m in listed["messages"]]
    with engine.connect() as connection:
        sent_twice = connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT message_id FROM delivery_attempt"
                " WHERE outcome IN ('sent', 'delivered') GROUP BY message_id"
                " HAVING count(*) > 1) twice"
            )
        )
        attempts = connection.scalar(text("SELECT count(*) FROM delivery_attempt"))
    found = {
        "messages": total,
        "gateway_accepted": stats["accepted"],
        "gateway_repeated_client_refs": stats.get("repeated"),
        "gateway_connections": stats["connections"],
        "listed_last": len(refs),
        "listed_unique_client_refs": len(set(refs)),
        "delivery_attempts": attempts,
        "messages_sent_twice": sent_twice,
    }
    found["exactly_once"] = (
        stats["accepted"] == total
        and stats.get("repeated") == 0
        and len(set(refs)) == len(refs)
        and sent_twice == 0
        and attempts == total
    )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"{PG_BASE}/{DATABASE}")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=500, help="steady phase: messages a second")
    parser.add_argument("--seconds", type=int, default=30, help="steady phase: how long")
    parser.add_argument("--force-drop", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "benchmark": "outbox_dispatch",
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "workers": WORKERS,
        "uptime_before": uptime_line(),
    }
    recreate_database(args.database_url, force=args.force_drop)
    result["facts"] = machine_facts(args.database_url)
    engine = make_engine(Settings(database_url=args.database_url, run_background_sweep=False))
    upgrade(engine)
    key = secrets.token_urlsafe(16)
    gateway: Process | None = None
    workers: list[Process] = []
    with terminate_as_interrupt():
        try:
            gateway, base = _gateway(key)
            workers = _workers(args.database_url, base, key)
            # One message each first: the workers are up, connected and have sent once.
            warm, _ = _queue(engine, WORKERS, 0)
            _wait_until_sent(engine, workers, timeout=60)
            result["backlog"], last = backlog(engine, gateway, workers, args.messages, warm)
            if args.seconds and args.rate:
                result["steady"], last = steady(
                    engine, gateway, workers, args.rate, args.seconds, last
                )
            result["exactly_once"] = exactly_once(engine, base, key, last)
        finally:
            for worker in workers:
                worker.stop()
            if gateway is not None:
                gateway.stop()
            engine.dispose()
    result["uptime_after"] = uptime_line()
    out = args.out or str(
        Path(__file__).resolve().parent
        / "results"
        / f"outbox-dispatch-{time.strftime('%Y%m%d')}.json"
    )
    path = write_result("outbox-dispatch", result, out)
    log(f"exactly once: {result['exactly_once']['exactly_once']}")
    log(f"result: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
