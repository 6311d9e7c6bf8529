from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from analytics.scenario import Builder, build_october
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation


@pytest.fixture
def builder(session: Session, org: Organisation, settings: Settings, frozen_clock: Any) -> Builder:
    return Builder(session, org, settings, frozen_clock)


@pytest.fixture
def october(builder: Builder) -> Builder:
    build_october(builder)
    return builder
