"""Customers, accounts and meters from files: row/field problems, identities, 合表, Parquet, and
a register imported from files billed like one typed in."""

from __future__ import annotations

import io
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill
from quarterhour.config import Settings
from quarterhour.customers import reading_import, register_import
from quarterhour.customers.models import (
    Account,
    Customer,
    Meter,
    MeterHousehold,
    MeterReading,
    Premises,
)
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.id_card import checked_id_number
from quarterhour.records.models import ImportBatch
from quarterhour.tariffs import tariff_book

pytestmark = pytest.mark.db

ZHANG = "34010419800101001" + "2"  # a valid 身份证号 (check digit 2)
LI = "11010519491231002X"  # GB 11643's own example

CUSTOMERS = f"""account,name,address,district,tariff,opened_on,phone,id_number,area_class,category
3400000001,张伟,合肥市包河区徽州大道1号101室,baohe,ZJ-RES,2026-08-01,13955510001,{ZHANG},,
3400000002,张伟,合肥市包河区徽州大道1号商铺,包河区,AH-BIZ,2026-08-01,,{ZHANG.lower()},,non_residential
3400000003,李娜,合肥市蜀山区长江西路9号,shushan,AH-SHARED,2026-08-01,0551-6555 0003,{LI},rural,
12345,王五,合肥市包河区某路,baohe,ZJ-RES,2026-08-01,,,,
3400000001,赵六,合肥市包河区某路2号,baohe,ZJ-RES,2026-08-01,,,,
3400000006,赵六,合肥市包河区某路3号,nowhere,ZJ-RES,2026-08-01,,,,
3400000007,赵六,合肥市包河区某路4号,baohe,NO-SUCH,2026-08-01,,,,
3400000008,赵六,合肥市包河区某路5号,baohe,ZJ-RES,2026-13-01,,,,
3400000009,赵六,合肥市包河区某路6号,baohe,ZJ-RES,2026-08-01,12ab,,,
3400000010,赵六,合肥市包河区某路7号,baohe,ZJ-RES,2026-08-01,,340104198001010013,,
3400000011,赵六,合肥市包河区某路8号,baohe,ZJ-RES,2026-08-01,,,downtown,
3400000012,孙七,合肥市包河区某路9号,baohe,ZJ-RES,2026-08-01,,{LI},,
3400000013,,合肥市包河区某路10号,baohe,ZJ-RES,2026-08-01,,,,
"""

METERS = """meter,account,installed_on,multiplier,digits,tou,initial,initial_peak,initial_valley,serves
E1001,3400000001,2026-08-15,,,,120.5,,,
E1002,3400000002,2026-08-15,40,,,0,,,
E1003,3400000003,2026-08-15,,,no,3000,,,合肥市蜀山区长江西路9号;合肥市蜀山区长江西路9号2室；合肥市蜀山区长江西路9号3室
E1004,3400000001,2026-08-15,,,yes,10,4,6,
E1001,3400000002,2026-08-15,,,,,,,
E1005,3499999999,2026-08-15,,,,,,,
E1006,3400000001,2026-07-01,,,,,,,
E1007,3400000001,2026-08-15,,12,,,,,
E1008,3400000001,2026-08-15,,,perhaps,,,,
E1009,3400000001,2026-08-15,,4,,12000,,,
E1010,3400000001,2026-08-15,,,,,,,a;a
"""


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def tariffs(session: Session, org: Organisation) -> Organisation:
    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    return org


def test_customer_rows_go_in_and_each_bad_one_names_its_field(
    session: Session, tariffs: Organisation
) -> None:
    known = Customer(
        name="孙七", phone="13900000000", phone_last4="0000", created_at=clock.now(), id_number=None
    )
    session.add(known)
    session.commit()
    report = register_import.import_customers(
        session, CUSTOMERS.encode(), file_name="c.csv", by=system("test")
    )
    problems = {p.row: (p.field, p.message) for p in report.problems}
    assert (report.rows, report.accepted, report.rejected) == (13, 3, 10)
    assert {row: f for row, (f, _) in problems.items()} == {
        5: "account",  # too short
        6: "account",  # the first row's number again
        7: "district",
        8: "tariff",
        9: "opened_on",
        10: "phone",
        11: "id_number",  # check digit
        12: "area_class",
        13: "id_number",  # 李娜's number under another name
        14: "name",
    }
    assert "check digit" in problems[11][1]
    # The two rows with one ID number are one customer with two accounts; the ID number was
    # written in upper case whatever the file said.
    zhang = session.scalars(select(Customer).where(Customer.id_number == ZHANG)).one()
    numbers = session.scalars(
        select(Account.number).where(Account.customer_id == zhang.id).order_by(Account.number)
    ).all()
    assert numbers == ["3400000001", "3400000002"]
    shop = session.scalars(select(Account).where(Account.number == "3400000002")).one()
    assert (shop.category, shop.phone_last4) == ("non_residential", "0001")  # the customer's phone
    li = session.scalars(select(Account).where(Account.number == "3400000003")).one()
    premises = session.get(Premises, li.premises_id)
    assert premises is not None
    assert (premises.area_class, premises.district_id) == ("rural", tariffs.districts["shushan"])
    assert li.phone == "055165550003"


def test_a_known_customer_gets_the_new_account(session: Session, tariffs: Organisation) -> None:
    known = Customer(name="钱八", phone="13955520000", phone_last4="0000", created_at=clock.now())
    other = Customer(
        name="钱八的妻子", phone="13955520001", phone_last4="0001", created_at=clock.now()
    )
    session.add_all([known, other])
    session.commit()
    text = (
        "account,name,address,district,tariff,opened_on,phone\n"
        "3400000100,钱八,合肥市瑶海区胜利路1号,yaohai,ZJ-RES,2026-08-01,139-5552-0000\n"
        "3400000101,钱八,合肥市瑶海区胜利路1号,yaohai,ZJ-RES,2026-08-01,13955520001\n"
    )
    before = count(session, Customer)
    report = register_import.import_customers(
        session, text.encode(), file_name="k.csv", by=system("test")
    )
    assert report.accepted == 2
    first, second = session.scalars(
        select(Account)
        .where(Account.number.in_(["3400000100", "3400000101"]))
        .order_by(Account.number)
    )
    assert first.customer_id == known.id
    # Same phone, another name: not the same person, so a new customer.
    assert second.customer_id not in (known.id, other.id)
    assert count(session, Customer) == before + 1
    # One address, one premises.
    assert first.premises_id == second.premises_id


def test_the_same_file_twice_changes_nothing_and_strict_writes_nothing(
    session: Session, tariffs: Organisation
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        register_import.import_customers(
            session, CUSTOMERS.encode("gb18030"), file_name="c.csv", strict=True, by=system("test")
        )
    assert "row 5" in caught.value.message
    assert (count(session, Account), count(session, ImportBatch)) == (0, 0)
    register_import.import_customers(
        session, CUSTOMERS.encode("gb18030"), file_name="c.csv", by=system("test")
    )
    state = [count(session, m) for m in (Customer, Premises, Account, ImportBatch)]
    again = register_import.import_customers(
        session, CUSTOMERS.encode("gb18030"), file_name="copy.csv", by=system("test")
    )
    assert again.already_imported
    assert [count(session, m) for m in (Customer, Premises, Account, ImportBatch)] == state


def test_meter_rows_with_shared_meters_and_their_problems(
    session: Session, tariffs: Organisation
) -> None:
    register_import.import_customers(
        session, CUSTOMERS.encode(), file_name="c.csv", by=system("test")
    )
    report = register_import.import_meters(
        session, METERS.encode(), file_name="m.csv", by=system("test")
    )
    assert {p.row: p.field for p in report.problems} == {
        6: "meter",  # E1001 again
        7: "account",
        8: "installed_on",  # before the account opened
        9: "digits",
        10: "tou",
        11: "initial",  # 12000 on a 4-digit register
        12: "serves",
    }
    assert report.accepted == 4
    shared = session.scalars(select(Meter).where(Meter.number == "E1003")).one()
    assert shared.is_shared
    served = session.scalars(
        select(Premises.address)
        .join(MeterHousehold, MeterHousehold.premises_id == Premises.id)
        .where(MeterHousehold.meter_id == shared.id)
        .order_by(Premises.address)
    ).all()
    # The account's own flat was known already; the other two flats were made in its district.
    assert served == [
        "合肥市蜀山区长江西路9号",
        "合肥市蜀山区长江西路9号2室",
        "合肥市蜀山区长江西路9号3室",
    ]
    tou = session.scalars(select(Meter).where(Meter.number == "E1004")).one()
    initial = session.scalars(select(MeterReading).where(MeterReading.meter_id == tou.id)).one()
    assert (initial.kind, initial.total, initial.peak, initial.valley) == (
        "initial",
        Decimal("10.00"),
        Decimal("4.00"),
        Decimal("6.00"),
    )
    ct = session.scalars(select(Meter).where(Meter.number == "E1002")).one()
    assert (ct.multiplier, ct.is_shared) == (40, False)


def _parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def test_parquet_files_are_checked_like_csv(session: Session, tariffs: Organisation) -> None:
    table = pa.table(
        {
            "account": ["3400000201", "3400000202"],
            "name": ["周九", "吴十"],
            "address": ["合肥市庐阳区阜南路1号", "合肥市庐阳区阜南路2号"],
            "district": ["luyang", "luyang"],
            "tariff": ["ZJ-RES", "ZJ-RES"],
            "opened_on": pa.array([date(2026, 8, 1), None], type=pa.date32()),
            "phone": [13955530001, 13955530002],
        }
    )
    report = register_import.import_customers(
        session, _parquet(table), file_name="c.parquet", by=system("test")
    )
    assert report.accepted == 1
    assert [(p.row, p.field) for p in report.problems] == [(2, "opened_on")]
    account = session.scalars(select(Account).where(Account.number == "3400000201")).one()
    assert (account.opened_on, account.phone_last4) == (date(2026, 8, 1), "0001")
    with pytest.raises(ValidationFailed) as caught:
        register_import.import_customers(
            session, b"PAR1 broken", file_name="x.parquet", by=system("test")
        )
    assert caught.value.field == "file"


def test_parquet_without_pyarrow_says_how_to_get_it(
    session: Session, tariffs: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _parquet(pa.table({"account": ["3400000301"]}))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ValidationFailed) as caught:
        register_import.import_customers(session, data, file_name="c.parquet", by=system("test"))
    assert (caught.value.field, "pyarrow" in caught.value.message) == ("file", True)


def test_a_register_imported_from_files_is_billed(
    session: Session, tariffs: Organisation, settings: Settings
) -> None:
    register_import.import_customers(
        session, CUSTOMERS.encode(), file_name="c.csv", by=system("test")
    )
    register_import.import_meters(session, METERS.encode(), file_name="m.csv", by=system("test"))
    september = (
        "meter,read_on,total,peak,valley\n"
        "E1001,2026-09-30,220.5,,\n"
        "E1002,2026-09-30,5,,\n"
        "E1003,2026-09-30,3300,,\n"
        "E1004,2026-09-30,60,24,36\n"
    )
    october = (
        "meter,read_on,total,peak,valley\n"
        "E1001,2026-10-31,320.5,,\n"
        "E1002,2026-10-31,10,,\n"
        "E1003,2026-10-31,3500,,\n"
        "E1004,2026-10-31,110,50,60\n"
    )
    for name, text in (("sep.csv", september), ("oct.csv", october)):
        report = reading_import.import_readings(
            session, text.encode(), file_name=name, by=system("test")
        )
        assert report.rejected == 0, report.problems
    session.commit()
    result = bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    assert result.held == 0
    bills = dict(
        session.execute(
            select(Account.number, Bill.kwh).join(Bill, Bill.account_id == Account.id)
        ).all()
    )
    # 3400000001: 100 kWh on E1001 and 50 on the TOU meter; the shop's CT meter 5 × 40.
    assert bills == {
        "3400000001": Decimal(150),
        "3400000002": Decimal(200),
        "3400000003": Decimal(200),
    }


def test_the_cli_imports_customers_and_meters_with_a_rejects_file(
    session: Session,
    tariffs: Organisation,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.rollback()
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    customers = tmp_path / "customers.csv"
    customers.write_bytes(CUSTOMERS.encode("gb18030"))
    meters = tmp_path / "meters.csv"
    meters.write_text(METERS, encoding="utf-8")
    done = CliRunner().invoke(app, ["customers", "import-customers", str(customers)])
    assert done.exit_code == 0, done.output
    assert "3 imported, 10 set aside" in done.output
    rejects = (tmp_path / "customers.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].startswith("row,field,problem,account,name")
    assert len(rejects) == 11
    done = CliRunner().invoke(app, ["customers", "import-meters", str(meters), "--strict"])
    assert done.exit_code == 2
    assert "nothing was imported" in done.output
    assert count(session, Meter) == 0


def test_id_numbers() -> None:
    assert checked_id_number(" 11010519491231002x ") == LI
    assert checked_id_number("110105491231002") == "110105491231002"  # the old 15 digits
    for wrong, reason in (
        ("110105194912310021", "check digit"),
        ("110105194902300024", "birth date"),
        ("11010519491231002", "18 characters"),
    ):
        with pytest.raises(ValueError, match=reason):
            checked_id_number(wrong)


def test_premises_coordinates_come_with_the_customers_file(
    session: Session, tariffs: Organisation
) -> None:
    """Optional latitude and longitude: both or neither, in range, to the millionth; a row at a
    premises already placed elsewhere is refused, one at a premises without any places it."""
    text = (
        "account,name,address,district,tariff,opened_on,latitude,longitude\n"
        "3400000201,甲,合肥市包河区徽州大道5号,baohe,ZJ-RES,2026-08-01,31.8201,117.2903\n"
        "3400000202,乙,合肥市包河区徽州大道6号,baohe,ZJ-RES,2026-08-01,,\n"
        "3400000203,丙,合肥市包河区徽州大道7号,baohe,ZJ-RES,2026-08-01,31.82,\n"
        "3400000204,丁,合肥市包河区徽州大道8号,baohe,ZJ-RES,2026-08-01,91,117.29\n"
        "3400000205,戊,合肥市包河区徽州大道9号,baohe,ZJ-RES,2026-08-01,31.8,181\n"
        "3400000206,己,合肥市包河区徽州大道10号,baohe,ZJ-RES,2026-08-01,31.1234567,117.29\n"
        "3400000207,庚,合肥市包河区徽州大道11号,baohe,ZJ-RES,2026-08-01,north,117.29\n"
        "3400000208,辛,合肥市包河区徽州大道5号,baohe,ZJ-RES,2026-08-01,31.9,117.29\n"
        "3400000209,壬,合肥市包河区徽州大道5号,baohe,ZJ-RES,2026-08-01,31.820100,117.290300\n"
    )
    report = register_import.import_customers(
        session, text.encode(), file_name="c.csv", by=system("test")
    )
    problems = {p.row: (p.field, p.message) for p in report.problems}
    assert problems == {
        4: ("longitude", "give both coordinates or neither"),
        5: ("latitude", "must lie between -90 and 90 degrees"),
        6: ("longitude", "must lie between -180 and 180 degrees"),
        7: ("latitude", "at most six decimals"),
        8: ("latitude", "'north' is not a number"),
        9: ("latitude", "the premises at this address lies at 31.8201, 117.2903 already"),
    }
    session.commit()

    def place(number: str) -> tuple[Decimal | None, Decimal | None]:
        premises = session.scalars(
            select(Premises)
            .join(Account, Account.premises_id == Premises.id)
            .where(Account.number == number)
        ).one()
        return premises.latitude, premises.longitude

    assert place("3400000201") == (Decimal("31.820100"), Decimal("117.290300"))
    assert place("3400000209") == place("3400000201")  # the same place, said again
    assert place("3400000202") == (None, None)
    # A later file places the premises that had no coordinates.
    later = (
        "account,name,address,district,tariff,opened_on,latitude,longitude\n"
        "3400000210,癸,合肥市包河区徽州大道6号,baohe,ZJ-RES,2026-08-01,31.83,117.28\n"
    )
    report = register_import.import_customers(
        session, later.encode(), file_name="c2.csv", by=system("test")
    )
    assert not report.problems
    session.commit()
    assert place("3400000202") == (Decimal("31.830000"), Decimal("117.280000"))
