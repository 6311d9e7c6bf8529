"""Public pages (no login): the disclosure of tariffs and commitments, the bill inquiry and the
order status lookup. Rendered on the server, Chinese by default and English with ?lang=en.

Nothing comes from elsewhere: no script at all, no font, and the app's own style sheet
(/static/public.css), as the pages' Content-Security-Policy requires (entrypoints/perimeter.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from quarterhour.billing import voice
from quarterhour.entrypoints.shared import lookups
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.entrypoints.web import refusals, wording
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.render import local, templates
from quarterhour.errors import NotFound, TooManyRequests, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import SaneDate, Text

router = APIRouter(include_in_schema=False)


@router.get("/disclosure", response_class=HTMLResponse)
def disclosure_page(
    request: Request,
    session: SessionDep,
    on: Annotated[SaneDate | None, Query()] = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> HTMLResponse:
    """公开: the tariffs and the service commitments in force, as the public reads them."""
    published = lookups.published_on(session, on or clock.now().date())
    page = templates.get_template("public/disclosure.html").render(
        lang=lang, t=wording.Words(lang), published=published, path=request.url.path, local=local
    )
    return HTMLResponse(page)


@router.get("/bill", response_class=HTMLResponse)
async def bill_page(
    request: Request,
    account: Annotated[str, Query(max_length=40)] = "",
    phone_last4: Annotated[str, Query(max_length=10)] = "",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> HTMLResponse:
    """电话管家 on the web: the same answer as the line, for an account and its phone's last four
    digits; a wrong account and a wrong check read alike, and failures are rate-limited."""
    t = wording.Words(lang)
    answer, status_code = None, 200
    error: str | Refusal | None = None
    if account or phone_last4:
        if not (account.isdigit() and len(phone_last4) == 4 and phone_last4.isdigit()):
            hint = t("inquiry_form_hint")
            error = Refusal(hint, hint, "account" if not account.isdigit() else "phone_last4")
            status_code = 422
        else:
            try:
                answer = await lookups.inquire(
                    request.app.state, lookups.caller_of(request.scope), account, phone_last4
                )
            except NotFound:
                error, status_code = t("inquiry_not_found"), 404
            except TooManyRequests:
                error, status_code = t("too_many"), 429
    page = templates.get_template("public/bill.html").render(
        lang=lang,
        t=t,
        path=request.url.path,
        answer=answer,
        error=error,
        **refusals.marks(error),
        account=account,
        phone_last4=phone_last4,
        # The spoken answer (the line's voice), offered only where the server can speak.
        spoken=voice.available(),
    )
    return HTMLResponse(page, status_code=status_code)


@router.get("/status", response_class=HTMLResponse)
def status_page(
    request: Request,
    session: SessionDep,
    number: Annotated[Text, Query(max_length=32)] = "",
    phone_last4: Annotated[str, Query(max_length=10)] = "",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> HTMLResponse:
    """工单查询: where a request stands, for its number and the caller's phone's last four digits;
    nothing personal is shown, and failures are rate-limited as on the API."""
    t = wording.Words(lang)
    status, status_code = None, 200
    error: str | Refusal | None = None
    if number or phone_last4:
        try:
            status = lookups.order_status(number.strip(), request, session, phone_last4)
        except NotFound:
            error, status_code = t("status_not_found"), 404
        except TooManyRequests:
            error, status_code = t("too_many"), 429
        except ValidationFailed as exc:
            error, status_code = t.refusal(exc, {"phone": "phone_last4"}), 422
    page = templates.get_template("public/status.html").render(
        lang=lang,
        t=t,
        path=request.url.path,
        status=status,
        error=error,
        **refusals.marks(error),
        number=number,
        phone_last4=phone_last4,
        local=local,
    )
    return HTMLResponse(page, status_code=status_code)
