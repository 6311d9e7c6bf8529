"""A customer to write to, and sessions of the test's database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notifications.recording import PHONE

__all__ = ["desk"]
from console.conftest import desk
from quarterhour.customers.models import Customer
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def customer(factory: sessionmaker[Session]) -> int:
    with factory.begin() as session:
        him = Customer(name="张三", phone=PHONE, phone_last4=PHONE[-4:], created_at=clock.now())
        session.add(him)
        session.flush()
        return him.id
