"""Every label of the closed loop's vocabulary in Chinese and English: the one source.

States, actions, order types and their sub-types (service requests, 95598's five complaint
classes and the business class's matters chosen by name), channels, area classes, follow-up outcomes, reply methods, deadline kinds, limit
units, and the roles and department kinds that work the loop. The console (web/wording.py keeps
only the pages' own words), the public pages and the API's public order status, the CLI, exports
and the quality figures all read them from here; tests/workorders/test_labels.py holds every
member of every enum to a label and keeps other modules from defining their own.

Each entry is one `Label`: the staff's word in both languages, and for an action, `public`: what
the public order-status page tells the customer about that step (95598's plain wording where the
staff's word is jargon, e.g. 回单 → 处理完毕), or None when the step is not shown to the public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from quarterhour.access.actor import Role
from quarterhour.organisation.models import DepartmentKind
from quarterhour.workorders.kinds import (
    AreaClass,
    Channel,
    ComplaintClass,
    ComplaintSubtype,
    DeadlineKind,
    FollowUpOutcome,
    LimitUnit,
    OrderType,
    ReplyMethod,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import Action, State


@dataclass(frozen=True, slots=True)
class Pair:
    """One thing said in Chinese and in English."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, slots=True)
class Label:
    """The staff's word for a code (zh, en); for an action, also what a customer is told."""

    zh: str
    en: str
    # The public order-status page's step (API and page); None: not shown to the public.
    public: Pair | None = None

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _same(zh: str, en: str) -> Label:
    """A step the customer is told about in the staff's own Chinese word."""
    return Label(zh, en, Pair(zh, en))


STATES: Mapping[str, Label] = {
    State.ACCEPTED: Label("已受理", "accepted"),
    State.DISPATCHED: Label("已派单", "dispatched"),
    State.ACKNOWLEDGED: Label("已接单", "acknowledged"),
    State.IN_PROGRESS: Label("处理中", "in progress"),
    State.RETURNED: Label("已回单", "returned"),
    State.REVIEWED: Label("已审核", "reviewed"),
    State.REPLIED: Label("已答复", "replied"),
    State.FOLLOWED_UP: Label("已回访", "followed up"),
    State.ARCHIVED: Label("已归档", "archived"),
    State.CANCELLED: Label("已撤销", "cancelled"),
}

ACTIONS: Mapping[str, Label] = {
    Action.ACCEPT: Label("受理", "accept", Pair("受理", "accepted")),
    Action.CLOSE_ON_INTAKE: Label(
        "直接办结", "close on intake", Pair("直接办结", "answered on the spot")
    ),
    Action.DISPATCH: Label("派单", "dispatch", Pair("派单", "sent to the department")),
    Action.REDISPATCH: Label("改派", "redispatch"),
    Action.DECLINE: Label("退单", "decline"),
    Action.ACKNOWLEDGE: Label("接单", "acknowledge", Pair("接单", "taken up by the department")),
    Action.CONTACT_CUSTOMER: Label("联系客户", "contact customer"),
    Action.RECORD_PROGRESS: Label("记录进展", "record progress"),
    Action.ARRIVE: Label(
        "到达现场", "arrived on site", Pair("抢修人员到达现场", "repair crew on site")
    ),
    Action.RESTORE: _same("恢复供电", "supply restored"),
    Action.RETURN_RESULT: Label("回单", "return result", Pair("处理完毕", "work done")),
    Action.APPROVE: Label("审核通过", "approve"),
    Action.SEND_BACK: Label("退回重办", "send back", Pair("重新处理", "being done again")),
    Action.REPLY: Label("答复客户", "reply", Pair("已答复", "replied")),
    Action.FOLLOW_UP: Label("回访", "follow up", Pair("回访", "follow-up call")),
    Action.PAUSE: Label(
        "暂停计时（等待客户）",
        "pause the clock (waiting for the customer)",
        Pair("等待客户办理", "waiting for the customer"),
    ),
    Action.RESUME: Label("恢复计时", "resume the clock", Pair("继续办理", "handling resumed")),
    Action.ARCHIVE: Label("归档", "archive", Pair("归档", "archived")),
    Action.CANCEL: Label("撤销", "cancel", Pair("撤销", "cancelled")),
    Action.PRESS: Label("催办", "press"),
    Action.ESCALATE: Label("督办", "escalate"),
    Action.WARN: Label("临期预警", "deadline warning"),
    Action.RESCHEDULE: Label("时限重算", "deadline recomputed"),
    Action.COMMENT: Label("批注", "comment"),
    Action.LINK_OUTAGE: Label(
        "关联停电",
        "linked to the outage",
        Pair("所在台区停电，随停电处理", "part of a known outage"),
    ),
    Action.OUTAGE_REPLY: Label(
        "停电复电答复", "reply at restoration", Pair("已恢复供电并答复", "supply restored, replied")
    ),
    Action.SPLIT_OUT: Label("拆分为单独抢修", "split out of the outage"),
}

ORDER_TYPES: Mapping[str, Label] = {
    OrderType.FAULT_REPAIR: Label("故障报修", "fault repair"),
    OrderType.COMPLAINT: Label("投诉", "complaint"),
    OrderType.MISCONDUCT_REPORT: Label("举报", "misconduct report"),
    OrderType.SERVICE_REQUEST: Label("服务申请", "service request"),
    OrderType.OPINION: Label("意见", "opinion"),
    OrderType.SUGGESTION: Label("建议", "suggestion"),
    OrderType.PRAISE: Label("表扬", "praise"),
    OrderType.CONSULTATION: Label("咨询", "consultation"),
}

SERVICE_SUBTYPES: Mapping[str, Label] = {
    ServiceSubtype.METER_SPLIT: Label(
        "分户装表", "own meter for a household (split from a shared meter)"
    ),
    ServiceSubtype.NEW_CONNECTION: Label("居民报装", "new connection, residential"),
    ServiceSubtype.NEW_CONNECTION_LV: Label(
        "低压非居民报装", "new connection, low-voltage non-residential"
    ),
    ServiceSubtype.NEW_CONNECTION_HV_SINGLE: Label(
        "高压单电源报装", "new connection, high voltage, single source"
    ),
    ServiceSubtype.NEW_CONNECTION_HV_DUAL: Label(
        "高压双电源报装", "new connection, high voltage, dual source"
    ),
    ServiceSubtype.METER_ANOMALY: Label("电能表异常", "meter or meter-data anomaly"),
    ServiceSubtype.READING_ANOMALY: Label("抄表异常", "reading query"),
    ServiceSubtype.RECONNECTION: Label("欠费复电", "reconnection after arrears"),
    ServiceSubtype.GENERAL: Label("其他", "other"),
}

# 95598's five classes (国家电网公司供电服务投诉处理规范).
COMPLAINT_CLASSES: Mapping[str, Label] = {
    ComplaintClass.SERVICE: Label("服务投诉", "service complaint"),
    ComplaintClass.BUSINESS: Label("营业投诉", "business complaint"),
    ComplaintClass.OUTAGE: Label("停送电投诉", "outage complaint"),
    ComplaintClass.POWER_QUALITY: Label("供电质量投诉", "power-quality complaint"),
    ComplaintClass.GRID_CONSTRUCTION: Label("电网建设投诉", "grid-construction complaint"),
}

# 营业投诉's matters chosen in their own name: named with their class, so the desk's list reads
# as the two levels 95598 uses.
COMPLAINT_SUBTYPES: Mapping[str, Label] = {
    ComplaintSubtype.BILLING: Label("营业投诉·电费电价", "business complaint: bills and prices"),
    ComplaintSubtype.METERING: Label("营业投诉·电能计量", "business complaint: metering"),
}

# An order's kind as one code: its type, or its sub-type (the codes never collide; a test
# holds them apart).
KINDS: Mapping[str, Label] = {
    **ORDER_TYPES,
    **SERVICE_SUBTYPES,
    **COMPLAINT_CLASSES,
    **COMPLAINT_SUBTYPES,
}

CHANNELS: Mapping[str, Label] = {
    Channel.HOTLINE: Label("热线电话", "hotline"),
    Channel.PROGRAMME: Label("直播节目", "live programme"),
    Channel.COUNTER: Label("营业厅窗口", "counter"),
    Channel.WEB: Label("网站", "web"),
    Channel.APP: Label("手机应用", "app"),
    Channel.SMS: Label("短信", "SMS"),
    Channel.LETTER: Label("信函", "letter"),
    Channel.GOV_12345: Label("12345 政务服务热线", "12345 government hotline"),
    Channel.GOV_12398: Label("12398 能源监管热线", "12398 energy regulator hotline"),
}

AREA_CLASSES: Mapping[str, Label] = {
    AreaClass.URBAN: Label("城区", "urban"),
    AreaClass.RURAL: Label("农村", "rural"),
    AreaClass.REMOTE: Label("特殊边远地区", "remote"),
}

FOLLOW_UP_OUTCOMES: Mapping[str, Label] = {
    FollowUpOutcome.SATISFIED: Label("满意", "satisfied"),
    FollowUpOutcome.BASICALLY_SATISFIED: Label("基本满意", "basically satisfied"),
    FollowUpOutcome.DISSATISFIED: Label("不满意", "dissatisfied"),
    # One call that did not reach the customer; the Nth such attempt counts as 无法联系.
    FollowUpOutcome.UNREACHABLE: Label("未联系上", "unreachable"),
}

REPLY_METHODS: Mapping[str, Label] = {
    ReplyMethod.PROGRAMME: Label("节目中答复", "on the programme"),
    ReplyMethod.COUNTER: Label("柜台答复", "at the counter"),
    ReplyMethod.PHONE: Label("电话答复", "by phone"),
    ReplyMethod.SMS: Label("短信答复", "by SMS"),
    ReplyMethod.LETTER: Label("书面答复", "by letter"),
    ReplyMethod.VISIT: Label("上门答复", "in person"),
}

DEADLINE_KINDS: Mapping[str, Label] = {
    DeadlineKind.DISPATCH: Label("派单", "dispatch to a department"),
    DeadlineKind.FIRST_CONTACT: Label("首次联系客户", "first contact with the customer"),
    DeadlineKind.ARRIVAL: Label("到达现场", "arrival on site"),
    DeadlineKind.RESTORATION: Label("恢复供电", "supply restored"),
    DeadlineKind.COMPLETION: Label("办结答复", "handled and replied"),
    DeadlineKind.REWORK: Label("重办", "rework"),
    DeadlineKind.FOLLOW_UP: Label("办结后回访", "follow-up after completion"),
}

LIMIT_UNITS: Mapping[str, Label] = {
    LimitUnit.MINUTES: Label("分钟", "minutes"),
    LimitUnit.HOURS: Label("小时", "hours"),
    LimitUnit.WORKING_DAYS: Label("个工作日", "working days"),
}

ROLES: Mapping[str, Label] = {
    Role.DUTY_AGENT: Label("值班员", "duty agent"),
    Role.DISPATCHER: Label("调度员", "dispatcher"),
    Role.HANDLER: Label("部门处理人", "department handler"),
    Role.FOLLOW_UP_AGENT: Label("回访员", "follow-up agent"),
    Role.SUPERVISOR: Label("管理人员", "supervisor"),
    Role.ADMIN: Label("系统管理员", "administrator"),
    Role.SYSTEM: Label("系统", "system"),
}

# How a payment came in (billing.payments.CHANNELS): on the customer's page, bills and exports.
PAYMENT_CHANNELS: Mapping[str, Label] = {
    "counter": Label("营业厅柜台", "at the counter"),
    "bank": Label("银行代收", "bank collection"),
    "online": Label("网上缴费", "online"),
}

# A department's handler as the people around him call him: the lifecycle's role stays HANDLER.
HANDLERS_BY_DEPARTMENT_KIND: Mapping[str, Label] = {
    DepartmentKind.REPAIR: Label("抢修人员", "repair crew"),
    DepartmentKind.BUSINESS_HALL: Label("营业厅人员", "business hall staff"),
    DepartmentKind.METERING: Label("计量人员", "metering staff"),
    DepartmentKind.MARKETING: Label("营销人员", "marketing staff"),
}

DEPARTMENT_KINDS: Mapping[str, Label] = {
    DepartmentKind.SERVICE_CENTRE: Label("客户服务中心", "service centre"),
    DepartmentKind.BUSINESS_HALL: Label("营业厅", "business hall"),
    DepartmentKind.REPAIR: Label("抢修", "repair"),
    DepartmentKind.METERING: Label("计量", "metering"),
    DepartmentKind.MARKETING: Label("营销", "marketing"),
    DepartmentKind.OTHER: Label("其他", "other"),
}

# Each enum with its labels: what the completeness test walks.
TABLES: Mapping[type[StrEnum], Mapping[str, Label]] = {
    State: STATES,
    Action: ACTIONS,
    OrderType: ORDER_TYPES,
    ServiceSubtype: SERVICE_SUBTYPES,
    ComplaintClass: COMPLAINT_CLASSES,
    ComplaintSubtype: COMPLAINT_SUBTYPES,
    Channel: CHANNELS,
    AreaClass: AREA_CLASSES,
    FollowUpOutcome: FOLLOW_UP_OUTCOMES,
    ReplyMethod: REPLY_METHODS,
    DeadlineKind: DEADLINE_KINDS,
    LimitUnit: LIMIT_UNITS,
    Role: ROLES,
    DepartmentKind: DEPARTMENT_KINDS,
}

# The steps the public order status shows, in the customer's words.
PUBLIC_STEPS: Mapping[str, Pair] = {
    action: label.public for action, label in ACTIONS.items() if label.public is not None
}


def role_text(role: str | None, department_kind: str | None, lang: str = "zh") -> str:
    """A staff member's role as it is shown: a handler by his department's kind when it has a
    name of its own (抢修人员, 营业厅人员), otherwise the role's label."""
    named = HANDLERS_BY_DEPARTMENT_KIND.get(department_kind or "")
    if role == Role.HANDLER and named is not None:
        return named.text(lang)
    return text(ROLES, role, lang)


def text(table: Mapping[str, Label], code: str | None, lang: str = "zh") -> str:
    """A stored code's label in `lang`; an unknown code as itself, None as nothing."""
    if code is None:
        return ""
    label = table.get(code)
    return code if label is None else label.text(lang)


def public_step(code: str | None, lang: str = "zh") -> str:
    """What the public order status calls an action (the staff's word if it has no public one)."""
    if code is None:
        return ""
    step = PUBLIC_STEPS.get(code)
    return text(ACTIONS, code, lang) if step is None else step.text(lang)
