"""Token checks are cached per process, and whatever revokes a token in this process clears it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.errors import Unauthenticated
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import ApiToken


def test_logout_refuses_the_token_at_once(client: TestClient, login: Any) -> None:
    headers = login("agent")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_disabling_an_account_refuses_its_token_at_once(
    client: TestClient, login: Any, engine: Engine
) -> None:
    headers = login("agent")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with Session(engine) as session:
        staff_accounts.set_active(session, by=system("test"), username="agent", active=False)
        session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_revocation_by_another_process_is_seen_within_the_cache_time(
    session: Session, org: Organisation
) -> None:
    issued = staff_accounts.log_in(session, "agent", DEMO_PASSWORD, ttl_minutes=60)
    session.commit()
    assert staff_accounts.authenticate(session, issued.token, cache_seconds=30).username == "agent"
    # Another worker revokes it straight in the database: this process has not been told.
    session.execute(update(ApiToken).values(revoked=True))
    session.commit()
    assert staff_accounts.authenticate(session, issued.token, cache_seconds=30).username == "agent"
    with pytest.raises(Unauthenticated):
        staff_accounts.authenticate(session, issued.token, cache_seconds=0)
    staff_accounts.forget_tokens()
    with pytest.raises(Unauthenticated):
        staff_accounts.authenticate(session, issued.token, cache_seconds=30)
