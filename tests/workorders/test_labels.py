"""The domain's labels: every member of every enum of the closed loop has its Chinese and English
word in workorders/labels.py."""

from __future__ import annotations

import inspect
import re
from enum import StrEnum

import pytest

from quarterhour.organisation import models as organisation_models
from quarterhour.workorders import kinds, labels, lifecycle
from quarterhour.workorders.lifecycle import Action

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("enum", list(labels.TABLES), ids=lambda e: e.__name__)
def test_every_member_has_a_chinese_and_an_english_label(enum: type[StrEnum]) -> None:
    table = labels.TABLES[enum]
    assert set(table) == {m.value for m in enum}
    for code, label in table.items():
        assert label.zh.strip() == label.zh and CJK.search(label.zh), (code, label)
        assert label.en.strip() == label.en and label.en and not CJK.search(label.en), (code, label)
        if label.public is not None:
            assert label.public.zh and CJK.search(label.public.zh), (code, label)
            assert label.public.en and not CJK.search(label.public.en), (code, label)


def test_every_domain_enum_has_its_table() -> None:
    """An enum added to the loop's vocabulary needs its words here before anyone shows it."""
    internal = {lifecycle.Guard}  # the lifecycle's own conditions, never shown by their name
    for module in (kinds, lifecycle, organisation_models):
        for _, enum in inspect.getmembers(module, inspect.isclass):
            if issubclass(enum, StrEnum) and enum.__module__ == module.__name__:
                assert enum in labels.TABLES or enum in internal, enum.__name__


def test_an_order_kind_is_one_code_across_types_and_sub_types() -> None:
    tables = (labels.ORDER_TYPES, labels.SERVICE_SUBTYPES, labels.COMPLAINT_CLASSES)
    assert len(labels.KINDS) == sum(len(t) for t in tables)


def test_the_public_status_tells_the_customer_each_step_in_plain_words() -> None:
    steps = labels.PUBLIC_STEPS
    # Internal work (a redispatch, a comment, the sweep's warnings) is never shown.
    for hidden in (Action.REDISPATCH, Action.DECLINE, Action.COMMENT, Action.WARN, Action.PRESS):
        assert hidden not in steps
    # Where the staff's word is jargon the customer reads another one, in both languages.
    assert labels.ACTIONS[Action.RETURN_RESULT].zh == "回单"
    assert steps[Action.RETURN_RESULT].zh == "处理完毕"
    assert labels.public_step("return_result", "en") == "work done"
    assert labels.public_step("dispatch") == "派单"
    assert labels.public_step("comment") == "批注"  # not public, but never a bare code
    assert labels.text(labels.STATES, "archived", "en") == "archived"
    assert labels.text(labels.STATES, "no_such_state") == "no_such_state"
    assert labels.text(labels.STATES, None) == ""
