"""Excel workbooks (.xlsx/.xlsm), read with python-calamine (Rust, read-only, several times faster than openpyxl).

One sheet is read: the first, or, when several sheets are in the workbook, the one sheet whose header is the
entity's. The header is the first non-empty row; every later non-empty row is a record whose `_source_line`
is its Excel row number. Cell values become the text forms the contracts expect: dates `YYYY-MM-DD`,
datetimes ISO 8601, whole numbers without `.0`, booleans `true`/`false`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from connectors.errors import ExtractFileError

ExcelRow = tuple[int, list[str | None]]  # (Excel row number, cell texts)


def _open(path: Path, display_name: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ExtractFileError(display_name, "unreadable", f"not a readable Excel workbook ({exc})") from None


def _rows(workbook: CalamineWorkbook, sheet: str) -> Iterator[ExcelRow]:
    """Non-empty rows with their Excel row numbers (the empty area above and left of the data included)."""
    for index, cells in enumerate(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False), start=1):
        texts = [cell_text(cell) for cell in cells]
        if any(text is not None for text in texts):
            yield index, texts


def choose_sheet(path: Path, display_name: str, sheet_matches: Callable[[list[str]], bool] | None) -> str:
    workbook = _open(path, display_name)
    names = workbook.sheet_names
    if not names:
        raise ExtractFileError(display_name, "unreadable", "the workbook has no sheet")
    if len(names) > 1 and sheet_matches is not None:
        matching = [name for name in names if sheet_matches(_header(workbook, name))]
        if len(matching) == 1:
            return matching[0]
    return names[0]


def _header(workbook: CalamineWorkbook, sheet: str) -> list[str]:
    first = next(_rows(workbook, sheet), None)
    return [text or "" for text in first[1]] if first else []


def read_sheet(path: Path, display_name: str, sheet: str) -> tuple[list[str], Iterator[ExcelRow]]:
    """(header, data rows) of one sheet; columns with neither a header nor a value are dropped."""
    workbook = _open(path, display_name)
    rows = list(_rows(workbook, sheet))
    if not rows:
        return [], iter(())
    header = [text or "" for text in rows[0][1]]
    width = len(header)
    used = [i for i in range(width) if header[i] or any(i < len(r) and r[i] is not None for _, r in rows[1:])]
    return [header[i] for i in used], ((line, [cells[i] if i < len(cells) else None for i in used]) for line, cells in rows[1:])


def cell_text(value) -> str | None:
    """A cell as the text a CSV export of it would hold."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)
