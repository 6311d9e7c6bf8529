"""How long a worker trusts its copy of reference data that rarely changes.

Calendar years, time-limit policies and routing rules are read by every intake. Each process keeps
a copy and used to check a stamp of the table (one query) on every use; now it checks at most
every `SECONDS`. A change made by the same process clears the copy at once; other worker
processes see it within `SECONDS`, like a cached bearer token.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

SECONDS = 2.0


class Recheck:
    def __init__(self) -> None:
        self._until: dict[Hashable, float] = {}

    def fresh(self, key: Hashable) -> bool:
        return self._until.get(key, 0.0) > time.monotonic()

    def checked(self, key: Hashable) -> None:
        self._until[key] = time.monotonic() + SECONDS

    def forget(self) -> None:
        self._until.clear()


def database_key(bind: object) -> str:
    """One process may talk to several databases (tests, tools); a copy only holds within one."""
    engine = getattr(bind, "engine", bind)
    url = getattr(engine, "url", None)
    rendered = url.render_as_string(hide_password=True) if url is not None else ""
    return f"{id(engine)}:{rendered}"
