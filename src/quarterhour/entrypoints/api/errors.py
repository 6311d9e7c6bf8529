"""Every error leaves as JSON naming the field or the allowed next steps."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from quarterhour.entrypoints.shared.validation import field_name
from quarterhour.errors import DomainError, ValidationFailed

log = logging.getLogger("quarterhour.api")


class ErrorOut(BaseModel):
    """Every refusal: a code, a sentence, and the field at fault when there is one."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(examples=["validation_failed"])
    message: str
    field: str | None = Field(default=None, description="the field, parameter or header at fault")


class FieldProblem(BaseModel):
    field: str
    message: str
    type: str


class ValidationOut(ErrorOut):
    errors: list[FieldProblem] = Field(default_factory=list, description="every field at fault")


class ConflictOut(ErrorOut):
    """A move the order's state does not allow, a stale version, or a record that exists."""

    state: str | None = None
    version: int | None = None
    allowed_actions: list[str] | None = Field(default=None, description="what may be done next")


_ANSWERS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorOut, "the request could not be read (e.g. a form that is not multipart)"),
    401: (ErrorOut, "no valid bearer token (get one at /api/v1/auth/token)"),
    403: (ErrorOut, "this role may not do this, or the record belongs to another department"),
    404: (ErrorOut, "nothing by that number; `field` names what was looked for"),
    409: (ConflictOut, "the state does not allow it, the version is stale, or it exists already"),
    422: (ValidationOut, "a field is missing, malformed or out of range; `field` names it"),
    429: (ErrorOut, "too many failed attempts from this caller; try again later"),
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The refusals a route (or a router's every route) gives, for the OpenAPI description."""
    return {code: {"model": _ANSWERS[code][0], "description": _ANSWERS[code][1]} for code in codes}


# What every route behind a bearer token may answer; and what most of them add: a role that may
# not, a field that is wrong.
SIGNED_IN = answers(401)
REFUSED = answers(403, 422)


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


def _column_of(exc: Exception) -> str | None:
    """The column PostgreSQL names in its error, when it names one."""
    error = getattr(exc, "orig", exc)
    diag = getattr(error, "diag", None)
    column = getattr(diag, "column_name", None)
    return column if isinstance(column, str) else None


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if exc.status_code == 429 and "retry_after" in exc.details:
            headers = {"Retry-After": str(exc.details["retry_after"])}
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

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI could not decode the JSON body: malformed JSON, like any other.
            return JSONResponse(
                {
                    "error": "validation_failed",
                    "message": "body: malformed JSON (not UTF-8 text)",
                    "field": "body",
                    "errors": [
                        {"field": "body", "message": "not UTF-8 text", "type": "json_invalid"}
                    ],
                },
                status_code=422,
            )
        # Starlette's own refusals (no such path, a form it cannot parse) in the same shape.
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            {"error": code.get(exc.status_code, "http_error"), "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
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

    @app.exception_handler(DataError)
    @app.exception_handler(psycopg.DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # The last line of defence: a value the database (or date arithmetic) could not take
        # reached it unchecked — NUL in text, a number beyond its column, year 9999. The input
        # is refused as any bad input is, and the bound that should have caught it is a bug.
        log.error(
            "unchecked input reached the database: %s %s (declare its bound: kit/bounds.py)",
            request.method,
            request.url.path,
            exc_info=exc,
        )
        refused = ValidationFailed(
            "a value is out of range or holds characters that cannot be stored",
            field=_column_of(exc),
        )
        # Through the DomainError handler in force, so the console answers with its own page.
        answer = request.app.exception_handlers[DomainError](request, refused)
        result: Response = await answer if inspect.isawaitable(answer) else answer
        return result

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return JSONResponse(
            {"error": "conflict", "message": "a concurrent request wrote the same record; retry"},
            status_code=409,
        )
