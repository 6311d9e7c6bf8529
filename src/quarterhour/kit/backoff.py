"""How long a retry waits: the job queue's (jobs/service.py) and the outbox's (notifications/
sending.py) alike."""

from __future__ import annotations

import secrets
from datetime import timedelta

FIRST_SECONDS = 30
CAP_SECONDS = 3600


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` tries: 30 s, 1 min, 2 min … at most an
    hour, plus up to a tenth more so that what failed together (a database or a gateway
    restarting) does not come back in the same second."""
    seconds = min(FIRST_SECONDS * 2 ** max(attempts - 1, 0), CAP_SECONDS)
    return timedelta(seconds=seconds + secrets.randbelow(seconds // 10 + 1))
