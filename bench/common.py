"""Shared plumbing of the benchmarks: scratch databases, the served app, machine facts, figures.

Everything here is started by the benchmark itself and stopped by process id; nothing listens on
anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
QUARTERHOUR = Path(sys.executable).with_name("quarterhour")
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Written on every database the benchmarks create; a database without it is never dropped.
MARK = "quarterhour benchmark scratch database"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --- figures ---------------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (the peer's definition, so the figures compare)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def latency(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": ms(pct(values, 50)),
        "p99_ms": ms(pct(values, 99)),
        "max_ms": ms(max(values)) if values else None,
        "mean_ms": ms(sum(values) / len(values)) if values else None,
    }


# --- machine ---------------------------------------------------------------------------------


def uptime_line() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_facts(database_url: str | None = None) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    facts: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "uptime": uptime_line(),
    }
    if database_url:
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                facts["postgresql"] = connection.scalar(text("SELECT version()"))
                facts["postgresql_settings"] = {
                    name: connection.scalar(text(f"SHOW {name}"))
                    for name in ("shared_buffers", "work_mem", "jit", "synchronous_commit")
                }
        finally:
            engine.dispose()
    return facts


# --- scratch databases -----------------------------------------------------------------------


def recreate_database(url: str, *, force: bool = False) -> None:
    """Drop (if it is one of ours) and create the database named in `url`."""
    target = make_url(url)
    name = target.database
    if not name:
        raise SystemExit(f"no database name in {url}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if exists:
                comment = connection.scalar(
                    text(
                        "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                        " WHERE datname = :n"
                    ),
                    {"n": name},
                )
                if comment != MARK and not force:
                    raise SystemExit(
                        f"database {name!r} exists and was not created by these benchmarks;"
                        " pass --force-drop to replace it"
                    )
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{MARK}'"))
    finally:
        admin.dispose()


def database_exists(url: str) -> bool:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return bool(
                connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
                )
            )
    finally:
        admin.dispose()


# --- the served app --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
    except OSError:
        return ""


def memory_kib(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0])
    except OSError:
        pass
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(database: str) -> dict[int, float]:
    """CPU time so far of each PostgreSQL backend connected to `database` (ps shows them as
    "postgres: <cluster>: <user> <database> <host> ...")."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            words = _cmdline(int(entry.name)).split()
            if len(words) > 3 and words[0] == "postgres:" and words[3] == database:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class CpuSampler:
    """CPU seconds used by the processes whose command line matches, while the block runs
    (sampled every half second, so processes that come and go are counted up to their last
    sample). For servers the benchmark does not start itself, such as the peer's gunicorn."""

    def __init__(self, **patterns: Callable[[str], bool]) -> None:
        self.patterns = patterns
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            command = _cmdline(pid)
            for name, matches in self.patterns.items():
                if command and matches(command):
                    cpu = cpu_seconds(pid)
                    self.first.setdefault(pid, cpu)
                    self.last[pid] = (name, cpu)
                    break

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def pids(self, name: str) -> list[int]:
        return [pid for pid, (seen, _) in self.last.items() if seen == name]

    def seconds(self) -> dict[str, float]:
        totals = dict.fromkeys(self.patterns, 0.0)
        for pid, (name, cpu) in self.last.items():
            totals[name] += cpu - self.first.get(pid, cpu)
        return {name: round(value, 2) for name, value in totals.items()}


class Server:
    """`quarterhour serve --workers N` on a free port of 127.0.0.1, in its own process group."""

    def __init__(self, database_url: str, *, workers: int = 2, env: dict[str, str] | None = None):
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.logpath = Path(f"/tmp/quarterhour-bench-serve-{self.port}.log")

    def start(self, timeout: float = 60) -> None:
        env = dict(os.environ)
        env.update(
            {
                "QUARTERHOUR_DATABASE_URL": self.database_url,
                "QUARTERHOUR_ACCESS_LOG": "0",
                "QUARTERHOUR_LOG_LEVEL": "warning",
                **self.extra_env,
            }
        )
        command = [
            str(QUARTERHOUR),
            "serve",
            "--workers",
            str(self.workers),
            "--port",
            str(self.port),
        ]
        with self.logpath.open("ab") as logfile:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"quarterhour serve exited early; see {self.logpath}")
            try:
                ok = httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"quarterhour serve did not become ready; see {self.logpath}")

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes: spawned children of the serve process (not its
        multiprocessing resource tracker)."""
        if self.proc is None:
            return []
        if self.workers == 1:  # uvicorn serves in the process itself
            return [self.proc.pid]
        return [
            pid
            for pid in _children(self.proc.pid)
            if "resource_tracker" not in _cmdline(pid) and "spawn_main" in _cmdline(pid)
        ]

    def worker_memory(self) -> dict[str, Any]:
        per_worker = {pid: memory_kib(pid) for pid in self.worker_pids()}
        supervisor = memory_kib(self.proc.pid) if self.proc else {}
        return {
            "worker_peak_rss_mib": sorted(
                round(m.get("VmHWM", 0) / 1024, 1) for m in per_worker.values()
            ),
            "worker_rss_mib_now": sorted(
                round(m.get("VmRSS", 0) / 1024, 1) for m in per_worker.values()
            ),
            "supervisor_peak_rss_mib": round(supervisor.get("VmHWM", 0) / 1024, 1),
        }

    def workers_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group we created, nothing else
            proc.wait(timeout=10)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so `finally` blocks stop what the benchmark started."""

    def _raise(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_threads(concurrency: int, worker: Callable[[threading.Event], None]) -> None:
    """`concurrency` threads running `worker(stop)`; on Ctrl-C or SIGTERM, `stop` is set so they
    finish the call in hand and return instead of working through the rest of the run."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker, args=(stop,), daemon=True) for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        raise


def write_result(kind: str, payload: dict[str, Any], out: str | None = None) -> Path:
    path = Path(out) if out else RESULTS / f"{kind}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
