"""The jobs through the API: every job for administrators, one job for whoever may start its
kind, a dead one run again and a queued one withdrawn, each refused as the console refuses it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.jobs import service as queue
from quarterhour.jobs.models import Job
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory, unit_of_work
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db


@pytest.fixture
def api(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


def _jobs(engine: Engine, org: Organisation) -> dict[str, int]:
    """A dead bill run, a queued import and a finished sweep."""
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        bill_run = queue.enqueue(
            session,
            kind="bill_run",
            params={"period": "2026-10", "district_id": None, "districts": []},
            by=actor_of(org.staff["admin"]),
        )
        job = session.get_one(Job, bill_run)
        job.status, job.attempts, job.error = "dead", 5, "任务出错"
        imported = queue.enqueue(
            session,
            kind="import",
            params={"what": "readings", "file": "a.csv", "strict": False},
            by=actor_of(org.staff["admin"]),
            upload=("a.csv", b"x\n"),
        )
        sweep = queue.enqueue(session, kind="sla_sweep", params={}, by=system("test"))
        session.get_one(Job, sweep).status = "done"
    return {"bill_run": bill_run, "import": imported, "sweep": sweep}


def test_administrators_list_every_job_newest_first_and_filter_them(
    api: LoopApi, engine: Engine, org: Organisation
) -> None:
    ids = _jobs(engine, org)
    admin = api.headers("admin")
    listed = api.client.get("/api/v1/jobs", headers=admin)
    assert listed.status_code == 200, listed.text
    assert [j["id"] for j in listed.json()] == [ids["sweep"], ids["import"], ids["bill_run"]]
    dead = api.client.get("/api/v1/jobs", params={"status": "dead"}, headers=admin).json()
    assert [(j["id"], j["kind"], j["attempts"], j["error"]) for j in dead] == [
        (ids["bill_run"], "bill_run", 5, "任务出错")
    ]
    imports = api.client.get("/api/v1/jobs", params={"kind": "import"}, headers=admin).json()
    assert [j["id"] for j in imports] == [ids["import"]]
    assert (
        api.client.get("/api/v1/jobs", params={"limit": 1}, headers=admin).json()[0]["id"]
        == (ids["sweep"])
    )
    for bad in ({"status": "lost"}, {"kind": "rm -rf"}, {"limit": 0}, {"limit": 501}):
        refused = api.client.get("/api/v1/jobs", params=bad, headers=admin)
        assert refused.status_code == 422
        assert refused.json()["field"] == next(iter(bad))
    # The listing is the administrators'; a dispatcher is refused.
    assert api.client.get("/api/v1/jobs", headers=api.headers("dispatcher")).status_code == 403


def test_one_job_for_whoever_may_start_its_kind(
    api: LoopApi, engine: Engine, org: Organisation
) -> None:
    ids = _jobs(engine, org)
    one = api.client.get(f"/api/v1/jobs/{ids['import']}", headers=api.headers("admin"))
    assert one.status_code == 200
    body = one.json()
    assert (body["kind"], body["status"], body["scheduled"], body["stalled"]) == (
        "import",
        "queued",
        False,
        False,
    )
    sweep = api.client.get(f"/api/v1/jobs/{ids['sweep']}", headers=api.headers("admin")).json()
    assert sweep["scheduled"] is False and sweep["status"] == "done"
    assert api.client.get("/api/v1/jobs/999999", headers=api.headers("admin")).status_code == 404
    # An agent may start no bill run: he may not watch one either.
    refused = api.client.get(f"/api/v1/jobs/{ids['bill_run']}", headers=api.headers("agent"))
    assert refused.status_code == 403


def test_a_dead_job_is_run_again_and_a_queued_one_withdrawn(
    api: LoopApi, engine: Engine, org: Organisation
) -> None:
    ids = _jobs(engine, org)
    admin = api.headers("admin")
    again = api.client.post(f"/api/v1/jobs/{ids['bill_run']}/retry", headers=admin)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["attempts"], again.json()["error"]) == (
        "queued",
        0,
        None,
    )
    withdrawn = api.client.post(f"/api/v1/jobs/{ids['import']}/cancel", headers=admin)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"
    # Not twice, and not a job in the wrong state: 409 saying so.
    twice = api.client.post(f"/api/v1/jobs/{ids['import']}/cancel", headers=admin)
    assert twice.status_code == 409 and "only a queued job" in twice.json()["message"]
    done = api.client.post(f"/api/v1/jobs/{ids['sweep']}/retry", headers=admin)
    assert (
        done.status_code == 409 and "only a dead, failed or stopped job" in done.json()["message"]
    )
    assert api.client.post("/api/v1/jobs/999999/retry", headers=admin).status_code == 404
    with make_session_factory(engine)() as session:
        assert session.get_one(Job, ids["bill_run"]).status == "queued"
