"""Rendering pages: one Jinja2 environment, the menu a role sees, and how times read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from quarterhour.access.actor import Actor, Role
from quarterhour.access.permissions import Permission, can
from quarterhour.entrypoints.web import refusals
from quarterhour.entrypoints.web import session as web_session
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import Forbidden
from quarterhour.kit import clock
from quarterhour.workorders.lifecycle import MOVES, Action, State

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def percent(rate: Decimal | None) -> str:
    """A rate of the quality figures as people read it: 0.9555 → 95.55%; no rate → —."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def day_before(day: date) -> date:
    """The last day of a span whose end is stored exclusive (bill lines: ends_on)."""
    return day - timedelta(days=1)


def spoken_day(moment: datetime | None, lang: str) -> str:
    """A day as it is said to a customer: 2026年11月24日 / 24 November 2026 (Shanghai time)."""
    if moment is None:
        return "—"
    day = moment.astimezone(clock.SHANGHAI).date()
    if lang == "en":
        return f"{day.day} {day:%B} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def sentence_body(text: str) -> str:
    """A text to be quoted inside a sentence: without its own closing stop (no "。。")."""
    return text.strip().rstrip("。．.！!；;，, ")


templates.filters["pct"] = percent
templates.filters["spoken_day"] = spoken_day
templates.filters["sentence_body"] = sentence_body
templates.filters["day_before"] = day_before


@dataclass(frozen=True)
class MenuItem:
    key: str  # a word of wording.py
    href: str


def menu(actor: Actor) -> list[MenuItem]:
    """The pages a role may open; the routes refuse the rest through the permission layer."""
    items: list[MenuItem] = []
    if can(actor, Permission.TAKE_CONTACT):
        items.append(MenuItem("nav_desk", "/console/desk"))
    if actor.is_crew:  # the crew's jobs on its phone first
        items.append(MenuItem("nav_crew_jobs", "/console/crew"))
    if actor.role is Role.HANDLER:
        items.append(MenuItem("nav_my_work", "/console/my-work"))
    if can(actor, Permission.VIEW_ALL_ORDERS):
        items.append(MenuItem("nav_orders", "/console/orders"))
    if actor.role in _REVIEWERS:
        items.append(MenuItem("nav_review", "/console/orders?state=returned"))
    if actor.role in _REPLIERS:
        items.append(MenuItem("nav_to_reply", "/console/orders?state=reviewed"))
    if actor.role in (Role.FOLLOW_UP_AGENT, Role.DISPATCHER, Role.SUPERVISOR):
        items.append(MenuItem("nav_follow_ups", "/console/orders?state=replied"))
    if can(actor, Permission.VIEW_ADMIN_WARNINGS) or actor.role is Role.DISPATCHER:
        items.append(MenuItem("nav_escalated", "/console/orders?escalated=true&open=true"))
    if can(actor, Permission.VIEW_CUSTOMERS):
        items.append(MenuItem("nav_customers", "/console/customers"))
    if can(actor, Permission.VIEW_BILLING):
        items.append(MenuItem("nav_billing", "/console/billing"))
    if can(actor, Permission.VIEW_PROGRAMME):
        items.append(MenuItem("nav_programme", "/console/programme"))
    if can(actor, Permission.VIEW_OUTAGES):
        items.append(MenuItem("nav_outages", "/console/outages"))
        if can(actor, Permission.VIEW_CREWS):  # the live board shows both
            items.append(MenuItem("nav_outages_live", "/console/outages/live"))
    if can(actor, Permission.VIEW_CREWS):
        items.append(MenuItem("nav_crews", "/console/crews"))
    if can(actor, Permission.IMPORT_RECORDS):
        items.append(MenuItem("nav_imports", "/console/imports"))
    if can(actor, Permission.VIEW_STATS):
        items.append(MenuItem("nav_dashboard", "/console/dashboard"))
    if can(actor, Permission.MANAGE_JOBS):
        items.append(MenuItem("nav_jobs", "/console/jobs"))
    if can(actor, Permission.MANAGE_STAFF):
        items.append(MenuItem("nav_admin", "/console/admin/staff"))

    items.append(MenuItem("nav_disclosure", "/disclosure"))
    return items


# Who reviews a department's result (待审核): the roles the lifecycle lets approve it.
_REVIEWERS = next(m.roles for m in MOVES if (m.state, m.action) == (State.RETURNED, Action.APPROVE))
_REPLIERS = next(m.roles for m in MOVES if (m.state, m.action) == (State.REVIEWED, Action.REPLY))


def _matching(items: list[MenuItem], request: Request) -> list[tuple[int, MenuItem]]:
    """The menu entries the page belongs to with how many query values each names, most
    specific first: same path, and every query value the entry names present in the request."""
    asked = request.query_params
    found: list[tuple[int, MenuItem]] = []
    for item in items:
        path, _, query = item.href.partition("?")
        wanted = [tuple(pair.split("=", 1)) for pair in query.split("&") if "=" in pair]
        if path == request.url.path and all(v in asked.getlist(k) for k, v in wanted):
            found.append((len(wanted), item))
    found.sort(key=lambda pair: -pair[0])  # stable: among equals, the menu's order
    return found


def current_item(items: list[MenuItem], request: Request) -> str | None:
    """The one menu entry the page belongs to; the most specific wins (待回访 over 工单 on a
    list of replied orders)."""
    found = _matching(items, request)
    return found[0][1].href if found else None


def page_heading(items: list[MenuItem], request: Request, default: str) -> str:
    """A list's heading: the menu entry it is (督办, 待审核 …) when exactly one fits best, else
    `default` (a list of both replies and follow-ups is just 工单)."""
    found = _matching(items, request)
    if not found or (len(found) > 1 and found[1][0] == found[0][0]):
        return default
    return found[0][1].key


def may_search(actor: Actor) -> bool:
    """The top bar's search box, for whoever may see orders or customers (views/search.py)."""
    return can(actor, Permission.VIEW_ORDERS) or can(actor, Permission.VIEW_CUSTOMERS)


def home_of(actor: Actor) -> str:
    """Where a role lands after logging in."""
    if actor.is_crew:  # a repair crew's member: his crew's jobs, on his phone
        return "/console/crew"
    if actor.role is Role.HANDLER:
        return "/console/my-work"
    if actor.role is Role.FOLLOW_UP_AGENT:  # replies to give, then follow-ups to make
        return "/console/orders?state=reviewed&state=replied"
    if actor.role is Role.ADMIN:
        return "/console/admin/staff"
    if actor.role is Role.DUTY_AGENT:
        return "/console/desk"
    if actor.role is Role.SUPERVISOR:
        return "/console/dashboard"
    return "/console/orders?state=accepted"  # the dispatcher's desk: new work, most urgent first


def local(moment: datetime | None) -> str:
    """A time as staff read it: Shanghai time, to the minute."""
    if moment is None:
        return "—"
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def local_day(moment: datetime | None, *, before: bool = False) -> str:
    """A date field's value for a bound of a range of days: the Shanghai day it starts (the
    day before it: `before`, for an exclusive end), or empty."""
    if moment is None:
        return ""
    day = moment.astimezone(clock.SHANGHAI).date()
    return (day_before(day) if before else day).isoformat()


def time_left(t: Words, due: datetime | None, now: datetime) -> str:
    if due is None:
        return "—"
    seconds = int((due - now).total_seconds())
    span = _span(t, abs(seconds))
    return t("left", span=span) if seconds >= 0 else t("overdue_by", span=span)


def time_since(t: Words, since: datetime | None, now: datetime) -> str:
    """How long ago `since` was (an outage's time off so far)."""
    if since is None:
        return "—"
    return _span(t, max(0, int((now - since).total_seconds())))


def _span(t: Words, seconds: int) -> str:
    minutes = seconds // 60
    if minutes >= 48 * 60:
        return t("days", n=minutes // (24 * 60))
    if minutes >= 120:
        return t("hours_short", n=minutes // 60)
    return t("minutes_short", n=minutes)


def with_query(request: Request, **changes: object) -> str:
    """This page's address with some query parameters changed (None drops one): for sort
    headers, pages and tabs, so that every other filter stays as the user set it."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    return request.url.path + ("?" + urlencode(params) if params else "")


def _switch_language(request: Request, lang: str) -> str:
    return with_query(request, lang="zh" if lang == "en" else "en")


def page(
    request: Request,
    name: str,
    *,
    lang: str,
    actor: Actor | None = None,
    csrf: str = "",
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    t = Words(lang)
    now = clock.now()
    items = menu(actor) if actor is not None else []
    if items and getattr(request.app.state, "sandbox", None) is not None:
        # The demo's customers' phones (routes/demo_phone.py), for whoever tries the product.
        items.insert(-1, MenuItem("nav_demo_phone", "/console/demo-phone"))
    values.setdefault("search_q", "")
    error = values.get("error")
    html = templates.get_template(name).render(
        request=request,
        path=request.url.path,
        switch_href=_switch_language(request, lang),
        with_query=lambda **changes: with_query(request, **changes),
        lang=lang,
        t=t,
        actor=actor,
        menu=items,
        menu_current=current_item(items, request),
        searchable=actor is not None and may_search(actor),
        # Export links are offered to whoever may export (a crew on a phone may not).
        may_export=actor is not None and can(actor, Permission.EXPORT_LISTS),
        csrf=csrf,
        now=now,
        local=local,
        local_day=local_day,
        time_left=lambda due: time_left(t, due, now),
        # A refused form: the input it is about is marked and carries its message.
        **refusals.marks(error),
        **values,
    )
    response = HTMLResponse(html, status_code=status_code)
    web_session.remember_language(request, response)
    return response


def offered_to(console: web_session.Console, permission: Permission) -> None:
    """A page that only offers a use case's form (the desk, an administrator's tab) is shown
    to whoever may use it: this decides what to show; the use case checks again when used."""
    if not can(console.actor, permission):
        raise Forbidden(f"role {console.actor.role} may not {permission}", permission=permission)


def console_page(
    console: web_session.Console, name: str, *, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A page for a logged-in staff member; it renews the session's idle time."""
    response = page(
        console.request,
        name,
        lang=console.lang,
        actor=console.actor,
        csrf=console.csrf,
        status_code=status_code,
        **values,
    )
    web_session.set_session_cookie(response, console.token, console.settings)
    return response
