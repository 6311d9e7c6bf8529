"""The administration's staff forms: an administrator cannot disable himself, and a form that
leaves a field out changes nothing (never read as "inactive", "no department", "no follow-up")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from console.conftest import csrf_of
from quarterhour.access.actor import Role
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import policies as policy_versions
from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.models import TimeLimitPolicy
from quarterhour.workorders.policies import ALWAYS_FOLLOWED_UP

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]


def test_an_administrator_cannot_disable_himself(desk: Desk, engine: Engine) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/staff")
    refused = admin.post(
        "/console/admin/staff/admin/active", data={"csrf": csrf_of(page.text), "active": "0"}
    )
    assert refused.status_code == 409
    assert "管理员不能停用自己的账号" in refused.text
    assert admin.get("/console/admin/staff").status_code == 200  # still logged in, still active


def test_a_console_form_that_leaves_a_field_out_changes_nothing(
    desk: Desk, engine: Engine, org: Organisation
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/staff")
    csrf = csrf_of(page.text)
    no_active = admin.post("/console/admin/staff/agent/active", data={"csrf": csrf})
    assert no_active.status_code == 422 and "启用状态须为1（启用）或0（停用）" in no_active.text
    no_department = admin.post(
        "/console/admin/staff/agent2/role", data={"csrf": csrf, "role": "dispatcher"}
    )
    # The field is named as the reader knows it, not by the form's name for it.
    assert no_department.status_code == 422 and "表单缺少部门" in no_department.text
    policies = admin.get("/console/admin/policies")
    form = {
        "csrf": csrf_of(policies.text),
        "code": "HF-2027",
        "name": "新承诺",
        # A month ahead: within the window a date may take, and still in the future next year.
        "effective_from": (clock.now().date() + timedelta(days=30)).isoformat(),
        "source": "测试通知",
    }
    no_follow_up = admin.post("/console/admin/policies", data=form)
    assert no_follow_up.status_code == 422 and "表单缺少故障报修的回访" in no_follow_up.text
    with make_session_factory(engine)() as session:
        agent = session.scalar(select(Staff).where(Staff.username == "agent"))
        agent2 = session.scalar(select(Staff).where(Staff.username == "agent2"))
        assert agent is not None and agent.is_active
        assert agent2 is not None and agent2.role == Role.DUTY_AGENT
        assert (
            session.scalar(select(TimeLimitPolicy.id).where(TimeLimitPolicy.code == "HF-2027"))
            is None
        )
    # The page's own form sends every kind: 0 under each box (1 when ticked), 1 for the kinds
    # that are always followed up.
    for kind in OrderType:
        value = "1" if kind in ALWAYS_FOLLOWED_UP else "0"
        assert f'type="hidden" name="follow_up_{kind.value}" value="{value}"' in policies.text
    # As a browser sends it, in the page's order: each hidden 0, then a ticked box's 1 after it.
    fields = list(form.items())
    for kind in OrderType:
        always = kind in ALWAYS_FOLLOWED_UP
        fields.append((f"follow_up_{kind.value}", "1" if always else "0"))
        if kind is OrderType.CONSULTATION:
            fields.append((f"follow_up_{kind.value}", "1"))  # ticked
    saved = admin.post(
        "/console/admin/policies",
        content=urlencode(fields),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert saved.status_code == 303
    with make_session_factory(engine)() as session:
        new = next(p for p in policy_versions.policies(session) if p.code == "HF-2027")
    assert new.follow_up_required(OrderType.CONSULTATION)
    assert not new.follow_up_required(OrderType.OPINION)
    assert new.follow_up_required(OrderType.COMPLAINT)
