"""The agent addresses an identified caller by surname and title, never by the whole name."""

from __future__ import annotations

import pytest

from quarterhour.customers.salutation import salutation


@pytest.mark.parametrize(
    ("name", "id_number", "zh", "en"),
    [
        ("刘芳", "340104198803120026", "刘女士", "Ms 刘"),  # 17th digit 2: a woman
        ("唐邦铮", "340104194501150013", "唐先生", "Mr 唐"),  # 17th digit 1: a man
        ("唐邦铮", "340104450115001", "唐先生", "Mr 唐"),  # an old 15-digit number, last odd
        ("欧阳修文", None, "欧阳先生/女士", "Mr/Ms 欧阳"),  # a compound surname, no ID
        ("袁女士", None, "袁女士", "Ms 袁"),  # the caller gave only this
        ("欧阳女士", None, "欧阳女士", "Ms 欧阳"),
        ("王先生", "340104198803120026", "王女士", "Ms 王"),  # the ID number wins over a guess
    ],
)
def test_surname_and_title(name: str, id_number: str | None, zh: str, en: str) -> None:
    addressed = salutation(name, id_number)
    assert addressed is not None
    assert (addressed.zh, addressed.en) == (zh, en)


@pytest.mark.parametrize("name", ["", None, "John Smith", "合肥市包河区某某物业管理有限公司"])
def test_no_salutation_where_no_surname_can_be_taken(name: str | None) -> None:
    assert salutation(name, None) is None
