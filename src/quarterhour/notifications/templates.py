"""The message kinds, their variables and default texts (zh and en); an administrator's override
(MessageTemplate) replaces a default for one kind, channel and language.

Rendering substitutes `{name}` with the variable's value and nothing else: no attribute access,
no indexing, no format specification (str.format on an administrator's text could reach an
object's attributes), so a template can say only what its variables say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.notifications.models import LANGUAGES, MessageTemplate

# A longer SMS is split into several by the gateway and billed per part; 300 characters is
# already five parts of Chinese text.
SMS_MAX_CHARS = 300
BODY_MAX_CHARS = 4000
SUBJECT_MAX_CHARS = 200
# Channels whose text is a template (a webhook's body is the event's JSON document).
TEXT_CHANNELS = ("sms", "email")

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Variable:
    name: str
    zh: str
    en: str
    sample: str


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str  # the kind in words, for the timeline and the template pages
    en: str
    variables: tuple[Variable, ...]
    subject: tuple[str, str]  # the e-mail's subject (zh, en)
    text: tuple[str, str]  # the default text (zh, en)

    def samples(self) -> dict[str, str]:
        return {v.name: v.sample for v in self.variables}


_NUMBER = Variable("number", "工单编号", "order number", "GD20261127-0001")
_STATUS_URL = Variable(
    "status_url", "进度查询链接", "status link", "http://127.0.0.1:8000/status?n=GD20261127-0001"
)
_ACCOUNT = Variable("account", "户号", "account number", "3401040012")
_AMOUNT = Variable("amount", "金额（元）", "amount (yuan)", "128.50")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "contact_accepted",
            "受理通知",
            "contact accepted",
            (
                Variable("numbers", "工单编号（可多个）", "order numbers", "GD20261127-0001"),
                _STATUS_URL,
            ),
            ("您的诉求已受理", "We have your request"),
            (
                "【供电一刻钟】您的诉求已受理，工单编号{numbers}，进度查询：{status_url}",
                "[Quarter Hour] We have your request, order {numbers}. Follow it at {status_url}",
            ),
        ),
        Kind(
            "crew_on_the_way",
            "抢修人员出发",
            "crew on the way",
            (_NUMBER, Variable("crew", "抢修班组", "repair crew", "包河抢修一班"), _STATUS_URL),
            ("抢修人员已出发", "The repair crew is on its way"),
            (
                "【供电一刻钟】{crew}已出发前往处理您的报修（工单{number}），进度：{status_url}",
                "[Quarter Hour] {crew} is on its way to your repair (order {number}): {status_url}",
            ),
        ),
        Kind(
            "crew_arrived",
            "抢修人员到达",
            "crew arrived",
            (_NUMBER, Variable("crew", "抢修班组", "repair crew", "包河抢修一班")),
            ("抢修人员已到达", "The repair crew has arrived"),
            (
                "【供电一刻钟】{crew}已到达现场处理您的报修（工单{number}）。",
                "[Quarter Hour] {crew} has arrived for your repair (order {number}).",
            ),
        ),
        Kind(
            "result_replied",
            "处理结果答复",
            "result replied",
            (_NUMBER, Variable("result", "处理结果", "result", "故障已排除，已恢复供电")),
            ("您的诉求处理结果", "The outcome of your request"),
            (
                "【供电一刻钟】您的工单{number}已处理：{result}",
                "[Quarter Hour] Your order {number} is done: {result}",
            ),
        ),
        Kind(
            "follow_up_survey",
            "满意度回访",
            "follow-up survey",
            (_NUMBER,),
            ("请评价我们的服务", "How did we do?"),
            (
                "【供电一刻钟】工单{number}已办结，请评价：回复1满意 2基本满意 3不满意",
                "[Quarter Hour] Order {number} is closed. Reply 1 satisfied, 2 fairly satisfied, 3 dissatisfied",
            ),
        ),
        Kind(
            "planned_outage_notice",
            "计划停电通知",
            "planned outage notice",
            (
                Variable("area", "停电范围", "area", "包河区望湖城小区"),
                Variable("starts_at", "停电开始", "starts", "2026-12-03 08:00"),
                Variable("ends_at", "预计恢复", "expected back", "2026-12-03 17:00"),
                Variable("reason", "停电原因", "reason", "线路检修"),
            ),
            ("计划停电通知", "Planned outage"),
            (
                "【供电一刻钟】因{reason}，{area}将于{starts_at}至{ends_at}停电，敬请谅解。",
                "[Quarter Hour] For {reason}, {area} will be without power from {starts_at} to {ends_at}.",
            ),
        ),
        Kind(
            "arrears_reminder",
            "欠费提醒",
            "arrears reminder",
            (_ACCOUNT, _AMOUNT, Variable("due_date", "缴费期限", "due date", "2026-12-20")),
            ("电费欠费提醒", "Electricity bill overdue"),
            (
                "【供电一刻钟】户号{account}电费{amount}元尚未缴纳，请于{due_date}前缴清。",
                "[Quarter Hour] Account {account} owes {amount} yuan; please pay by {due_date}.",
            ),
        ),
        Kind(
            "disconnection_notice",
            "停电催费通知",
            "disconnection notice",
            (
                _ACCOUNT,
                _AMOUNT,
                Variable("disconnect_on", "停电日期", "disconnection date", "2026-12-28"),
            ),
            ("欠费停电通知", "Notice of disconnection"),
            (
                "【供电一刻钟】户号{account}欠费{amount}元，如{disconnect_on}前仍未缴清，将依法停止供电。",
                "[Quarter Hour] Account {account} owes {amount} yuan; unless paid by {disconnect_on}, supply will be disconnected as the law provides.",
            ),
        ),
        Kind(
            "bill_ready",
            "账单通知",
            "bill ready",
            (
                _ACCOUNT,
                Variable("period", "账期", "period", "2026-11"),
                _AMOUNT,
                Variable("due_date", "缴费期限", "due date", "2026-12-20"),
            ),
            ("电费账单", "Your electricity bill"),
            (
                "【供电一刻钟】户号{account}，{period}电费{amount}元，请于{due_date}前缴纳。",
                "[Quarter Hour] Account {account}, {period}: {amount} yuan, due {due_date}.",
            ),
        ),
        Kind(
            "verification_code",
            "验证码",
            "verification code",
            (
                Variable("code", "验证码", "code", "482913"),
                Variable("minutes", "有效分钟数", "minutes valid", "5"),
            ),
            ("验证码", "Verification code"),
            (
                "【供电一刻钟】验证码{code}，{minutes}分钟内有效，请勿告诉他人。",
                "[Quarter Hour] Your code is {code}, valid for {minutes} minutes. Do not share it.",
            ),
        ),
    )
}

# Notices the rules require in writing whatever the customer chose (PIPL art. 13(1)(2):
# processing needed to perform the supply contract or a legal duty needs no consent; 供电营业规则
# requires notice before a planned outage and before disconnection for arrears): an opt-out
# does not stop them.
STATUTORY = frozenset({"disconnection_notice", "planned_outage_notice"})
# Sent inside quiet hours too: the customer is waiting for it.
ALWAYS_URGENT = frozenset({"verification_code"})
# Secrets for the customer alone: never copied to another system's webhook, whatever it asked.
NEVER_TO_WEBHOOKS = frozenset({"verification_code"})


@dataclass(frozen=True)
class Text:
    subject: str | None
    body: str


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"no message kind {name}", field="kind")
    return kind


def default(kind: str, channel: str, lang: str) -> Text:
    k = kind_of(kind)
    at = 1 if lang == "en" else 0
    return Text(k.subject[at] if channel == "email" else None, k.text[at])


def substitute(text: str, variables: Mapping[str, object]) -> str:
    """Each `{name}` replaced by its variable's value (an unknown one is left as it stands)."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        return str(variables[name]) if name in variables else found.group(0)

    return _PLACEHOLDER.sub(value, text)


def check(kind: str, channel: str, lang: str, subject: str | None, body: str) -> Text:
    """An administrator's text, refused naming its field when it cannot be sent as it is."""
    k = kind_of(kind)
    if channel not in TEXT_CHANNELS:
        raise ValidationFailed("channel: one of sms, email", field="channel")
    if lang not in LANGUAGES:
        raise ValidationFailed("lang: one of zh, en", field="lang")
    known = {v.name for v in k.variables}
    listing = ", ".join(sorted(known))
    for field, text in (("subject", subject or ""), ("body", body)):
        for name in _PLACEHOLDER.findall(text):
            if name not in known:
                # In braces as written (a bare name could read as a field's label: phone → 电话).
                written = "{" + name + "}"
                raise ValidationFailed(
                    f"{field}: unknown variable {written}; this kind has {listing}", field=field
                )
    if not body.strip():
        raise ValidationFailed("body: the text is empty", field="body")
    if len(body) > BODY_MAX_CHARS:
        raise ValidationFailed(f"body: at most {BODY_MAX_CHARS} characters", field="body")
    if channel == "sms":
        subject = None
        if len(substitute(body, k.samples())) > SMS_MAX_CHARS:
            raise ValidationFailed(
                f"body: an SMS is at most {SMS_MAX_CHARS} characters with the sample values",
                field="body",
            )
    elif subject is not None and len(subject) > SUBJECT_MAX_CHARS:
        raise ValidationFailed(f"subject: at most {SUBJECT_MAX_CHARS} characters", field="subject")
    return Text(subject or None, body)


def overrides(session: Session, kind: str) -> dict[tuple[str, str], MessageTemplate]:
    """A kind's overrides by (channel, lang): one query."""
    rows = session.scalars(select(MessageTemplate).where(MessageTemplate.kind == kind))
    return {(t.channel, t.lang): t for t in rows}


class Stored(Protocol):
    """An administrator's text: a MessageTemplate row, or a process's copy of one (outbox.py)."""

    @property
    def subject(self) -> str | None: ...

    @property
    def body(self) -> str: ...


def text_for(kind: str, channel: str, lang: str, found: Mapping[tuple[str, str], Stored]) -> Text:
    if (override := found.get((channel, lang))) is not None:
        fallback = default(kind, channel, lang)
        return Text(override.subject or fallback.subject, override.body)
    return default(kind, channel, lang)


def render(text: Text, variables: Mapping[str, object]) -> Text:
    return Text(
        substitute(text.subject, variables) if text.subject is not None else None,
        substitute(text.body, variables),
    )
