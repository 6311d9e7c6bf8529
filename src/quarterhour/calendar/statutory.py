"""Statutory public holidays (全体公民放假的节日): what a year without the State Council's notice
still knows.

《全国年节及纪念日放假办法》 art. 2 fixes the holidays themselves; each year's notice (国务院办公厅
关于…年部分节假日安排的通知) then adds what no rule can tell in advance: the make-up working days
(调休上班), the bridging days that join a holiday to a weekend, and the working day given in lieu
of a holiday that falls on a Saturday or Sunday (补假). So a year without the notice knows the days
below and nothing else; deadlines that cross it stay provisional (`workdays.WorkCalendar`) and
are recomputed when the notice is loaded (`workorders.sla.load_official_year`).

Lunar dates (春节, 端午, 中秋) and the Qingming solar term come from `lunar_python`, which computes
them astronomically for Beijing time (no table that runs out); tests check them against a
table-free formula for the solar term, against an independent table for the lunar dates, and
against every official schedule shipped with `chinesecalendar`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

from lunar_python import Lunar, Solar

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"


@dataclass(frozen=True)
class HolidayRule:
    """Art. 2 of one revision of the 办法: the days that do not follow from lunar dates or a
    solar term are the same in every revision (元旦 1 Jan, 国庆 1–3 Oct), these differ."""

    first_year: int  # in force from 1 January of this year
    source: str
    spring_festival_eve: bool  # 除夕 is a holiday
    spring_festival_days: int  # days from 正月初一 on
    labour_days: int  # days from 1 May on


RULES: tuple[HolidayRule, ...] = (
    HolidayRule(
        2008,
        "《全国年节及纪念日放假办法》(2007年12月14日国务院第二次修订, 2008年1月1日起施行)第二条",
        spring_festival_eve=True,
        spring_festival_days=2,
        labour_days=1,
    ),
    HolidayRule(
        2014,
        "《全国年节及纪念日放假办法》(国务院令第644号第三次修订, 2014年1月1日起施行)第二条",
        spring_festival_eve=False,
        spring_festival_days=3,
        labour_days=1,
    ),
    HolidayRule(
        2025,
        "《全国年节及纪念日放假办法》(国务院令第795号第四次修订, 2025年1月1日起施行)第二条",
        spring_festival_eve=True,
        spring_festival_days=3,
        labour_days=2,
    ),
)

# What a year without the notice does not know, said once for the warning, the README and docs.
UNKNOWN_ZH = "调休上班日、与周末相连的放假日、节日逢周末的补假日"
UNKNOWN_EN = (
    "make-up working days (调休), bridging days joined to a weekend, and the weekday given in"
    " lieu of a holiday that falls on a weekend (补假)"
)


def rule_for(year: int) -> HolidayRule | None:
    """The revision in force in `year`; None before 2008 (the 1999 text is not modelled: every
    year before 2008 that matters has its official schedule shipped)."""
    current = None
    for rule in RULES:
        if rule.first_year <= year:
            current = rule
    return current


def _solar(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar(year: int, month: int, day: int) -> date:
    # A positive month is the ordinary month, never the leap month of the same number.
    return _solar(Lunar.fromYmd(year, month, day).getSolar())


def qingming(year: int) -> date:
    """The day (Beijing time) on which the sun reaches ecliptic longitude 15°: 清明."""
    # The solar-term table of the lunar year that contains mid-April holds that April's 清明.
    return _solar(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])


@cache
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The holidays art. 2 fixes for `year`, by the revision in force then; empty before 2008."""
    rule = rule_for(year)
    if rule is None:
        return MappingProxyType({})
    days: dict[date, str] = {}

    def add(day: date, name: str) -> None:
        # 中秋 can fall on 1–3 October: one day off, both names.
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(date(year, 1, 1), NEW_YEAR)
    new_year = _lunar(year, 1, 1)  # 正月初一 is always between 21 January and 20 February
    if rule.spring_festival_eve:
        add(new_year - timedelta(days=1), SPRING_FESTIVAL)  # 除夕, the day before 初一
    for n in range(rule.spring_festival_days):
        add(new_year + timedelta(days=n), SPRING_FESTIVAL)
    add(qingming(year), QINGMING)
    for n in range(rule.labour_days):
        add(date(year, 5, 1 + n), LABOUR_DAY)
    add(_lunar(year, 5, 5), DRAGON_BOAT)
    add(_lunar(year, 8, 15), MID_AUTUMN)
    for n in range(3):
        add(date(year, 10, 1 + n), NATIONAL_DAY)
    return MappingProxyType(dict(sorted(days.items())))
