"""The console: the administrators' webhook endpoints (系统管理 › 接口推送): add one and see its
key once, its recent deliveries, change and deactivate it, a bad address refused, and nobody
else let in."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from console.conftest import csrf_of
from quarterhour.entrypoints.web.session import COOKIE, csrf_for
from quarterhour.kit import clock
from quarterhour.notifications.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from quarterhour.storage.engine import make_session_factory

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
PAGE = "/console/admin/webhooks"
RECEIVER = "https://crm.example.cn/hooks/quarterhour"


def _add(admin: TestClient, url: str = RECEIVER, kinds: list[str] | None = None) -> str:
    page = admin.get(PAGE)
    assert page.status_code == 200
    answer = admin.post(
        PAGE,
        data={"csrf": csrf_of(page.text), "url": url, "kinds": kinds or ["result_replied"]},
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def _rows(engine: Engine) -> list[WebhookEndpoint]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def test_an_administrator_adds_an_endpoint_and_sees_its_key_once(
    desk: Desk, engine: Engine
) -> None:
    admin = desk("admin")
    empty = admin.get(PAGE)
    assert 'id="no-endpoints"' in empty.text
    assert 'href="/console/admin/webhooks"' in admin.get("/console/admin/staff").text
    assert "接口推送" in empty.text
    # A verification code is the customer's alone: not offered.
    assert 'value="verification_code"' not in empty.text
    assert 'value="contact_accepted"' in empty.text

    answer = _add(admin, kinds=["contact_accepted", "result_replied"])
    [row] = _rows(engine)
    assert row.url == RECEIVER and row.kinds == ["contact_accepted", "result_replied"]
    assert row.secret in answer
    assert "只显示这一次" in answer
    assert "X-QuarterHour-Signature" in answer and "X-QuarterHour-Timestamp" in answer

    later = admin.get(PAGE).text
    assert row.secret not in later
    assert 'id="new-secret"' not in later
    assert RECEIVER in later and "受理通知" in later and "处理结果答复" in later
    assert "启用" in later


def test_the_list_shows_the_recent_deliveries_newest_first(desk: Desk, engine: Engine) -> None:
    admin = desk("admin")
    _add(admin)
    [row] = _rows(engine)
    at = clock.now() - timedelta(hours=1)
    with make_session_factory(engine)() as session:
        message = OutboxMessage(
            kind="result_replied",
            channel="webhook",
            recipient=row.url,
            lang="zh",
            subject=None,
            body="{}",
            webhook_endpoint_id=row.id,
            status="delivered",
            not_before=at,
            created_at=at,
        )
        session.add(message)
        session.flush()
        session.add_all(
            [
                DeliveryAttempt(message_id=message.id, at=at, outcome="retry", detail="HTTP 503"),
                DeliveryAttempt(
                    message_id=message.id,
                    at=at + timedelta(minutes=1),
                    outcome="delivered",
                    detail="HTTP 200",
                ),
            ]
        )
        session.commit()

    page = admin.get(PAGE).text
    deliveries = page.split(f'id="endpoint-{row.id}"')[1].split("</table>", 2)[1]
    assert "送达" in deliveries and "HTTP 200" in deliveries
    assert "失败，稍后重试" in deliveries and "HTTP 503" in deliveries
    assert deliveries.index("HTTP 200") < deliveries.index("HTTP 503")  # the newest first
    assert "处理结果答复" in deliveries


def test_an_endpoint_is_changed_and_deactivated(desk: Desk, engine: Engine) -> None:
    admin = desk("admin")
    _add(admin)
    [row] = _rows(engine)
    edit = admin.get(f"{PAGE}/{row.id}")
    assert edit.status_code == 200
    assert RECEIVER in edit.text and 'value="result_replied" checked' in edit.text

    changed = admin.post(
        f"{PAGE}/{row.id}",
        data={
            "csrf": csrf_of(edit.text),
            "url": RECEIVER,
            "kinds": ["bill_ready", "planned_outage_notice"],
            "active": "1",
        },
    )
    assert changed.status_code == 303
    assert "推送地址已保存" in admin.get(changed.headers["location"]).text
    [row] = _rows(engine)
    assert row.kinds == ["bill_ready", "planned_outage_notice"] and row.active

    page = admin.get(PAGE)
    gone = admin.post(f"{PAGE}/{row.id}/deactivate", data={"csrf": csrf_of(page.text)})
    assert gone.status_code == 303
    after = admin.get(gone.headers["location"]).text
    assert "已停用" in after
    assert f'action="/console/admin/webhooks/{row.id}/deactivate"' not in after
    [row] = _rows(engine)
    assert row.active is False


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        (
            {"url": "ftp://crm.example.cn/hooks", "kinds": ["bill_ready"]},
            "url",
            "须为http或https地址",
        ),
        ({"url": RECEIVER}, "kinds", "请至少选择一类消息"),
    ],
)
def test_a_bad_form_is_refused_naming_the_field_and_nothing_written(
    desk: Desk, engine: Engine, form: dict[str, object], field: str, said: str
) -> None:
    admin = desk("admin")
    page = admin.get(PAGE)
    refused = admin.post(PAGE, data={"csrf": csrf_of(page.text), **form})
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert said in text
    assert f'id="error-{field}"' in refused.text  # the message by the input at fault
    assert str(form["url"]) in text  # what was typed comes back
    assert _rows(engine) == []


def test_a_bad_change_leaves_the_endpoint_as_it_was(desk: Desk, engine: Engine) -> None:
    admin = desk("admin")
    _add(admin)
    [row] = _rows(engine)
    edit = admin.get(f"{PAGE}/{row.id}")
    refused = admin.post(
        f"{PAGE}/{row.id}",
        data={
            "csrf": csrf_of(edit.text),
            "url": "not an address",
            "kinds": ["bill_ready"],
            "active": "0",
        },
    )
    assert refused.status_code == 422
    assert 'id="error-url"' in refused.text
    assert "not an address" in refused.text
    [after] = _rows(engine)
    assert (after.url, after.kinds, after.active) == (RECEIVER, ["result_replied"], True)


def test_nobody_but_an_administrator_is_let_in(desk: Desk, engine: Engine) -> None:
    _add(desk("admin"))
    [row] = _rows(engine)
    for username in ("agent", "dispatcher", "supervisor"):
        other = desk(username)
        assert other.get(PAGE).status_code == 403
        assert other.get(f"{PAGE}/{row.id}").status_code == 403
        # A token of his own session: the refusal is the permission's, not the CSRF check's.
        token = csrf_for(other.cookies[COOKIE])
        form = {"csrf": token, "url": RECEIVER + "/2", "kinds": ["bill_ready"]}
        assert other.post(PAGE, data=form).status_code == 403
        assert other.post(f"{PAGE}/{row.id}/deactivate", data={"csrf": token}).status_code == 403
    assert [(r.url, r.active) for r in _rows(engine)] == [(RECEIVER, True)]


def test_the_english_page_uses_the_english_labels(desk: Desk) -> None:
    admin = desk("admin")
    _add(admin, kinds=["crew_arrived"])
    page = admin.get(f"{PAGE}?lang=en").text
    assert ">Webhooks</a>" in page
    assert "crew arrived" in page and "抢修人员到达" not in page
    assert "Add an endpoint" in page and "Nothing sent to it yet." in page
    assert ">active</td>" in page and "启用" not in page
