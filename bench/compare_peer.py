"""Ours and the django-helpdesk peer, one after the other, same PostgreSQL, same client settings.

    .venv/bin/python -m bench.compare_peer               # about 10 minutes on 2 cores

1. `bench.lifecycle`: our 8-call loop, 2 uvicorn workers, concurrency 16, 2,000 lifecycles after
   32 warm-up, on the lean client (bench.loadgen) and again on the peer's kind of client (a
   thread and an httpx.Client per connection), each on a new database;
2. the peer's `setup.sh` (PostgreSQL role and database `peer_dh`, its venv in /tmp) and its
   `bench.py --phases http-ui --runs 1` with the same lifecycles, warm-up and concurrency
   (2 gunicorn workers: the peer's fixed setting);
3. the ratio of lifecycles/s (and of requests/s, since our loop has 8 calls to its 5), for each of
   our two clients. The peer is driven by its own benchmark, whose client costs it about 3 % of its
   CPU (its server needs 5× ours per lifecycle); ours spends a quarter of the machine on an httpx
   client, which is why the lean one is the headline.

The peer's folder is only read: its venv and its results live outside it, setup.sh installs the
pinned set from its requirements.lock (PEER_DH_USE_LOCK=1) instead of rewriting that file, and no
bytecode is written there. A checksum of the folder before and after proves it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import (
    RESULTS,
    ROOT,
    CpuSampler,
    log,
    terminate_as_interrupt,
    uptime_line,
    write_result,
)

PEER_DIR = ROOT.parent / "shared" / "bench-peers" / "django_helpdesk"
PEER_DB_URL = "postgresql://peer_dh:peer_dh@127.0.0.1:5432/peer_dh"
PEER_VENV = Path("/tmp/peer-dh-venv")
PEER_CALLS = ("create", "assign", "note", "reply", "close")


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
    """Run a step in the foreground; on Ctrl-C or SIGTERM let it stop its own servers first."""
    log("$ " + " ".join(command))
    child = subprocess.Popen(command, env=env, cwd=cwd)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # A Ctrl-C at the terminal reached the child too: give it a moment before signalling it.
        for sig, grace in ((None, 3), (signal.SIGINT, 60), (signal.SIGTERM, 20)):
            if sig is not None:
                child.send_signal(sig)
            try:
                child.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            child.kill()
            child.wait()
        raise


def stop_leftovers(pids: list[int]) -> None:
    """The peer's bench stops its gunicorn itself; if it was killed before it could, stop the
    processes of that gunicorn (seen while it ran, and still the same command) by their ids."""
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command and b"peer_site" in command:
            log(f"stopping the peer's leftover gunicorn process {pid}")
            os.kill(pid, signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--peer-dir", type=Path, default=PEER_DIR)
    parser.add_argument("--peer-db-url", default=PEER_DB_URL)
    parser.add_argument("--peer-venv", type=Path, default=PEER_VENV)
    parser.add_argument("--skip-setup", action="store_true", help="the peer is set up already")
    parser.add_argument("--database-url", help="ours (default: bench.lifecycle's qh_bench)")
    parser.add_argument("--out", help="combined JSON (default bench/results/compare-<time>.json)")
    args = parser.parse_args(argv)
    # Started from a non-interactive shell's background, SIGINT arrives ignored and the children
    # would inherit that; with a handler here, they get the default and turn it into
    # KeyboardInterrupt, which is how both benchmarks stop their servers.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    ours_json = RESULTS / f"compare-{stamp}-ours.json"
    ours_httpx_json = RESULTS / f"compare-{stamp}-ours-httpx.json"
    peer_json = RESULTS / f"compare-{stamp}-peer.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    peer_before = folder_digest(args.peer_dir)
    result: dict[str, Any] = {
        "benchmark": "compare_peer",
        "args": vars(args) | {"peer_dir": str(args.peer_dir), "peer_venv": str(args.peer_venv)},
    }

    with terminate_as_interrupt():
        result["uptime_before_ours"] = uptime_line()
        ours_cmd = [
            sys.executable,
            "-m",
            "bench.lifecycle",
            "--lifecycles",
            str(args.lifecycles),
            "--warmup",
            str(args.warmup),
            "--concurrency",
            str(args.concurrency),
            "--workers",
            "2",
        ]
        if args.database_url:
            ours_cmd += ["--database-url", args.database_url]
        ours_rc = run([*ours_cmd, "--out", str(ours_json)], cwd=ROOT)
        result["uptime_before_ours_httpx"] = uptime_line()
        ours_httpx_rc = run(
            [*ours_cmd, "--client", "httpx", "--out", str(ours_httpx_json)], cwd=ROOT
        )

        peer_env = dict(os.environ)
        peer_env.update(
            {
                "PEER_DB_URL": args.peer_db_url,
                "PEER_DH_VENV": str(args.peer_venv),
                "PEER_DH_USE_LOCK": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if not args.skip_setup:
            setup_rc = run(
                ["bash", str(args.peer_dir / "setup.sh")], env=peer_env, cwd=Path("/tmp")
            )
            if setup_rc:
                raise SystemExit(f"the peer's setup.sh failed ({setup_rc})")
        result["uptime_before_peer"] = uptime_line()
        peer_database = args.peer_db_url.rsplit("/", 1)[-1]
        # The peer reports no server CPU: count its gunicorn processes and its PostgreSQL
        # backends from outside, warm-up included.
        with CpuSampler(
            gunicorn=lambda c: "gunicorn" in c and "peer_site" in c,
            postgres=lambda c: c.startswith("postgres:") and f" {peer_database} " in c,
        ) as sampler:
            try:
                peer_rc = run(
                    [
                        str(args.peer_venv / "bin" / "python"),
                        str(args.peer_dir / "bench.py"),
                        "--db-url",
                        args.peer_db_url,
                        "--phases",
                        "http-ui",
                        "--runs",
                        "1",
                        "--http-lifecycles",
                        str(args.lifecycles),
                        "--http-warmup",
                        str(args.warmup),
                        "--concurrency",
                        str(args.concurrency),
                        "--out",
                        str(peer_json),
                    ],
                    env=peer_env,
                    cwd=Path("/tmp"),
                )
            finally:
                stop_leftovers(sampler.pids("gunicorn"))
        result["peer_server_cpu_s"] = sampler.seconds()
        result["uptime_after"] = uptime_line()

    result["peer_folder_unchanged"] = folder_digest(args.peer_dir) == peer_before
    ours = json.loads(ours_json.read_text()) if ours_json.exists() else None
    ours_httpx = json.loads(ours_httpx_json.read_text()) if ours_httpx_json.exists() else None
    peer = json.loads(peer_json.read_text()) if peer_json.exists() else None
    result["exit_codes"] = {"ours": ours_rc, "ours_httpx": ours_httpx_rc, "peer": peer_rc}
    result["files"] = {
        "ours": str(ours_json),
        "ours_httpx": str(ours_httpx_json),
        "peer": str(peer_json),
    }
    if ours and ours_httpx and peer:
        result["summary"] = summary(ours, peer, result["peer_server_cpu_s"])
        result["summary_httpx"] = summary(ours_httpx, peer, result["peer_server_cpu_s"])
    path = write_result("compare", result, args.out)
    if "summary" in result:
        print("ours on the lean client:\n" + markdown(result["summary"]))
        print("\nours on the peer's kind of client (httpx):\n" + markdown(result["summary_httpx"]))
    log(f"result: {path}")
    if not result["peer_folder_unchanged"]:
        log(f"WARNING: {args.peer_dir} changed during the run")
    ok = ours_rc == 0 and ours_httpx_rc == 0 and peer_rc == 0 and "summary" in result
    return 0 if ok else 1


def summary(
    ours: dict[str, Any], peer: dict[str, Any], peer_cpu: dict[str, float]
) -> dict[str, Any]:
    timed = ours["timed"]
    peer_run = peer["http-ui"]["runs"][0]
    ours_server_cpu = timed["cpu"]["workers_s"] + timed["cpu"]["postgres_backends_s"]
    peer_lifecycles = peer_run["lifecycles"] + peer_run["warmup"]
    # CPU per lifecycle does not depend on what else runs on the machine, unlike lifecycles/s.
    ours_ms = ours_server_cpu / max(timed["ok"], 1) * 1000
    peer_ms = (peer_cpu["gunicorn"] + peer_cpu["postgres"]) / peer_lifecycles * 1000
    return {
        "ours": {
            "calls_per_lifecycle": len(timed["calls"]),
            "lifecycles": timed["lifecycles"],
            "errors": timed["errors"],
            "lifecycles_per_s": timed["lifecycles_per_s"],
            "requests_per_s": timed["requests_per_s"],
            "quarters": timed["quarter_lifecycles_per_s"],
            "client_cpu_s": timed["client_cpu_s"],
            "worker_peak_rss_mib": ours["memory"]["worker_peak_rss_mib"],
            "calls": {k: [v["p50_ms"], v["p99_ms"]] for k, v in timed["calls"].items()},
            "db_check_ok": ours["db_after"]["ok"],
        },
        "peer": {
            "calls_per_lifecycle": len(PEER_CALLS),
            "lifecycles": peer_run["lifecycles"],
            "errors": peer_run["errors"],
            "lifecycles_per_s": peer_run["lifecycles_per_s"],
            "requests_per_s": peer_run["requests_per_s"],
            "quarters": peer_run["quarter_lifecycles_per_s"],
            "client_cpu_s": peer_run["client_cpu_s"],
            "worker_peak_rss_mib": peer_run["worker_peak_rss_mib"],
            "calls": {k: [v["p50_ms"], v["p99_ms"]] for k, v in peer_run["calls"].items()},
            "db_after": peer_run["db_after"],
            "versions": peer["facts"]["versions"],
        },
        "server_cpu_ms_per_lifecycle": {
            "ours": round(ours_ms, 1),
            "peer": round(peer_ms, 1),
            "peer_measured_from_outside_s": peer_cpu,
        },
        "ratio_server_cpu_per_lifecycle": round(peer_ms / ours_ms, 2) if ours_ms else None,
        "ratio_lifecycles_per_s": round(
            timed["lifecycles_per_s"] / peer_run["lifecycles_per_s"], 2
        ),
        "ratio_requests_per_s": round(timed["requests_per_s"] / peer_run["requests_per_s"], 2),
    }


def markdown(s: dict[str, Any]) -> str:
    o, p = s["ours"], s["peer"]
    lines = [
        "| | Quarter Hour | django-helpdesk (http-ui) |",
        "|---|---:|---:|",
        f"| calls per lifecycle | {o['calls_per_lifecycle']} | {p['calls_per_lifecycle']} |",
        f"| lifecycles (errors) | {o['lifecycles']} ({o['errors']}) | {p['lifecycles']} ({p['errors']}) |",
        f"| **lifecycles/s** | **{o['lifecycles_per_s']}** | **{p['lifecycles_per_s']}** |",
        f"| requests/s | {o['requests_per_s']} | {p['requests_per_s']} |",
        f"| lifecycles/s by quarter | {o['quarters']} | {p['quarters']} |",
        f"| client CPU s | {o['client_cpu_s']} | {p['client_cpu_s']} |",
        f"| worker peak RSS MiB | {o['worker_peak_rss_mib']} | {p['worker_peak_rss_mib']} |",
        f"| server CPU ms per lifecycle (workers + PostgreSQL) | "
        f"{s['server_cpu_ms_per_lifecycle']['ours']} | {s['server_cpu_ms_per_lifecycle']['peer']} |",
        "",
        f"ratio lifecycles/s: **{s['ratio_lifecycles_per_s']}×** (target ≥ 5×, aim 10×); "
        f"ratio requests/s: {s['ratio_requests_per_s']}×; "
        f"ratio of server CPU per lifecycle: {s['ratio_server_cpu_per_lifecycle']}×",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: what the benchmark started has been stopped")
        sys.exit(130)
