"""The words of the public pages in Chinese (the default) and English."""

from __future__ import annotations

from decimal import Decimal

from quarterhour.workorders.kinds import LABELS_ZH

_EN: dict[str, str] = {
    "fault_repair": "fault repair",
    "complaint": "complaint",
    "misconduct_report": "misconduct report",
    "service_request": "service request",
    "opinion": "opinion",
    "suggestion": "suggestion",
    "praise": "praise",
    "consultation": "consultation",
    "meter_split": "own meter for a household (split from a shared meter)",
    "new_connection": "new connection",
    "meter_anomaly": "meter fault",
    "reading_anomaly": "reading query",
    "reconnection": "reconnection after arrears",
    "general": "other",
}

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("电价与服务承诺公开", "Tariffs and service commitments"),
    "on": ("公开日期", "In force on"),
    "tariffs": ("现行电价", "Tariffs in force"),
    "tariff": ("电价", "Tariff"),
    "region": ("地区", "Region"),
    "from": ("执行起始", "Since"),
    "structure": ("计价方式", "Structure"),
    "base": ("基础电价（元/千瓦时）", "Base price (yuan/kWh)"),
    "tiers": ("阶梯", "Tiers"),
    "tou": ("峰谷电价（元/千瓦时）", "Peak / valley (yuan/kWh)"),
    "source": ("依据", "Source"),
    "unverified": ("示例数据，未经核实", "sample figures, not verified"),
    "none": ("单一电价", "flat price"),
    "monthly": ("月阶梯", "monthly tiers"),
    "annual": ("年阶梯（按年累计）", "annual tiers (cumulative over the year)"),
    "commitments": ("服务承诺时限", "Service commitments"),
    "policy": ("时限标准", "Policy"),
    "type": ("业务类型", "Kind of request"),
    "area": ("区域", "Area"),
    "step": ("环节", "Step"),
    "limit": ("时限", "Time limit"),
    "follow_up": ("办结后回访", "Follow-up after completion"),
    "yes": ("必须回访", "always"),
    "no": ("按需", "when configured"),
    "switch": ("English", "中文"),
    "urban": ("城区", "urban"),
    "rural": ("农村", "rural"),
    "remote": ("特殊边远地区", "remote"),
    "all": ("—", "—"),
    "first_contact": ("首次联系客户", "first contact with the customer"),
    "arrival": ("到达现场", "arrival on site"),
    "restoration": ("恢复供电", "supply restored"),
    "completion": ("办结答复", "handled and replied"),
    "rework": ("重办", "rework"),
    "minutes": ("分钟", "minutes"),
    "hours": ("小时", "hours"),
    "working_days": ("个工作日", "working days"),
    "yuan_kwh": ("元/千瓦时", "yuan/kWh"),
    "kwh": ("千瓦时", "kWh"),
    "base_price": ("基础电价", "base price"),
}


class Words:
    def __init__(self, lang: str) -> None:
        self.en = lang == "en"

    def __call__(self, key: str) -> str:
        zh, en = _TEXT[key]
        return en if self.en else zh

    def kind(self, code: str | None) -> str:
        if code is None:
            return self("all")
        return _EN.get(code, code) if self.en else LABELS_ZH.get(code, code)

    def limit(self, amount: int, unit: str) -> str:
        return f"{amount} {self(unit)}" if self.en else f"{amount}{self(unit)}"

    def tier(self, low: Decimal | int, high: Decimal | None, surcharge: Decimal | int) -> str:
        """One tier: its kWh range and what it adds to the base price."""
        kwh = self("kwh")
        if high is not None:
            span = f"{low:.0f}–{high:.0f} {kwh}" if self.en else f"{low:.0f}–{high:.0f}{kwh}"
        else:
            span = f"above {low:.0f} {kwh}" if self.en else f"{low:.0f}{kwh}以上"
        if not surcharge:
            return f"{span}: {self('base_price')}"
        return f"{span}: +{surcharge} {self('yuan_kwh')}"
