from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from quarterhour.demo.organisation import Organisation
from workorders.loop_client import LoopApi


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)
