"""Demo callers: Chinese names, mobile numbers and addresses in Hefei's four urban districts.

Street names are real Hefei streets in the district they belong to (包河区 芜湖路/望江路/马鞍山路,
庐阳区 拱辰街/环城马路 …); villages stand for the rural edge of each district, where repairs run on
the rural time limits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from quarterhour.workorders.kinds import AreaClass

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟汪范金石廖贾夏方白邹孟秦江尹段雷侯龙史陶贺顾毛郝龚邵万钱严武戴汤"
)
# Weighted towards the commonest surnames, as in a real call log.
COMMON_SURNAMES = "王李张刘陈杨黄赵吴周徐孙"
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲建国志文海波宏斌浩宇"
    "晨欣怡婷雪梅凤琴云莲春燕辉鹏飞俊峰德胜永福家宝荣昌淑珍凯琳雯佳慧子涵梓萱"
)
MOBILE_PREFIXES = (
    "139",
    "138",
    "137",
    "136",
    "135",
    "150",
    "151",
    "152",
    "158",
    "159",
    "187",
    "188",
    "182",
    "130",
    "131",
    "155",
    "156",
    "186",
    "133",
    "153",
    "180",
    "189",
    "177",
    "199",
)

STREETS: dict[str, tuple[str, ...]] = {
    "baohe": (
        "芜湖路",
        "望江东路",
        "望江西路",
        "马鞍山路",
        "宁国路",
        "徽州大道",
        "屯溪路",
        "包河大道",
        "太湖路",
        "曙光路",
        "延安路",
        "南一环路",
    ),
    "shushan": (
        "长江西路",
        "黄山路",
        "潜山路",
        "稻香路",
        "金寨路",
        "合作化路",
        "肥西路",
        "西园路",
        "科学大道",
        "怀宁路",
    ),
    "luyang": (
        "拱辰街",
        "环城马路",
        "寿春路",
        "阜阳路",
        "蒙城路",
        "亳州路",
        "宿州路",
        "益民街",
        "长江中路",
        "北一环路",
    ),
    "yaohai": (
        "长江东路",
        "明光路",
        "胜利路",
        "临泉路",
        "和平路",
        "铜陵路",
        "站前路",
        "凤阳路",
        "当涂路",
        "大通路",
    ),
}
ESTATES: dict[str, tuple[str, ...]] = {
    "baohe": ("望湖城", "南门小区", "芜湖路宿舍", "滨湖世纪城", "包河苑", "屯溪路小区"),
    "shushan": ("稻香村小区", "琥珀山庄", "西园新村", "黄山路宿舍", "安大老校区宿舍"),
    "luyang": ("杏花村小区", "双岗小区", "拱辰街宿舍", "亳州路小区", "寿春苑"),
    "yaohai": ("明光新村", "和平小区", "胜利花园", "站前小区", "铜陵新村"),
}
VILLAGES: dict[str, tuple[str, ...]] = {
    "baohe": ("大圩镇新民村", "大圩镇金葡萄村", "义城街道义城村", "烟墩街道东庄村"),
    "shushan": ("南岗镇桃花村", "小庙镇百花井村", "井岗镇枣林村"),
    "luyang": ("大杨镇亮岗村", "大杨镇杨岗村", "三十岗乡金岗村"),
    "yaohai": ("大兴镇三户村", "磨店社区新海村", "大兴镇胜利村"),
}
# Hilly corner of 三十岗乡 beyond the reservoir: the demo's only "special remote" area.
REMOTE_PLACES: dict[str, tuple[str, ...]] = {
    "luyang": ("三十岗乡崔岗村山区",),
    "shushan": ("小庙镇大蜀山林场",),
}
DISTRICT_WEIGHTS = {"baohe": 30, "shushan": 28, "luyang": 20, "yaohai": 22}


@dataclass(frozen=True)
class Caller:
    name: str
    phone: str
    address: str
    district: str  # district code
    area_class: AreaClass
    building: str  # the address up to the building: neighbours share it

    @property
    def polite_name(self) -> str:
        return self.name[0] + ("女士" if self.is_female else "先生")

    @property
    def is_female(self) -> bool:
        return looks_female(self.name)


def looks_female(name: str) -> bool:
    """The demo's own guess from a name it made up (or a caller's 女士): what its ID numbers and
    polite names agree on."""
    return name.endswith("女士") or name[-1:] in _FEMALE_GIVEN_NAMES


_FEMALE_GIVEN_NAMES = "芳娜敏静丽艳娟秀兰霞桂英玉萍红娥玲燕雪梅凤琴云莲春淑珍琳雯慧萱婷怡欣"


@dataclass
class Population:
    """Everyone who has called so far; a share of contacts come from repeat callers."""

    rng: random.Random
    callers: list[Caller] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)

    def reserve(self, phone: str) -> None:
        self.phones.add(phone)

    def name(self) -> str:
        pool = COMMON_SURNAMES if self.rng.random() < 0.45 else SURNAMES
        surname = self.rng.choice(pool)
        given = self.rng.choice(GIVEN_CHARS)
        if self.rng.random() < 0.7:
            given += self.rng.choice(GIVEN_CHARS)
        return surname + given

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def district(self) -> str:
        codes = list(DISTRICT_WEIGHTS)
        return self.rng.choices(codes, weights=[DISTRICT_WEIGHTS[c] for c in codes])[0]

    def place(self, district: str, area_class: AreaClass) -> tuple[str, str]:
        """(building, full address)."""
        rng = self.rng
        if area_class is AreaClass.REMOTE:
            building = f"{rng.choice(REMOTE_PLACES[district])}{rng.randint(1, 30)}号"
            return building, building
        if area_class is AreaClass.RURAL:
            building = f"{rng.choice(VILLAGES[district])}{rng.choice('东西南北')}组"
            return building, f"{building}{rng.randint(1, 80)}号"
        if rng.random() < 0.45:
            building = f"{rng.choice(ESTATES[district])}{rng.randint(1, 36)}栋"
        else:
            building = f"{rng.choice(STREETS[district])}{rng.randint(1, 360)}号"
            if rng.random() < 0.5:
                building += f"{rng.randint(1, 12)}号楼"
        flat = f"{rng.randint(1, 4)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室"
        return building, building + flat

    def new_caller(
        self, *, district: str | None = None, area_class: AreaClass | None = None
    ) -> Caller:
        district = district or self.district()
        if area_class is None:
            roll = self.rng.random()
            area_class = AreaClass.URBAN
            if roll < 0.015 and district in REMOTE_PLACES:
                area_class = AreaClass.REMOTE
            elif roll < 0.17:
                area_class = AreaClass.RURAL
        building, address = self.place(district, area_class)
        caller = Caller(self.name(), self.phone(), address, district, area_class, building)
        self.callers.append(caller)
        return caller

    def neighbour(self, of: Caller) -> Caller:
        """Someone else in the same building (several callers about one outage)."""
        rng = self.rng
        flat = "" if of.area_class is not AreaClass.URBAN else f"{rng.randint(1, 4)}单元"
        if of.area_class is AreaClass.URBAN:
            flat += f"{rng.randint(1, 7)}0{rng.randint(1, 4)}室"
        else:
            flat = f"{rng.randint(1, 80)}号"
        caller = Caller(
            self.name(), self.phone(), of.building + flat, of.district, of.area_class, of.building
        )
        self.callers.append(caller)
        return caller

    def caller(self, *, repeat_share: float = 0.12) -> Caller:
        if self.callers and self.rng.random() < repeat_share:
            return self.rng.choice(self.callers)
        return self.new_caller()
