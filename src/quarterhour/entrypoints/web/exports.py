"""Lists as files: the same rows a list page shows, as CSV (with a byte-order mark, which Excel on
a Chinese Windows desk needs to read UTF-8) or XLSX (XlsxWriter, streamed row by row)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi.responses import Response

from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> Response:
    """`name` is ASCII (it becomes the file's name with the time of the export)."""
    filename = f"{name}-{clock.now():%Y%m%d-%H%M}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return Response(
            "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers
        )
    if fmt == "xlsx":
        import xlsxwriter  # only exports need it

        data = io.BytesIO()
        book = xlsxwriter.Workbook(data, {"in_memory": True, "constant_memory": True})
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, header, book.add_format({"bold": True}))
        for n, row in enumerate(rows, start=1):
            sheet.write_row(n, 0, row)
        sheet.set_column(0, len(header) - 1, 16)
        book.close()
        return Response(data.getvalue(), media_type=XLSX, headers=headers)
    raise ValidationFailed(f"format: one of {', '.join(FORMATS)}", field="format")
