"""The sender loop: what a channel is handed, retries with backoff, giving up, leases that run
out, flood control, delivery reports, and two senders that never send one message twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from notifications.recording import PHONE, Recorder
from quarterhour.config import Settings
from quarterhour.kit import clock
from quarterhour.notifications import outbox, sending
from quarterhour.notifications.channels import ChannelError, Outgoing, Sent
from quarterhour.notifications.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.db

SETTINGS = Settings()
ARRIVED = {"number": "GD20261127-0001", "crew": "包河抢修一班"}


def _write(factory: sessionmaker[Session], n: int = 1, **kwargs: Any) -> list[int]:
    ids: list[int] = []
    with factory.begin() as session:
        for _ in range(n):
            ids += outbox.write(
                session, kind="crew_arrived", variables=ARRIVED, phone=PHONE, **kwargs
            )
    return ids


def _message(factory: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with factory() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def _log(factory: sessionmaker[Session], message_id: int) -> list[tuple[str, str | None]]:
    with factory() as session:
        return [
            (a.outcome, a.detail)
            for a in session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.message_id == message_id)
                .order_by(DeliveryAttempt.id)
            )
        ]


def _send(factory: sessionmaker[Session], channel: Recorder, worker: str = "w1", **kw: Any) -> int:
    return sending.send_due(factory, {"sms": channel}, worker=worker, settings=SETTINGS, **kw)


def test_a_due_message_is_sent_once_and_logged(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [message_id] = _write(factory)
    sms = Recorder()
    assert _send(factory, sms) == 1
    assert _send(factory, sms) == 0
    [handed] = sms.handed
    assert handed == Outgoing(
        message_id=message_id,
        channel="sms",
        to=PHONE,
        subject=None,
        body="【供电一刻钟】包河抢修一班已到达现场处理您的报修（工单GD20261127-0001）。",
        kind="crew_arrived",
    )
    sent = _message(factory, message_id)
    assert (sent.status, sent.provider_id, sent.sent_at) == (
        "sent",
        f"p-{message_id}",
        frozen_clock.now,
    )
    assert (sent.locked_by, sent.attempts) == (None, 1)
    assert _log(factory, message_id) == [("sent", "HTTP 200")]


def test_a_message_held_for_the_morning_waits(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    frozen_clock.set(frozen_clock.now.replace(hour=23))
    _write(factory)
    sms = Recorder()
    assert _send(factory, sms) == 0
    frozen_clock.advance(hours=9)
    assert _send(factory, sms) == 1


def test_a_retryable_failure_backs_off_then_gives_up(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [message_id] = _write(factory)
    sms = Recorder(fail=lambda _m: ChannelError("HTTP 503", retryable=True))
    waits = []
    for attempt in range(1, 6):
        assert _send(factory, sms) == 1
        message = _message(factory, message_id)
        assert message.attempts == attempt
        if attempt < 5:
            assert (message.status, message.last_error) == ("queued", "HTTP 503")
            wait = message.not_before - frozen_clock.now
            waits.append(wait)
            # Not due before its backoff.
            assert _send(factory, sms) == 0
            frozen_clock.advance(seconds=wait.total_seconds())
    base = [30, 60, 120, 240]
    for wait, seconds in zip(waits, base, strict=True):
        assert timedelta(seconds=seconds) <= wait <= timedelta(seconds=seconds * 1.1)
    failed = _message(factory, message_id)
    assert (failed.status, failed.last_error) == ("failed", "HTTP 503")
    assert [o for o, _ in _log(factory, message_id)] == ["retry"] * 4 + ["failed"]


def test_the_backoff_is_capped_at_an_hour() -> None:
    assert timedelta(hours=1) <= sending.backoff(20) <= timedelta(hours=1.1)


def test_a_refusal_that_retrying_would_not_help_fails_at_once(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [message_id] = _write(factory)
    _send(factory, Recorder(fail=lambda _m: ChannelError("HTTP 400 bad number", retryable=False)))
    message = _message(factory, message_id)
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "HTTP 400 bad number",
    )


def test_an_adapters_bug_is_retried_and_does_not_stop_the_batch(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    first, second = _write(factory, 2, urgent=True)

    def fail(m: Outgoing) -> ChannelError | None:
        if m.message_id == first:
            raise KeyError("bug")
        return None

    assert _send(factory, Recorder(fail=fail)) == 2
    assert _message(factory, first).status == "queued"
    assert _message(factory, first).last_error == "KeyError"
    assert _message(factory, second).status == "sent"


def test_a_channel_that_is_not_configured_leaves_its_messages_queued(
    factory: sessionmaker[Session], frozen_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    [message_id] = _write(factory)
    assert sending.send_due(factory, {}, worker="w1", settings=SETTINGS) == 0
    assert _message(factory, message_id).status == "queued"
    assert "wait for a channel that is not configured (sms, email, webhook)" in caplog.text


def test_a_delivered_channel_and_the_webhooks_secret(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    with factory.begin() as session:
        session.add(
            WebhookEndpoint(
                url="https://crm.example.cn/hook",
                secret="k" * 40,
                kinds=["crew_arrived"],
                created_at=clock.now(),
            )
        )
    sms_id, hook_id = _write(factory)
    hooks = Recorder(name="webhook", delivered=True)
    sending.send_due(factory, {"webhook": hooks}, worker="w1", settings=SETTINGS)
    [handed] = hooks.handed
    assert (handed.message_id, handed.signing_secret) == (hook_id, "k" * 40)
    hook = _message(factory, hook_id)
    assert (hook.status, hook.delivered_at) == ("delivered", frozen_clock.now)
    assert _message(factory, sms_id).status == "queued"


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [message_id] = _write(factory)
    # w1 claims, then stalls past its lease while sending.
    claimed, _ = sending._claim(
        factory, {"sms": Recorder()}, worker="w1", settings=SETTINGS, batch=10, lease=60
    )
    assert [m.id for m in claimed] == [message_id]
    assert _send(factory, Recorder(), worker="w2") == 0  # w1's lease holds
    frozen_clock.advance(seconds=61)
    w2 = Recorder()
    assert _send(factory, w2, worker="w2") == 1
    assert _message(factory, message_id).attempts == 2
    # w1 comes back and reports a failure: the guarded UPDATE leaves w2's outcome alone.
    outcome, values = sending._send_one(
        Recorder(fail=lambda _m: ChannelError("timeout", retryable=False)), claimed[0], {}
    )
    sending._finish(factory, {outcome: [values]}, worker="w1")
    message = _message(factory, message_id)
    assert (message.status, message.provider_id) == ("sent", f"p-{message_id}")
    assert [o for o, _ in _log(factory, message_id)] == ["sent", "failed"]


def test_a_dead_senders_messages_go_first_and_a_round_takes_no_more_than_its_batch(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [held] = _write(factory)
    sending._claim(factory, {"sms": Recorder()}, worker="w1", settings=SETTINGS, batch=10, lease=60)
    frozen_clock.advance(seconds=61)
    waiting = _write(factory, 3, urgent=True)
    sms = Recorder()
    # The held message first (its sender died), then the oldest waiting: two in all.
    assert _send(factory, sms, worker="w2", batch=2) == 2
    assert [m.message_id for m in sms.handed] == [held, waiting[0]]
    assert _send(factory, sms, worker="w2", batch=2) == 2
    assert [m.message_id for m in sms.handed][2:] == waiting[1:]


def test_a_full_round_leaves_the_unconfigured_channels_count_for_later(
    factory: sessionmaker[Session], frozen_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with factory.begin() as session:
        outbox.write(session, kind="crew_arrived", variables=ARRIVED, email="a@example.cn")
    _write(factory, 2, urgent=True)
    assert _send(factory, Recorder(), batch=2) == 2
    assert "not configured" not in caplog.text
    assert _send(factory, Recorder(), batch=2) == 0
    assert "wait for a channel that is not configured (email, webhook)" in caplog.text


def test_an_expired_lease_on_the_last_attempt_fails_the_message(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    [message_id] = _write(factory)
    with factory.begin() as session:
        session.get_one(OutboxMessage, message_id).max_attempts = 1
    sending._claim(factory, {"sms": Recorder()}, worker="w1", settings=SETTINGS, batch=10, lease=60)
    frozen_clock.advance(minutes=2)
    assert _send(factory, Recorder(), worker="w2") == 0
    message = _message(factory, message_id)
    assert message.status == "failed"
    assert "lease expired" in (message.last_error or "")


def test_one_number_is_never_flooded(factory: sessionmaker[Session], frozen_clock: Any) -> None:
    start = frozen_clock.now
    first = _write(factory, 3)
    sms = Recorder()
    assert _send(factory, sms) == 3
    frozen_clock.advance(minutes=20)
    later = _write(factory, 4)
    urgent = _write(factory, 1, urgent=True)
    # 3 sent in the hour: 2 more may go, the other 2 wait for the first to be an hour old; the
    # urgent one goes whatever the count.
    assert _send(factory, sms) == 3
    assert [m.message_id for m in sms.handed] == first + later[:2] + urgent
    for message_id in later[2:]:
        deferred = _message(factory, message_id)
        assert (deferred.status, deferred.attempts) == ("queued", 0)
        assert deferred.not_before == start + timedelta(hours=1)
    frozen_clock.set(start + timedelta(hours=1))
    assert _send(factory, sms) == 2


def test_a_delivery_report(
    factory: sessionmaker[Session], frozen_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    [message_id] = _write(factory)
    _send(factory, Recorder())
    at = frozen_clock.advance(seconds=5)
    with factory.begin() as session:
        assert sending.record_delivery(session, f"p-{message_id}", "delivered", at) == message_id
        # Reports come out of order: a late "failed" never undoes a delivery.
        sending.record_delivery(session, f"p-{message_id}", "failed", at, error="UNDELIV")
        assert sending.record_delivery(session, "p-nobody", "delivered", at) is None
        assert sending.record_delivery(session, f"p-{message_id}", "accepted", at) is None
    message = _message(factory, message_id)
    assert (message.status, message.delivered_at, message.last_error) == ("delivered", at, None)
    assert _log(factory, message_id) == [("sent", "HTTP 200"), ("delivered", None)]
    assert "unknown message (provider id p-nobody)" in caplog.text


def test_a_failed_report(factory: sessionmaker[Session], frozen_clock: Any) -> None:
    [message_id] = _write(factory)
    _send(factory, Recorder())
    with factory.begin() as session:
        sending.record_delivery(session, f"p-{message_id}", "failed", clock.now(), error="EMPTY")
    message = _message(factory, message_id)
    assert (message.status, message.last_error) == ("failed", "EMPTY")


@dataclass
class Crowded(Recorder):
    """A slow channel that counts how many of its sends overlap, and on which threads."""

    concurrent: bool = True
    busy: int = 0
    most: int = 0
    threads: set[str] = dc_field(default_factory=set)
    lock: threading.Lock = dc_field(default_factory=threading.Lock)

    def send(self, message: Outgoing) -> Sent:
        with self.lock:
            self.busy += 1
            self.most = max(self.most, self.busy)
            self.threads.add(threading.current_thread().name)
        time.sleep(0.02)
        try:
            return super().send(message)
        finally:
            with self.lock:
                self.busy -= 1


def test_a_concurrent_channel_sends_side_by_side_and_smtp_in_turn(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        outbox.write_many(
            session,
            "crew_arrived",
            [
                outbox.Recipient(
                    variables=ARRIVED, phone=f"1390000{n:04d}", email=f"c{n}@example.com"
                )
                for n in range(24)
            ],
            urgent=True,
        )
    sms, email = Crowded(), Crowded(name="email", concurrent=False)
    with ThreadPoolExecutor(4, thread_name_prefix="outbox") as pool:
        sent = sending.send_due(
            factory, {"sms": sms, "email": email}, worker="w1", settings=SETTINGS, pool=pool
        )
    assert sent == 48
    assert 1 < sms.most <= 4 and all(t.startswith("outbox") for t in sms.threads)
    assert email.most == 1 and email.threads == {threading.current_thread().name}
    with factory() as session:
        statuses = Counter(session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent": 48}
    handed = [m.message_id for m in sms.handed + email.handed]
    assert len(handed) == len(set(handed)) == 48


def _sending(factory: sessionmaker[Session]) -> int:
    """A message handed to the gateway whose send the sender has not recorded yet."""
    [message_id] = _write(factory)
    with factory.begin() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        message.status, message.locked_by = "sending", "w1"
    return message_id


def test_a_report_that_overtakes_the_senders_record_is_matched_by_our_id(
    factory: sessionmaker[Session], frozen_clock: Any
) -> None:
    message_id = _sending(factory)
    at = clock.now()
    with factory.begin() as session:
        found = sending.record_delivery(session, "sb7", "delivered", at, client_ref=str(message_id))
    assert found == message_id
    message = _message(factory, message_id)
    assert (message.status, message.provider_id, message.delivered_at) == ("delivered", "sb7", at)


@pytest.mark.pg_only
def test_a_report_that_waits_for_the_senders_record_still_counts(
    factory: sessionmaker[Session], backend: str, frozen_clock: Any
) -> None:
    """The report finds no provider id, then waits on the row the sender is recording as sent:
    once the sender commits, the report must find the record rather than drop itself."""
    if backend != "postgresql":
        pytest.skip("row locks: SQLite's one writer serialises the two")
    message_id = _sending(factory)
    at = clock.now()
    outcome: list[int | None] = []
    with factory.begin() as sender:
        sender.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", provider_id="sb8", sent_at=at, locked_by=None)
        )

        def report() -> None:
            with factory.begin() as session:
                outcome.append(
                    sending.record_delivery(
                        session, "sb8", "delivered", at, client_ref=str(message_id)
                    )
                )

        thread = threading.Thread(target=report)
        thread.start()
        with factory() as watcher:
            waiting = 0
            for _ in range(1000):
                waiting = (
                    watcher.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                        )
                    )
                    or 0
                )
                if waiting:
                    break
                watcher.rollback()
                time.sleep(0.01)
            assert waiting, "the report never waited for the sender's row"
    thread.join(timeout=10)
    assert outcome == [message_id]
    assert _message(factory, message_id).status == "delivered"


@pytest.mark.pg_only
def test_two_senders_at_once_never_send_a_message_twice(
    factory: sessionmaker[Session], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("row locks: SQLite's one writer serialises the claims")
    with factory.begin() as session:
        outbox.write_many(
            session,
            "crew_arrived",
            [outbox.Recipient(variables=ARRIVED, phone=f"1390000{n:04d}") for n in range(400)],
            urgent=True,
        )
    channels = {name: Recorder() for name in ("a", "b")}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            barrier.wait()
            while sending.send_due(
                factory, {"sms": channels[name]}, worker=name, settings=SETTINGS, batch=25
            ):
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [m.message_id for c in channels.values() for m in c.handed]
    assert len(ids) == len(set(ids)) == 400
    assert all(c.handed for c in channels.values()), "both senders took part"
