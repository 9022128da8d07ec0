"""Streaming writers, one per export format, appended chunk by chunk.

`write(rows, victims)` renders canonical row dicts the way the source system exports them, swaps in the
contract-invalid values of the victim rows (or repeats the row for `unique_key`), and returns the physical
line of every invalid row. Strings always pass through verbatim, so an injected malformed value survives.
"""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from sample.delivery import Victim
from sample.invalid import UNIQUE_KEY

Invalid = tuple[int, str, str, object]  # (line, column, rule, value)


def text_renderer(timestamp: Callable[[datetime], str], true: str, false: str) -> Callable[[object], str]:
    def render(value) -> str:
        kind = type(value)
        if kind is str:
            return value
        if value is None:
            return ""
        if kind is datetime:
            return timestamp(value)
        if kind is float:
            return f"{value:.2f}"
        if kind is bool:
            return true if value else false
        if kind is date:
            return value.isoformat()
        return str(value)

    return render


def _json_value(value):
    kind = type(value)
    if kind is datetime:
        return value.isoformat() + "Z"
    if kind is date:
        return value.isoformat()
    if kind is float:
        return round(value, 2)
    return value


@dataclass(frozen=True)
class Layout:
    """How one system exports: file extension, header names, encoding, value rendering."""

    ext: str
    headers: str = "export"  # "export": vendor header names; "canonical": raw column names
    encoding: str = "utf-8"
    quoting: int = csv.QUOTE_MINIMAL
    newline: str = "\n"
    render: Callable[[object], str] | None = None
    extras: tuple[tuple[str, Callable[[dict], object]], ...] = ()
    typed: frozenset[str] = frozenset()


class _Writer(ABC):
    """The shared loop: render rows, swap in invalid values, repeat `unique_key` rows, count physical lines."""

    header_lines = 0

    def __init__(self, schema: pa.DataFrameSchema, layout: Layout) -> None:
        self.columns = list(schema.columns)
        self.layout = layout
        self.rows = 0

    def write(self, rows: list[dict], victims: dict[int, Victim] | None = None) -> list[Invalid]:
        victims = victims or {}
        invalid: list[Invalid] = []
        records = []
        for index, row in enumerate(rows):
            victim = victims.get(index)
            if victim is not None and victim.rule != UNIQUE_KEY:
                row = {**row, victim.column: victim.value}
            records.append(self._render(row))
            if victim is not None:
                if victim.rule == UNIQUE_KEY:
                    records.append(records[-1])  # the exact row again: the later one is the invalid one
                invalid.append((self.rows + len(records) + self.header_lines, victim.column, victim.rule, victim.value))
        if records:
            self._flush(records)
        self.rows += len(records)
        return invalid

    @abstractmethod
    def _render(self, row: dict):
        """One row as the format writes it."""

    @abstractmethod
    def _flush(self, records: list) -> None:
        """Append rendered records to the file."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file."""


class CsvWriter(_Writer):
    header_lines = 1

    def __init__(self, path: Path, schema: pa.DataFrameSchema, layout: Layout) -> None:
        super().__init__(schema, layout)
        headers = [c.metadata["export"] if layout.headers == "export" else name for name, c in schema.columns.items()]
        self._file = open(path, "w", encoding=layout.encoding, newline="")
        self._csv = csv.writer(self._file, quoting=layout.quoting, lineterminator=layout.newline)
        self._csv.writerow(headers + [name for name, _ in layout.extras])

    def _render(self, row: dict) -> list[str]:
        render = self.layout.render
        return [render(row.get(c)) for c in self.columns] + [render(fn(row)) for _, fn in self.layout.extras]

    def _flush(self, records: list) -> None:
        self._csv.writerows(records)

    def close(self) -> None:
        self._file.close()


class JsonlWriter(_Writer):
    """JSON lines; a record leaves out its null optional values or writes them as null (both happen)."""

    def __init__(self, path: Path, schema: pa.DataFrameSchema, layout: Layout) -> None:
        super().__init__(schema, layout)
        self._file = open(path, "w", encoding="utf-8", newline="")

    def _render(self, row: dict) -> str:
        record = {c: _json_value(row.get(c)) for c in self.columns}
        if sum(map(ord, str(record[self.columns[0]]))) % 2:  # a stable coin flip per record id
            record = {k: v for k, v in record.items() if v is not None}
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    def _flush(self, records: list) -> None:
        self._file.write("".join(line + "\n" for line in records))

    def close(self) -> None:
        self._file.close()


_ARROW_TYPES = {"number": pa_arrow.float64(), "date": pa_arrow.date32(),
                "timestamp": pa_arrow.timestamp("us", tz="UTC")}


class ParquetWriter(_Writer):
    """Parquet with typed amounts, dates and timestamps, text elsewhere; one row group per chunk."""

    def __init__(self, path: Path, schema: pa.DataFrameSchema, layout: Layout) -> None:
        super().__init__(schema, layout)
        types = [_ARROW_TYPES.get(c.metadata["logical_type"], pa_arrow.string()) for c in schema.columns.values()]
        self.arrow_schema = pa_arrow.schema(list(zip(self.columns, types, strict=True)))
        self._text = [t == pa_arrow.string() for t in types]
        self._writer = pq.ParquetWriter(path, self.arrow_schema, compression="zstd")

    def _render(self, row: dict) -> list:
        render = self.layout.render
        return [render(row.get(c)) if text and row.get(c) is not None else row.get(c)
                for c, text in zip(self.columns, self._text, strict=True)]

    def _flush(self, records: list) -> None:
        by_column = zip(zip(*records, strict=True), self.arrow_schema, strict=True)
        columns = [pa_arrow.array(values, type=field.type) for values, field in by_column]
        self._writer.write_table(pa_arrow.Table.from_arrays(columns, schema=self.arrow_schema))

    def close(self) -> None:
        self._writer.close()


def open_writer(path: Path, schema: pa.DataFrameSchema, layout: Layout):
    path.parent.mkdir(parents=True, exist_ok=True)
    if layout.ext == "jsonl":
        return JsonlWriter(path, schema, layout)
    if layout.ext == "parquet":
        return ParquetWriter(path, schema, layout)
    return CsvWriter(path, schema, layout)
