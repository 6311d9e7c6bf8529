"""Vocabulary of the closed loop: types, channels, area classes, outcomes (PRODUCT.md, glossary).

What each is called, in Chinese and English, is in labels.py."""

from __future__ import annotations

from enum import StrEnum


class OrderType(StrEnum):
    FAULT_REPAIR = "fault_repair"  # 故障报修
    COMPLAINT = "complaint"  # 投诉
    MISCONDUCT_REPORT = "misconduct_report"  # 举报
    SERVICE_REQUEST = "service_request"  # 服务申请
    OPINION = "opinion"  # 意见
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    CONSULTATION = "consultation"  # 咨询


class ServiceSubtype(StrEnum):
    METER_SPLIT = "meter_split"  # 分户装表
    # 报装 by customer class (十项承诺 第六条): a residential customer's whole connection, and the
    # utility's own stages for the others.
    NEW_CONNECTION = "new_connection"  # 居民报装
    NEW_CONNECTION_LV = "new_connection_lv"  # 低压非居民报装
    NEW_CONNECTION_HV_SINGLE = "new_connection_hv_single"  # 高压单电源报装
    NEW_CONNECTION_HV_DUAL = "new_connection_hv_dual"  # 高压双电源报装
    METER_ANOMALY = "meter_anomaly"  # 电能表异常 (meter or its data)
    READING_ANOMALY = "reading_anomaly"  # 抄表异常
    RECONNECTION = "reconnection"  # 欠费复电
    GENERAL = "general"  # 其他


class ComplaintClass(StrEnum):
    """The five classes of complaint 95598 uses (国家电网公司供电服务投诉处理规范), for routing and
    for the figures."""

    SERVICE = "service"  # 服务投诉: staff conduct, channels, opening hours, facilities
    BUSINESS = "business"  # 营业投诉: connections, changes, readings, bills, metering, charges
    OUTAGE = "outage"  # 停送电投诉: outage notices, planned outages, repair service
    POWER_QUALITY = "power_quality"  # 供电质量投诉: voltage, frequency, reliability
    GRID_CONSTRUCTION = "grid_construction"  # 电网建设投诉: building and siting of the grid


class ComplaintSubtype(StrEnum):
    """营业投诉's matters that are chosen in their own name (95598's second level under the
    business class): each counts as its class (COMPLAINT_CLASS_OF) wherever a class is asked
    for — the quality figures, a routing rule or a time limit that names the class."""

    BILLING = "billing"  # 电费电价: the amount of a bill, prices, tiers, late fees
    METERING = "metering"  # 电能计量: the meter, its readings, estimated reads


COMPLAINT_CLASS_OF: dict[str, ComplaintClass] = {
    ComplaintSubtype.BILLING: ComplaintClass.BUSINESS,
    ComplaintSubtype.METERING: ComplaintClass.BUSINESS,
}


def complaint_class(subtype: str | None) -> str | None:
    """A complaint's class: its sub-type, or the class a second-level sub-type belongs to."""
    if subtype is None:
        return None
    return COMPLAINT_CLASS_OF.get(subtype, subtype)


# Each type's sub-types in the order the desk and the rules offer them: a class, then the
# matters chosen in their own name within it.
SUBTYPE_CHOICES: dict[OrderType, tuple[str, ...]] = {
    OrderType.SERVICE_REQUEST: tuple(ServiceSubtype),
    OrderType.COMPLAINT: (
        ComplaintClass.SERVICE,
        ComplaintClass.BUSINESS,
        ComplaintSubtype.BILLING,
        ComplaintSubtype.METERING,
        ComplaintClass.OUTAGE,
        ComplaintClass.POWER_QUALITY,
        ComplaintClass.GRID_CONSTRUCTION,
    ),
}
SUBTYPES: dict[OrderType, frozenset[str]] = {
    kind: frozenset(codes) for kind, codes in SUBTYPE_CHOICES.items()
}
# Orders whose matter is an account's bills or its meter: their page leads to the account's
# bills with the readings behind them, the payments and the late fees. A consultation has no
# sub-type; the one about an account is nearly always about its bill.
ABOUT_BILLS: frozenset[str] = frozenset(
    {
        ComplaintClass.BUSINESS,
        ComplaintSubtype.BILLING,
        ComplaintSubtype.METERING,
        ServiceSubtype.METER_ANOMALY,
        ServiceSubtype.READING_ANOMALY,
        ServiceSubtype.RECONNECTION,
    }
)


def about_bills(order_type: str, subtype: str | None) -> bool:
    """Whether an order's matter is a bill (or what the bill is read from)."""
    return order_type == OrderType.CONSULTATION or subtype in ABOUT_BILLS


# 报装 whose limit counts the utility's stages only: the clock stops while the customer has to act
# (十项承诺 第六条), by the handler's 暂停 / 恢复 (pause, resume).
PAUSABLE_SUBTYPES: frozenset[str] = frozenset(
    {
        ServiceSubtype.NEW_CONNECTION,
        ServiceSubtype.NEW_CONNECTION_LV,
        ServiceSubtype.NEW_CONNECTION_HV_SINGLE,
        ServiceSubtype.NEW_CONNECTION_HV_DUAL,
        ServiceSubtype.METER_SPLIT,
    }
)


class Channel(StrEnum):
    HOTLINE = "hotline"  # 热线电话
    PROGRAMME = "programme"  # 供电一刻钟 直播节目
    COUNTER = "counter"  # 营业厅窗口
    WEB = "web"
    APP = "app"  # 手机应用: the utility's app (self-service, like the web page)
    SMS = "sms"
    LETTER = "letter"  # 信函
    GOV_12345 = "gov_12345"  # 12345 政务服务热线
    GOV_12398 = "gov_12398"  # 12398 能源监管热线


class AreaClass(StrEnum):
    URBAN = "urban"
    RURAL = "rural"
    REMOTE = "remote"  # 特殊边远地区


class FollowUpOutcome(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    UNREACHABLE = "unreachable"  # 未联系上 (the last attempt allowed: 无法联系)


class ReplyMethod(StrEnum):
    PROGRAMME = "programme"
    COUNTER = "counter"
    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"
    VISIT = "visit"


# How a customer who came through a channel is usually answered: what the reply form offers
# first. Anything else is one choice away; a web or SMS contact gets an SMS.
NATURAL_REPLY: dict[str, ReplyMethod] = {
    Channel.HOTLINE: ReplyMethod.PHONE,
    Channel.PROGRAMME: ReplyMethod.PROGRAMME,
    Channel.COUNTER: ReplyMethod.COUNTER,
    Channel.WEB: ReplyMethod.SMS,
    Channel.APP: ReplyMethod.SMS,
    Channel.SMS: ReplyMethod.SMS,
    Channel.LETTER: ReplyMethod.LETTER,
    Channel.GOV_12345: ReplyMethod.PHONE,
    Channel.GOV_12398: ReplyMethod.PHONE,
}


class DeadlineKind(StrEnum):
    DISPATCH = "dispatch"  # 派单: the service centre sends the order to a department
    FIRST_CONTACT = "first_contact"  # 投诉: contact the customer within 24 h
    ARRIVAL = "arrival"  # 抢修: crew on site
    RESTORATION = "restoration"  # 抢修: supply restored after arrival
    COMPLETION = "completion"  # handled and replied to the customer
    REWORK = "rework"  # after 退回重办 or a dissatisfied follow-up
    FOLLOW_UP = "follow_up"  # 回访 after the reply, when the order needs one


class LimitUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_DAYS = "working_days"
