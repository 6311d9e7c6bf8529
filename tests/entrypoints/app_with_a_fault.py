"""The app as `quarterhour serve` builds it (from the environment), with one more route that fails
the way an intake once failed: the caller's phone and record in the log line, in an exception
logged by the product and in the exception that reaches the server. For tests/entrypoints/
test_served_logs.py, which serves it with uvicorn in another process and reads its output."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from quarterhour.entrypoints.asgi import app_from_env


def app() -> FastAPI:
    served = app_from_env()
    log = logging.getLogger("quarterhour.api")

    @served.get("/api/v1/test/failing-intake")
    def failing_intake(phone: str) -> None:
        record = {"name": "袁女士", "phone": phone, "address": "芜湖路174号宿舍楼"}
        log.warning("intake refused for %s", phone)
        try:
            raise ValueError(f"no district for {record}")
        except ValueError:
            log.exception("intake of %(phone)s failed", {"phone": phone})
        raise RuntimeError(f"intake failed: {record}")

    @served.get("/api/v1/test/worker")
    def worker(phone: str) -> dict[str, int]:
        """Which worker process answered; it logs the caller's phone as it goes."""
        log.warning("worker %d looked up %s", os.getpid(), phone)
        return {"pid": os.getpid()}

    return served
