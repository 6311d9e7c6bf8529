"""Logins do the same work whoever is named; the staff can never be left without an active
administrator; a console form that leaves a field out changes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from quarterhour.access.actor import Role, system
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.entrypoints.cli.main import app as cli
from quarterhour.errors import Conflict
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import Staff
from quarterhour.storage.engine import make_session_factory

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes Argon2 verified, in order (the real verification runs)."""
    seen: list[str] = []
    verify = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        seen.append(hash if isinstance(hash, str) else hash.decode())
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return seen


def test_every_login_costs_one_verification_whoever_is_named(
    client: TestClient, engine: Engine, org: Organisation, verifications: list[str]
) -> None:
    with make_session_factory(engine)() as session:
        staff_accounts.set_active(session, by=system("test"), username="inspection", active=False)
        session.commit()
    attempts = [
        ("agent", DEMO_PASSWORD, 200),
        ("agent", "wrong-password-1", 401),
        ("nobody-at-all", "wrong-password-1", 401),
        ("inspection", DEMO_PASSWORD, 401),  # disabled
    ]
    for username, password, status in attempts:
        for console in (False, True):
            verifications.clear()
            answered = _log_in(client, username, password, console=console)
            assert answered == (303 if console and status == 200 else status), username
            assert len(verifications) == 1, (username, console)
    # An unknown username is checked against a hash as costly as a real one (the default).
    verifications.clear()
    client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x-1234567"})
    assert verifications[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def _log_in(client: TestClient, username: str, password: str, *, console: bool) -> int:
    if console:
        return client.post(
            "/console/login",
            data={"username": username, "password": password},
            follow_redirects=False,
        ).status_code
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", json=body).status_code


def _second_admin(session: Session) -> Staff:
    staff = staff_accounts.create_staff(
        session,
        by=system("test"),
        username="admin2",
        full_name="第二管理员",
        role=Role.ADMIN,
        password="another-admin-2",
        password_cost=(1, 1024),
    )
    session.commit()
    return staff


def test_the_last_active_administrator_is_neither_disabled_nor_demoted(
    session: Session, org: Organisation, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    refused = CliRunner().invoke(cli, ["user", "disable", "admin"])
    assert refused.exit_code == 2 and "last active administrator" in refused.output
    admin = staff_accounts.actor_of(org.staff["admin"])
    second = staff_accounts.actor_of(_second_admin(session))
    staff_accounts.set_active(session, by=second, username="admin", active=False)
    session.commit()
    # The first administrator's page was open (a worker may trust his token for a while).
    with pytest.raises(Conflict, match="last active administrator") as caught:
        staff_accounts.change_role(
            session, by=admin, username="admin2", role="supervisor", department_id=None
        )
    assert caught.value.field == "role"
    session.rollback()
    with pytest.raises(Conflict, match="last active administrator"):
        staff_accounts.set_active(session, by=admin, username="admin2", active=False)
    session.rollback()
    active = select(func.count()).where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
    assert session.scalar(active) == 1


def test_two_administrators_disabling_each_other_at_once_leave_one(
    engine: Engine, org: Organisation
) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        second = staff_accounts.actor_of(_second_admin(session))
    first = staff_accounts.actor_of(org.staff["admin"])
    outcome: dict[str, Any] = {}
    with factory() as one, factory() as other:
        staff_accounts.set_active(
            one, by=first, username="admin2", active=False
        )  # not yet committed

        def the_other_way() -> None:
            try:
                staff_accounts.set_active(other, by=second, username="admin", active=False)
                other.commit()
                outcome["other"] = "disabled"
            except Conflict as refusal:
                other.rollback()
                outcome["other"] = refusal.message

        racer = threading.Thread(target=the_other_way)
        racer.start()
        time.sleep(0.5)  # the other transaction now waits for this one's locks
        one.commit()
        racer.join(timeout=60)
    assert "last active administrator" in outcome["other"]
    with factory() as session:
        active = select(Staff.username).where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
        assert list(session.scalars(active)) == ["admin"]
