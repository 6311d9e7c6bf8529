"""The review of a held reading from the billing page: the month's readings, the usual month,
the run's note and earlier decisions, and the three forms (accept, correct, void); after a
decision the reviewer goes straight on to the next held month."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.billing import reading_review
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.kit import bounds
from quarterhour.kit.bounds import DbId

router = APIRouter(prefix="/console/billing/held", include_in_schema=False)


@router.get("/{held_id}", response_class=HTMLResponse)
def held(held_id: DbId, console: ConsoleDep) -> HTMLResponse:
    return _page(console, held_id)


def _page(
    console: Console,
    held_id: int,
    *,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    case = reading_review.held_case(console.session, held_id, by=console.actor)
    done = console.request.query_params.get("done", "")
    return render.console_page(
        console,
        "console/held_review.html",
        status_code=status_code,
        case=case,
        may_review=can(console.actor, Permission.REVIEW_READINGS),
        done=done if done in reading_review.DECISIONS else "",
        error=error,
        typed=typed or {},
    )


def _decimal(text: str, *, field: str) -> Decimal | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed(f"{field}: a number such as 1234.56", field=field) from None


@router.post("/{held_id}/review", response_model=None)
def review(
    held_id: DbId,
    console: ConsoleDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    reading_id: Annotated[str, Form(max_length=20)] = "",
    total: Annotated[str, Form(max_length=20)] = "",
    peak: Annotated[str, Form(max_length=20)] = "",
    valley: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    typed = {
        "decision": decision,
        "reason": reason,
        "reading_id": reading_id,
        "total": total,
        "peak": peak,
        "valley": valley,
    }
    session = console.session
    try:
        chosen = (
            bounds.whole_number(reading_id, field="reading_id", low=1, high=bounds.INT64_MAX)
            if reading_id.strip()
            else None
        )
        done = reading_review.review(
            session,
            held_id,
            by=console.actor,
            decision=decision,
            reason=reason,
            reading_id=chosen,
            total=_decimal(total, field="total") if decision == "correct" else None,
            peak=_decimal(peak, field="peak") if decision == "correct" else None,
            valley=_decimal(valley, field="valley") if decision == "correct" else None,
        )
        session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        # Three forms share the field names: the marks are keyed by the decision sent.
        error = Words(console.lang).refusal(exc, lambda field: f"{decision}:{field}")
        return _page(console, held_id, error=error, typed=typed, status_code=exc.status_code)
    following = reading_review.next_held(session, done.row.held_reading_id, by=console.actor)
    if following is None:
        return RedirectResponse(f"/console/billing?reviewed={decision}", status_code=303)
    return RedirectResponse(f"/console/billing/held/{following}?done={decision}", status_code=303)
