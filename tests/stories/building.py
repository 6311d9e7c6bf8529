"""Story 1's building before the story, shared by the API story test and the console's.

Imported as `stories.building` (the root conftest puts tests/ on sys.path).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.customers import accounts
from quarterhour.customers.models import Customer, Meter
from quarterhour.kit import clock
from quarterhour.tariffs import tariff_book


def shared_building(session: Session, district_id: int) -> tuple[Meter, dict[str, int]]:
    """拱辰街99号楼 before the story: four flats on one shared meter, billed to the building."""
    tariff_book.install_samples(session, by=system("test"))
    flats = {
        flat: accounts.add_premises(
            session,
            address=f"合肥市包河区拱辰街99号楼{flat}",
            district_id=district_id,
            by=system("test"),
        )
        for flat in ("101", "102", "201", "202")
    }
    him = Customer(
        name="唐邦铮",
        phone="13905519909",
        phone_last4="9909",
        address="拱辰街99号楼",
        district_id=district_id,
        created_at=clock.now(),
    )
    keeper = Customer(name="楼长", phone="13905510000", phone_last4="0000", created_at=clock.now())
    session.add_all([him, keeper])
    session.flush()
    building = accounts.open_account(
        session,
        customer=keeper,
        premises=flats["101"],
        tariff_id=tariff_book.get_tariff(session, "AH-SHARED").id,
        opened_on=date(2010, 1, 1),
    )
    meter = accounts.install_meter(
        session,
        account=building,
        number="HB-99-SHARED",
        installed_on=date(2010, 1, 1),
        households=list(flats.values()),
        initial=Decimal(0),
    )
    accounts.record_reading(session, meter=meter, read_on=date(2026, 10, 31), total=Decimal(5000))
    session.commit()
    return meter, {flat: premises.id for flat, premises in flats.items()}
