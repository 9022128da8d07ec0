"""The JSON-lines reader's Arrow fast path gives exactly what the line-by-line reader gives: the same rows as text,
on the same lines, the same malformed lines and the same errors, on every kind of line real exports hold (and on
random mixes of them), at every batch size. Batch boundaries may differ (a block Arrow cannot vouch for is read line
by line); rows, lines and columns may not."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from connectors import readers
from connectors.errors import ExtractFileError
from connectors.formats import FileFormat, detect_format
from connectors.readers import LINE_COLUMN, read_batches

PLAIN = [
    '{"id":"A-1","name":"Acme GmbH","country":"DE"}',
    '{"country":"FR","id":"A-2","name":"Bléu SARL","note":null}',
    '{"id":"A-3"}',
    '{}',
    '{"id":"A-4","name":"日本 株式会社 😀","tags":"a,b"}',
    '{"id":"A-5","name":"quote \\" backslash \\\\ slash \\/ newline \\n tab \\t nul \\u0000 é \\u00e9"}',
    '{"id":"A-6","name":"","country":null,"extra_col":"x"}',
    '{"id":"A-7","count":42,"negative":-7,"zero":-0,"active":true,"deleted":false}',
    '{"id":"A-8","count":9223372036854775807,"active":null}',
    '{"id":"A-9","day":"2026-11-15","at":"2026-11-15 10:00:00","utc":"2026-11-15T10:00:00Z"}',
    '{"id":"A-10","day":"not a day","at":"2026-11-15 10:00:00"}',
    '{"id":"A-11","pair":"\\ud83d\\ude00","key with space":"v","":"empty key"}',
    '{"id":"A-12","Id":"case differs"}',
]
AWKWARD = [
    '{"id":"B-1","amount":54255.76}',            # a float: Python writes repr, Arrow would not
    '{"id":"B-2","amount":1.0,"big":123456789012345678901234567890}',
    '{"id":"B-3","amount":1e300,"small":-2.5E-10}',
    '{"id":"B-4","amount":NaN}',                 # only Python's json reads it
    '{"id":"B-5","nested":{"a":"b","n":[1,2]}}',
    '{"id":"B-6","list":["x","y"]}',
    '{"id":"B-7","dup":"first","dup":"last"}',
    '{"id":"B-8","lone":"\\ud800"}',             # a lone surrogate: malformed, not a crash
    '{"id":"B-9"} {"id":"B-9b"}',                # two objects on one line
    '{"id":"B-10","raw_tab":"a\tb"}',            # a raw control character: not JSON
    '  {"id":"B-11"}',
    '{"id":"B-12"}   ',
    '[1,2]',
    '"just a string"',
    'null',
    '5',
    '{"id":"B-13",',
    'not json at all',
    '{"id":"B-14","count":"7"}',                 # the same column as a string where others are numbers
    '{"id":"B-15","active":"yes"}',
    '',
    '   ',
    '\t',
]


def _reference(path: Path, fmt: FileFormat, batch_rows: int):
    """What the line-by-line reader (the only reader before the fast path) gives for the file."""
    with open(path, encoding=fmt.codec, newline="") as handle:
        return _flatten(readers._jsonl_batches(enumerate(handle, start=1), path.name, batch_rows))


def _flatten(batches) -> tuple:
    """(rows as (line, non-null values), malformed (line, rule, text), columns in first-seen order) or the error."""
    rows, malformed, columns = [], [], {}
    try:
        for batch in batches:
            table = batch.table
            columns.update(dict.fromkeys(n for n in table.column_names if n != LINE_COLUMN))
            for row in table.to_pylist():
                line = row.pop(LINE_COLUMN)
                rows.append((line, {k: v for k, v in row.items() if v is not None}))
            malformed.extend((m.line, m.rule, m.text) for m in batch.malformed)
    except ExtractFileError as error:
        return ("error", str(error))
    assert [line for line, _ in rows] == sorted(line for line, _ in rows)
    return rows, sorted(malformed), list(columns)


def _write(path: Path, lines: list[str], newline: str = "\n", encoding: str = "utf-8", end: bool = True) -> Path:
    text = newline.join(lines) + (newline if end else "")
    path.write_bytes(text.encode(encoding, errors="surrogatepass"))
    return path


def _assert_same(path: Path, batch_rows: int, fmt: FileFormat | None = None) -> tuple:
    fmt = fmt or FileFormat("jsonl", "utf-8")
    fast = _flatten(read_batches(path, path.name, fmt, batch_rows))
    assert fast == _reference(path, fmt, batch_rows)
    return fast


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 7, 50000])
def test_plain_lines_take_the_fast_path_and_give_the_same_rows(tmp_path, monkeypatch, batch_rows):
    path = _write(tmp_path / "partner.jsonl", PLAIN * 3)
    line_by_line = []
    monkeypatch.setattr(readers, "_jsonl_batches", lambda *a: line_by_line.append(a) or iter(()))
    fmt = detect_format(path, path.name)
    fast = _flatten(read_batches(path, path.name, fmt, batch_rows))
    assert line_by_line == [], "a plain block was read line by line"
    monkeypatch.undo()
    assert fast == _reference(path, fmt, batch_rows)
    rows = dict(fast[0])
    assert rows[8]["count"] == "42" and rows[8]["zero"] == "0" and rows[8]["active"] == "true"  # PLAIN[7], line 8
    assert rows[8]["deleted"] == "false" and rows[9]["count"] == "9223372036854775807"
    assert rows[10] == {"id": "A-9", "day": "2026-11-15", "at": "2026-11-15 10:00:00", "utc": "2026-11-15T10:00:00Z"}
    assert rows[12]["pair"] == "😀" and rows[12][""] == "empty key"


@pytest.mark.parametrize("line", AWKWARD, ids=lambda line: repr(line)[:40])
@pytest.mark.parametrize("batch_rows", [1, 3, 50000])
def test_each_awkward_line_among_plain_ones_gives_what_the_line_reader_gives(tmp_path, line, batch_rows):
    _assert_same(_write(tmp_path / "mixed.jsonl", PLAIN[:5] + [line] + PLAIN[5:]), batch_rows)


def test_a_lone_surrogate_is_a_malformed_line_and_the_rest_loads(tmp_path):
    rows, malformed, _ = _assert_same(_write(tmp_path / "s.jsonl", PLAIN[:2] + [AWKWARD[7]] + PLAIN[2:4]), 50000)
    assert [m[:2] for m in malformed] == [(3, "json_parse")]
    assert [line for line, _ in rows] == [1, 2, 4, 5]


@pytest.mark.parametrize(("newline", "end"), [("\r\n", True), ("\r", True), ("\n", False), ("\r\n", False)])
@pytest.mark.parametrize("batch_rows", [2, 50000])
def test_line_ends_and_a_missing_last_line_end(tmp_path, newline, end, batch_rows):
    _assert_same(_write(tmp_path / "ends.jsonl", PLAIN + AWKWARD[:3] + PLAIN, newline=newline, end=end), batch_rows)


def test_a_lone_carriage_return_inside_a_block_keeps_later_lines_numbered(tmp_path):
    path = tmp_path / "cr.jsonl"
    path.write_bytes(("\n".join(PLAIN[:4]) + "\r" + "\n".join(PLAIN) + "\n").encode())
    rows, _, _ = _assert_same(path, 3)
    assert rows[-1][0] == 4 + len(PLAIN)


@pytest.mark.parametrize("batch_rows", [1, 4, 50000])
def test_blank_lines_keep_every_row_on_its_line(tmp_path, batch_rows):
    rows, _, _ = _assert_same(_write(tmp_path / "blank.jsonl", ["", PLAIN[0], "", "", PLAIN[1], "  ", PLAIN[2], ""]),
                              batch_rows)
    assert [line for line, _ in rows] == [2, 5, 7]


def test_a_byte_order_mark_is_skipped_once(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(PLAIN) + "\n").encode())
    fmt = detect_format(path, path.name)
    assert fmt == FileFormat("jsonl", "utf-8-sig")
    rows, _, _ = _assert_same(path, 4, fmt)
    assert rows[0] == (1, {"id": "A-1", "name": "Acme GmbH", "country": "DE"})


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_other_encodings_are_read_line_by_line_as_before(tmp_path, encoding):
    lines = [line for line in PLAIN if all(ord(c) < 256 for c in line) and "\\u" not in line]
    path = _write(tmp_path / "enc.jsonl", lines, encoding=encoding)
    fmt = FileFormat("jsonl", "utf-16-le" if encoding == "utf-16" else encoding)
    rows, _, _ = _assert_same(path, 3, fmt)
    assert len(rows) == len(lines)


@pytest.mark.parametrize("batch_rows", [1, 3, 50000])
def test_a_cut_off_last_line_is_truncated_with_its_number(tmp_path, batch_rows):
    path = _write(tmp_path / "cut.jsonl", PLAIN + ['{"id":"Z-1","name":"Acm'], end=False)
    result = _assert_same(path, batch_rows)
    assert result[0] == "error" and f"line {len(PLAIN) + 1}" in result[1] and "truncated" in result[1]


def test_blocks_split_across_reads_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "JSONL_READ_BYTES", 97)  # reads end mid-line, mid-character, mid CRLF
    path = _write(tmp_path / "reads.jsonl", (PLAIN + AWKWARD[:2]) * 5, newline="\r\n")
    for batch_rows in (1, 5, 50000):
        _assert_same(path, batch_rows)


@pytest.mark.parametrize("seed", range(12))
def test_random_mixes_of_every_kind_of_line(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    monkeypatch.setattr(readers, "JSONL_READ_BYTES", rng.choice([64, 1000, 1 << 24]))
    pool = PLAIN * 6 + AWKWARD + [json.dumps({"id": f"R-{i}", "v": rng.choice(["x", None, 3, True])}) for i in range(20)]
    lines = [rng.choice(pool) for _ in range(rng.randint(1, 300))]
    newline = rng.choice(["\n", "\n", "\r\n"])
    cut = rng.random() < 0.3
    path = _write(tmp_path / f"random{seed}.jsonl", lines, newline=newline, end=not cut)
    for batch_rows in (1, 2, 7, 50000):
        _assert_same(path, batch_rows)
