"""The two stories of PRODUCT.md, replayed on recent dates at their original times of day.

1. Shared meter (2005-11-09): early on a weekday the programme takes a call from 唐邦铮, 82, living
   alone at 拱辰街99号楼; his shared meter causes constant disputes and he wants his own. The
   包河区 business hall's team leader (邓玲, `hall-baohe`) phones him that afternoon, comes with a
   meter installer, takes the application on the spot, installs the meter and rewires the flat,
   done by nightfall. The article has the 包河区 hall handle it, so his customer record is in
   包河区 and the routing rules send the request there.
2. Missing phase (August 1996): at 07:50 袁女士 at 芜湖路174号宿舍楼 calls the programme: power
   went off at about 01:00, the whole building is dark. The crew arrives within the 45 urban
   minutes, finds one phase lost and the drop wire badly aged, replaces it on a live pole; supply
   is back at 10:20. Two neighbours call the hotline that morning; each gets a repair order of its
   own, and a comment ties them to 袁女士's order until outage incidents exist (a later issue).

Each story is placed on the latest working weekday whose whole loop, follow-up and archive
included, is over before the demo's "now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from quarterhour.customers.meter_split import record_meter_split
from quarterhour.demo import register
from quarterhour.demo.plans import DISPATCHER, FOLLOW_UP, Hours, Step
from quarterhour.kit import clock
from quarterhour.workorders import moves
from quarterhour.workorders.kinds import (
    AreaClass,
    Channel,
    FollowUpOutcome,
    OrderType,
    ReplyMethod,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import Action
from quarterhour.workorders.schemas import ContactIn, CustomerRef, MatterIn, MeterSplitIn

if TYPE_CHECKING:
    from quarterhour.demo.simulation import Simulation

DISTRICT = "baohe"  # both stories are handled by 包河区 (see the module's docstring)

# --- story 1: the shared meter -----------------------------------------------------------------
SHARED_METER_CALLER = "唐邦铮"
SHARED_METER_PHONE = "13905519982"
SHARED_METER_ADDRESS = "拱辰街99号楼"
SHARED_METER_CALL = time(7, 44)
SHARED_METER_HALL = "hall-baohe"  # 包河区供电营业厅, 邓玲
SHARED_METER_TIMES = {
    Action.DISPATCH: time(8, 6),
    Action.ACKNOWLEDGE: time(13, 35),
    Action.CONTACT_CUSTOMER: time(13, 42),
    Action.RETURN_RESULT: time(18, 15),
    Action.APPROVE: time(18, 40),
    Action.REPLY: time(19, 5),
}
SHARED_METER_ON_SITE = (time(14, 40), time(16, 20))

# --- story 2: the missing phase ----------------------------------------------------------------
MISSING_PHASE_CALLER = "袁女士"
MISSING_PHASE_PHONE = "13905517450"
MISSING_PHASE_ADDRESS = "芜湖路174号宿舍楼"
MISSING_PHASE_CALL = time(7, 50)
MISSING_PHASE_OUTAGE = "约01:00起停电"
MISSING_PHASE_CREW = "带电作业班 / 抢修车 皖A-5G174"
MISSING_PHASE_REPAIR = "repair-baohe"
MISSING_PHASE_ARRIVAL = time(8, 28)  # 38 minutes after her call: within the urban 45
MISSING_PHASE_RESTORED = time(10, 20)
MISSING_PHASE_NEIGHBOURS = (
    # name, phone, flat, time of the call (hotline)
    ("李建国", "13905517451", "3单元402室", time(7, 58)),
    ("周秀兰", "13905517452", "1单元201室", time(8, 6)),
)
RESERVED_PHONES = (
    SHARED_METER_PHONE,
    MISSING_PHASE_PHONE,
    *(n[1] for n in MISSING_PHASE_NEIGHBOURS),
)
FOLLOW_UP_AT = time(10, 10)
ARCHIVE_AT = time(16, 40)


@dataclass(frozen=True)
class StoryDays:
    shared_meter: date
    missing_phase: date


def place(hours: Hours, first_day: date, anchor: datetime) -> StoryDays | None:
    """The two latest working weekdays whose stories end before `anchor`; None if none fit."""

    def finished(day: date) -> datetime:
        return clock.at(hours.working_day(day, 1), ARCHIVE_AT) + timedelta(minutes=5)

    found: list[date] = []
    day = clock.local_date(anchor)
    while day >= first_day and len(found) < 2:
        if day.weekday() < 5 and hours.is_working_day(day) and finished(day) <= anchor:
            found.append(day)
        day -= timedelta(days=1)
    if len(found) < 2:
        return None
    return StoryDays(shared_meter=found[1], missing_phase=found[0])


def schedule(sim: Simulation, day: date, days: StoryDays) -> None:
    if day == days.shared_meter:
        sim.at(clock.at(day, SHARED_METER_CALL), partial(_shared_meter, sim, day))
    if day == days.missing_phase:
        _missing_phase(sim, day)


def _after_follow_up(hours: Hours, day: date) -> tuple[datetime, datetime]:
    next_day = hours.working_day(day, 1)
    return clock.at(next_day, FOLLOW_UP_AT), clock.at(next_day, ARCHIVE_AT)


def _shared_meter(sim: Simulation, day: date) -> None:
    data = ContactIn(
        channel=Channel.PROGRAMME,
        customer=CustomerRef(
            name=SHARED_METER_CALLER,
            phone=SHARED_METER_PHONE,
            address=SHARED_METER_ADDRESS,
            district_id=sim.org.districts[DISTRICT],
        ),
        caller_name=SHARED_METER_CALLER,
        caller_phone=SHARED_METER_PHONE,
        received_at=clock.at(day, SHARED_METER_CALL),
        summary="82岁独居老人，与邻居合用一块电表，电费分摊经常起纠纷；想装一户一表，但行动不便，"
        "也不懂办理手续。",
        matters=[
            MatterIn(
                order_type=OrderType.SERVICE_REQUEST,
                subtype=ServiceSubtype.METER_SPLIT,
                title="申请分户装表（一户一表）",
                description="合表用电纠纷不断，申请单独装表；老人独居、行动不便，请上门办理。",
            )
        ],
    )
    order = sim.take(data, taker="agent").orders[0]
    sim.expect_department(order, SHARED_METER_HALL)
    at = {action: clock.at(day, moment) for action, moment in SHARED_METER_TIMES.items()}
    follow_up, archive = _after_follow_up(sim.hours, day)
    hall = SHARED_METER_HALL
    steps = [
        Step(at[Action.DISPATCH], DISPATCHER, Action.DISPATCH),
        Step(at[Action.ACKNOWLEDGE], hall, Action.ACKNOWLEDGE, note="营业厅班长邓玲接单"),
        Step(
            at[Action.CONTACT_CUSTOMER],
            hall,
            Action.CONTACT_CUSTOMER,
            note="电话联系唐老先生，约定下午带装表工上门办理",
        ),
        Step(
            clock.at(day, SHARED_METER_ON_SITE[0]),
            hall,
            Action.RECORD_PROGRESS,
            note="上门现场受理：复印身份证、户口簿，代客户填写分户申请材料",
        ),
        Step(
            at[Action.RETURN_RESULT],
            hall,
            Action.RETURN_RESULT,
            result="当日上门受理并装表：为客户新装一户一表电能表，改接户内线路，合表其余住户的分摊"
            "关系已调整，天黑前完工。新户号、新表号见分户装表记录。",
        ),
        Step(at[Action.APPROVE], DISPATCHER, Action.APPROVE),
        Step(
            at[Action.REPLY],
            FOLLOW_UP,
            Action.REPLY,
            reply_method=ReplyMethod.PHONE,
            note="电话告知唐老先生新表已装好，今后单独计费",
        ),
        Step(
            follow_up,
            FOLLOW_UP,
            Action.FOLLOW_UP,
            outcome=FollowUpOutcome.SATISFIED,
            note="客户非常满意：一个电话，当天就装好了自己的电表",
        ),
        Step(archive, FOLLOW_UP, Action.ARCHIVE),
    ]
    sim.schedule(order.id, steps)
    # The meter split itself, through the service the hall's handler uses: the new meter and
    # account, and the shared meter read and its household list updated.
    sim.at(clock.at(day, SHARED_METER_ON_SITE[1]), partial(_split_meter, sim, order.id, day))


def _split_meter(sim: Simulation, order_id: int, day: date) -> None:
    session = sim.session
    data = MeterSplitIn(
        shared_meter=register.SHARED_METER,
        premises_id=register.caller_premises_id(session, SHARED_METER_ADDRESS),
        new_meter=register.NEW_METER,
        tariff="AH-RES",
        installed_on=day,
        shared_meter_reading=register.split_reading(session),
        note="装表工安装新电能表，改接室内线路；合表同时抄表，唐老先生家从合表分出",
    )
    order = moves.meter_split_step(
        session, order_id, data, by=sim.actors[SHARED_METER_HALL], settings=sim.settings
    )
    record_meter_split(
        session,
        data,
        by=sim.actors[SHARED_METER_HALL],
        customer_id=order.customer_id,
        work_order_id=order.id,
    )


def _repair_contact(
    sim: Simulation, day: date, *, name: str, phone: str, address: str, channel: Channel, at: time
) -> ContactIn:
    return ContactIn(
        channel=channel,
        customer=CustomerRef(
            name=name, phone=phone, address=address, district_id=sim.org.districts[DISTRICT]
        ),
        caller_name=name,
        caller_phone=phone,
        received_at=clock.at(day, at),
        summary=f"{MISSING_PHASE_OUTAGE}，整栋宿舍楼都没电。",
        matters=[
            MatterIn(
                order_type=OrderType.FAULT_REPAIR,
                title=f"整栋楼停电（{MISSING_PHASE_ADDRESS}）",
                description=f"{MISSING_PHASE_OUTAGE}，整栋楼受影响。",
                area_class=AreaClass.URBAN,
            )
        ],
    )


def _missing_phase(sim: Simulation, day: date) -> None:
    main: dict[str, int | str] = {}  # 袁女士's order, once taken
    neighbours: list[str] = []

    def repair_steps(order_id: int, called: time, reply: time) -> list[Step]:
        crew = MISSING_PHASE_REPAIR
        called_at = clock.at(day, called)
        follow_up, archive = _after_follow_up(sim.hours, day)
        return [
            Step(
                called_at + timedelta(minutes=3),
                DISPATCHER,
                Action.DISPATCH,
                crew=MISSING_PHASE_CREW,
            ),
            Step(called_at + timedelta(minutes=5), crew, Action.ACKNOWLEDGE, note="带电作业班出发"),
            Step(clock.at(day, MISSING_PHASE_ARRIVAL), crew, Action.ARRIVE),
            Step(
                clock.at(day, MISSING_PHASE_ARRIVAL) + timedelta(minutes=14),
                crew,
                Action.RECORD_PROGRESS,
                note="查明该楼缺一相，进户线严重老化；带电作业，在带电杆上更换进户线",
            ),
            Step(clock.at(day, MISSING_PHASE_RESTORED), crew, Action.RESTORE),
            Step(
                clock.at(day, MISSING_PHASE_RESTORED) + timedelta(minutes=15),
                crew,
                Action.RETURN_RESULT,
                result="线路缺相，进户线严重老化；带电作业更换进户线，10:20恢复供电。",
            ),
            Step(clock.at(day, time(10, 50)), DISPATCHER, Action.APPROVE),
            Step(
                clock.at(day, reply),
                FOLLOW_UP,
                Action.REPLY,
                reply_method=ReplyMethod.PHONE,
                note="电话告知客户已于10:20恢复供电及停电原因",
            ),
            Step(
                follow_up,
                FOLLOW_UP,
                Action.FOLLOW_UP,
                outcome=FollowUpOutcome.SATISFIED,
                note="客户满意：抢修及时，来电后不到一刻钟就有人联系",
            ),
            Step(archive, FOLLOW_UP, Action.ARCHIVE),
        ]

    def yuan() -> None:
        data = _repair_contact(
            sim,
            day,
            name=MISSING_PHASE_CALLER,
            phone=MISSING_PHASE_PHONE,
            address=MISSING_PHASE_ADDRESS,
            channel=Channel.PROGRAMME,
            at=MISSING_PHASE_CALL,
        )
        order = sim.take(data, taker="agent").orders[0]
        sim.expect_department(order, MISSING_PHASE_REPAIR)
        main.update(id=order.id, number=order.number or "")
        sim.schedule(order.id, repair_steps(order.id, MISSING_PHASE_CALL, time(11, 5)))

    def neighbour(name: str, phone: str, flat: str, called: time, reply: time) -> None:
        data = _repair_contact(
            sim,
            day,
            name=name,
            phone=phone,
            address=MISSING_PHASE_ADDRESS + flat,
            channel=Channel.HOTLINE,
            at=called,
        )
        order = sim.take(data, taker="agent2").orders[0]
        sim.expect_department(order, MISSING_PHASE_REPAIR)
        note = (
            f"与工单 {main['number']}（{MISSING_PHASE_CALLER}，{MISSING_PHASE_ADDRESS}整栋停电）为同一故障，"
            "由同一带电作业班处理；抢修事件功能上线后将并入同一停电事件。"
        )
        steps = repair_steps(order.id, called, reply)
        steps.append(
            Step(
                clock.at(day, called) + timedelta(minutes=4), DISPATCHER, Action.COMMENT, note=note
            )
        )
        sim.schedule(order.id, steps)
        neighbours.append(order.number or "")
        if len(neighbours) == len(MISSING_PHASE_NEIGHBOURS):
            note = (
                f"同楼栋另有来电报修：{'、'.join(neighbours)}，为同一故障，由同一带电作业班处理；"
                "抢修事件功能上线后将合并为一个停电事件并逐一通知来电客户。"
            )
            at = clock.at(day, called) + timedelta(minutes=6)
            sim.schedule(int(main["id"]), [Step(at, DISPATCHER, Action.COMMENT, note=note)])

    sim.at(clock.at(day, MISSING_PHASE_CALL), yuan)
    for index, (name, phone, flat, called) in enumerate(MISSING_PHASE_NEIGHBOURS):
        reply = time(11, 10 + 5 * index)
        sim.at(clock.at(day, called), partial(neighbour, name, phone, flat, called, reply))
