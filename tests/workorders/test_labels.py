"""The domain's labels: every member of every enum of the closed loop has its Chinese and English
word in workorders/labels.py, and no other module keeps a label table of its own."""

from __future__ import annotations

import ast
import inspect
import re
from enum import StrEnum
from pathlib import Path

import pytest

from quarterhour.organisation import models as organisation_models
from quarterhour.workorders import kinds, labels, lifecycle
from quarterhour.workorders.lifecycle import Action

CJK = re.compile(r"[\u4e00-\u9fff]")
SOURCE = Path(labels.__file__).resolve().parents[1]  # src/quarterhour


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
    tables = (
        labels.ORDER_TYPES,
        labels.SERVICE_SUBTYPES,
        labels.COMPLAINT_CLASSES,
        labels.COMPLAINT_SUBTYPES,
    )
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


# --- no copies elsewhere ------------------------------------------------------------------------


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_label(value: ast.expr | None) -> bool:
    """A word, a (zh, en) pair, or a call made of two words (Label("…", "…"))."""
    if value is None:
        return False
    if _is_text(value):
        return True
    if isinstance(value, ast.Tuple) and len(value.elts) == 2 and all(map(_is_text, value.elts)):
        zh, en = (str(e.value) for e in value.elts if isinstance(e, ast.Constant))
        return bool(CJK.search(zh)) and not CJK.search(en)
    return (
        isinstance(value, ast.Call) and len(value.args) >= 2 and all(map(_is_text, value.args[:2]))
    )


def _label_tables(tree: ast.AST) -> list[tuple[int, str]]:
    """Dict literals mapping two or more codes of one domain enum (by value, or by member such as
    State.ACCEPTED or an alias's _K.ARRIVAL) to words."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for enum in labels.TABLES:
            values = {m.value for m in enum}
            names = {m.name for m in enum}
            words = sum(
                1
                for key, value in zip(node.keys, node.values, strict=True)
                if _is_label(value)
                and (
                    (isinstance(key, ast.Constant) and key.value in values)
                    or (isinstance(key, ast.Attribute) and key.attr in names)
                )
            )
            if words >= 2:
                found.append((node.lineno, enum.__name__))
    return found


def test_no_other_module_keeps_its_own_label_table() -> None:
    own = Path(labels.__file__).resolve()
    copies = [
        f"{path.relative_to(SOURCE)}:{line} labels {enum}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.resolve() != own
        for line, enum in _label_tables(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert copies == []


def test_the_check_finds_a_copy() -> None:
    copy = """
STATE_NAMES = {"accepted": "已受理", "dispatched": "已派单"}
STEPS = {Action.ACCEPT: ("受理", "accepted"), Action.DISPATCH: ("派单", "dispatched")}
WEIGHTS = {Channel.HOTLINE: 68, Channel.COUNTER: 11}
NOTES = {"satisfied": ("客户表示满意", "客户对处理结果满意"), "dissatisfied": ("不满意", "仍未解决")}
"""
    assert _label_tables(ast.parse(copy)) == [(2, "State"), (3, "Action")]
