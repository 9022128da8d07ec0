"""The one writer of CSV files meant for people (audit findings, scorecards, the scorecard index): no cell a
spreadsheet would execute.

Excel and LibreOffice run a cell starting with `=`, `+`, `-` or `@` (and tab or carriage return, which they strip
first) as a formula, so a partner named `=HYPERLINK("http://evil","click")` would become a link or worse when a data
owner opens findings.csv (CSV injection). As OWASP recommends, such a text value is written with a leading single
quote, which the spreadsheet shows as text. Real numbers (`-12.5`) are left alone: a spreadsheet reads them as
numbers, not formulas. Every text cell is quoted (OWASP's advice too; a carriage return inside a value then stays
inside its cell). Only these files are neutralized: the warehouse, the Parquet exports and the JSON files keep
the verbatim value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralized(value):
    """`value`, or `'value` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralized(h) for h in header])
    writer.writerows([neutralized(v) for v in row] for row in rows)
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """`frame.to_csv(path, index=False)`, every text cell neutralized."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralized)
    safe.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
