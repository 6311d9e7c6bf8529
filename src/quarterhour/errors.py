"""Domain errors. Entrypoints translate them (HTTP status, CLI exit code); services only raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.details)
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class ValidationFailed(DomainError):
    """`check`: what pydantic refused, when it did — its error type and context — so that a
    page can say it in its reader's language; not part of the API's answer."""

    status_code = 422
    code = "validation_failed"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        check: tuple[str, Mapping[str, Any]] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, field=field, **details)
        self.check = check


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, message: str, *, state: str, allowed: Sequence[str], **details: Any) -> None:
        super().__init__(message, state=state, allowed_actions=list(allowed), **details)


class StaleVersion(Conflict):
    code = "stale_version"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"


class Unavailable(DomainError):
    """A feature that needs something this machine does not have (e.g. a speech engine)."""

    status_code = 503
    code = "unavailable"
