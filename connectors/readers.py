"""Stream extract files as Arrow record batches of text columns, with the physical line of every row.

Everything is read as text so one malformed value costs one row (quarantined by the contract), never the
whole file. Rows that cannot even be split into fields (wrong field count, invalid JSON) are returned as
`MalformedRow`s so the loader can quarantine them; a file that is unreadable, truncated or in the wrong
encoding raises `ExtractFileError` naming the file and line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from connectors.errors import ExtractFileError

LINE_COLUMN = "_source_line"


@dataclass
class MalformedRow:
    line: int
    rule: str
    text: str


@dataclass
class Batch:
    """Text columns as found in the file (original header names) plus `_source_line`."""

    table: pa.Table
    malformed: list[MalformedRow] = field(default_factory=list)


@dataclass(frozen=True)
class FileFormat:
    kind: str  # csv | jsonl | parquet
    encoding: str = "utf-8"
    delimiter: str = ","


def read_batches(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    readers = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}
    if fmt.kind not in readers:
        raise ValueError(f"unknown file format {fmt.kind!r}")
    yield from readers[fmt.kind](path, display_name, fmt, batch_rows)


# --- CSV -------------------------------------------------------------------------------------------------


def _csv_header(path: Path, display_name: str, fmt: FileFormat) -> list[str]:
    encoding = "utf-8-sig" if fmt.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else fmt.encoding
    with open(path, "rb") as handle:
        first_line = handle.readline()
    try:
        text = first_line.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExtractFileError(display_name, "encoding", f"header is not valid {fmt.encoding}: {exc.reason}", 1) from None
    header = next(csv.reader([text.rstrip("\r\n")], delimiter=fmt.delimiter), None)
    if not header:
        raise ExtractFileError(display_name, "header", "file is empty or has no header line", 1)
    return header


def _first_undecodable_line(path: Path, encoding: str) -> tuple[int, str] | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return number, f"byte 0x{raw[exc.start]:02x} at position {exc.start + 1}"
    return None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        if handle.tell() == 0:
            return False
        handle.seek(-1, io.SEEK_END)
        return handle.read(1) in (b"\n", b"\r")


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _read_csv(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    header = _csv_header(path, display_name, fmt)
    skipped: list[MalformedRow] = []

    def on_invalid_row(row) -> str:
        skipped.append(MalformedRow(row.number, "field_count", row.text))
        return "skip"

    try:
        reader = _open_csv(path, fmt, header, on_invalid_row)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, display_name, fmt, exc) from None
    # The parser reads ahead, so the skip handler may already have seen rows of later blocks: assign
    # lines against every skip known so far (all skips up to this batch's last row are known by now).
    next_line = 2  # the header is line 1
    known_skips: set[int] = set()
    try:
        for record_batch in reader:
            table = pa.Table.from_batches([record_batch])
            new_skips, skipped[:] = list(skipped), []
            known_skips.update(m.line for m in new_skips)
            lines = _assign_lines(next_line, table.num_rows, known_skips)
            if table.num_rows:
                next_line = int(lines[-1]) + 1
            yield Batch(table.append_column(LINE_COLUMN, pa.array(lines, pa.int64())), new_skips)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, display_name, fmt, exc) from None
    if skipped:
        yield Batch(_empty_like(header), list(skipped))


def _open_csv(path: Path, fmt: FileFormat, header: list[str], on_invalid_row) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False, encoding=fmt.encoding, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=fmt.delimiter, invalid_row_handler=on_invalid_row),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _assign_lines(first_line: int, rows: int, skipped_lines: set[int]) -> np.ndarray:
    """Physical lines of the next `rows` parsed rows: the lines from `first_line` on, minus skipped ones."""
    ahead = np.array(sorted(line for line in skipped_lines if line >= first_line), dtype=np.int64)
    lines = np.arange(first_line, first_line + rows + len(ahead), dtype=np.int64)
    if len(ahead):
        lines = lines[~np.isin(lines, ahead)]
    return lines[:rows]


def _empty_like(header: list[str]) -> pa.Table:
    columns = {name: pa.array([], pa.string()) for name in header}
    columns[LINE_COLUMN] = pa.array([], pa.int64())
    return pa.table(columns)


def _parser_message(exc: Exception) -> str:
    """Arrow's parse error without the row text it quotes (`... got 3: <the row>`): error texts hold no values."""
    return re.sub(r"(got \d+)\s*:.*", r"\1", str(exc), flags=re.DOTALL).strip()


def _csv_error(path: Path, display_name: str, fmt: FileFormat, exc: Exception) -> ExtractFileError:
    message = _parser_message(exc)
    if "UTF8" in message or "decode" in message.lower() or "codec" in message.lower():
        found = _first_undecodable_line(path, fmt.encoding)
        line, detail = found if found else (None, message)
        return ExtractFileError(display_name, "encoding", f"not valid {fmt.encoding} ({detail})", line)
    if not _ends_with_newline(path):
        return ExtractFileError(
            display_name, "truncated", f"file ends in the middle of a record ({message})", _count_lines(path) + 1
        )
    return ExtractFileError(display_name, "csv_parse", message)


def check_csv_complete(path: Path, display_name: str, malformed: list[MalformedRow]) -> None:
    """A short last record with no line end means the transfer was cut: fail rather than quarantine."""
    if malformed and not _ends_with_newline(path):
        last = max(malformed, key=lambda m: m.line)
        if last.line >= _count_lines(path) + 1:
            raise ExtractFileError(
                display_name, "truncated", "last record has the wrong number of fields and no line end", last.line
            )


# --- JSON lines --------------------------------------------------------------------------------------------


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _read_jsonl(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    rows: list[dict] = []
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    ends_with_newline = _ends_with_newline(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode(fmt.encoding)
            except UnicodeDecodeError as exc:
                raise ExtractFileError(display_name, "encoding", f"not valid {fmt.encoding} ({exc.reason})", number) from None
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                if not raw.endswith(b"\n") and not ends_with_newline:
                    raise ExtractFileError(display_name, "truncated", "last line is cut off (no line end, not valid JSON)", number) from None
                malformed.append(MalformedRow(number, "json_parse", text.rstrip("\r\n")))
                continue
            rows.append({key: _json_text(value) for key, value in record.items()})
            lines.append(number)
            if len(rows) >= batch_rows:
                yield _json_batch(rows, lines, malformed)
                rows, lines, malformed = [], [], []
    if rows or malformed:
        yield _json_batch(rows, lines, malformed)


def _json_batch(rows: list[dict], lines: list[int], malformed: list[MalformedRow]) -> Batch:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {name: pa.array([row.get(name) for row in rows], pa.string()) for name in names}
    columns[LINE_COLUMN] = pa.array(lines, pa.int64())
    return Batch(pa.table(columns), malformed)


# --- Parquet -----------------------------------------------------------------------------------------------


def _read_parquet(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ExtractFileError(display_name, "unreadable", f"not a readable Parquet file ({exc})") from None
    next_row = 1
    try:
        for record_batch in parquet.iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([record_batch])
            table = pa.table({name: _as_text(table.column(name)) for name in table.column_names})
            rows = np.arange(next_row, next_row + table.num_rows, dtype=np.int64)
            next_row += table.num_rows
            yield Batch(table.append_column(LINE_COLUMN, pa.array(rows, pa.int64())))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ExtractFileError(display_name, "unreadable", f"Parquet data is corrupt near row {next_row} ({exc})", next_row) from None


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type) and column.type.tz is None:
        column = column.cast(pa.timestamp("us", tz="UTC"))
    if pa.types.is_nested(column.type):
        return pa.chunked_array([pa.array([_json_text(v) for v in column.to_pylist()], pa.string())])
    return column.cast(pa.string())
