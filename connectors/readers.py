"""Stream extract files as Arrow record batches of text columns, with the physical line of every row.

How a file is read (format, encoding, delimiter) is decided per file by `connectors.formats.detect_format`.
Everything is read as text so one malformed value costs one row (quarantined by the contract), never the
whole file. Rows that cannot even be split into fields (wrong field count, a quote never closed, invalid
JSON) are returned as `MalformedRow`s so the loader can quarantine them; a file that is unreadable or
truncated raises `ExtractFileError` naming the file and line.

Delimited text takes pyarrow's streaming CSV reader when every record is one line (the common case, checked
by a fast byte scan); a file with a quoted value spanning lines, a quote never closed or blank lines is read
line by line with the csv module instead, so that each row keeps its physical line and one bad line costs
one line. JSON lines in UTF-8 are read by Arrow's JSON reader a block of lines at a time where every line is one
object of strings, integers, booleans and nulls (the common case); any other block, and any other encoding, is
parsed one line at a time (so a malformed line is named by its number) with orjson, falling back to json for what
only json reads (NaN, integers beyond 64 bits, which orjson would round). Both give the same rows and lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from connectors.errors import ExtractFileError
from connectors.excel import read_sheet
from connectors.formats import FileFormat

__all__ = ["LINE_COLUMN", "Batch", "FileFormat", "MalformedRow", "read_batches"]

LINE_COLUMN = "_source_line"
# A quoted value may span lines (notes, descriptions); a quote still open after this many lines is taken as
# never closed, so that one stray quote cannot make the rest of a large file one record.
MAX_RECORD_LINES = 1000
SCAN_BYTES = 1 << 22
JSONL_READ_BYTES = 1 << 24


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


def read_batches(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    readers = {
        "csv": _read_csv, "jsonl": _read_jsonl, "json": _read_json_array, "parquet": _read_parquet,
        "xlsx": _read_excel, "empty": _read_nothing,
    }
    if fmt.kind not in readers:
        raise ValueError(f"unknown file format {fmt.kind!r}")
    yield from readers[fmt.kind](path, display_name, fmt, batch_rows)


def _read_nothing(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    return iter(())  # a zero-byte (or blank) file: a system that had nothing to send


def _text_table(header: list[str], rows: list[list[str | None]], lines: list[int]) -> pa.Table:
    """Rows of text cells (None or "" = null) as a table with the file's header names (repeats kept)."""
    arrays = [pa.array([row[i] or None for row in rows], pa.string()) for i in range(len(header))]
    return pa.Table.from_arrays([*arrays, pa.array(lines, pa.int64())], names=[*header, LINE_COLUMN])


# --- delimited text ----------------------------------------------------------------------------------------


def _csv_header(path: Path, display_name: str, fmt: FileFormat) -> list[str]:
    with open(path, encoding=fmt.codec, newline="") as handle:
        first_line = handle.readline().lstrip("\ufeff")
    header = next(csv.reader([first_line.rstrip("\r\n")], **_csv_dialect(fmt)), None)
    if not header:
        raise ExtractFileError(display_name, "header", "the first line is empty: the file has no header line", 1)
    return header


def _csv_dialect(fmt: FileFormat, strict: bool = False) -> dict:
    return {"delimiter": fmt.delimiter, "quotechar": fmt.quotechar, "escapechar": fmt.escapechar, "strict": strict}


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        size = handle.seek(0, io.SEEK_END)
        handle.seek(max(size - 2, 0))
        return handle.read().rstrip(b"\x00")[-1:] in (b"\n", b"\r")  # UTF-16 LE ends in "\n\x00"


def _read_csv(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    header = _csv_header(path, display_name, fmt)
    if _needs_line_reader(path, fmt):
        batches = _read_csv_by_line(path, display_name, fmt, header, batch_rows)
    else:
        batches = _read_csv_streaming(path, display_name, fmt, header)
    malformed: list[MalformedRow] = []
    for batch in batches:
        malformed.extend(batch.malformed)
        yield batch
    _check_complete(path, display_name, malformed)


def _needs_line_reader(path: Path, fmt: FileFormat) -> bool:
    """True unless every record is one line: no line ends inside quotes, no blank line (pyarrow would skip
    it and the line numbers would drift). A fast byte scan; UTF-16 text always takes the line reader."""
    if not fmt.ascii_compatible:
        return True
    quote, inside, tail = ord(fmt.quotechar), 0, b""
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(SCAN_BYTES), b""):
            data = np.frombuffer(chunk, np.uint8)
            quotes, newlines = np.flatnonzero(data == quote), np.flatnonzero(data == 10)
            if ((np.searchsorted(quotes, newlines) + inside) % 2).any():
                return True
            inside = (inside + len(quotes)) % 2
            edge = tail + chunk
            if b"\n\n" in edge or b"\n\r\n" in edge:
                return True
            tail = chunk[-2:]
    return False


def _read_csv_streaming(path: Path, display_name: str, fmt: FileFormat, header: list[str]) -> Iterator[Batch]:
    skipped: list[MalformedRow] = []

    def on_invalid_row(row) -> str:
        skipped.append(MalformedRow(row.number, "field_count", row.text))
        return "skip"

    try:
        reader = _open_csv(path, fmt, header, on_invalid_row)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, display_name, exc) from None
    # The parser reads ahead, so the skip handler may already have seen rows of later blocks: assign
    # lines against every skip known so far (all skips up to this batch's last row are known by now).
    next_line = 2  # the header is line 1
    known_skips: set[int] = set()
    yielded = False
    try:
        for record_batch in reader:
            table = pa.Table.from_batches([record_batch])
            new_skips, skipped[:] = list(skipped), []
            known_skips.update(m.line for m in new_skips)
            lines = _assign_lines(next_line, table.num_rows, known_skips)
            if table.num_rows:
                next_line = int(lines[-1]) + 1
            yielded = True
            yield Batch(table.append_column(LINE_COLUMN, pa.array(lines, pa.int64())), new_skips)
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, display_name, exc) from None
    if skipped or not yielded:  # a header-only file still shows its header (missing and unknown columns)
        yield Batch(_text_table(header, [], []), list(skipped))


def _open_csv(path: Path, fmt: FileFormat, header: list[str], on_invalid_row) -> pacsv.CSVStreamingReader:
    # pyarrow decodes UTF-8 natively (and skips its BOM); other encodings go through a Python codec.
    encoding = "utf8" if fmt.encoding in ("utf-8", "utf-8-sig") else fmt.codec
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False, encoding=encoding, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(
            delimiter=fmt.delimiter, quote_char=fmt.quotechar, escape_char=fmt.escapechar or False,
            invalid_row_handler=on_invalid_row,
        ),
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


def _parser_message(exc: Exception) -> str:
    """Arrow's parse error without the row text it quotes (`... got 3: <the row>`): error texts hold no values."""
    return re.sub(r"(got \d+)\s*:.*", r"\1", str(exc), flags=re.DOTALL).strip()


def _csv_error(path: Path, display_name: str, exc: Exception) -> ExtractFileError:
    if not _ends_with_newline(path):
        return ExtractFileError(
            display_name, "truncated", f"file ends in the middle of a record ({_parser_message(exc)})",
            _count_lines(path) + 1,
        )
    return ExtractFileError(display_name, "csv_parse", _parser_message(exc))


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _check_complete(path: Path, display_name: str, malformed: list[MalformedRow]) -> None:
    """A malformed last record with no line end means the transfer was cut: fail rather than quarantine."""
    if not malformed or _ends_with_newline(path):
        return
    last = max(malformed, key=lambda m: m.line)
    if last.line >= _last_line(path):
        raise ExtractFileError(
            display_name, "truncated", "last record is incomplete and has no line end", last.line
        )


def _last_line(path: Path) -> int:
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: count decoded lines
        with open(path, encoding="utf-16", newline="") as handle:
            return sum(1 for _ in handle)
    return _count_lines(path) + 1


# --- delimited text, line by line ----------------------------------------------------------------------------


class _Lines:
    """The file's physical lines with their numbers, with push-back (to re-read lines a bad quote swallowed)."""

    def __init__(self, handle):
        self.handle, self.number, self.pending = handle, 0, deque()

    def next(self) -> tuple[int, str] | None:
        if self.pending:
            return self.pending.popleft()
        text = self.handle.readline()
        if not text:
            return None
        self.number += 1
        return self.number, text

    def push_back(self, items: list[tuple[int, str]]) -> None:
        self.pending.extendleft(reversed(items))


def _read_csv_by_line(
    path: Path, display_name: str, fmt: FileFormat, header: list[str], batch_rows: int
) -> Iterator[Batch]:
    rows: list[list[str]] = []
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    with open(path, encoding=fmt.codec, newline="") as handle:
        source = _Lines(handle)
        source.next()  # the header
        for line, fields, rule, text in _records(source, fmt, len(header)):
            if rule is None:
                rows.append(fields)
                lines.append(line)
            else:
                malformed.append(MalformedRow(line, rule, text))
            if len(rows) >= batch_rows:
                yield Batch(_text_table(header, rows, lines), malformed)
                rows, lines, malformed = [], [], []
    yield Batch(_text_table(header, rows, lines), malformed)


def _records(source: _Lines, fmt: FileFormat, width: int):
    """(first line, fields, None, text) per record or (line, None, rule, text) per malformed line.

    A record whose quoted value spans lines is kept when it parses strictly into the header's number of
    fields; otherwise its first line is quarantined (`unterminated_quote`) and the lines after it are read
    again as records of their own. One csv reader runs until something is wrong, then a new one starts.
    """
    while True:
        consumed: list[tuple[int, str]] = []
        start = [0]  # index in `consumed` of the current record's first line
        reader = csv.reader(_physical_lines(source, consumed, start), **_csv_dialect(fmt, strict=True))
        while True:
            start[0] = len(consumed)
            try:
                fields = next(reader)
            except StopIteration:
                if len(consumed) == start[0]:
                    return  # the end of the file, between records
                fields, quote_open = None, True  # stopped inside a quoted value (the cap, or the end)
            except csv.Error as error:
                fields, quote_open = None, "unexpected end of data" in str(error)
            record = consumed[start[0]:]
            if not record:
                return
            line, text = record[0]
            if fields is not None and (len(fields) == width or not fields):
                if fields:  # a blank line is no record
                    yield line, fields, None, text
                continue
            if len(record) > 1 or quote_open:
                source.push_back(record[1:])
                yield line, None, "unterminated_quote", text.rstrip("\r\n")
            else:
                yield line, *_lenient(text, fmt, width)
            break  # the reader has read past what is now pushed back, or failed: start a new one


def _physical_lines(source: _Lines, consumed: list[tuple[int, str]], start: list[int]):
    """The source's lines for one csv reader, noted in `consumed`; a record may not pass MAX_RECORD_LINES."""
    while len(consumed) - start[0] < MAX_RECORD_LINES and (item := source.next()) is not None:
        consumed.append(item)
        yield item[1]


def _lenient(text: str, fmt: FileFormat, width: int) -> tuple:
    """A one-line record that is not strict CSV (`5" screen` in an unquoted field): kept if its fields fit."""
    fields = next(csv.reader([text], **_csv_dialect(fmt)), [])
    if len(fields) == width:
        return fields, None, text
    return None, "field_count", text.rstrip("\r\n")


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
    if fmt.codec not in ("utf-8", "utf-8-sig"):
        with open(path, encoding=fmt.codec, newline="") as handle:
            yield from _jsonl_batches(enumerate(handle, start=1), display_name, batch_rows)
        return
    for first, block in _jsonl_blocks(path, batch_rows, fmt.codec == "utf-8-sig"):
        batch = _arrow_jsonl_batch(block, first)
        if batch is None:  # anything the fast path cannot vouch for is read line by line, as before
            lines = enumerate(io.StringIO(block.decode("utf-8"), newline=""), start=first)
            yield from _jsonl_batches(lines, display_name, batch_rows)
        elif batch.table.num_rows:
            yield batch


def _jsonl_batches(lines: Iterator[tuple[int, str]], display_name: str, batch_rows: int) -> Iterator[Batch]:
    """Parse (line number, text) pairs one at a time: a malformed line is named by its number."""
    rows: list[dict] = []
    numbers: list[int] = []
    malformed: list[MalformedRow] = []
    for number, text in lines:
        if not text.strip():
            continue
        record = _json_object(text)
        if record is None:
            if not text.endswith(("\n", "\r")):
                raise ExtractFileError(display_name, "truncated", "last line is cut off (no line end, not valid JSON)", number)
            malformed.append(MalformedRow(number, "json_parse", text.rstrip("\r\n")))
            continue
        rows.append(_text_values(record))
        numbers.append(number)
        if len(rows) >= batch_rows:
            yield _json_batch(rows, numbers, malformed)
            rows, numbers, malformed = [], [], []
    if rows or malformed:
        yield _json_batch(rows, numbers, malformed)


def _jsonl_blocks(path: Path, batch_rows: int, bom: bool) -> Iterator[tuple[int, bytes]]:
    """(number of the first line, bytes) of consecutive blocks of `batch_rows` whole lines, the last block what is
    left. Lines are counted as the line-by-line reader counts them (a lone carriage return ends a line too)."""
    first, pending = 1, b""
    with open(path, "rb") as handle:
        if bom and handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            handle.seek(0)
        while True:
            chunk = handle.read(JSONL_READ_BYTES)
            data = pending + chunk
            ends = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))
            start = 0
            for index in range(batch_rows - 1, len(ends), batch_rows):
                block = data[start:int(ends[index]) + 1]
                yield first, block
                first += _line_count(block)
                start = int(ends[index]) + 1
            pending = data[start:]
            if not chunk:
                if pending:
                    yield first, pending
                return


def _line_count(block: bytes) -> int:
    lone_returns = block.count(b"\r") - block.count(b"\r\n")
    return block.count(b"\n") + lone_returns + (not block.endswith((b"\n", b"\r")))


def _arrow_jsonl_batch(block: bytes, first: int) -> Batch | None:
    """The block read by Arrow's JSON reader (4x cheaper than a Python parse per line), or None where its result
    could differ from the line-by-line reader's: a line that is not one object with nothing around it, a blank line
    (Arrow skips it, shifting line numbers), a lone carriage return, invalid JSON or text, a duplicate key, a
    number that is not an integer (Python writes 1.0 and Arrow 1), a nested value. The first check also keeps Arrow
    from a block whose first value is not an object: pyarrow 26 crashes (SIGSEGV) on a block starting with `null`."""
    if not block.strip() or block.count(b"\r") != block.count(b"\r\n") or not _one_object_per_line(block):
        return None
    try:
        table = _arrow_json(block, ())
        dated = [f.name for f in table.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)]
        if dated:  # Arrow reads "2026-11-15" as a timestamp: read those columns again as the text they are
            table = _arrow_json(block, dated).select(table.column_names)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    lines = _line_count(block)
    if table.num_rows != lines:
        return None
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        text = _arrow_text(column)
        if text is None:
            return None
        columns[name] = text
    columns[LINE_COLUMN] = pa.array(np.arange(first, first + lines, dtype=np.int64))
    return Batch(pa.table(columns))


def _one_object_per_line(block: bytes) -> bool:
    """Every line starts with '{' and ends with '}' (before its line end): with Arrow's row count equal to the line
    count, each line holds exactly one object."""
    data = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    content_ends = np.append(ends, len(data)) if not block.endswith(b"\n") else ends
    starts = np.concatenate(([0], ends + 1))[:len(content_ends)]
    last = content_ends - 1
    last = np.where((last > starts) & (data[np.maximum(last, 0)] == ord("\r")), last - 1, last)
    return bool(np.all(content_ends > starts) and np.all(data[starts] == ord("{")) and np.all(data[last] == ord("}")))


def _arrow_json(block: bytes, as_text: list[str] | tuple) -> pa.Table:
    schema = pa.schema([(name, pa.string()) for name in as_text])
    return pajson.read_json(pa.BufferReader(block),
                            read_options=pajson.ReadOptions(use_threads=False, block_size=len(block) + 1),
                            parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"))


def _arrow_text(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A column as the line-by-line reader writes it: strings as they are, JSON true/false as 'true'/'false', integers
    in decimal digits; None for any other type."""
    kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_null(kind) or pa.types.is_int64(kind):
        return column.cast(pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    return None


def _parse_json(text: str):
    """orjson (twice as fast) where it reads exactly what json reads; json for the rest (NaN, lone surrogates)."""
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return json.loads(text) if _may_have_lost_digits(record) else record


def _may_have_lost_digits(value) -> bool:
    """orjson reads an integer literal beyond 64 bits as a float (a 20-digit id would lose digits): a value that
    large is read again by json, which keeps every digit."""
    if value.__class__ is dict:
        return any(v.__class__ is not str and _may_have_lost_digits(v) for v in value.values())
    if value.__class__ is list:
        return any(_may_have_lost_digits(v) for v in value)
    return value.__class__ is float and abs(value) >= 2**63


def _json_object(text: str) -> dict | None:
    try:
        record = _parse_json(text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    if "\\u" in text and not _encodable(record):  # a lone surrogate escape ("\ud800") is no text: the line is malformed
        return None
    return record


def _encodable(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


def _text_values(record: dict) -> dict[str, str | None]:
    return {key: value if value.__class__ is str else _json_text(value) for key, value in record.items()}


def _read_json_array(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    """A JSON array of objects (an API dump). Read whole; each element's line is the line it starts on."""
    text = path.read_text(encoding=fmt.codec).lstrip("\ufeff")
    rows, lines, malformed = [], [], []
    for line, element, raw in _array_elements(text, display_name):
        if isinstance(element, dict):
            rows.append({key: _json_text(value) for key, value in element.items()})
            lines.append(line)
        else:
            malformed.append(MalformedRow(line, "json_parse", raw))
        if len(rows) >= batch_rows:
            yield _json_batch(rows, lines, malformed)
            rows, lines, malformed = [], [], []
    if rows or malformed:
        yield _json_batch(rows, lines, malformed)


def _array_elements(text: str, display_name: str):
    """(line, value, source text) of every element of the top-level array in `text`."""
    decoder = json.JSONDecoder()
    position, line, counted = _skip_space(text, text.index("[") + 1), 1, 0
    while position < len(text) and text[position] != "]":
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise _json_array_error(display_name, text, exc) from None
        yield line, value, text[position:end][:500]
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            raise ExtractFileError(display_name, "json_parse", "expected ',' or ']' between array elements",
                                   1 + text.count("\n", 0, position))
    if position >= len(text):
        raise ExtractFileError(display_name, "truncated", "the JSON array is never closed", 1 + text.count("\n"))


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _json_array_error(display_name: str, text: str, exc: json.JSONDecodeError) -> ExtractFileError:
    if not text.rstrip().endswith("]"):
        return ExtractFileError(display_name, "truncated", "the file ends in the middle of an element", exc.lineno)
    return ExtractFileError(display_name, "json_parse", f"not valid JSON ({exc.msg})", exc.lineno)


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


# --- Excel -------------------------------------------------------------------------------------------------


def _read_excel(path: Path, display_name: str, fmt: FileFormat, batch_rows: int) -> Iterator[Batch]:
    header, records = read_sheet(path, display_name, fmt.sheet)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    for line, cells in records:
        rows.append(cells)
        lines.append(line)
        if len(rows) >= batch_rows:
            yield Batch(_text_table(header, rows, lines))
            rows, lines = [], []
    if header:
        yield Batch(_text_table(header, rows, lines))
