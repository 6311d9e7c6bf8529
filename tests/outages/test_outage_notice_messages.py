"""A planned outage's notice goes in writing to every open account its 台区 supply, once per
notice and account, even to a customer who refused notices (a statutory one)."""

from __future__ import annotations

from datetime import datetime

import pytest
from outage_network import Network
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from test_outages import CENTRE, planned

from quarterhour.customers.models import Account, Customer
from quarterhour.kit import clock
from quarterhour.notifications.models import ContactPreference, OutboxMessage
from quarterhour.outages import customer_notices, service
from quarterhour.outages.models import Outage

pytestmark = pytest.mark.db


def test_the_notice_reaches_each_account_of_the_outage_once(
    session: Session, network: Network, frozen_clock: object
) -> None:
    for number, phone in (("3400100001", "13900000001"), ("3400100002", "13900000002")):
        session.execute(update(Account).where(Account.number == number).values(phone=phone))
    # 李娜 refused every notice: a planned outage's is the law's, and goes all the same.
    li = session.scalar(select(Account.customer_id).where(Account.number == "3400100002"))
    session.add(
        ContactPreference(
            customer_id=li,
            sms_allowed=False,
            email=None,
            email_allowed=False,
            lang="zh",
            opted_out=["planned_outage_notice"],
            updated_at=clock.now(),
        )
    )
    session.execute(update(Customer).values(phone="13900000009"))  # 王芳's own number
    outage_id = planned(session, transformers=["TA-001"])
    notice = service.publish_notice(session, outage_id, by=CENTRE)
    sent = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "planned_outage_notice")
    ).all()
    assert sorted((m.recipient, m.status) for m in sent) == [
        ("13900000001", "queued"),
        ("13900000002", "queued"),
    ]  # TA-003's 王芳 is not cut off
    assert all(m.outage_id == outage_id and "10kV线路检修" in m.body for m in sent)
    starts: datetime = notice.starts_at
    assert f"{starts:%Y-%m-%d %H:%M}" in sent[0].body
    # Told again for the same notice (a retried job), nobody hears twice.
    outage = session.get_one(Outage, outage_id)
    customer_notices.planned_outage_notice(session, outage, notice)
    assert (
        len(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "planned_outage_notice")
            ).all()
        )
        == 2
    )
