"""Orders placed in time through the real services, for figures whose every count is known."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.workorders import intake, moves
from quarterhour.workorders.schemas import ActionIn, ContactIn

PHONES = {"baohe": "13855100001", "shushan": "13855100002", "luyang": "13855100003"}


def at(text: str) -> datetime:
    """'2026-10-12 09:00' in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


@dataclass
class Builder:
    session: Session
    org: Organisation
    settings: Settings
    clock: Any  # conftest.Clock
    ids: dict[str, int] = field(default_factory=dict)

    def intake(
        self, name: str, when: str, order_type: str, district: str = "baohe", **matter: Any
    ) -> int:
        self.clock.set(at(when))
        data = ContactIn.model_validate(
            {
                "channel": "hotline",
                "customer": {
                    "name": "测试客户",
                    "phone": PHONES[district],
                    "address": f"{district} 测试路1号",
                    "district_id": self.org.districts[district],
                },
                "matters": [{"order_type": order_type, "title": name, **matter}],
            }
        )
        result = intake.take_contact(
            self.session, data, by=actor_of(self.org.staff["agent"]), settings=self.settings
        )
        order_id = result.orders[0].id
        self.ids[name] = order_id
        return order_id

    def act(self, name: str, when: str, who: str, action: str, **data: Any) -> str:
        self.clock.set(at(when))
        order = moves.act(
            self.session,
            self.ids[name],
            action,
            ActionIn.model_validate(data),
            by=actor_of(self.org.staff[who]),
            settings=self.settings,
        )
        return order.state

    def run_to_reply(self, name: str, day1: str, day2: str, handler: str) -> None:
        """派单 → 接单 → 联系 → 回单 → 审核 → 答复, in time, on two days."""
        self.act(name, f"{day1} 11:00", "dispatcher", "dispatch")
        self.act(name, f"{day1} 11:10", handler, "acknowledge")
        self.act(name, f"{day1} 11:30", handler, "contact_customer", note="已联系客户")
        self.act(name, f"{day2} 10:00", handler, "return_result", result="已处理")
        self.act(name, f"{day2} 10:30", "dispatcher", "approve")
        self.act(name, f"{day2} 11:00", "followup", "reply", reply_method="phone")


def build_october(b: Builder) -> None:
    """October 2026, figures worked out by hand in test_quality_figures.py.

    C1 complaint 包河: full loop, basically satisfied, archived.
    C2 complaint 包河: dissatisfied → redone (1 rework) → replied again → satisfied.
    C3 complaint 蜀山: dispatched only; past its deadlines by the time the figures are read.
    F1 repair 包河 urban: crew on site after 65 min (limit 45) → late; unreachable three times.
    F2 repair 蜀山 rural: all in time; replied; one unreachable call so far → awaiting follow-up.
    K1 consultation 庐阳: answered and closed at intake.
    X1 complaint 包河: cancelled as a duplicate.
    """
    b.intake("C1", "2026-10-12 09:00", "complaint")
    b.run_to_reply("C1", "2026-10-12", "2026-10-13", "hall-baohe")
    b.act("C1", "2026-10-14 10:00", "followup", "follow_up", outcome="basically_satisfied")
    b.act("C1", "2026-10-14 10:05", "followup", "archive")

    b.intake("C2", "2026-10-12 10:00", "complaint")
    b.run_to_reply("C2", "2026-10-12", "2026-10-13", "hall-baohe")
    state = b.act("C2", "2026-10-14 10:00", "followup", "follow_up", outcome="dissatisfied")
    assert state == "dispatched"
    b.act("C2", "2026-10-14 11:00", "hall-baohe", "acknowledge")
    b.act("C2", "2026-10-15 10:00", "hall-baohe", "return_result", result="已重新处理")
    b.act("C2", "2026-10-15 10:30", "dispatcher", "approve")
    b.act("C2", "2026-10-15 11:00", "followup", "reply", reply_method="phone")
    assert b.act("C2", "2026-10-16 10:00", "followup", "follow_up", outcome="satisfied") == (
        "followed_up"
    )

    b.intake("C3", "2026-10-13 09:00", "complaint", district="shushan")
    b.act("C3", "2026-10-13 09:10", "dispatcher", "dispatch")

    b.intake("F1", "2026-10-20 08:00", "fault_repair", area_class="urban")
    b.act("F1", "2026-10-20 08:05", "dispatcher", "dispatch", crew="包河抢修一班")
    b.act("F1", "2026-10-20 08:10", "repair-baohe", "acknowledge")
    b.act("F1", "2026-10-20 09:05", "repair-baohe", "arrive")
    b.act("F1", "2026-10-20 10:00", "repair-baohe", "restore")
    b.act("F1", "2026-10-20 10:30", "repair-baohe", "return_result", result="更换接户线")
    b.act("F1", "2026-10-20 11:00", "dispatcher", "approve")
    b.act("F1", "2026-10-20 11:30", "followup", "reply", reply_method="phone")
    for when in ("2026-10-21 10:00", "2026-10-21 15:00", "2026-10-22 10:00"):
        b.act("F1", when, "followup", "follow_up", outcome="unreachable")

    b.intake("F2", "2026-10-20 09:00", "fault_repair", district="shushan", area_class="rural")
    b.act("F2", "2026-10-20 09:05", "dispatcher", "dispatch")
    b.act("F2", "2026-10-20 09:10", "repair-shushan", "acknowledge")
    b.act("F2", "2026-10-20 10:00", "repair-shushan", "arrive")
    b.act("F2", "2026-10-20 12:00", "repair-shushan", "restore")
    b.act("F2", "2026-10-20 12:30", "repair-shushan", "return_result", result="更换熔断器")
    b.act("F2", "2026-10-20 13:00", "dispatcher", "approve")
    b.act("F2", "2026-10-20 13:30", "followup", "reply", reply_method="phone")
    b.act("F2", "2026-10-21 10:00", "followup", "follow_up", outcome="unreachable")

    b.intake("K1", "2026-10-21 10:00", "consultation", district="luyang", answer="峰谷电价见公告")

    b.intake("X1", "2026-10-22 09:00", "complaint")
    b.act("X1", "2026-10-22 09:30", "dispatcher", "cancel", note="重复工单")

    b.clock.set(at("2026-11-27 09:00"))
    b.session.commit()
