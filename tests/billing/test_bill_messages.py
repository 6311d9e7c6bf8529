"""What billing tells the customer: the bill ready after the bill run's job, the arrears
reminder once a bill is past due, the disconnection notice once long past due — once per bill,
however often the jobs run, and nothing to an account that paid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import customer_notices, payments
from quarterhour.billing.models import Payment
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.jobs import service as queue
from quarterhour.kit import clock
from quarterhour.notifications.models import OutboxMessage
from quarterhour.organisation.staff_accounts import actor_of

pytestmark = pytest.mark.db
SYSTEM = system("test")


def _told(session: Session, kind: str) -> list[tuple[str, str]]:
    session.expire_all()
    found = [
        (m.recipient, m.body)
        for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    ]
    session.rollback()
    return found


def _october(session: Session, org: Organisation) -> list[int]:
    town = Town(session, org)
    accounts = []
    for reading in ("300", "260"):
        account, meter = town.household("ZJ-RES", initial=Decimal(0))
        town.read(meter, date(2026, 9, 30), "100")
        town.read(meter, date(2026, 10, 31), reading)
        accounts.append(account.id)
    session.commit()
    return accounts


def test_the_bill_run_job_tells_each_account_its_bill_once(
    session: Session, org: Organisation, frozen_clock: Any, run_jobs: Callable[[], int]
) -> None:
    _october(session, org)
    for _ in range(2):  # the month run twice: the second changes nothing, tells nobody again
        queue.enqueue(
            session,
            kind="bill_run",
            params={
                "period": "2026-10",
                "district_id": None,
                "districts": [[org.districts["baohe"], "包河区"]],
            },
            steps_total=1,
            by=actor_of(org.staff["admin"]),
        )
        session.commit()
        assert run_jobs() == 1
    told = _told(session, "bill_ready")
    assert [phone for phone, _ in told] == ["13900000001", "13900000002"]
    assert "2026-10" in told[0][1] and "2026-11-20" in told[0][1]


def test_arrears_are_reminded_then_warned_of_disconnection_once_per_bill(
    session: Session, org: Organisation, frozen_clock: Any, settings: Any
) -> None:
    from quarterhour.billing import bill_run

    accounts = _october(session, org)
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=SYSTEM)
    session.add(
        Payment(
            account_id=accounts[1],
            amount=Decimal("500"),
            channel="counter",
            reference="R-1",
            paid_at=clock.now(),
            created_at=clock.now(),
        )
    )
    session.commit()

    def notices(day: date) -> customer_notices.ArrearsNotices:
        frozen_clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=clock.SHANGHAI))
        done = customer_notices.arrears_notices(
            session,
            today=day,
            disconnect_after_days=30,
            notice_days=7,
            settings=settings,
            by=SYSTEM,
        )
        session.commit()
        return done

    assert notices(date(2026, 11, 20)) == customer_notices.ArrearsNotices(0, 0)  # due today
    assert notices(date(2026, 11, 21)) == customer_notices.ArrearsNotices(1, 0)
    assert notices(date(2026, 11, 22)) == customer_notices.ArrearsNotices(1, 0)
    reminders = _told(session, "arrears_reminder")
    assert [phone for phone, _ in reminders] == ["13900000001"]  # once; the payer is left alone
    assert notices(date(2026, 12, 21)) == customer_notices.ArrearsNotices(0, 1)
    warned = _told(session, "disconnection_notice")
    assert len(warned) == 1 and "2026-12-28" in warned[0][1]
    # The amount is what the statement says that day: the bill and its late fee.
    owing = session.get_one(Account, accounts[0])
    due = payments.account_statement(session, owing, settings=settings, as_of=date(2026, 12, 21))
    assert due.late_fees > 0
    assert f"欠费{due.total_due:.2f}元" in warned[0][1]
