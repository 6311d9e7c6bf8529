"""Public pages, rendered on the server (Jinja2), Chinese by default and English with ?lang=en.

Every byte a page needs is in the page: no script, no font, no style sheet from elsewhere.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from quarterhour.entrypoints.api.deps import SessionDep
from quarterhour.entrypoints.api.public import published_on
from quarterhour.entrypoints.web import wording
from quarterhour.entrypoints.web.render import templates
from quarterhour.kit import clock

router = APIRouter(include_in_schema=False)


@router.get("/disclosure", response_class=HTMLResponse)
def disclosure_page(
    request: Request,
    session: SessionDep,
    on: Annotated[date | None, Query()] = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> HTMLResponse:
    """公开: the tariffs and the service commitments in force, as the public reads them."""
    published = published_on(session, on or clock.now().date())
    page = templates.get_template("public/disclosure.html").render(
        lang=lang, t=wording.Words(lang), published=published, path=request.url.path
    )
    return HTMLResponse(page)
