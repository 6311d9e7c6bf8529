"""Cells for files that people open in a spreadsheet (list exports, rejects files).

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (or with a tab or a line break
before one) as a formula: a customer named `=HYPERLINK("http://x","y")` would become a link, and
worse formulas can run commands (OWASP "CSV Injection"). Every text cell that starts with one of
those characters is written with a single quote in front, as OWASP recommends, so that it stays
text; numbers are written as numbers (a negative amount is not a formula). One function does it
for every file the product writes: the console's exports (CSV and XLSX), the rejects file of an
import in the console and on the command line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

# OWASP's list, with the line feed too: a cell that starts with one is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralised(value: Any) -> Any:
    """The value as a cell: text that a spreadsheet would take for a formula gets a `'` first;
    anything else (numbers, dates, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: TextIO, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Header and rows as CSV into `out`, every cell neutralised."""
    writer = csv.writer(out)
    writer.writerow([neutralised(cell) for cell in header])
    writer.writerows([neutralised(cell) for cell in row] for row in rows)


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file as text, with the byte-order mark that Excel on a Chinese Windows desk
    needs to read UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    write_csv(out, header, rows)
    return out.getvalue()
