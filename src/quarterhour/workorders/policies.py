"""Time-limit policies: versioned data, each limit naming the rule it comes from (the SGCC
commitments and 95598 rules, or the utility's own rule where no public one is known)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.workorders.kinds import (
    AreaClass,
    DeadlineKind,
    LimitUnit,
    OrderType,
    complaint_class,
)
from quarterhour.workorders.kinds import ServiceSubtype as Sub
from quarterhour.workorders.models import FollowUpRule, TimeLimit, TimeLimitPolicy

_T = OrderType
_K = DeadlineKind
_U = LimitUnit

SGCC_REPAIR = "国家电网公司供电服务“十项承诺”: 城区45分钟、农村90分钟、特殊边远地区2小时到达现场"
SGCC_RESTORE = "国家电网公司供电服务承诺: 到达现场后恢复供电 城区3小时、农村4小时"
SGCC_95598_2021 = (
    "国家电网公司95598客户服务业务管理办法(2021): 投诉24小时内联系客户, 4个工作日内处理答复"
)
SGCC_2011 = "国家电网公司供电服务承诺(2011): 投诉1个工作日内联系客户, 7个工作日内答复"
SGCC_SERVICE = "国家电网公司95598业务时限: 服务申请5个工作日, 表计异常4, 抄表异常6, 欠费复电24小时"
SGCC_CONNECTION = "国家电网公司“三不指定”及居民报装时限: 全流程不超过5个工作日"
DEFAULT_REMOTE_RESTORE = "本单位规定: 特殊边远地区恢复供电时限未公布，按农村4小时执行"
HOUSE_DEFAULT = "本单位规定: 意见、建议、表扬、咨询 5个工作日内答复"
# 国家电网有限公司供电服务“十项承诺” as now published (the revision that replaced the 2011 text;
# 2021 as best determined), articles 6 and 7.
PROMISE_6_RESIDENTIAL = (
    "国家电网供电服务“十项承诺”(2021修订) 第六条: 居民客户全过程办电时间不超过5个工作日"
)
PROMISE_6 = (
    "国家电网供电服务“十项承诺”(2021修订) 第六条: 低压非居民、高压单电源、高压双电源客户的业扩报装,"
    " 供电企业各环节合计办理时间分别不超过6个、22个、32个工作日"
)
PROMISE_7 = (
    "国家电网供电服务“十项承诺”(2021修订) 第七条: 客户提出电表数据异常后, 5个工作日内核实并答复"
)
REPORT_CONTACT = "本单位规定: 举报受理后24小时内联系举报人"
# Clocks for the service centre's own steps. The 95598 service rule says a repair is passed to
# the crew at once; the minutes and days below are the utility's own rules, named as such.
DISPATCH_REPAIR = (
    "95598服务规范: 接到客户报修, 确属供电企业抢修范围的, 立即通知抢修部门;"
    " 本单位规定: 受理后5分钟内派单"
)
DISPATCH_OTHER = "本单位规定: 非抢修工单受理后1个工作日内派单"
FOLLOW_UP_RULE = "本单位规定: 答复客户后1个工作日内回访 (未接通的, 下一次在1个工作日内再拨)"


@dataclass(frozen=True)
class Limit:
    order_type: OrderType
    kind: DeadlineKind
    amount: int
    unit: LimitUnit
    source: str
    subtype: str | None = None
    area_class: AreaClass | None = None


def _repair_limits() -> Iterable[Limit]:
    arrival = {AreaClass.URBAN: 45, AreaClass.RURAL: 90, AreaClass.REMOTE: 120}
    restore = {AreaClass.URBAN: 3, AreaClass.RURAL: 4, AreaClass.REMOTE: 4}
    for area, minutes in arrival.items():
        yield Limit(_T.FAULT_REPAIR, _K.ARRIVAL, minutes, _U.MINUTES, SGCC_REPAIR, area_class=area)
    for area, hours in restore.items():
        source = DEFAULT_REMOTE_RESTORE if area is AreaClass.REMOTE else SGCC_RESTORE
        yield Limit(_T.FAULT_REPAIR, _K.RESTORATION, hours, _U.HOURS, source, area_class=area)


def _common_limits() -> Iterable[Limit]:
    yield Limit(_T.MISCONDUCT_REPORT, _K.COMPLETION, 9, _U.WORKING_DAYS, SGCC_95598_2021)
    yield Limit(_T.SERVICE_REQUEST, _K.COMPLETION, 5, _U.WORKING_DAYS, SGCC_SERVICE)
    service = {Sub.METER_ANOMALY: 4, Sub.READING_ANOMALY: 6}
    for sub, days in service.items():
        yield Limit(_T.SERVICE_REQUEST, _K.COMPLETION, days, _U.WORKING_DAYS, SGCC_SERVICE, sub)
    yield Limit(_T.SERVICE_REQUEST, _K.COMPLETION, 24, _U.HOURS, SGCC_SERVICE, Sub.RECONNECTION)
    for sub in (Sub.NEW_CONNECTION, Sub.METER_SPLIT):
        yield Limit(_T.SERVICE_REQUEST, _K.COMPLETION, 5, _U.WORKING_DAYS, SGCC_CONNECTION, sub)
    for kind in (_T.OPINION, _T.SUGGESTION, _T.PRAISE, _T.CONSULTATION):
        yield Limit(kind, _K.COMPLETION, 5, _U.WORKING_DAYS, HOUSE_DEFAULT)
    yield from service_centre_limits()


def service_centre_limits() -> Iterable[Limit]:
    """Every open state someone answers for has a clock: 受理 until 派单, 答复 until 回访 (for the
    orders that need one). The department's own states run on the limits above."""
    for kind in _T:
        if kind is _T.FAULT_REPAIR:
            yield Limit(kind, _K.DISPATCH, 5, _U.MINUTES, DISPATCH_REPAIR)
        else:
            yield Limit(kind, _K.DISPATCH, 1, _U.WORKING_DAYS, DISPATCH_OTHER)
        yield Limit(kind, _K.FOLLOW_UP, 1, _U.WORKING_DAYS, FOLLOW_UP_RULE)


def default_2021() -> list[Limit]:
    complaint = [
        Limit(_T.COMPLAINT, _K.FIRST_CONTACT, 24, _U.HOURS, SGCC_95598_2021),
        Limit(_T.COMPLAINT, _K.COMPLETION, 4, _U.WORKING_DAYS, SGCC_95598_2021),
    ]
    return _merged([*_repair_limits(), *complaint, *_common_limits()], _promises_2021())


def _promises_2021() -> Iterable[Limit]:
    """What the current 十项承诺 changed from the 2011 text, and the 举报 contact."""
    wd = _U.WORKING_DAYS
    service = _T.SERVICE_REQUEST
    yield Limit(service, _K.COMPLETION, 5, wd, PROMISE_7, Sub.METER_ANOMALY)
    yield Limit(service, _K.COMPLETION, 5, wd, PROMISE_6_RESIDENTIAL, Sub.NEW_CONNECTION)
    yield Limit(service, _K.COMPLETION, 5, wd, PROMISE_6_RESIDENTIAL, Sub.METER_SPLIT)
    yield Limit(service, _K.COMPLETION, 6, wd, PROMISE_6, Sub.NEW_CONNECTION_LV)
    yield Limit(service, _K.COMPLETION, 22, wd, PROMISE_6, Sub.NEW_CONNECTION_HV_SINGLE)
    yield Limit(service, _K.COMPLETION, 32, wd, PROMISE_6, Sub.NEW_CONNECTION_HV_DUAL)
    yield Limit(_T.MISCONDUCT_REPORT, _K.FIRST_CONTACT, 24, _U.HOURS, REPORT_CONTACT)


def _key(limit: Limit) -> tuple[str, str | None, str | None, str]:
    return (limit.order_type, limit.subtype, limit.area_class, limit.kind)


def _merged(base: Iterable[Limit], overrides: Iterable[Limit]) -> list[Limit]:
    merged = {_key(limit): limit for limit in base}
    merged.update((_key(limit), limit) for limit in overrides)
    return list(merged.values())


def default_2011() -> list[Limit]:
    complaint = [
        Limit(_T.COMPLAINT, _K.FIRST_CONTACT, 1, _U.WORKING_DAYS, SGCC_2011),
        Limit(_T.COMPLAINT, _K.COMPLETION, 7, _U.WORKING_DAYS, SGCC_2011),
    ]
    return [*_repair_limits(), *complaint, *_common_limits()]


# Complaints and fault repairs always get a follow-up visit (PRODUCT.md); the rest is configurable.
DEFAULT_FOLLOW_UP: dict[OrderType, bool] = {
    _T.FAULT_REPAIR: True,
    _T.COMPLAINT: True,
    _T.MISCONDUCT_REPORT: True,
    _T.SERVICE_REQUEST: True,
    _T.OPINION: False,
    _T.SUGGESTION: False,
    _T.PRAISE: False,
    _T.CONSULTATION: False,
}
ALWAYS_FOLLOWED_UP: frozenset[OrderType] = frozenset({_T.FAULT_REPAIR, _T.COMPLAINT})


@dataclass(frozen=True)
class PolicySpec:
    code: str
    name: str
    source: str
    effective_from: date
    limits: Sequence[Limit]
    follow_up: dict[OrderType, bool]


DEFAULT_POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "SGCC-2011",
        "国家电网供电服务承诺 (2011)",
        SGCC_2011,
        date(2011, 1, 1),
        default_2011(),
        DEFAULT_FOLLOW_UP,
    ),
    PolicySpec(
        "SGCC-2021",
        "国家电网95598客户服务时限 (2021)",
        SGCC_95598_2021,
        date(2021, 1, 1),
        default_2021(),
        DEFAULT_FOLLOW_UP,
    ),
)


def install_policy(session: Session, spec: PolicySpec) -> TimeLimitPolicy:
    for order_type in ALWAYS_FOLLOWED_UP:
        if not spec.follow_up.get(order_type, False):
            raise ValidationFailed(
                f"{order_type} always needs a follow-up: complaints and emergency repairs are"
                " always followed up (回访)",
                field="follow_up",
            )
    seen: set[tuple[str, str | None, str | None, str]] = set()
    for limit in spec.limits:
        key = (limit.order_type, limit.subtype, limit.area_class, limit.kind)
        if key in seen:
            raise ValidationFailed(f"time limit given twice: {key}", field="limits")
        if limit.amount <= 0:
            raise ValidationFailed("a time limit must be positive", field="limits.amount")
        seen.add(key)
    policy = TimeLimitPolicy(
        code=spec.code,
        name=spec.name,
        source=spec.source,
        effective_from=spec.effective_from,
        created_at=clock.now(),
    )
    session.add(policy)
    session.flush()
    session.add_all(_time_limit(policy.id, limit) for limit in spec.limits)
    session.add_all(
        FollowUpRule(policy_id=policy.id, order_type=t, is_required=required)
        for t, required in spec.follow_up.items()
    )
    session.flush()
    invalidate_cache()
    return policy


def _time_limit(policy_id: int, limit: Limit) -> TimeLimit:
    return TimeLimit(
        policy_id=policy_id,
        order_type=limit.order_type,
        subtype=limit.subtype,
        area_class=limit.area_class,
        kind=limit.kind,
        amount=limit.amount,
        unit=limit.unit,
        source=limit.source,
    )


def ensure_default_policies(session: Session, *, by: Actor) -> None:
    require(by, Permission.MANAGE_POLICIES)
    existing = {p.code: p for p in session.scalars(select(TimeLimitPolicy))}
    for spec in DEFAULT_POLICIES:
        if spec.code not in existing:
            install_policy(session, spec)
        else:
            _add_new_kinds(session, existing[spec.code], spec)


# Kinds of clock that came after the default policies were first installed: an installed default
# policy gets their limits (nothing it already has changes, and no existing deadline moves).
_LATER_KINDS = frozenset({_K.DISPATCH, _K.FOLLOW_UP})
# Limits a default policy got later (the current 十项承诺's connection classes, the 举报
# contact): added to an installed default policy that has no limit for that type, sub-type and
# kind. A limit it already has is never changed here: an administrator adds a version.
_LATER_KEYS = frozenset(_key(limit) for limit in _promises_2021())


def _add_new_kinds(session: Session, policy: TimeLimitPolicy, spec: PolicySpec) -> None:
    installed = session.execute(
        select(TimeLimit.order_type, TimeLimit.subtype, TimeLimit.area_class, TimeLimit.kind).where(
            TimeLimit.policy_id == policy.id
        )
    ).all()
    kinds = {row.kind for row in installed}
    keys = {tuple(row) for row in installed}
    missing = [
        limit
        for limit in spec.limits
        if (limit.kind in _LATER_KINDS and limit.kind not in kinds)
        or (_key(limit) in _LATER_KEYS and _key(limit) not in keys)
    ]
    if not missing:
        return
    session.add_all(_time_limit(policy.id, limit) for limit in missing)
    session.flush()
    invalidate_cache()


@dataclass(frozen=True)
class PolicyView:
    """A policy in force, loaded whole: deadlines are computed at every intake without queries."""

    id: int
    code: str
    effective_from: date
    limits: tuple[Limit, ...]
    follow_up: dict[str, bool]

    def limits_for(
        self, order_type: str, subtype: str | None, area_class: str | None
    ) -> list[Limit]:
        """The most specific limit per deadline kind (sub-type, then its complaint class, then
        area class, then the type)."""
        best: dict[DeadlineKind, tuple[int, Limit]] = {}
        within = complaint_class(subtype)
        for limit in self.limits:
            if limit.order_type != order_type:
                continue
            if limit.subtype is not None and limit.subtype not in (subtype, within):
                continue
            if limit.area_class is not None and limit.area_class != area_class:
                continue
            named = 0 if limit.subtype is None else 4 if limit.subtype == subtype else 2
            score = named + (1 if limit.area_class else 0)
            if limit.kind not in best or score > best[limit.kind][0]:
                best[limit.kind] = (score, limit)
        return [limit for _, limit in best.values()]

    def follow_up_required(self, order_type: str) -> bool:
        return self.follow_up.get(order_type, order_type in ALWAYS_FOLLOWED_UP)


_cache: dict[tuple[str, int, int], list[PolicyView]] = {}
_recheck = Recheck()


def invalidate_cache() -> None:
    _cache.clear()
    _recheck.forget()


def policies(session: Session) -> list[PolicyView]:
    """Every policy, newest first; cached per process and keyed on (count, max id) of the table,
    which is checked at most every `kit.recheck.SECONDS`."""
    database = database_key(session.get_bind())
    if _recheck.fresh(database):
        for (cached_database, _, _), views in _cache.items():
            if cached_database == database:
                return views
    key_row = session.execute(
        select(func.count(TimeLimitPolicy.id), func.max(TimeLimitPolicy.id))
    ).one()
    key = (database, int(key_row[0]), int(key_row[1] or 0))
    cached = _cache.get(key)
    if cached is not None:
        _recheck.checked(database)
        return cached
    rows = session.scalars(select(TimeLimitPolicy).order_by(TimeLimitPolicy.effective_from.desc()))
    limits = session.scalars(select(TimeLimit)).all()
    rules = session.scalars(select(FollowUpRule)).all()
    views = [
        PolicyView(
            id=p.id,
            code=p.code,
            effective_from=p.effective_from,
            limits=tuple(
                Limit(
                    OrderType(lim.order_type),
                    DeadlineKind(lim.kind),
                    lim.amount,
                    LimitUnit(lim.unit),
                    lim.source or p.source,
                    lim.subtype,
                    AreaClass(lim.area_class) if lim.area_class else None,
                )
                for lim in limits
                if lim.policy_id == p.id
            ),
            follow_up={r.order_type: r.is_required for r in rules if r.policy_id == p.id},
        )
        for p in rows
    ]
    _cache.clear()
    _cache[key] = views
    _recheck.checked(database)
    return views


def policy_in_force(session: Session, on: date) -> PolicyView:
    for view in policies(session):
        if view.effective_from <= on:
            return view
    raise ValidationFailed(
        f"no time-limit policy is in force on {on.isoformat()}; an administrator must add one",
        field="received_at",
    )


def add_version(
    session: Session,
    *,
    by: Actor,
    code: str,
    name: str,
    source: str,
    effective_from: date,
    amounts: dict[int, tuple[int, LimitUnit]],
    follow_up: dict[OrderType, bool],
) -> TimeLimitPolicy:
    """A new policy from a day on, made from the newest one: the limits listed in `amounts` (by
    their position in that policy) take their new amount and unit, the rest are kept; each limit
    that changed names the new policy's source. Orders accepted from that day are held to it;
    orders accepted before keep the limits they were given."""
    require(by, Permission.MANAGE_POLICIES)
    code, name, source = code.strip(), name.strip(), source.strip()
    if not code or len(code) > 32:
        raise ValidationFailed("a policy needs a code of 1 to 32 characters", field="code")
    if not source:
        raise ValidationFailed("name the notice the limits come from", field="source")
    if session.scalar(select(TimeLimitPolicy.id).where(TimeLimitPolicy.code == code)):
        raise Conflict(f"policy {code} exists", field="code")
    newest = policies(session)
    if not newest:
        raise ValidationFailed("no policy to start from: run quarterhour db upgrade", field="code")
    base = newest[0]
    if effective_from <= base.effective_from:
        raise ValidationFailed(
            f"a new version starts after the newest one ({base.effective_from})",
            field="effective_from",
        )
    limits = []
    for n, limit in enumerate(base.limits):
        if n in amounts and amounts[n] != (limit.amount, limit.unit):
            amount, unit = amounts[n]
            limit = replace(limit, amount=amount, unit=LimitUnit(unit), source=source)
        limits.append(limit)
    spec = PolicySpec(code, name or code, source, effective_from, limits, follow_up)
    return install_policy(session, spec)
