"""Input checked outside FastAPI's parsing, refused as the API refuses it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from quarterhour.errors import ValidationFailed

_M = TypeVar("_M", bound=BaseModel)


def field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or ".".join(str(p) for p in loc)


def validated(model: type[_M], data: Any) -> _M:
    """`model` from data that did not come through FastAPI's parsing (a console form, a query
    string read by hand): a failure is the ValidationFailed the API would answer with, naming
    the first field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise refusal_of(exc.errors()[0]) from None


def refusal_of(error: Mapping[str, Any]) -> ValidationFailed:
    """One of pydantic's errors as the ValidationFailed the API answers, naming its field and
    keeping its type and context (the console says it from those, in the reader's language)."""
    where = field_name(tuple(error.get("loc", ())))
    return ValidationFailed(
        f"{where}: {error.get('msg', '')}",
        field=where,
        check=(error.get("type", ""), error.get("ctx", {})),
    )
