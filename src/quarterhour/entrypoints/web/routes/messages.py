"""The administrators' message templates (an admin tab): every kind with its texts, and one
text's form with its variables and a preview rendered on the server (no script needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes.admin import tab_page
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError
from quarterhour.notifications import admin as messages_admin
from quarterhour.notifications import templates
from quarterhour.notifications.models import LANGUAGES

router = APIRouter(prefix="/console/admin/messages", include_in_schema=False)


def _page(
    console: Console,
    name: str,
    values: dict[str, Any],
    *,
    error: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return tab_page(
        console,
        name,
        "messages",
        error=error,
        status_code=status_code,
        # The form's page says what was done itself (saved, or back to the default).
        done=None,
        said=console.request.query_params.get("done"),
        statutory=templates.STATUTORY,
        **values,
    )


@router.get("", response_class=HTMLResponse)
def message_templates(console: ConsoleDep) -> HTMLResponse:
    entries = messages_admin.template_entries(console.session, by=console.actor)
    by_kind: dict[str, list[messages_admin.TemplateEntry]] = {}
    for e in entries:
        by_kind.setdefault(e.kind.name, []).append(e)
    return _page(
        console,
        "console/admin_messages.html",
        {"kinds": templates.KINDS, "entries": by_kind, "langs": LANGUAGES},
    )


def _edit_page(
    console: Console,
    kind: str,
    channel: str,
    lang: str,
    *,
    typed: dict[str, str] | None = None,
    shown: templates.Text | None = None,
    error: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entry = messages_admin.template_entry(console.session, kind, channel, lang, by=console.actor)
    current = entry.override or entry.default
    return _page(
        console,
        "console/admin_message.html",
        {
            "entry": entry,
            "typed": typed or {"subject": current.subject or "", "body": current.body},
            "shown": shown,
        },
        error=error,
        status_code=status_code,
    )


@router.get("/{kind}/{channel}/{lang}", response_class=HTMLResponse)
def message_template(kind: str, channel: str, lang: str, console: ConsoleDep) -> HTMLResponse:
    return _edit_page(console, kind[:32], channel[:8], lang[:2])


@router.post("/{kind}/{channel}/{lang}", response_model=None)
def save_message_template(
    kind: str,
    channel: str,
    lang: str,
    console: ConsoleDep,
    body: Annotated[str, Form(max_length=templates.BODY_MAX_CHARS)] = "",
    subject: Annotated[str, Form(max_length=templates.SUBJECT_MAX_CHARS)] = "",
    do: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    kind, channel, lang = kind[:32], channel[:8], lang[:2]
    typed = {"subject": subject, "body": body}
    try:
        if do == "preview":
            shown = messages_admin.preview(
                kind,
                channel,
                lang,
                subject=subject or None,
                body=body,
                variables=None,
                by=console.actor,
            )
            return _edit_page(console, kind, channel, lang, typed=typed, shown=shown)
        messages_admin.set_template(
            console.session,
            kind,
            channel,
            lang,
            subject=subject or None,
            body=body,
            by=console.actor,
        )
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        error = Words(console.lang).refusal(exc)
        return _edit_page(
            console, kind, channel, lang, typed=typed, error=error, status_code=exc.status_code
        )
    return RedirectResponse(
        f"/console/admin/messages/{kind}/{channel}/{lang}?done=saved", status_code=303
    )


@router.post("/{kind}/{channel}/{lang}/reset", response_model=None)
def reset_message_template(kind: str, channel: str, lang: str, console: ConsoleDep) -> Response:
    kind, channel, lang = kind[:32], channel[:8], lang[:2]
    messages_admin.reset_template(console.session, kind, channel, lang, by=console.actor)
    console.session.commit()
    return RedirectResponse(
        f"/console/admin/messages/{kind}/{channel}/{lang}?done=reset", status_code=303
    )
