"""Public pages (no login): the disclosure of tariffs and commitments, the bill inquiry, the
order status lookup and the self-service report (/report: a code by SMS, then the matter). Rendered on the server, Chinese by default and English with ?lang=en.

Nothing comes from elsewhere: no script at all, no font, and the app's own style sheet
(/static/public.css), as the pages' Content-Security-Policy requires (entrypoints/perimeter.py).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from quarterhour.billing import voice
from quarterhour.entrypoints.shared import lookups, selfservice
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import refusals, wording
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.render import local, templates
from quarterhour.errors import DomainError, NotFound, TooManyRequests, ValidationFailed
from quarterhour.kit import clock, masking
from quarterhour.kit.bounds import SaneDate, Text
from quarterhour.selfservice import codes

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


# The report form's inputs by the API's field names (matter.description → description).
_REPORT_INPUTS = {f"matter.{name}": name for name in selfservice.SelfMatter.model_fields}
# A form's text inputs are bounded before anything reads them (the schemas bound them again).
FormText = Annotated[str, Form(max_length=4000)]
Lang = Annotated[str, Form(pattern="^(zh|en)$")]


def _report_page(
    request: Request, lang: str, step: str, status_code: int = 200, **values: object
) -> HTMLResponse:
    t = wording.Words(lang)
    error = values.pop("error", None)
    page = templates.get_template("public/report.html").render(
        lang=lang,
        t=t,
        path="/report",
        step=step,
        error=error,
        **refusals.marks(error),
        kinds=selfservice.SELF_ORDER_TYPES,
        minutes=int(codes.VALID.total_seconds() // 60),
        **values,
    )
    return HTMLResponse(page, status_code=status_code)


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request, lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh"
) -> HTMLResponse:
    """自助报修: step 1, the mobile phone the code goes to."""
    return _report_page(request, lang, "phone", phone="")


@router.post("/report/code", response_class=HTMLResponse)
def report_code(
    request: Request,
    session: SessionDep,
    phone: Annotated[str, Form(max_length=40)] = "",
    lang: Lang = "zh",
) -> HTMLResponse:
    """Step 2 once the code is sent: the code and the matter. A refusal (a bad number, too many
    codes) keeps step 1, said by the phone's input."""
    t = wording.Words(lang)
    try:
        data = validated(selfservice.CodeRequest, {"phone": phone, "lang": lang})
        selfservice.send_code(
            session,
            data,
            caller=lookups.caller_of(request.scope),
            settings=request.app.state.settings,
        )
    except DomainError as exc:
        return _report_page(
            request, lang, "phone", exc.status_code, phone=phone, error=t.refusal(exc)
        )
    return _report_page(
        request,
        lang,
        "details",
        phone=phone.strip(),
        masked_phone=masking.mask_phone(phone.strip()),
        # The form's own Idempotency-Key: sent twice (a double click, a reload), it is
        # answered with the contact the first one made.
        form={"request": secrets.token_urlsafe(16)},
    )


@router.post("/report", response_class=HTMLResponse)
def report_submit(
    request: Request,
    session: SessionDep,
    phone: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    order_type: Annotated[str, Form(max_length=32)] = "",
    description: FormText = "",
    account_number: Annotated[str, Form(max_length=40)] = "",
    address: Annotated[str, Form(max_length=400)] = "",
    request_key: Annotated[
        str, Form(alias="request", max_length=selfservice.IDEMPOTENCY_MAX_LENGTH)
    ] = "",
    lang: Lang = "zh",
) -> HTMLResponse:
    """Step 3: the contact taken (as the API takes it, channel web) and its order numbers; a
    refusal keeps step 2 with everything typed, said by the input at fault."""
    t = wording.Words(lang)
    form = {
        "code": code,
        "name": name,
        "order_type": order_type,
        "description": description,
        "account_number": account_number,
        "address": address,
        "request": request_key,
    }
    matter = {
        "order_type": order_type,
        "description": description,
        "account_number": account_number.strip() or None,
        "address": address.strip() or None,
    }
    settings = request.app.state.settings
    try:
        data = validated(
            selfservice.SelfContact,
            {"phone": phone, "code": code, "name": name, "matter": matter, "channel": "web"},
        )
        result = selfservice.take(
            session,
            data,
            caller=lookups.caller_of(request.scope),
            settings=settings,
            idempotency_key=request_key.strip() or None,
        )
    except DomainError as exc:
        return _report_page(
            request,
            lang,
            "details",
            exc.status_code,
            phone=phone.strip(),
            masked_phone=masking.mask_phone(phone.strip()),
            form=form,
            error=t.refusal(exc, _REPORT_INPUTS),
        )
    return _report_page(request, lang, "done", answer=selfservice.answer(result, settings))
