"""Excel workbooks (``.xlsx``): the first sheet of a matrix as rows of text, and writing one.

A workbook exported by the DN's staff is read as the CSV matrix is
(``audit_inputs.matrix_units``): this module only turns cells into the text a CSV
export would hold, so that one parser decides what a column means. Dates become
``YYYY-MM-DD``, whole numbers lose their ``.0``, booleans become ``true``/``false``.

openpyxl reads in read-only (streaming) mode, and the sheet is bounded in rows and
columns: a huge or malformed workbook is an error naming the file, never a hang.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from eligibility.errors import InputError

MAX_ROWS = 100_000
MAX_COLUMNS = 500


def cell_text(value: Any) -> str:
    """One cell as a CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path | str | IO[bytes], source: str | None = None) -> list[list[str]]:
    """The cells of the first sheet, as text; trailing empty rows dropped."""
    from openpyxl import load_workbook  # imported here: only a workbook needs it

    name = source or str(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError("no such file", source=name) from None
    except Exception as error:  # zipfile, XML and openpyxl's own errors for broken parts
        raise InputError(f"not a readable .xlsx workbook ({type(error).__name__})",
                         source=name, hint="save it again from Excel as .xlsx, or as CSV"
                         ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise InputError("the workbook has no sheet", source=name)
        rows: list[list[str]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise InputError(f"more than {MAX_ROWS} rows in the first sheet", source=name)
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise InputError(f"more than {MAX_COLUMNS} columns at row {number}",
                                 source=name)
            rows.append(cells)
    except InputError:
        raise
    except Exception as error:
        raise InputError(f"not a readable .xlsx workbook ({type(error).__name__})",
                         source=name, hint="save it again from Excel as .xlsx, or as CSV"
                         ) from None
    finally:
        workbook.close()
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per ``(title, rows)``; the first row is a bold header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    blank = workbook.active  # the empty sheet a new workbook starts with
    if blank is not None:
        workbook.remove(blank)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1] if rows else ():
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max((len(str(c.value or "")) for c in column), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 6), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
