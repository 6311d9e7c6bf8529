"""Reading a refused form off a page: the sentence at the top and the message by its input."""

from __future__ import annotations

import html
import re


def summary(page: str) -> str:
    """The sentence at the top of the page (the flash with role=alert)."""
    found = re.search(
        r'<(?:div|p) class="(?:flash )?error" role="alert"[^>]*>(.*?)</(?:div|p)>', page, re.S
    )
    assert found, "the page shows no refusal"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def next_to(page: str, name: str) -> str:
    """The message of the input `name`: the input is marked invalid and described by a message
    that follows it in the same label (or right after it)."""
    tags = re.findall(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    marked = [tag for tag in tags if 'aria-invalid="true"' in tag]
    assert len(marked) == 1, f"{name} is not marked invalid: {tags}"
    described = re.search(r'aria-describedby="([^"]+)"', marked[0])
    assert described, marked[0]
    start = page.index(marked[0]) + len(marked[0])
    note = re.search(
        rf'<span class="field-error" id="{re.escape(described.group(1))}">([^<]*)</span>', page
    )
    assert note, f"no message {described.group(1)}"
    between = page[start : note.start()]
    assert "<label" not in between and "<input" not in between, "the message is not by its input"
    assert len(page.split('aria-invalid="true"')) == 2, "another input is marked too"
    return html.unescape(note.group(1))
