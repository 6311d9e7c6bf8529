"""The demo's supply network and outages (issue 14), through the real importers and use cases.

After the history, when every caller has an account: four 10 kV feeders (线路) per district,
four transformer areas (台区) on each, with coordinates around the district's office in Hefei,
story 1's 拱辰街99号楼 and story 2's 芜湖路174号宿舍楼 on 台区 of their own, and the supply of
every account's premises, each from a file (`outages.network_import`); each premises placed a
little way from its 台区 (`_place_premises`). Then the outages, each
step at its own moment of the history (`outages.service`, the restoration through
`workorders.outage_calls.restore_outage`): a handful of fault outages over the period, restored,
some with fault calls taken at the desk minutes after the start (linked to the outage at intake,
since the callers' accounts exist by then; replied to by the restoration, followed up, archived);
one fault still active at the end (拱辰街99号楼's feeder: the console's 停电 board and the desk's
"正在停电" notice show it, two calls linked to it); one planned outage announced at the end
for the week after, its notice published at least seven days ahead (the public disclosure page
lists it).
"""

from __future__ import annotations

import csv
import io
import random
import zlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Premises
from quarterhour.demo import stories
from quarterhour.demo.crews import CREWS
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import District, Staff
from quarterhour.outages import network_import
from quarterhour.outages import service as outages
from quarterhour.outages.lifecycle import Kind
from quarterhour.outages.models import OutageTransformer, PremisesSupply, TransformerArea
from quarterhour.workorders import intake, moves, outage_calls
from quarterhour.workorders.kinds import AreaClass, Channel, FollowUpOutcome, OrderType
from quarterhour.workorders.lifecycle import Action
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import ActionIn, ContactIn, CustomerRef, MatterIn

FEEDERS_PER_DISTRICT = 4
TRANSFORMERS_PER_FEEDER = 4
SHORT = {"baohe": "BH", "shushan": "SS", "luyang": "LY", "yaohai": "YH"}
FEEDER_NAMES = {
    "baohe": ("马鞍山路", "望江路", "徽州大道", "芜湖路"),
    "shushan": ("长江西路", "潜山路", "黄山路", "望江西路"),
    "luyang": ("阜阳路", "濉溪路", "蒙城路", "亳州路"),
    "yaohai": ("长江东路", "胜利路", "铜陵路", "和平路"),
}
# Buildings of the stories, each on its own 台区 (on the district's second feeder).
OWN_TRANSFORMERS = {
    stories.SHARED_METER_ADDRESS: ("BH-GC99", "拱辰街99号楼配变"),
    stories.MISSING_PHASE_ADDRESS: ("BH-WH174", "芜湖路174号宿舍楼配变"),
}
OWN_FEEDER = "BH-F02"
FAULT_CAUSES = (
    "10kV线路故障跳闸",
    "配变低压桩头烧损",
    "电缆被外力挖断",
    "雷击导致跌落式熔断器熔断",
    "树障碰线跳闸",
    "低压分支箱进水短路",
)
RESTORED_FAULTS = 5
ACTIVE_FAULT_CAUSE = "10kV望江路线电缆中间接头故障跳闸"
ACTIVE_FAULT_STARTED = timedelta(minutes=50)  # before the anchor
ACTIVE_FAULT_EXPECTED = timedelta(hours=3)  # after the anchor
PLANNED_DAYS_AHEAD = 8  # the planned outage's day after the anchor (its notice: 7 days ahead)
PLANNED_FEEDER = "SS-F03"
PLANNED_CAUSE = "10kV黄山路线检修及设备更换"
# Fault calls from premises in an outage, minutes after it started: linked to it at intake.
CALL_MINUTES = (14, 27, 41)
CALL_DETAILS = (
    ("家中停电", "家里突然没电了，邻居家也没电"),
    ("小区停电", "整个小区都停电了，什么时候来电"),
    ("楼栋停电", "楼里停电，电梯也停了，请尽快处理"),
)


def _feeder_code(district: str, n: int) -> str:
    return f"{SHORT[district]}-F{n:02d}"


def _building(address: str) -> str:
    """What a premises shares its 台区 with: the address up to its house number."""
    for own in OWN_TRANSFORMERS:
        if address.startswith(own):
            return own
    cut = address.find("号")
    return address[: cut + 1] if cut >= 0 else address


def install(
    session: Session, settings: Settings, *, first_day: date, anchor: datetime, seed: int
) -> dict[str, int]:
    """The network and the outages; returns how many feeders, transformers, supplied premises
    and outages."""
    rng = random.Random(seed + 2)  # noqa: S311 - reproducible demo data, not security
    with clock.using(lambda: anchor):
        counts = _network(session, rng)
    counts["outages"] = _outages(session, settings, rng, first_day=first_day, anchor=anchor)
    return counts


def _network(session: Session, rng: random.Random) -> dict[str, int]:
    by = system("demo")
    districts = {d.id: d.code for d in session.scalars(select(District)) if d.code in SHORT}
    feeder_rows, transformer_rows = [], []
    transformers: dict[str, list[str]] = defaultdict(list)  # district → its ordinary 台区
    for code in sorted(districts.values()):
        _, _, (lat, lon) = CREWS[code]
        for n, street in enumerate(FEEDER_NAMES[code], start=1):
            feeder = _feeder_code(code, n)
            feeder_rows.append([feeder, f"10kV{street}线", code])
            for k in range(1, TRANSFORMERS_PER_FEEDER + 1):
                transformer = f"{feeder}-T{k:02d}"
                transformers[code].append(transformer)
                transformer_rows.append(
                    [
                        transformer,
                        f"{street}{k}号公变",
                        feeder,
                        _near(rng, lat),
                        _near(rng, lon),
                    ]
                )
    if "baohe" in districts.values():
        _, _, (lat, lon) = CREWS["baohe"]
        for transformer, name in OWN_TRANSFORMERS.values():
            transformer_rows.append(
                [transformer, name, OWN_FEEDER, _near(rng, lat), _near(rng, lon)]
            )
    network_import.import_feeders(
        session,
        _csv(["feeder", "name", "district"], feeder_rows),
        file_name="demo-feeders.csv",
        strict=True,
        by=by,
    )
    network_import.import_transformers(
        session,
        _csv(["transformer", "name", "feeder", "latitude", "longitude"], transformer_rows),
        file_name="demo-transformers.csv",
        strict=True,
        by=by,
    )
    own = {address: code for address, (code, _) in OWN_TRANSFORMERS.items()}
    supply_rows = []
    for number, address, district_id in session.execute(
        select(Account.number, Premises.address, Premises.district_id)
        .join(Premises, Premises.id == Account.premises_id)
        .order_by(Account.id)
    ):
        district = districts.get(district_id)
        if district is None:
            continue
        building = _building(address)
        if building in own and district == "baohe":
            supply_rows.append([number, own[building]])
            continue
        choices = transformers[district]
        supply_rows.append([number, choices[zlib.crc32(building.encode()) % len(choices)]])
    network_import.import_supply(
        session,
        _csv(["account", "transformer"], supply_rows),
        file_name="demo-supply.csv",
        strict=True,
        by=by,
    )
    return {
        "feeders": len(feeder_rows),
        "transformers": len(transformer_rows),
        "supplied": len(supply_rows),
        "placed": _place_premises(session),
    }


# How far a building lies from its 台区's transformer (about 200 m), and a flat from its building.
BUILDING_REACH = Decimal("0.002")
FLAT_REACH = Decimal("0.0002")


def _place_premises(session: Session) -> int:
    """Every premises of a building with a supplied premises, near that 台区: the building at a
    spot of its own, each premises a few metres from it. The register was imported before the
    network existed, so the coordinates are written here (one executemany), and from hashes of
    the addresses rather than the demo's random stream, which the outages still draw from."""
    spots: dict[tuple[int, str], tuple[Decimal, Decimal]] = {}
    for district_id, address, lat, lon in session.execute(
        select(
            Premises.district_id,
            Premises.address,
            TransformerArea.latitude,
            TransformerArea.longitude,
        )
        .join(PremisesSupply, PremisesSupply.premises_id == Premises.id)
        .join(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        .order_by(Premises.id)
    ):
        if lat is not None and lon is not None:
            spots.setdefault((district_id, _building(address)), (lat, lon))
    rows = []
    for premises_id, district_id, address in session.execute(
        select(Premises.id, Premises.district_id, Premises.address)
        .where(Premises.latitude.is_(None))
        .order_by(Premises.id)
    ):
        building = _building(address)
        spot = spots.get((district_id, building))
        if spot is None:
            continue
        lat, lon = spot
        rows.append(
            {
                "id": premises_id,
                "latitude": lat
                + _offset(f"lat:{building}", BUILDING_REACH)
                + _offset(f"lat:{address}", FLAT_REACH),
                "longitude": lon
                + _offset(f"lon:{building}", BUILDING_REACH)
                + _offset(f"lon:{address}", FLAT_REACH),
            }
        )
    if rows:
        session.execute(update(Premises), rows)
    return len(rows)


def _offset(text: str, reach: Decimal) -> Decimal:
    """A fixed offset in [-reach, reach] for a text, to the millionth of a degree."""
    unit = Decimal(zlib.crc32(text.encode()) % 2_000_001 - 1_000_000) / 1_000_000
    return (unit * reach).quantize(Decimal("0.000001"))


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _near(rng: random.Random, degrees: float) -> Decimal:
    return Decimal(str(degrees + rng.uniform(-0.025, 0.025))).quantize(Decimal("0.000001"))


def _outages(
    session: Session,
    settings: Settings,
    rng: random.Random,
    *,
    first_day: date,
    anchor: datetime,
) -> int:
    by = system("demo")
    made = 0
    span = (anchor.date() - first_day).days
    # Restored faults spread over the history, none in its last two days.
    for i in range(RESTORED_FAULTS):
        day = first_day + timedelta(days=span * (2 * i + 1) // (2 * RESTORED_FAULTS))
        started = clock.at(day, time(rng.randrange(6, 21), rng.randrange(60)))
        declared = started + timedelta(minutes=rng.randrange(8, 25))
        expected = declared + timedelta(hours=rng.choice((2, 3, 4)))
        restored = started + timedelta(minutes=rng.randrange(80, 300))
        if restored > anchor - timedelta(hours=24):
            continue
        district = ("baohe", "shushan", "luyang", "yaohai")[i % 4]
        feeder = _feeder_code(district, rng.randrange(1, FEEDERS_PER_DISTRICT + 1))
        whole_feeder = i % 2 == 0
        transformers = [] if whole_feeder else [f"{feeder}-T{rng.randrange(1, 5):02d}"]
        with clock.using(lambda: declared):  # noqa: B023 - used at once, inside the loop
            outage = outages.declare(
                session,
                by=by,
                kind=Kind.FAULT,
                cause=FAULT_CAUSES[i % len(FAULT_CAUSES)],
                starts_at=started,
                expected_restoration_at=expected,
                feeders=[feeder] if whole_feeder else [],
                transformers=transformers,
            )
        calls = _linked_calls(session, settings, outage.id, started, restored, rng, calls=i % 3)
        if restored > expected:
            later = expected + timedelta(hours=1)
            moment = expected - timedelta(minutes=15)
            with clock.using(lambda: moment):  # noqa: B023 - used at once, inside the loop
                outages.update_restoration(
                    session,
                    outage.id,
                    by=by,
                    expected_restoration_at=later,
                    note="故障点查找用时较长",
                )
        with clock.using(lambda: restored):  # noqa: B023 - used at once, inside the loop
            outage_calls.restore_outage(session, outage.id, by=by, settings=settings)
        _followed_up(session, settings, calls, restored, anchor)
        made += 1
    started = anchor - ACTIVE_FAULT_STARTED
    with clock.using(lambda: started + timedelta(minutes=12)):
        active = outages.declare(
            session,
            by=by,
            kind=Kind.FAULT,
            cause=ACTIVE_FAULT_CAUSE,
            starts_at=started,
            expected_restoration_at=anchor + ACTIVE_FAULT_EXPECTED,
            feeders=[OWN_FEEDER],
            area="包河区望江路、拱辰街一带",
        )
    _linked_calls(session, settings, active.id, started, anchor, rng, calls=2)
    made += 1
    day = anchor.date() + timedelta(days=PLANNED_DAYS_AHEAD)
    with clock.using(lambda: anchor):
        planned = outages.declare(
            session,
            by=by,
            kind=Kind.PLANNED,
            cause=PLANNED_CAUSE,
            starts_at=clock.at(day, time(8, 30)),
            expected_restoration_at=clock.at(day, time(17, 30)),
            feeders=[PLANNED_FEEDER],
            area="蜀山区黄山路、科学大道一带",
        )
        outages.publish_notice(
            session,
            planned.id,
            by=by,
            text="因供电设施计划检修，届时上述区域停电，请提前做好准备。",
        )
    made += 1
    session.flush()
    return made


def _actor(session: Session, username: str) -> Actor:
    return staff_accounts.actor_of(
        session.scalars(select(Staff).where(Staff.username == username)).one()
    )


def _linked_calls(
    session: Session,
    settings: Settings,
    outage_id: int,
    started: datetime,
    until: datetime,
    rng: random.Random,
    *,
    calls: int,
) -> list[int]:
    """Fault calls through the desk's intake from `calls` accounts in the outage (not the
    stories' buildings), minutes after it started; intake links each to the outage."""
    story = {code for code, _ in OWN_TRANSFORMERS.values()}
    numbers = sorted(
        number
        for number, code in session.execute(
            select(Account.number, TransformerArea.code)
            .join(PremisesSupply, PremisesSupply.premises_id == Account.premises_id)
            .join(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
            .join(
                OutageTransformer, OutageTransformer.transformer_id == PremisesSupply.transformer_id
            )
            .where(OutageTransformer.outage_id == outage_id)
        )
        if code not in story
    )
    agent = _actor(session, "agent")
    linked: list[int] = []
    for n, number in enumerate(rng.sample(numbers, min(calls, len(numbers)))):
        at = started + timedelta(minutes=CALL_MINUTES[n])
        if at >= until:
            break
        title, detail = CALL_DETAILS[n]
        data = ContactIn(
            channel=Channel.HOTLINE,
            customer=CustomerRef(account=number),
            received_at=at,
            summary=detail,
            matters=[
                MatterIn(
                    order_type=OrderType.FAULT_REPAIR,
                    title=title,
                    description=detail,
                    area_class=AreaClass.URBAN,
                )
            ],
        )
        with clock.using(lambda: at):  # noqa: B023 - used at once, inside the loop
            result = intake.take_contact(session, data, by=agent, settings=settings)
        linked.extend(o.id for o in result.orders if o.outage_id == outage_id)
    return linked


def _followed_up(
    session: Session,
    settings: Settings,
    order_ids: list[int],
    restored: datetime,
    anchor: datetime,
) -> None:
    """The linked calls replied to at restoration: followed up the next morning (where owed)
    and archived that afternoon, as far as the history reaches."""
    followup = _actor(session, "followup")
    next_day = clock.local(restored).date() + timedelta(days=1)
    for n, order_id in enumerate(order_ids):
        order = session.get(WorkOrder, order_id)
        assert order is not None
        steps: list[tuple[datetime, Action, ActionIn]] = []
        if order.follow_up_required:
            steps.append(
                (
                    clock.at(next_day, time(10, 5 + 7 * n)),
                    Action.FOLLOW_UP,
                    ActionIn(outcome=FollowUpOutcome.SATISFIED, note="客户确认已恢复供电，满意"),
                )
            )
        steps.append((clock.at(next_day, time(16, 40 + n)), Action.ARCHIVE, ActionIn()))
        for at, action, payload in steps:
            if at > anchor:
                return
            with clock.using(lambda: at):  # noqa: B023 - used at once, inside the loop
                moves.act(session, order_id, action, payload, by=followup, settings=settings)
