"""A small network over the demo organisation: two feeders, three transformer areas, four
accounts (one premises without a supply record)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.customers import register_import
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.outages import network_import
from quarterhour.tariffs import tariff_book

CUSTOMERS = """account,name,address,district,tariff,opened_on
3400100001,张伟,合肥市包河区徽州大道1号101室,baohe,ZJ-RES,2026-08-01
3400100002,李娜,合肥市包河区徽州大道1号102室,baohe,ZJ-RES,2026-08-01
3400100003,王芳,合肥市包河区芜湖路8号,baohe,ZJ-RES,2026-08-01
3400100004,赵敏,合肥市蜀山区长江西路9号,shushan,ZJ-RES,2026-08-01
"""
FEEDERS = """feeder,name,district
BH-10-01,徽州线,baohe
BH-10-02,芜湖线,包河区
"""
TRANSFORMERS = """transformer,name,feeder,latitude,longitude
TA-001,徽州大道1号台区,BH-10-01,31.820000,117.290000
TA-002,徽州大道3号台区,BH-10-01,,
TA-003,芜湖路台区,BH-10-02,31.850000,117.280000
"""
SUPPLY = """account,transformer
3400100001,TA-001
3400100002,TA-001
3400100003,TA-003
"""


@dataclass
class Network:
    org: Organisation
    premises: dict[str, int]  # account number → premises id


def load_network(session: Session, org: Organisation) -> Network:
    cli = system("test")
    tariff_book.install_samples(session, by=cli)
    register_import.import_customers(session, CUSTOMERS.encode(), file_name="c.csv", by=cli)
    for importer, text in (
        (network_import.import_feeders, FEEDERS),
        (network_import.import_transformers, TRANSFORMERS),
        (network_import.import_supply, SUPPLY),
    ):
        report = importer(session, text.encode(), file_name="n.csv", by=cli)
        assert not report.problems, report.problems
    session.commit()
    premises = dict(session.execute(select(Account.number, Account.premises_id)).all())
    session.rollback()  # nothing held: SQLite begins every transaction as a writer
    return Network(org, premises)
