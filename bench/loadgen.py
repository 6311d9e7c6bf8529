"""A lean HTTP/1.1 load generator: N keep-alive connections on one event loop (uvloop when it is
installed). In a closed loop each sends its next GET as soon as the previous answer has arrived,
so the concurrency is exactly N.

An open loop (`rate`) offers a fixed number of requests a second instead (see `_Arrivals`).

On this 2-core machine the load generator shares the cores with the server and PostgreSQL; a
thread-per-connection client (httpx) spends a quarter of them on itself, this one a few per cent,
so the figures say more about the server. It speaks just enough HTTP for our own server's
answers: a status line, headers, a Content-Length body.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bench.common import latency

_T = TypeVar("_T")


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # broken connections, unreadable answers, or answers `check` refused
    started_at: float = 0.0
    last_answer_at: float = 0.0

    def figures(self) -> dict[str, Any]:
        done = len(self.latencies)
        # Answers still arriving after the window (an open loop the server fell behind) stretch it.
        window = max(self.seconds, self.last_answer_at - self.started_at)
        return {
            "answers": done,
            "answers_per_s": round(done / window, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            **latency(self.latencies),
        }


@dataclass
class _Arrivals:
    """Open loop: requests fall due at a fixed rate and the next free connection takes the next
    one, as a free line takes the next call (so a connection held by a slow server process does
    not hold back the rest). Each latency counts from when its request fell due: waiting for a
    free connection is part of what the caller sees (no coordinated omission)."""

    first: float
    interval: float
    taken: int = 0

    def next(self) -> float:
        due = self.first + self.taken * self.interval
        self.taken += 1
        return due


class Connection:
    """One keep-alive HTTP/1.1 connection for a scripted client (a request, its answer, the next
    request built from it): the lean counterpart of an `httpx.Client`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self._reader, self._writer, self._host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, host)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        lines = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        if body:
            lines += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n{lines}\r\n".encode() + body
        )
        return await _answer(self._reader)

    def close(self) -> None:
        self._writer.close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def run_async(main: Coroutine[Any, Any, _T]) -> _T:
    """Run on uvloop when it is installed (uvicorn[standard] brings it); plain asyncio is slower,
    not wrong."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


async def _connection(
    host: str,
    port: int,
    paths: Sequence[str],
    offset: int,
    start_at: float,
    stop_at: float,
    check: Callable[[int, bytes], bool],
    result: LoadResult,
    arrivals: _Arrivals | None,
    order: int,
    headers: str,
) -> None:
    # Callers do not all dial in the same millisecond: connections opened in one burst are all
    # accepted by whichever server process wakes first (every worker of `uvicorn --workers`
    # accepts on one shared socket), leaving the others idle.
    await asyncio.sleep(order * 0.005)
    reader, writer = await asyncio.open_connection(host, port)
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode() for p in paths]
    n = offset
    try:
        while True:
            request = requests[n % len(requests)]
            n += 1
            if arrivals is not None:
                due = arrivals.next()
                pause = due - time.perf_counter()
                # The event loop's timers are good to a millisecond: a shorter wait is spun off
                # by sending at once (timed from the send: never less than the server took).
                if pause > 0.002:
                    await asyncio.sleep(pause - 0.001)
                started = min(due, time.perf_counter())
            else:
                started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(request)
            try:
                status, body = await _answer(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                result.errors += 1
                return
            finished = time.perf_counter()
            if started < start_at:  # still warming up
                continue
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if not check(status, body):
                result.errors += 1
                continue
            result.latencies.append(finished - started)
            result.last_answer_at = max(result.last_answer_at, finished)
    finally:
        writer.close()


async def _run(
    host: str,
    port: int,
    paths: Sequence[str],
    concurrency: int,
    seconds: float,
    warmup: float,
    check: Callable[[int, bytes], bool],
    rate: float | None,
    headers: str,
) -> LoadResult:
    now = time.perf_counter()
    arrivals = _Arrivals(now, 1 / rate) if rate else None
    start_at, stop_at = now + warmup, now + warmup + seconds
    result = LoadResult(seconds=seconds, started_at=start_at)
    step = max(1, len(paths) // concurrency)
    await asyncio.gather(
        *(
            _connection(
                host, port, paths, i * step, start_at, stop_at, check, result, arrivals, i, headers
            )
            for i in range(concurrency)
        )
    )
    return result


def run(
    host: str,
    port: int,
    paths: Sequence[str],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 3.0,
    check: Callable[[int, bytes], bool] = lambda status, _body: status == 200,
    rate: float | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """`concurrency` connections cycling through `paths` (each starting at its own place) for
    `warmup` + `seconds`; only the answers that started after the warm-up are counted.

    Without `rate`, a closed loop: each connection asks again as soon as it is answered, which
    finds the most the server answers (and, by Little's law, a mean latency of concurrency /
    rate). With `rate`, an open loop offering that many requests a second in all, at most
    `concurrency` at a time: the latency callers see at that load."""
    lines = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    return run_async(_run(host, port, paths, concurrency, seconds, warmup, check, rate, lines))
