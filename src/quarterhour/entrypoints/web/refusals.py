"""A refused form as its reader sees it: one sentence at the top in the reader's language, and
the same message next to the input at fault, which is marked invalid.

Routes hand a DomainError to `Words.refusal` (with how the domain's field names map to the
form's inputs where they differ) and pass the Refusal on as the page's `error`; the templates
print it as before (its str is the sentence) and mark the input with `invalid(name)` and
`field_error(name)` (render.py), so no inline style or script is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from quarterhour.entrypoints.web import messages
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.workorders import labels

# Where the domain's field (a path: matters[0].title) is typed on this form: an input's name,
# or None when the form has no input for it.
Inputs = Mapping[str, str] | Callable[[str], str | None]

_NEXT_STEPS = ("可执行的下一步：{steps}。", "What may be done next: {steps}.")
_NO_NEXT_STEP = ("该工单现在没有可执行的操作。", "Nothing may be done with this order now.")


@dataclass(frozen=True)
class Refusal:
    summary: str  # the sentence at the top of the page
    text: str  # the message next to the input
    field: str | None = None  # the form's input at fault

    def __str__(self) -> str:
        return self.summary


def refusal(exc: DomainError, lang: str, inputs: Inputs | None = None) -> Refusal:
    en = lang == "en"
    listed = _several(exc, lang)
    if listed is not None:
        return Refusal(listed, listed, _input(exc.field, inputs))
    prefix, rest = messages.split_field(exc.message, exc.field)
    field = exc.field or prefix
    check = exc.check if isinstance(exc, ValidationFailed) else None
    if check is not None:
        text = messages.pydantic_text(check[0], check[1], rest, lang)
    elif en:
        text = rest
    else:
        whole = messages.chinese(exc.message)
        if whole is None:
            text = messages.said(rest, lang)
        else:
            text = messages.split_field(whole, prefix)[1] if prefix else whole
    labelled = prefix is not None or check is not None
    summary = text
    if labelled and field:
        label = messages.field_label(field, lang)
        summary = f"{label[:1].upper()}{label[1:]}: {text}" if en else f"{label}：{text}"
    allowed = exc.details.get("allowed_actions")
    if exc.code == "illegal_transition" and isinstance(allowed, list):
        summary = (
            f"{summary} {next_steps(allowed, lang)}" if en else summary + next_steps(allowed, lang)
        )
    return Refusal(summary, text, _input(field, inputs))


_COUNTED = re.compile(r"^(\d+) problems: ")
_LINE = re.compile(r"^line (\d+)(?:: (\w+))?$")
_ENTRY = re.compile(r"^(\w+)\[(\d+)\](?:: (\w+))?$")


def _several(exc: DomainError, lang: str) -> str | None:
    """A file refused for several problems ("3 problems: line 2: date: …; …", the calendar's),
    said part by part in Chinese: its English whole is no catalogue message."""
    problems = exc.details.get("problems")
    counted = _COUNTED.match(exc.message)
    if lang == "en" or counted is None or not isinstance(problems, list):
        return None
    parts = [
        f"{_where(str(p.get('field', '')))}：{messages.said(str(p.get('message', '')), lang)}"
        for p in problems
        if isinstance(p, dict)
    ]
    return f"共{counted.group(1)}处问题：" + "；".join(parts)


# A schedule file's columns (date, kind, name: a holiday's name, not a person's).
_FILE_COLUMNS = {"date": "日期", "kind": "类型", "name": "名称"}


def _column(name: str | None) -> str:
    if not name:
        return ""
    return " " + _FILE_COLUMNS.get(name, messages.field_label(name, "zh"))


def _where(field: str) -> str:
    """Where in a file a problem is, in Chinese: 第3行 日期, 第2项 类型, or a field's label."""
    line = _LINE.match(field)
    if line is not None:
        return f"第{line.group(1)}行{_column(line.group(2))}"
    entry = _ENTRY.match(field)
    if entry is not None:
        return f"第{int(entry.group(2)) + 1}项{_column(entry.group(3))}"
    return messages.field_label(field, "zh")


def next_steps(allowed: list[str], lang: str) -> str:
    """The actions an order allows, in words (labels.ACTIONS), not codes."""
    en = lang == "en"
    if not allowed:
        return _NO_NEXT_STEP[1 if en else 0]
    steps = (", " if en else "、").join(labels.text(labels.ACTIONS, a, lang) for a in allowed)
    return _NEXT_STEPS[1 if en else 0].format(steps=steps)


def _input(field: str | None, inputs: Inputs | None) -> str | None:
    if field is None:
        return None
    if inputs is None:
        return field
    if callable(inputs):
        return inputs(field)
    return inputs.get(field, field)


def marks(error: object) -> dict[str, Callable[[str], Markup]]:
    """The templates' two helpers for a page's refusal (`error`), by the input's name."""
    return {
        "invalid": lambda name: attributes(error, name),
        "field_error": lambda name: note(error, name),
    }


def message_id(name: str) -> str:
    return "error-" + re.sub(r"[^\w-]", "-", name)


def attributes(error: object, name: str) -> Markup:
    """An input's marks when the refusal is about it: `aria-invalid` and the message's id."""
    if not isinstance(error, Refusal) or error.field != name:
        return Markup("")
    return Markup(' aria-invalid="true" aria-describedby="{}"').format(message_id(name))


def note(error: object, name: str) -> Markup:
    """The message printed next to the input it is about (nothing for the other inputs)."""
    if not isinstance(error, Refusal) or error.field != name:
        return Markup("")
    return Markup('<span class="field-error" id="{}">{}</span>').format(
        message_id(name), escape(error.text)
    )
