"""A small sliding-window counter for public endpoints (per server process)."""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureLimiter:
    """Counts failures per caller; a caller over the limit is refused until the window passes."""

    def __init__(self, limit: int, window_seconds: float, max_callers: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_callers = max_callers
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, caller: str, now: float) -> deque[float]:
        hits = self._failures.setdefault(caller, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def is_blocked(self, caller: str) -> bool:
        with self._lock:
            return len(self._recent(caller, time.monotonic())) >= self.limit

    def fail(self, caller: str) -> None:
        with self._lock:
            if len(self._failures) >= self.max_callers:
                # Bounded memory under a flood of distinct callers: forget the oldest half.
                for key in list(self._failures)[: self.max_callers // 2]:
                    del self._failures[key]
            self._recent(caller, time.monotonic()).append(time.monotonic())
