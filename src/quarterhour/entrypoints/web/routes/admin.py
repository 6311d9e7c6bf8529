"""Administration pages. Each asks the permission layer through the service it reads."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from quarterhour.access import service as access
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.session import ConsoleDep
from quarterhour.organisation import service as organisation

router = APIRouter(prefix="/console/admin", include_in_schema=False)


@router.get("/staff", response_class=HTMLResponse)
def staff(console: ConsoleDep) -> HTMLResponse:
    members = access.list_staff(console.session, by=console.actor)  # Forbidden unless admin
    departments = {d.id: d.name for d in organisation.list_departments(console.session)}
    return render.console_page(
        console, "console/admin_staff.html", members=members, departments=departments
    )
