"""October 2026 for the delivery figures (analytics/messages.py): outbox messages and follow-up
events written directly, every number worked out by hand in test_message_figures.py.

    SMS      9 written: 1 suppressed, 1 queued, 2 sent, 4 delivered, 1 failed (after it was
             sent); to sent 0.4 0.5 0.6 0.7 0.8 1.2 3.0 s, to delivered 1.0 1.5 2.0 4.0 s
    e-mail   2 written: 1 delivered (2.5 s), 1 failed unsent
    webhook  21 written: 1 in a sender's hands, 20 delivered after 0.5, 1.0 … 10.0 s
    surveys  5 of the SMS, 3 of them sent and not reported failed; texts back: "1" then "谢谢"
             to one, "3" to another, none to the third; a stray text, and November's "1"
    follow-ups  2 closed by an SMS reply, 2 by a call, 1 unanswered call

and on either side of the period, messages and a follow-up that are not October's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analytics.scenario import Builder, at
from quarterhour.notifications.models import InboundSms, OutboxMessage
from quarterhour.workorders.models import OrderEvent


def _message(
    channel: str,
    kind: str,
    status: str,
    created: datetime,
    sent: float | None = None,
    delivered: float | None = None,
) -> OutboxMessage:
    """A message written at `created`, sent and delivered that many seconds later."""
    return OutboxMessage(
        kind=kind,
        channel=channel,
        recipient="13912345678" if channel == "sms" else "someone@example.com",
        lang="zh",
        body="…",
        status=status,
        urgent=False,
        attempts=1 if sent is not None else 0,
        max_attempts=5,
        not_before=created,
        created_at=created,
        sent_at=None if sent is None else created + timedelta(seconds=sent),
        delivered_at=None if delivered is None else created + timedelta(seconds=delivered),
    )


def _event(order_id: int, when: str, action: str, **data: Any) -> OrderEvent:
    return OrderEvent(
        order_id=order_id,
        action=action,
        from_state="replied",
        to_state="followed_up",
        at=at(when),
        data=data,
    )


def build_messages(builder: Builder) -> dict[str, int]:
    session = builder.session
    # The order the follow-ups are of, taken in September: whatever its intake writes is not
    # October's.
    order_id = builder.intake("投诉", "2026-09-20 09:00", "complaint")
    sms, email, webhook = "sms", "email", "webhook"
    accepted, survey = "contact_accepted", "follow_up_survey"
    rows = [
        # SMS: sent after 1.2 / 0.4 / 3.0 s, the first two delivered after 4.0 / 2.0 s.
        _message(sms, accepted, "delivered", at("2026-10-05 09:00"), 1.2, 4.0),
        _message(sms, accepted, "delivered", at("2026-10-06 10:00"), 0.4, 2.0),
        _message(sms, accepted, "sent", at("2026-10-07 10:00"), 3.0),
        # Surveys: one reported undelivered after it was sent, two delivered, one sent without
        # a report yet, one waiting for the morning (the period's last evening).
        _message(sms, survey, "failed", at("2026-10-08 10:00"), 0.8),
        _message(sms, survey, "delivered", at("2026-10-08 11:00"), 0.6, 1.0),
        _message(sms, survey, "queued", at("2026-10-31 23:30")),
        _message(sms, survey, "sent", at("2026-10-09 10:00"), 0.5),
        _message(sms, survey, "delivered", at("2026-10-09 11:00"), 0.7, 1.5),
        _message(sms, "crew_on_the_way", "suppressed", at("2026-10-10 10:00")),
        # Outside the period, on either side (half-open: 1 November 00:00 is November's).
        _message(sms, accepted, "delivered", at("2026-11-01 00:00"), 0.1, 0.2),
        _message(sms, accepted, "delivered", at("2026-09-30 23:59:59"), 0.1, 0.2),
        _message(sms, survey, "delivered", at("2026-11-01 00:00"), 0.1, 0.2),
        # E-mail: delivered as the server took it (2.5 s), and one refused for good.
        _message(email, "result_replied", "delivered", at("2026-10-12 10:00"), 2.5, 2.5),
        _message(email, "result_replied", "failed", at("2026-10-12 11:00")),
        # Webhooks: one in a sender's hands, twenty delivered after 0.5, 1.0 … 10.0 s.
        _message(webhook, accepted, "sending", at("2026-10-13 10:00")),
        *(
            _message(webhook, accepted, "delivered", at("2026-10-14 10:00"), k / 2, k / 2)
            for k in range(1, 21)
        ),
    ]
    events = [
        _event(order_id, "2026-10-08 12:00", "follow_up", outcome="satisfied", via="sms"),
        _event(order_id, "2026-10-09 12:00", "follow_up", outcome="dissatisfied", via="sms"),
        _event(order_id, "2026-10-10 12:00", "follow_up", outcome="basically_satisfied"),
        _event(order_id, "2026-10-11 12:00", "follow_up", outcome="satisfied"),
        # An unanswered call closes nothing; a reply by SMS is not a follow-up; November's.
        _event(order_id, "2026-10-11 13:00", "follow_up", outcome="unreachable", attempt=1),
        _event(order_id, "2026-10-12 12:00", "reply", via="sms"),
        _event(order_id, "2026-11-01 00:00", "follow_up", outcome="satisfied", via="sms"),
    ]
    session.add_all([*rows, *events])
    session.flush()
    answered, unanswered = rows[4], rows[7]  # delivered 10-08 11:00; delivered 10-09 11:00
    dissatisfied, november = rows[6], rows[12]  # sent 10-09 10:00; November's

    def text(when: str, said: str, survey: OutboxMessage | None) -> InboundSms:
        return InboundSms(
            sender="13912345678",
            text=said,
            received_at=at(when),
            work_order_id=order_id if survey is not None else None,
            survey_message_id=survey.id if survey is not None else None,
        )

    session.add_all(
        [
            text("2026-10-08 11:30", "1", answered),
            text("2026-10-08 11:31", "谢谢", answered),  # the same survey: one response
            text("2026-10-09 11:30", "3", dissatisfied),
            text("2026-10-20 09:00", "你好", None),  # no survey waiting
            text("2026-11-01 00:05", "1", november),
        ]
    )
    session.commit()
    return {"order": order_id, "unanswered_survey": unanswered.id}
