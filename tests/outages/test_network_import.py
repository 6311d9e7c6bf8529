"""The supply network from files: each bad row names its field, a file twice changes nothing, a
changed network file updates what it changes, and the customer view shows 台区 and 线路."""

from __future__ import annotations

from pathlib import Path

import pytest
from outage_network import SUPPLY, TRANSFORMERS, Network
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.entrypoints.cli.main import app
from quarterhour.outages import network_import
from quarterhour.outages.models import Feeder, PremisesSupply, TransformerArea
from quarterhour.views.customer import customer_view

pytestmark = pytest.mark.db


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_bad_rows_are_set_aside_naming_their_field(session: Session, network: Network) -> None:
    feeders = """feeder,name,district
BH-10-03,新线,baohe
BH 10 04,空格线,baohe
BH-10-05,,baohe
BH-10-06,远方线,nowhere
BH-10-03,重复线,baohe
"""
    report = network_import.import_feeders(
        session, feeders.encode(), file_name="f.csv", by=system("test")
    )
    assert (report.rows, report.accepted, report.rejected) == (5, 1, 4)
    assert {p.row: p.field for p in report.problems} == {
        3: "feeder",
        4: "name",
        5: "district",
        6: "feeder",
    }
    transformers = """transformer,name,feeder,latitude,longitude
TA-010,新台区,BH-10-03,31.5,117.2
TA-011,无线路,BH-99,,
TA-012,纬度,BH-10-03,91,117
TA-013,半个坐标,BH-10-03,31.5,
TA-014,太细,BH-10-03,31.1234567,117
TA-015,乱码\x00,BH-10-03,,
"""
    report = network_import.import_transformers(
        session, transformers.encode(), file_name="t.csv", by=system("test")
    )
    assert {p.row: p.field for p in report.problems} == {
        3: "feeder",
        4: "latitude",
        5: "longitude",
        6: "latitude",
        7: "name",
    }
    supply = """account,transformer
3400100004,TA-010
3499999999,TA-010
3400100004,TA-404
"""
    report = network_import.import_supply(
        session, supply.encode(), file_name="s.csv", by=system("test")
    )
    assert {p.row: p.field for p in report.problems} == {3: "account", 4: "transformer"}
    assert report.accepted == 1


def test_the_same_file_twice_changes_nothing_and_a_new_one_updates(
    session: Session, network: Network
) -> None:
    again = network_import.import_supply(
        session, SUPPLY.encode(), file_name="n.csv", by=system("test")
    )
    assert again.already_imported
    # Another file repeating two rows and moving one household to another transformer.
    moved = SUPPLY.replace("3400100002,TA-001", "3400100002,TA-002") + "\n"
    report = network_import.import_supply(
        session, moved.encode(), file_name="s2.csv", by=system("test")
    )
    assert (report.accepted, report.unchanged, report.rejected) == (3, 2, 0)
    supplied = dict(
        session.execute(select(PremisesSupply.premises_id, PremisesSupply.transformer_id)).all()
    )
    ta002 = session.scalar(select(TransformerArea.id).where(TransformerArea.code == "TA-002"))
    assert supplied[network.premises["3400100002"]] == ta002
    assert count(session, PremisesSupply) == 3
    renamed = TRANSFORMERS.replace("芜湖路台区", "芜湖路一号台区") + "\n"
    report = network_import.import_transformers(
        session, renamed.encode(), file_name="t2.csv", by=system("test")
    )
    assert (report.accepted, report.unchanged) == (3, 2)
    assert count(session, TransformerArea) == 3
    name = session.scalar(select(TransformerArea.name).where(TransformerArea.code == "TA-003"))
    assert name == "芜湖路一号台区"


def test_two_accounts_at_one_premises_get_one_transformer(
    session: Session, network: Network
) -> None:
    # The two accounts of one address share a premises: the file may not split them.
    cli = system("test")
    first = session.scalars(select(Account).where(Account.number == "3400100001")).one()
    second = session.scalars(select(Account).where(Account.number == "3400100003")).one()
    second.premises_id = first.premises_id
    session.flush()
    report = network_import.import_supply(
        session,
        b"account,transformer\n3400100001,TA-001\n3400100003,TA-003\n",
        file_name="x.csv",
        by=cli,
    )
    assert [(p.row, p.field) for p in report.problems] == [(3, "transformer")]


def test_the_customer_view_names_transformer_and_feeder(
    session: Session, network: Network, settings: Settings
) -> None:
    account = session.scalars(select(Account).where(Account.number == "3400100001")).one()
    view = customer_view(session, account.customer_id, by=system("test"), settings=settings)
    (shown,) = view.accounts
    assert (shown.transformer, shown.transformer_name) == ("TA-001", "徽州大道1号台区")
    assert (shown.feeder, shown.feeder_name) == ("BH-10-01", "徽州线")
    outside = session.scalars(select(Account).where(Account.number == "3400100004")).one()
    view = customer_view(session, outside.customer_id, by=system("test"), settings=settings)
    assert view.accounts[0].transformer is None


def test_the_command_line_imports_and_writes_rejects(
    session: Session,
    network: Network,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.rollback()  # SQLite: the command line writes from its own connection
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", settings.database_url)
    path = tmp_path / "feeders.csv"
    path.write_text("feeder,name,district\nBH-10-07,七号线,baohe\nBH-10-08,八号线,nowhere\n")
    result = CliRunner().invoke(app, ["outages", "import-feeders", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 imported, 1 set aside" in result.output
    rejects = (tmp_path / "feeders.rejects.csv").read_text(encoding="utf-8-sig")
    assert "district" in rejects and "nowhere" in rejects
    session.rollback()
    assert session.scalar(select(Feeder.name).where(Feeder.code == "BH-10-07")) == "七号线"
