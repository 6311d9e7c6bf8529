"""Schemathesis against the app's own /openapi.json: no input, valid or not, gets a server error,
and every answer is one the operation documents, in the documented shape.

A bounded, deterministic run (Hypothesis derandomized, no example database, a few valid and a few
invalid examples per operation) over every operation the API documents, served by the real app
(uvicorn on a local port, the `live_server` fixture: the suite's database, once per backend, with
the demo organisation and a few orders in different states), once anonymous and once with the
bearer token of each of two demo users with wide rights (`admin`, `dispatcher`). Nothing is left
out: a logout ends the token it is sent with, so each logout is sent with a token of its own.
Every failure is collected, so one run names all of them. About 90 s per backend on two cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from workorders.loop_client import LoopApi

# Examples per operation and generation mode (valid and invalid data): enough to reach the edges
# the schema describes (lengths, ranges, formats) while the whole run stays within a minute or
# two per database on two cores. QUARTERHOUR_FUZZ_EXAMPLES raises it for a longer hunt.
EXAMPLES = int(os.environ.get("QUARTERHOUR_FUZZ_EXAMPLES", "12"))
LOGOUT = ("POST", "/api/v1/auth/logout")
# No server error; every status answered is one the operation documents; and every answer,
# refusals included, has the documented shape.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _seed(loop: LoopApi) -> None:
    """A few orders in different states, so that small ids lead somewhere."""
    loop.intake("complaint")
    loop.new_order("fault_repair", "acknowledged")
    loop.new_order("complaint", "returned")


@pytest.mark.parametrize("who", ["anonymous", "admin", "dispatcher"])
def test_no_operation_answers_with_a_server_error(
    who: str, live_server: str, org: Organisation
) -> None:
    client = httpx.Client(base_url=live_server, timeout=30)
    loop = LoopApi(client, org)
    _seed(loop)
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    headers: dict[str, str] = {} if who == "anonymous" else loop.headers(who)
    # A logout ends the token it is sent with: each one gets a token of its own.
    spare_tokens = [_fresh_token(client, who) for _ in range(EXAMPLES * 2)] if headers else []
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        key = (operation.method.upper(), operation.path)

        def headers_for(key: tuple[str, str] = key) -> dict[str, str]:
            if key == LOGOUT and spare_tokens:
                return spare_tokens.pop()
            return headers

        _fuzz(operation, live_server, headers_for, failures)
    assert operations > 20, "the schema lists the API's operations"
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:40])


def _fresh_token(client: httpx.Client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _fuzz(
    operation: Any, base: str, headers_for: Callable[[], dict[str, str]], failures: list[str]
) -> None:
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES * 2,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            response = case.call(base_url=base, headers=headers_for())
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as error:  # a failed check, or the app raised
            failures.append(f"{operation.label}: {type(error).__name__}: {error}"[:2000])

    run()
