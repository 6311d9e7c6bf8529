from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from workorders.loop_client import LoopApi


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


@pytest.fixture
def desk(app: object, org: Organisation) -> Iterator[Callable[[str], TestClient]]:
    """A separate client (own cookies) logged in to the console as a demo user."""
    clients: list[TestClient] = []

    def _desk(username: str) -> TestClient:
        # Not entered: the app's lifespan belongs to the `client` fixture; pages do not need it.
        c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
        clients.append(c)
        response = c.post("/console/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 303, response.text
        return c

    yield _desk
    for c in clients:
        c.close()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)
