"""The demo's crews: each district's repair department has one on a day and a night shift,
with its handler, vehicles and a status history ending at the demo's "now"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewJob, CrewShift, Vehicle
from quarterhour.demo import generator
from quarterhour.demo.organisation import FAST_HASH
from quarterhour.kit import clock
from quarterhour.organisation.models import District

ANCHOR = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)


def test_every_district_has_a_crew_on_duty_with_vehicles(
    settings: Settings, engine: Engine
) -> None:
    generator.generate(settings, days=2, now=ANCHOR, password_cost=FAST_HASH)
    by = system("test")
    with Session(engine) as session, clock.using(lambda: ANCHOR):
        views = {v.crew.code: v for v in crews.list_crews(session, by=by, day_of=ANCHOR)}
        assert sorted(views) == ["BAOHE-1", "LUYANG-1", "SHUSHAN-1", "YAOHAI-1"]
        baohe = views["BAOHE-1"]
        assert baohe.crew.name == "包河区抢修一班"
        assert [(m.name, m.is_leader) for m in baohe.members] == [("邓师傅", True)]
        assert [v.plate for v in baohe.vehicles] == ["皖A·D1234", "皖A·D1235"]
        assert {v.crew.status for v in views.values()} == {"available", "en_route", "on_site"}
        assert session.scalar(select(func.count()).select_from(Vehicle)) == 8
        # Two days of history and a week ahead, a day and a night shift each.
        assert session.scalar(select(func.count()).select_from(CrewShift)) == 4 * 2 * (2 + 7)
        districts = {d.code: d.id for d in session.scalars(select(District))}
        for code, district_id in districts.items():
            for hours in (0, 11, 12, 23):
                at = ANCHOR + timedelta(hours=hours)
                [crew] = crews.on_duty(session, by=by, district_id=district_id, at=at)
                assert crew.code == f"{code.upper()}-1"
        # 包河区's crew is on the demo's active fault: not free for another job.
        busy = crews.suggest_crew(
            session, by=by, district_id=districts["baohe"], latitude=31.80, longitude=117.31
        )
        assert (busy.reason, busy.crew) == ("none", None)
        # 瑶海区's waits on standby without a position: the district's crew on duty.
        near = crews.suggest_crew(
            session, by=by, district_id=districts["yaohai"], latitude=31.86, longitude=117.31
        )
        assert (near.reason, near.crew and near.crew.code) == ("district", "YAOHAI-1")
        # 瑶海区's crew waits without a position: the district's roster decides.
        yaohai = crews.suggest_crew(
            session, by=by, district_id=districts["yaohai"], latitude=31.86, longitude=117.31
        )
        assert (yaohai.reason, yaohai.crew and yaohai.crew.code) == ("district", "YAOHAI-1")
        # The fault still active at the end has the nearest crew of 包河区 sent to it.
        [job] = session.scalars(select(CrewJob)).all()
        assert (job.crew_id, job.step, job.dispatched_at) == (baohe.crew.id, "dispatched", ANCHOR)
        assert job.outage_id is not None and job.chosen_by == "distance"
