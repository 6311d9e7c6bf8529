"""The API's description documents the refusals each operation gives, in the shape it gives them.

The Schemathesis run (test_schemathesis.py) checks that every status an operation answers is
documented; this checks the description itself, without a server: every operation behind a bearer
token documents 401, every operation with parameters or a body documents 422 as the project's
`ValidationOut` (FastAPI's default `HTTPValidationError`, a `detail` list, is not what the API
answers), and every documented refusal has one of the error models of entrypoints/api/errors.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quarterhour.config import Settings
from quarterhour.entrypoints.app import create_app

ERROR_MODELS = {"ErrorOut", "ValidationOut", "ConflictOut"}


def _spec(tmp_path: Path) -> dict[str, Any]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'spec.db'}", run_background_sweep=False
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def test_every_operation_documents_its_refusals_with_the_error_models(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert "HTTPValidationError" not in json.dumps(spec)
    wrong = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in operations.items():
            name = f"{method.upper()} {path}"
            answers = op["responses"]
            if op.get("security") and "401" not in answers:
                wrong.append(f"{name}: no 401")
            if (op.get("parameters") or op.get("requestBody")) and "422" not in answers:
                wrong.append(f"{name}: no 422")
            for status, answer in answers.items():
                if not status.startswith("4"):
                    continue
                schema = answer["content"]["application/json"]["schema"]["$ref"]
                if schema.rsplit("/", 1)[-1] not in ERROR_MODELS:
                    wrong.append(f"{name}: {status} is {schema}")
    assert not wrong, "\n".join(wrong)
    action = spec["paths"]["/api/v1/orders/{order_id}/actions/{action}"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(action)
    assert "429" in spec["paths"]["/api/v1/public/bill"]["get"]["responses"]
