"""A row the database cannot hold is a row set aside naming its field, never a failed import.

Before, a NUL in any column, an amount beyond numeric(14, 2) or a date of year 9999 reached the
INSERT and failed the whole file (PostgreSQL: "cannot contain NUL", "numeric field overflow"),
and a payment dated before its account was opened was recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import payment_import
from quarterhour.billing.models import Payment
from quarterhour.customers import reading_import, register_import
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock

pytestmark = pytest.mark.db


@pytest.fixture
def today(frozen_clock: Any) -> datetime:
    moment = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)
    frozen_clock.set(moment)
    return moment


def test_payments_beyond_the_column_or_the_account_are_set_aside(
    session: Session, org: Organisation, today: datetime
) -> None:
    account, _ = Town(session, org).household("ZJ-RES")  # opened 2026-08-01
    n = account.number
    session.commit()
    text = (
        "account,amount,paid_at,reference\n"
        f"{n},1000000000000,2026-11-02,BK1\n"  # 10^12 yuan: beyond numeric(14, 2)
        f"{n},1e20,2026-11-02,BK2\n"
        f"{n},10,9999-12-31,BK3\n"
        f"{n},10,0001-01-01 08:00,BK4\n"
        f"{n},10,2026-07-31,BK5\n"  # before the account was opened
        f"{n},10,2026-11-02,BK\x006\n"
        f"{n},999999999999.99,2026-11-02,BK7\n"  # the largest the column holds
    )
    report = payment_import.import_payments(
        session, text.encode(), file_name="bank.csv", by=system("test")
    )
    session.commit()
    # In the file's order; a row with a control character is set aside before any other check.
    assert [(p.row, p.field) for p in report.problems] == [
        (2, "amount"),
        (3, "amount"),
        (4, "paid_at"),
        (5, "paid_at"),
        (6, "paid_at"),
        (7, "reference"),
    ]
    assert report.accepted == 1
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_register_rows_with_nul_or_out_of_window_dates_are_set_aside(
    session: Session, org: Organisation, today: datetime
) -> None:
    Town(session, org)  # the sample tariffs
    session.commit()
    text = (
        "account,name,address,district,tariff,opened_on\n"
        "3400000001,袁女士,芜湖路174号,baohe,ZJ-RES,2020-05-01\n"
        "3400000002,唐\x00先生,芜湖路175号,baohe,ZJ-RES,2020-05-01\n"
        "3400000003,唐先生,芜湖路176号,baohe,ZJ-RES,9999-12-31\n"
        "3400000004,唐先生,芜湖路177号,baohe,ZJ-RES,0001-01-01\n"
    )
    report = register_import.import_customers(
        session, text.encode(), file_name="c.csv", by=system("test")
    )
    session.commit()
    assert [(p.row, p.field) for p in report.problems] == [
        (3, "name"),
        (4, "opened_on"),
        (5, "opened_on"),
    ]
    assert session.scalar(select(func.count()).select_from(Account)) == 1


def test_readings_with_nul_are_set_aside_and_the_rest_go_in(
    session: Session, org: Organisation, today: datetime
) -> None:
    _, meter = Town(session, org).household("ZJ-RES")
    number = meter.number
    session.commit()
    # Before, the meter numbers of the file were looked up as they were: NUL failed the file.
    text = f"meter,read_on,total\n{number}\x00,2026-10-31,120\n{number},2026-10-31,120\n"
    report = reading_import.import_readings(
        session, text.encode(), file_name="r.csv", by=system("test")
    )
    assert [(p.row, p.field) for p in report.problems] == [(2, "meter")]
    assert report.accepted == 1
