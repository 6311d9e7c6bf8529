"""Every message the domain raises for people to read has its Chinese in the catalogue
(entrypoints/web/messages.py), and each translation keeps the placeholders of its English.

The source is read, not run: every `raise`-able DomainError built with a literal or an f-string
(and the helpers that carry such a message to one: a move's required field, a calendar file's
problem, a password's weakness, a guard's reason), and every problem of a row of a record file
(RowProblem, Problem: kept in the import's report, shown on its job page and in its rejects
file), is turned into its msgid the way the catalogue spells it — an f-string's `{expression}` becomes `{expression}` with every run of non-word
characters an underscore (`{order.version}` → `{order_version}`), its conversion and format kept
(`{username!r}`, `{period:%Y-%m}`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from quarterhour.entrypoints.web import messages

SOURCE = Path(__file__).parents[2] / "src" / "quarterhour"

ERRORS = {
    "DomainError",
    "NotFound",
    "ValidationFailed",
    "Unauthenticated",
    "Forbidden",
    "Conflict",
    "IllegalTransition",
    "StaleVersion",
    "TooManyRequests",
    "Unavailable",
}
# Helpers that hand a message on to a DomainError: name → which positional argument it is.
CARRIERS = {
    "require_field": 2,
    "_single": 1,
    "_Problem": 1,
    "_not_before": 2,
    "add": 2,
    "RowProblem": 1,
    "Problem": 2,
}
# Functions that answer with a message for a DomainError to carry.
ANSWERING = {"check_strength", "window_problem", "notice_problem"}
# Messages that only add a field in front of another message, already in the catalogue.
PREFIXING = re.compile(r"^\{\w+\}: \{\w+\}$")


def _placeholder(part: ast.FormattedValue) -> str:
    name = re.sub(r"\W+", "_", ast.unparse(part.value)).strip("_")
    conversion = {-1: "", 115: "!s", 114: "!r", 97: "!a"}[part.conversion]
    spec = ""
    if isinstance(part.format_spec, ast.JoinedStr):
        spec = ":" + "".join(
            str(p.value) for p in part.format_spec.values if isinstance(p, ast.Constant)
        )
    return "{" + name + conversion + spec + "}"


def msgid(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(p.value) if isinstance(p, ast.Constant) else _placeholder(p)  # type: ignore[arg-type]
            for p in node.values
        )
    if isinstance(node, ast.Name | ast.Attribute):  # a module's constant (NO_MATCH, budget.X)
        return constants.get(node.id if isinstance(node, ast.Name) else node.attr)
    return None


def msgids(
    node: ast.expr, constants: dict[str, str], local: dict[str, list[ast.expr]]
) -> list[str]:
    """The messages an argument may carry: itself, both sides of `a if … else b`, and what a
    name was given in the same file (`why = (… if … else …)`, then Problem(n, "row", why))."""
    if isinstance(node, ast.IfExp):
        return msgids(node.body, constants, local) + msgids(node.orelse, constants, local)
    text = msgid(node, constants)
    if text is not None:
        return [text]
    if isinstance(node, ast.Name):
        return [t for value in local.get(node.id, []) for t in msgids(value, {}, {})]
    return []


def _assigned(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Every plain name's values in a file, from `name = value`."""
    local: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            local.setdefault(node.targets[0].id, []).append(node.value)
    return local


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def raised_messages() -> dict[str, str]:
    """msgid → where it is raised (the first place)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in SOURCE.rglob("*.py")}
    constants: dict[str, str] = {}
    for tree in trees.values():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                constants[node.targets[0].id] = node.value.value
    found: dict[str, str] = {}
    for path, tree in trees.items():
        where = str(path.relative_to(SOURCE.parent))
        local = _assigned(tree)
        for node in ast.walk(tree):
            argument: ast.expr | None = None
            if isinstance(node, ast.Call) and node.args:
                name = _callee(node)
                if name in ERRORS and not any(k.arg == "check" for k in node.keywords):
                    # (one that carries pydantic's check is said by its error type)
                    argument = node.args[0]
                elif name in CARRIERS and len(node.args) > CARRIERS[name]:
                    argument = node.args[CARRIERS[name]]
            elif isinstance(node, ast.FunctionDef) and node.name in ANSWERING:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        text = msgid(inner.value, constants)
                        if text:
                            found.setdefault(text, f"{where}:{inner.lineno}")
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.value, ast.Dict)
                and isinstance(node.target, ast.Name)
                and node.target.id == "GUARD_REASONS"
            ):
                for value in node.value.values:
                    text = msgid(value, constants)
                    if text:
                        found.setdefault(text, f"{where}:{value.lineno}")
            if argument is not None:
                for text in msgids(argument, constants, local):
                    if not PREFIXING.match(text):
                        found.setdefault(text, f"{where}:{node.lineno}")
    return found


def test_the_walk_finds_the_messages_it_must() -> None:
    """The walk itself can fail: it sees literals, f-strings, constants and carriers."""
    found = raised_messages()
    assert "complaint needs a follow-up before it is archived" not in found  # not a real msgid
    assert "a department handler needs a department" in found  # a literal
    assert "no department {department_id}" in found  # an f-string
    assert "no account matches this number and phone" in found  # a constant (NO_MATCH)
    assert "a comment needs its text" in found  # require_field
    assert "this order needs a follow-up (回访) before it is archived" in found  # a guard
    assert "password must mix letters and digits" in found  # check_strength
    assert "{values_get_name!r} is not a date (YYYY-MM-DD)" in found  # a row's RowProblem
    assert "a TOU meter reads both" in found  # RowProblem, its field chosen by a condition
    assert "this reference was used for another payment" in found  # Problem, through a name
    assert "not readable as CSV ({error})" in found  # Problem, one side of a conditional
    assert "a field is longer than {csv_field_size_limit:,} characters" in found  # the other
    assert len(found) > 200


def test_every_raised_message_has_its_chinese() -> None:
    missing = {
        text: where for text, where in raised_messages().items() if text not in messages.CATALOGUE
    }
    assert not missing, "messages without Chinese in entrypoints/web/messages.py:\n" + "\n".join(
        f"    {text!r}: ''  # {where}" for text, where in sorted(missing.items())
    )


@pytest.mark.parametrize("english", sorted(messages.CATALOGUE))
def test_a_translation_keeps_the_placeholders(english: str) -> None:
    chinese = messages.CATALOGUE[english]
    assert chinese.strip(), english
    assert sorted(messages.placeholders(chinese)) == sorted(messages.placeholders(english))


@pytest.mark.parametrize("kind", sorted(messages.PYDANTIC))
def test_a_pydantic_message_keeps_its_placeholders(kind: str) -> None:
    chinese, english = messages.PYDANTIC[kind]
    assert sorted(messages.placeholders(chinese)) == sorted(messages.placeholders(english))


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        # A field's name as a value is said by its label …
        ("the form has no department_id", "表单缺少部门"),
        ("the form has no follow_up_complaint", "表单缺少投诉的回访"),
        (
            "peak must be between 0 and 9999 on a 4-digit register",
            "峰示数须在0至9999之间（4位示数）",
        ),
        # … but a message's leading field stays, for the refusal splits it off and labels it.
        ("amount: a whole number", "amount: 须为整数"),
        # A value that is no field's name stays as it was.
        ("time limit given twice: ('complaint', None)", "时限重复：('complaint', None)"),
        # A message inside a message is said in Chinese too, its field by the file's column.
        (
            "3 of 9 rows are wrong; nothing was imported (first: row 4, source: source is actual"
            " or estimated)",
            "9行中有3行有误，整份未导入（第一处：第4行，示数来源：示数来源须为actual或estimated）",
        ),
        # A row's line of a strict import is a line holding a message, not a reading "row 7 …".
        (
            "row 7, total: 5 is lower than the previous reading 50.00 without roll-over",
            "第7行，总示数：5低于上次示数50.00，且未标记示数翻转",
        ),
        (
            "tariff ZJ-RES from 2027-01-01: flat_price is negative",
            "电价ZJ-RES自2027-01-01起的版本: 单一电价不能为负数",
        ),
    ],
)
def test_a_value_that_names_a_field_or_holds_a_message_is_said_too(
    english: str, chinese: str
) -> None:
    assert messages.said(english, "zh") == chinese
    assert messages.said(english, "en") == english
