"""The dispatcher's live board (停电 › 实时看板): what is off now and who is on it, the crews with
their jobs, and the map drawn on the server (`network_map`). Every `REFRESH_SECONDS` the
console's own script (static/console.js, allowed by the CSP) fetches the page again and swaps in
the board, which a button pauses; without script it is a page to reload.

Registered before the outages' router, whose /console/outages/{outage_id} would otherwise take
"live" for an outage number and refuse it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from quarterhour.entrypoints.web import network_map, render
from quarterhour.entrypoints.web.session import ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.kit import clock
from quarterhour.views import live_board
from quarterhour.views.live_board import LiveBoard

router = APIRouter(prefix="/console/outages", include_in_schema=False)

REFRESH_SECONDS = 30
CREW_STATUSES = ("available", "en_route", "on_site", "off_duty")


def map_of(board: LiveBoard, t: Words) -> network_map.Drawn:
    """The board's map in the reader's language."""
    areas = [
        network_map.AreaPoint(
            a.code,
            a.name,
            None if a.latitude is None else float(a.latitude),
            None if a.longitude is None else float(a.longitude),
            "active" if a.state == "active" else "planned" if a.state == "planned" else "supplied",
            a.feeder,
        )
        for a in board.areas
    ]
    crews = [
        network_map.CrewPoint(
            line.crew.code,
            line.crew.name,
            line.crew.status,
            None if line.crew.latitude is None else float(line.crew.latitude),
            None if line.crew.longitude is None else float(line.crew.longitude),
        )
        for line in board.crews
    ]
    rings = [
        network_map.OutageRing(
            f"#{line.outage.id}",
            "active" if line.outage.state == "active" else "planned",
            board.covers.get(line.outage.id, []),
        )
        for line in board.outages
    ]
    words = {
        "title": t("live_map_title"),
        "desc": t(
            "live_map_desc",
            areas=len(areas),
            outages=len(rings),
            crews=sum(1 for c in crews if c.latitude is not None),
        ),
        "supplied": t("live_map_supplied"),
        "active": t("live_map_active"),
        "planned": t("live_map_planned"),
        "ring": t("live_map_ring"),
        "cell_count": t("live_map_cell"),
        **{status: t(f"crew_status_{status}") for status in CREW_STATUSES},
    }
    return network_map.draw(areas, crews, rings, words=words)


@router.get("/live", response_class=HTMLResponse)
def live_board_page(console: ConsoleDep) -> HTMLResponse:
    now = clock.now()
    board = live_board.live_board(console.session, by=console.actor, now=now)
    t = Words(console.lang)
    drawn = map_of(board, t)
    return render.console_page(
        console,
        "console/outages_live.html",
        board=board,
        drawn=drawn,
        # Escaped inside network_map: every text in it went through html.escape.
        svg=Markup(drawn.svg),  # noqa: S704
        refresh=REFRESH_SECONDS,
        since=lambda moment: render.time_since(t, moment, now),
        local_hm=_hour_minute,
    )


def _hour_minute(moment: datetime | None) -> str:
    """A time of today as the board shows it: HH:MM, Shanghai."""
    return "—" if moment is None else moment.astimezone(clock.SHANGHAI).strftime("%H:%M")
