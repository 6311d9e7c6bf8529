"""A job's page says what the job did and why it stopped in the reader's language: the steps a
bill run reports and the sentences of a stopped or failed job are catalogue messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from quarterhour.demo.organisation import Organisation
from quarterhour.jobs import service as jobs
from quarterhour.jobs.models import Job
from quarterhour.kit import clock

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def _job(session: Session, org: Organisation, *, message: str, error: str) -> int:
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=clock.SHANGHAI)
    job = Job(
        kind="bill_run",
        params={"period": "2026-10"},
        status="stopped",
        steps_done=1,
        steps_total=4,
        message=message,
        error=error,
        started_by_id=org.staff["admin"].id,
        started_at=moment,
        heartbeat_at=moment,
        run_after=moment,
        attempts=1,
        finished_at=moment,
    )
    session.add(job)
    session.commit()
    return job.id


def test_a_stopped_bill_run_is_told_in_chinese_and_in_english(
    desk: Desk, session: Session, org: Organisation
) -> None:
    job_id = _job(session, org, message="包河区: writing 194 bills", error=jobs.STOPPED_SENTENCE)
    admin = desk("admin")
    page = admin.get(f"/console/jobs/{job_id}").text
    assert "包河区：正在写入194张账单" in page
    assert "服务器关闭时任务已停止" in page and "stopped when" not in page
    english = admin.get(f"/console/jobs/{job_id}?lang=en").text
    assert "包河区: writing 194 bills" in english and "stopped when the server shut down" in english
