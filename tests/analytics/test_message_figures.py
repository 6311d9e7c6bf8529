"""Delivery figures of the outbox (analytics/messages.py) on the October of message_scenario.py,
every number worked out by hand in the comments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from analytics.message_scenario import build_messages
from analytics.scenario import Builder, at
from quarterhour.access.actor import system
from quarterhour.analytics import messages
from quarterhour.analytics.message_schemas import Latency, MessageQuery, MessageReport
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, ValidationFailed
from quarterhour.notifications.models import InboundSms, OutboxMessage
from quarterhour.organisation.staff_accounts import actor_of

pytestmark = pytest.mark.db

OCTOBER = MessageQuery.model_validate({"start": "2026-10-01", "end": "2026-10-31"})


@pytest.fixture
def october(builder: Builder) -> dict[str, int]:
    return build_messages(builder)


def figures(session: Session) -> MessageReport:
    return messages.message_figures(session, OCTOBER, by=system("cli"))


def _latency(found: Latency) -> tuple[object, ...]:
    values = (found.mean, found.p50, found.p90, found.p99)
    return (found.count, *(None if v is None else str(v) for v in values))


def test_counts_and_rates_per_channel_and_in_total(
    session: Session, october: dict[str, int]
) -> None:
    report = figures(session)
    sms, email, webhook = report.by_channel
    assert [c.channel for c in report.by_channel] == ["sms", "email", "webhook"]
    # SMS: 9 written; 1 suppressed, 1 queued, 2 sent (one plain, one survey), 4 delivered,
    # 1 failed. Answered: 2 + 4 + 1 = 7.
    assert (sms.written, sms.suppressed, sms.queued, sms.sent, sms.delivered, sms.failed) == (
        9,
        1,
        1,
        2,
        4,
        1,
    )
    assert sms.delivery_rate == Decimal("0.5714")  # 4 / 7
    assert sms.failure_rate == Decimal("0.1429")  # 1 / 7
    assert (email.written, email.delivered, email.failed) == (2, 1, 1)
    assert (email.delivery_rate, email.failure_rate) == (Decimal("0.5000"), Decimal("0.5000"))
    # The webhook in a sender's hands is still queued: it has no outcome.
    assert (webhook.written, webhook.queued, webhook.delivered) == (21, 1, 20)
    assert (webhook.delivery_rate, webhook.failure_rate) == (Decimal("1.0000"), Decimal(0))
    total = report.total
    assert total.channel is None
    # 9 + 2 + 21 = 32 written; answered 7 + 2 + 20 = 29, of them 4 + 1 + 20 = 25 delivered.
    assert (total.written, total.suppressed, total.queued, total.sent) == (32, 1, 2, 2)
    assert (total.delivered, total.failed) == (25, 2)
    assert total.delivery_rate == Decimal("0.8621")  # 25 / 29
    assert total.failure_rate == Decimal("0.0690")  # 2 / 29


def test_latencies_per_channel_and_in_total(session: Session, october: dict[str, int]) -> None:
    report = figures(session)
    sms, email, webhook = report.by_channel
    # SMS to sent: 0.4 0.5 0.6 0.7 0.8 1.2 3.0 (the failed survey was sent: it counts), sum
    # 7.2, mean 1.03; the 4th is the middle; ⌈0.9·7⌉ = ⌈0.99·7⌉ = 7th.
    assert _latency(sms.to_sent) == (7, "1.0", "0.7", "3.0", "3.0")
    # SMS to delivered: 1.0 1.5 2.0 4.0, mean 2.125 → 2.1, middles (1.5 + 2.0) / 2 = 1.75.
    assert _latency(sms.to_delivered) == (4, "2.1", "1.8", "4.0", "4.0")
    assert _latency(email.to_sent) == (1, "2.5", "2.5", "2.5", "2.5")
    # Webhooks: 0.5 … 10.0 by 0.5, sum 105, mean 5.25; middles 5.0 and 5.5; ⌈18⌉th = 9.0 and
    # ⌈19.8⌉ = 20th = 10.0: here the 90th and 99th percentiles part.
    assert _latency(webhook.to_sent) == (20, "5.3", "5.3", "9.0", "10.0")
    assert _latency(webhook.to_delivered) == (20, "5.3", "5.3", "9.0", "10.0")
    # In total, to sent: those 7 + 1 + 20 = 28, sum 7.2 + 2.5 + 105 = 114.7, mean 4.096;
    # sorted, the 14th and 15th are 3.0 and 3.5; ⌈25.2⌉ = 26th is 9.0; the 28th 10.0.
    assert _latency(report.total.to_sent) == (28, "4.1", "3.3", "9.0", "10.0")
    # To delivered: 4 + 1 + 20 = 25, sum 8.5 + 2.5 + 105 = 116, mean 4.64; the 13th of
    # 0.5 1.0 1.0 1.5 1.5 2.0 2.0 2.5 2.5 3.0 3.5 4.0 4.0 4.5 … is 4.0.
    assert _latency(report.total.to_delivered) == (25, "4.6", "4.0", "9.0", "10.0")


def test_counts_per_kind(session: Session, october: dict[str, int]) -> None:
    by_kind = {k.kind: k for k in figures(session).by_kind}
    # Most written first: 3 SMS + 21 webhooks accepted, 5 surveys, 2 e-mails, 1 suppressed.
    assert list(by_kind) == [
        "contact_accepted",
        "follow_up_survey",
        "result_replied",
        "crew_on_the_way",
    ]
    accepted = by_kind["contact_accepted"]
    assert (accepted.written, accepted.queued, accepted.sent, accepted.delivered) == (24, 1, 1, 22)
    assert accepted.label == "受理通知"
    surveys = by_kind["follow_up_survey"]
    assert (surveys.written, surveys.queued, surveys.sent, surveys.delivered) == (5, 1, 1, 2)
    assert surveys.delivery_rate == Decimal("0.5000")  # 2 / (1 + 2 + 1)
    assert by_kind["crew_on_the_way"].suppressed == 1


def test_the_survey_and_the_follow_ups_closed_by_sms(
    session: Session, october: dict[str, int]
) -> None:
    survey = figures(session).survey
    # 5 surveys written in October; sent and not reported failed: 2 delivered + 1 sent.
    assert (survey.surveys_written, survey.surveys_sent) == (5, 3)
    # Two surveys answered by text (one of them twice; the stray text and November's aside).
    assert survey.replied == 2
    assert survey.response_rate == Decimal("0.6667")
    # Follow-ups that reached the customer: 2 by SMS + 2 calls (the unanswered one aside).
    assert (survey.follow_ups, survey.closed_by_sms) == (4, 2)
    assert survey.closed_by_sms_share == Decimal("0.5000")


def test_a_text_that_answers_nothing_is_a_response_all_the_same(
    session: Session, october: dict[str, int]
) -> None:
    """A "谢谢" to the third survey closes nothing (the agents still call), but the customer
    did answer: the response rate counts him."""
    session.add(
        InboundSms(
            sender="13912345678",
            text="收到，谢谢",
            received_at=at("2026-10-09 12:00"),
            work_order_id=october["order"],
            survey_message_id=october["unanswered_survey"],
        )
    )
    session.commit()
    survey = figures(session).survey
    assert (survey.replied, survey.response_rate) == (3, Decimal("1.0000"))
    assert survey.closed_by_sms == 2  # no follow-up came of it


def test_a_message_held_for_the_morning_is_timed_from_when_it_was_due(
    session: Session, org: Any
) -> None:
    """Written at 22:00 and held by the quiet hours until 08:00: the ten hours are the rules',
    not the system's; it was sent 0.9 s and delivered 2.0 s after it was due."""
    written = at("2026-01-14 22:00")
    due = at("2026-01-15 08:00")
    session.add(
        OutboxMessage(
            kind="contact_accepted",
            channel="sms",
            recipient="13912345678",
            lang="zh",
            body="…",
            status="delivered",
            urgent=False,
            attempts=1,
            max_attempts=5,
            not_before=due,
            created_at=written,
            sent_at=due + timedelta(seconds=0.9),
            delivered_at=due + timedelta(seconds=2),
        )
    )
    session.commit()
    report = messages.message_figures(
        session,
        MessageQuery.model_validate({"start": "2026-01-01", "end": "2026-01-31"}),
        by=system("cli"),
    )
    assert _latency(report.total.to_sent) == (1, "0.9", "0.9", "0.9", "0.9")
    assert _latency(report.total.to_delivered) == (1, "2.0", "2.0", "2.0", "2.0")


def test_an_empty_period_has_counts_of_zero_and_no_rates(session: Session, org: Any) -> None:
    report = messages.message_figures(
        session,
        MessageQuery.model_validate({"start": "2026-01-01", "end": "2026-01-31"}),
        by=system("cli"),
    )
    assert report.total.written == 0
    assert report.total.delivery_rate is None
    assert report.total.to_sent == Latency(count=0, mean=None, p50=None, p90=None, p99=None)
    assert [c.channel for c in report.by_channel] == ["sms", "email", "webhook"]
    assert report.by_kind == []
    assert report.survey.response_rate is None
    assert report.survey.closed_by_sms_share is None


def test_who_may_read_them_and_a_bad_period(session: Session, org: Organisation) -> None:
    with pytest.raises(Forbidden):
        messages.message_figures(session, OCTOBER, by=actor_of(org.staff["agent"]))
    messages.message_figures(session, OCTOBER, by=actor_of(org.staff["supervisor"]))
    backwards = MessageQuery.model_validate({"start": "2026-10-31", "end": "2026-10-01"})
    with pytest.raises(ValidationFailed) as refused:
        messages.message_figures(session, backwards, by=system("cli"))
    assert refused.value.field == "end"
