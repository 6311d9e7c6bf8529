from __future__ import annotations

import pytest
from outage_network import Network, load_network
from sqlalchemy.orm import Session

from quarterhour.demo.organisation import Organisation


@pytest.fixture
def network(session: Session, org: Organisation) -> Network:
    return load_network(session, org)
