"""How the staff address a caller they have identified: the surname with a title (刘女士),
never the whole name, which stays masked in every list.

The title comes from the resident ID number when there is one (GB 11643: the 17th digit of an
18-digit number, the last of an old 15-digit one, is odd for men and even for women); without
it the agent still has the surname and says 先生/女士 as the voice tells."""

from __future__ import annotations

from dataclasses import dataclass

# The compound surnames common enough to meet on a hotline (复姓); any other name's surname is
# its first character.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "闻人",
        "万俟",
        "赫连",
        "钟离",
        "濮阳",
        "单于",
    ]
)


@dataclass(frozen=True)
class Salutation:
    surname: str
    title: str | None  # "mr", "ms", or None when nothing tells

    @property
    def zh(self) -> str:
        return self.surname + {"mr": "先生", "ms": "女士"}.get(self.title or "", "先生/女士")

    @property
    def en(self) -> str:
        return {"mr": "Mr ", "ms": "Ms "}.get(self.title or "", "Mr/Ms ") + self.surname


def salutation(name: str | None, id_number: str | None) -> Salutation | None:
    name = (name or "").strip()
    # A name of more than four characters is an organisation's (a company, a residents'
    # committee); a Latin name has no surname to take this way. Neither gets a salutation.
    # A caller who gave only "袁女士" is on record as such: the title is in the name.
    said = next((title for word, title in _SAID if name.endswith(word) and len(name) > 2), None)
    if said is not None:
        name = name[:-2]  # what is left is the surname itself
    if not name or not _is_han(name[0]) or len(name) > 4:
        return None
    compound = name[:2] in COMPOUND_SURNAMES and (len(name) > 2 or said is not None)
    return Salutation(name[:2] if compound else name[0], _title(id_number) or said)


_SAID = (("先生", "mr"), ("女士", "ms"), ("小姐", "ms"))


def _title(id_number: str | None) -> str | None:
    digits = (id_number or "").strip()
    if len(digits) == 18 and digits[16].isdigit():
        gender_digit = digits[16]
    elif len(digits) == 15 and digits.isdigit():
        gender_digit = digits[14]
    else:
        return None
    return "mr" if int(gender_digit) % 2 else "ms"


def _is_han(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"
