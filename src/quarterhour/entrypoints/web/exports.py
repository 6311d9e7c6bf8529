"""Lists as files: the same rows a list page shows, as CSV (with a byte-order mark, which Excel on
a Chinese Windows desk needs to read UTF-8) or XLSX (XlsxWriter, streamed row by row).

Every cell goes through `kit.sheets.neutralised` (a text that a spreadsheet would read as a
formula gets a quote in front), and the XLSX writer never makes a formula or a link of a text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.sheets import csv_text, neutralised

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(
    name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    *,
    filename: str | None = None,
) -> Response:
    """`name` is ASCII (it becomes the file's name with the time of the export, unless
    `filename` is given, which may be Chinese)."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"format: one of {', '.join(FORMATS)}", field="format")
    filename = filename or f"{name}-{clock.now():%Y%m%d-%H%M}.{fmt}"
    headers = {"Content-Disposition": _disposition(filename, fmt)}
    if fmt == "csv":
        return Response(
            csv_text(header, rows), media_type="text/csv; charset=utf-8", headers=headers
        )
    return Response(_xlsx(name, header, rows), media_type=XLSX, headers=headers)


def _disposition(filename: str, fmt: str) -> str:
    # The name may be Chinese (a file an administrator imported): RFC 6266 gives it as UTF-8,
    # with a plain fallback for old clients.
    plain = filename if re.fullmatch(r"[\w.\-]+", filename, re.ASCII) else f"export.{fmt}"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def _xlsx(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    import io

    import xlsxwriter  # only exports need it

    data = io.BytesIO()
    book = xlsxwriter.Workbook(
        data,
        {
            "in_memory": True,
            "constant_memory": True,
            # A text is a text: never a formula, never a link (XlsxWriter makes both by default).
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(name[:31])
    bold = book.add_format({"bold": True})
    for n, row in enumerate([header, *rows]):
        for column, value in enumerate(row):
            cell = neutralised(value)
            if isinstance(cell, str):
                sheet.write_string(n, column, cell, bold if n == 0 else None)
            else:
                sheet.write(n, column, cell)
    sheet.set_column(0, max(len(header) - 1, 0), 16)
    book.close()
    return data.getvalue()
