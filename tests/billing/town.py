"""A handful of households with meters and tariffs, for the billing tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Meter
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.tariffs import tariff_book

D = Decimal


class Town:
    """A handful of households in 包河区, each showing one case of the bill run."""

    def __init__(self, session: Session, org: Organisation) -> None:
        self.session = session
        self.district = org.districts["baohe"]
        tariff_book.install_samples(session, by=system("test"))
        self.tariffs = {
            code: tariff_book.get_tariff(session, code).id
            for code in ("ZJ-RES", "ZJ-RES-TOU", "AH-SHARED", "AH-BIZ")
        }
        self.count = 0

    def household(
        self, tariff: str, *, category: str = "residential", households: int = 1, **meter: object
    ) -> tuple[Account, Meter]:
        self.count += 1
        n = self.count
        customer = Customer(
            name=f"户主{n}", phone=f"1390000{n:04d}", phone_last4=f"{n:04d}", created_at=clock.now()
        )
        self.session.add(customer)
        self.session.flush()
        flats = [
            accounts.add_premises(
                self.session,
                address=f"合肥市包河区拱辰街{n}号楼{k + 1}室",
                district_id=self.district,
                by=system("test"),
            )
            for k in range(households)
        ]
        account = accounts.open_account(
            self.session,
            customer=customer,
            premises=flats[0],
            tariff_id=self.tariffs[tariff],
            category=category,
            opened_on=date(2026, 8, 1),
        )
        installed = accounts.install_meter(
            self.session,
            account=account,
            number=f"M{n:06d}",
            installed_on=date(2026, 8, 15),
            households=flats,
            **meter,  # type: ignore[arg-type]
        )
        return account, installed

    def read(self, meter: Meter, day: date, total: str, **more: object) -> None:
        accounts.record_reading(self.session, meter=meter, read_on=day, total=D(total), **more)  # type: ignore[arg-type]
