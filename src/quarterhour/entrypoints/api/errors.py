"""Every error leaves as JSON naming the field or the allowed next steps."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from quarterhour.errors import DomainError, ValidationFailed

log = logging.getLogger("quarterhour.api")
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
        first = exc.errors()[0]
        where = field_name(tuple(first["loc"]))
        raise ValidationFailed(f"{where}: {first['msg']}", field=where) from None


def _error(e: Any) -> dict[str, str]:
    loc = tuple(e.get("loc", ()))
    if e.get("type") == "json_invalid":
        # pydantic puts the character offset where the field goes; the culprit is the body.
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = e.get("ctx", {}).get("error", "")
        return {
            "field": "body",
            "message": f"malformed JSON{where}: {reason}".rstrip(": "),
            "type": "json_invalid",
        }
    return {"field": field_name(loc), "message": e.get("msg", ""), "type": e.get("type", "")}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return JSONResponse(
            {
                "error": "validation_failed",
                "message": f"{first['field']}: {first['message']}",
                "field": first["field"],
                "errors": errors,
            },
            status_code=422,
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "stale_version",
                "message": "the order was changed by someone else; reload",
                "field": "version",
            },
            status_code=409,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return JSONResponse(
            {"error": "conflict", "message": "a concurrent request wrote the same record; retry"},
            status_code=409,
        )
