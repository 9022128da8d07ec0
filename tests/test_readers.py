"""The reader decides format, encoding and delimiter per FILE: real files written in tmp_path, loaded through
`connectors.loader.load_entity` into a real DuckDB file, checked in the raw tables and `ops.loaded_files`."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.errors import ExtractFileError
from connectors.loader import load_entity
from connectors.registry import get_source
from tests.conftest import settings_for
from warehouse.connection import connect

HEADER = ["Id", "Name", "Type", "IsPartner", "NumberOfEmployees", "CreatedDate", "LastModifiedDate"]
# Names carry every delimiter and a quote, so each format must respect quoting to load them whole.
ACCOUNTS = [
    ["001000000000001AAA", "Société Générale; Paris", "Partner", "true", "120", "2026-01-05T10:30:00Z",
     "2026-11-01T08:00:00Z"],
    ["001000000000002AAA", 'Müller, "Technik" GmbH', "Reseller", "false", "45", "2026-02-10T00:00:00Z",
     "2026-11-02T09:15:00Z"],
    ["001000000000003AAA", "Peña y Compañía | Málaga\tES", "Customer", "true", "7", "2026-03-15T12:00:00Z",
     "2026-11-03T18:45:30Z"],
]
EXPECTED = [
    ("001000000000001AAA", "Société Générale; Paris", "Partner", True, 120, "2026-01-05 10:30:00", "2026-11-01 08:00:00"),
    ("001000000000002AAA", 'Müller, "Technik" GmbH', "Reseller", False, 45, "2026-02-10 00:00:00", "2026-11-02 09:15:00"),
    ("001000000000003AAA", "Peña y Compañía | Málaga\tES", "Customer", True, 7, "2026-03-15 12:00:00",
     "2026-11-03 18:45:30"),
]


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def settings(tmp_path, landing):
    return settings_for(tmp_path, landing, max_failure_rate=0.5)  # a few-row file with one bad line still loads


def _file(landing: Path, system: str, entity: str, name: str) -> Path:
    folder = landing / system / entity
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _load(settings, system: str = "crm", entity: str = "account"):
    with connect(settings) as con:
        return load_entity(get_source(system), entity, settings, con)


def _rejection(settings, system: str = "crm", entity: str = "account") -> ExtractFileError:
    """The one file the load rejected (a rejected file is recorded and skipped; the load itself goes on)."""
    report = _load(settings, system, entity)
    assert len(report.rejected) == 1, report.rejected
    return report.rejected[0]


def _accounts(settings) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(
            "SELECT id, name, type, is_partner, number_of_employees, strftime(created_date, '%Y-%m-%d %H:%M:%S'), "
            "strftime(last_modified_date, '%Y-%m-%d %H:%M:%S') FROM raw_crm.account ORDER BY id"
        ).fetchall()


def _recorded(settings, name: str) -> tuple:
    with connect(settings, read_only=True) as con:
        return con.execute(
            "SELECT status, rows_read, rows_loaded, rows_quarantined, file_format, encoding, delimiter "
            "FROM ops.loaded_files WHERE source_file LIKE ?",
            [f"%/{name}"],
        ).fetchone()


# --- one entity in every format -------------------------------------------------------------------------------


def _write_delimited(delimiter: str, encoding: str = "utf-8"):
    def write(path: Path) -> None:
        path.write_bytes(_csv_text([HEADER, *ACCOUNTS], delimiter).encode(encoding))

    return write


def _write_jsonl(path: Path) -> None:
    path.write_text("".join(json.dumps(dict(zip(HEADER, row))) + "\n" for row in ACCOUNTS), encoding="utf-8")


def _write_json_array(path: Path) -> None:
    records = [dict(zip(HEADER, row)) for row in ACCOUNTS]
    for record in records:  # an API dump: typed JSON values, not text
        record["IsPartner"] = record["IsPartner"] == "true"
        record["NumberOfEmployees"] = int(record["NumberOfEmployees"])
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _write_parquet(path: Path) -> None:
    columns = list(zip(*ACCOUNTS))
    pq.write_table(pa.table({
        "Id": pa.array(columns[0]), "Name": pa.array(columns[1]), "Type": pa.array(columns[2]),
        "IsPartner": pa.array([v == "true" for v in columns[3]]),
        "NumberOfEmployees": pa.array([int(v) for v in columns[4]], pa.int64()),
        "CreatedDate": pa.array([_timestamp(v) for v in columns[5]], pa.timestamp("us", tz="UTC")),
        "LastModifiedDate": pa.array(columns[6]),
    }), path)


def _write_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in ACCOUNTS:  # typed cells, as a user's workbook holds them (datetimes naive: Excel has no zone)
        sheet.append([row[0], row[1], row[2], row[3] == "true", int(row[4]),
                      _timestamp(row[5]).replace(tzinfo=None), row[6]])
    workbook.save(path)


FORMATS = {
    # file name: (writer, recorded format, encoding, delimiter)
    "Account_comma.csv": (_write_delimited(","), "csv", "utf-8", ","),
    "Account_semicolon.csv": (_write_delimited(";"), "csv", "utf-8", ";"),
    "Account_tab.tsv": (_write_delimited("\t"), "csv", "utf-8", "\t"),
    "Account_tab_named.csv": (_write_delimited("\t"), "csv", "utf-8", "\t"),
    "Account_pipe.txt": (_write_delimited("|"), "csv", "utf-8", "|"),
    "Account.jsonl": (_write_jsonl, "jsonl", "utf-8", None),
    "Account_array.json": (_write_json_array, "json", "utf-8", None),
    "Account.parquet": (_write_parquet, "parquet", None, None),
    "Account.xlsx": (_write_xlsx, "xlsx", None, None),
}


@pytest.mark.parametrize("name", FORMATS)
def test_the_same_entity_loads_the_same_rows_from_every_format(settings, landing, name):
    write, kind, encoding, delimiter = FORMATS[name]
    write(_file(landing, "crm", "account", name))
    report = _load(settings)
    assert [(f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [("loaded", 3, 3, 0)]
    assert _accounts(settings) == EXPECTED
    assert _recorded(settings, name) == ("loaded", 3, 3, 0, kind, encoding, delimiter)
    assert (report.files[0].file_format, report.files[0].encoding, report.files[0].delimiter) == (kind, encoding, delimiter)


def test_excel_header_below_blank_rows_and_the_matching_sheet_among_several(settings, landing):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["This workbook was exported on Monday"])
    sheet = workbook.create_sheet("Accounts")
    sheet.append([])
    sheet.append([])
    sheet.append(HEADER)  # row 3
    sheet.append([*ACCOUNTS[0][:4], 120.0, *ACCOUNTS[0][5:]])  # row 4: a whole float is an integer
    sheet.append([])  # row 5: blank, no record
    sheet.append(ACCOUNTS[1])  # row 6
    workbook.save(_file(landing, "crm", "account", "Accounts.xlsx"))
    report = _load(settings)
    assert (report.files[0].rows_loaded, report.files[0].rows_quarantined) == (2, 0)
    with connect(settings, read_only=True) as con:
        lines = con.execute("SELECT id, _source_line FROM raw_crm.account ORDER BY id").fetchall()
    assert lines == [("001000000000001AAA", 4), ("001000000000002AAA", 6)]
    assert _accounts(settings) == EXPECTED[:2]


# --- encodings -----------------------------------------------------------------------------------------------


def test_a_windows_1252_crm_export_saved_from_excel_loads_intact(settings, landing):
    rows = [HEADER, *ACCOUNTS[:2], ["001000000000004AAA", "Œuvre € Zürich", "Partner", "true", "3",
                                    "2026-01-01T00:00:00Z", "2026-11-04T00:00:00Z"]]
    _file(landing, "crm", "account", "Account_excel.csv").write_bytes(_csv_text(rows, ";").encode("cp1252"))
    report = _load(settings)
    assert report.files[0].rows_loaded == 3
    names = [row[1] for row in _accounts(settings)]
    assert names == ["Société Générale; Paris", 'Müller, "Technik" GmbH', "Œuvre € Zürich"]
    assert _recorded(settings, "Account_excel.csv")[4:] == ("csv", "cp1252", ";")


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("utf-8-sig", codecs.BOM_UTF8 + _csv_text([HEADER, *ACCOUNTS]).encode("utf-8")),
        ("utf-16-le", codecs.BOM_UTF16_LE + _csv_text([HEADER, *ACCOUNTS], "\t").encode("utf-16-le")),
        ("utf-16-be", codecs.BOM_UTF16_BE + _csv_text([HEADER, *ACCOUNTS]).encode("utf-16-be")),
    ],
)
def test_byte_order_marks_decide_the_encoding(settings, landing, encoding, data):
    _file(landing, "crm", "account", "Account_bom.csv").write_bytes(data)
    _load(settings)
    assert _accounts(settings) == EXPECTED
    assert _recorded(settings, "Account_bom.csv")[:6] == ("loaded", 3, 3, 0, "csv", encoding)


def test_a_legacy_encoding_no_one_declared_is_guessed(settings, landing):
    names = ["Общество с ограниченной ответственностью Ромашка", "Иван Петров и партнёры", "Северный ветер"]
    rows = [HEADER, *[[f"00100000000000{i}AAA", name, *ACCOUNTS[0][2:]] for i, name in enumerate(names)]]
    _file(landing, "crm", "account", "Account_ru.csv").write_bytes(_csv_text(rows).encode("cp1251"))
    report = _load(settings)
    assert report.files[0].encoding == "cp1251"  # charset-normalizer's guess: Cyrillic is not Windows-1252
    assert [row[1] for row in _accounts(settings)] == names


def test_utf8_in_the_lms_folder_keeps_french_and_japanese_titles(settings, landing):
    titles = ["Sécurité réseau avancée", "ネットワーク基礎", "Gestion de la relation client"]
    rows = [["Course ID", "Title"], *[[f"C-{i}", title] for i, title in enumerate(titles)]]
    _file(landing, "lms", "course", "courses_20261124.csv").write_text(_csv_text(rows), encoding="utf-8")
    legacy = [["Course ID", "Title"], ["C-9", "Déploiement"]]
    _file(landing, "lms", "course", "courses_20261125.csv").write_bytes(_csv_text(legacy).encode("cp1252"))
    report = _load(settings, "lms", "course")
    assert [f.encoding for f in report.files] == ["utf-8", "cp1252"]
    with connect(settings, read_only=True) as con:
        loaded = [row[0] for row in con.execute("SELECT title FROM raw_lms.course ORDER BY course_id").fetchall()]
    assert loaded == [*titles, "Déploiement"]
    assert not any("Ã" in title for title in loaded)


@pytest.mark.parametrize(
    "first_name, bad_line, message",
    [
        # UTF-8 with one line pasted from Windows-1252 (ü = 0xfc): no single encoding reads it
        ("Société Générale", b"001000000000002AAA,M\xfcller\r\n", "bytes that are not UTF-8"),
        # bytes no candidate decodes (0x81 and 0x8d are undefined in Windows-1252)
        ("Plain", b"001000000000002AAA,\x81\x8d\x00\x01\x02\r\n", "no text encoding decodes the file"),
    ],
)
def test_a_file_no_encoding_decodes_fails_with_file_line_and_rule(settings, landing, first_name, bad_line, message):
    first = ["001000000000001AAA", first_name, *ACCOUNTS[0][2:]]
    _file(landing, "crm", "account", "Account_binary.csv").write_bytes(_csv_text([HEADER, first]).encode() + bad_line)
    rejected = _rejection(settings)
    assert (rejected.rule, rejected.line) == ("encoding", 3)
    assert "Account_binary.csv line 3" in str(rejected) and message in str(rejected)
    with connect(settings, read_only=True) as con:
        recorded = con.execute("SELECT status, error_rule, error_line FROM ops.loaded_files").fetchall()
    assert recorded == [("failed", "encoding", 3)]


# --- content over extension -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, write, kind",
    [
        ("Account_really_parquet.csv", _write_parquet, "parquet"),
        ("Account_really_csv.parquet", _write_delimited(";"), "csv"),
        ("Account_really_jsonl.csv", _write_jsonl, "jsonl"),
        ("Account_really_xlsx.json", _write_xlsx, "xlsx"),
        ("Account_export.dat", _write_json_array, "json"),
        ("Account_no_extension", _write_delimited("|"), "csv"),
    ],
)
def test_content_decides_when_the_extension_lies_or_is_unknown(settings, landing, name, write, kind):
    write(_file(landing, "crm", "account", name))
    _file(landing, "crm", "account", f"{name}.md5").write_text("d41d8cd98f00b204e9800998ecf8427e\n")  # not an extract
    report = _load(settings)
    assert [(f.file.rsplit("/", 1)[-1], f.file_format, f.rows_loaded) for f in report.files] == [(name, kind, 3)]
    assert _accounts(settings) == EXPECTED


@pytest.mark.parametrize(
    "name, content, detail",
    [
        ("Account.parquet", b"\x00\x01garbage\x00" * 20, "not a readable Parquet file"),
        ("Account.xlsx", b"\x00\x01garbage\x00" * 20, "not a readable Excel workbook"),
        ("Account.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "legacy binary Excel"),
    ],
)
def test_binary_content_in_no_readable_format_is_unreadable(settings, landing, name, content, detail):
    _file(landing, "crm", "account", name).write_bytes(content)
    rejected = _rejection(settings)
    assert rejected.rule == "unreadable" and detail in str(rejected)


# --- one bad line costs one line ---------------------------------------------------------------------------------


def test_an_unterminated_quote_costs_its_line_only(settings, landing):
    good = _csv_text([HEADER, *ACCOUNTS]).splitlines(keepends=True)
    bad = '001000000000009AAA,"Never closed,Partner,true,1,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z\r\n'
    multiline = '001000000000005AAA,"Line one\r\nline two",Partner,true,5,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z\r\n'
    # header (1), account 1 (2), bad (3), account 2 (4), multi-line record (5-6), account 3 (7)
    text = good[0] + good[1] + bad + good[2] + multiline + good[3]
    _file(landing, "crm", "account", "Account_quote.csv").write_text(text, encoding="utf-8", newline="")
    report = _load(settings)
    file = report.files[0]
    data_lines = text.count("\n") - 1
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (5, 4, 1)
    with connect(settings, read_only=True) as con:
        loaded = con.execute("SELECT _source_line, name FROM raw_crm.account ORDER BY _source_line").fetchall()
        quarantined = con.execute("SELECT source_line, rule, message FROM ops.quarantine").fetchall()
    assert loaded == [(2, ACCOUNTS[0][1]), (4, ACCOUNTS[1][1]), (5, "Line one\r\nline two"), (7, ACCOUNTS[2][1])]
    assert [(line, rule) for line, rule, _ in quarantined] == [(3, "unterminated_quote")]
    assert "never closed" in quarantined[0][2]
    # every data line is covered: loaded rows' lines (a record spanning two lines covers both) plus quarantined
    covered = {line for line, _ in loaded} | {6} | {line for line, _, _ in quarantined}
    assert covered == set(range(2, 2 + data_lines))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_blank_lines_and_a_bare_quote_keep_every_row_on_its_physical_line(settings, landing, encoding):
    rows = _csv_text([HEADER, ACCOUNTS[0]]) + "\r\n" + _csv_text([ACCOUNTS[1]]) + "\r\n\r\n" + (
        '001000000000003AAA,24" Monitors Ltd,Customer,true,7,2026-03-15T12:00:00Z,2026-11-03T18:45:30Z\r\n')
    _file(landing, "crm", "account", "Account_blank.csv").write_text(rows, encoding=encoding, newline="")
    report = _load(settings)
    assert (report.files[0].rows_read, report.files[0].rows_quarantined) == (3, 0)
    with connect(settings, read_only=True) as con:
        lines = con.execute("SELECT _source_line, name FROM raw_crm.account ORDER BY _source_line").fetchall()
    assert lines == [(2, ACCOUNTS[0][1]), (4, ACCOUNTS[1][1]), (7, '24" Monitors Ltd')]


def test_an_unterminated_quote_on_the_last_line_is_quarantined_but_a_cut_file_is_truncated(settings, landing):
    text = _csv_text([HEADER, *ACCOUNTS[:2]]) + '001000000000009AAA,"Never closed,Partner,true,1,x,y\r\n'
    _file(landing, "crm", "account", "Account_last.csv").write_text(text, encoding="utf-8", newline="")
    report = _load(settings)
    assert (report.files[0].rows_loaded, report.files[0].rows_quarantined) == (2, 1)
    cut = _csv_text([HEADER, *ACCOUNTS])[:-30]  # the transfer stopped inside the last record
    _file(landing, "crm", "account", "Account_cut.csv").write_text(cut, encoding="utf-8", newline="")
    rejected = _rejection(settings)
    assert (rejected.rule, rejected.line) == ("truncated", 4)


def test_a_json_array_cut_off_is_truncated(settings, landing):
    path = _file(landing, "crm", "account", "Account_cut.json")
    _write_json_array(path)
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    rejected = _rejection(settings)
    assert rejected.rule == "truncated"


def test_json_lines_that_only_python_json_reads_still_load_and_a_broken_line_names_its_number(tmp_path, landing):
    """orjson reads the lines first; NaN and an integer beyond 64 bits (which it refuses) load as before."""
    records = [dict(zip(HEADER, row)) for row in ACCOUNTS]
    lines = [json.dumps(records[0]), json.dumps(records[1]).replace('"45"', "123456789012345678901234567890"),
             '{"Id": "001000000000004AAA", "Name": broken', json.dumps(records[2]).replace('"7"', "NaN")]
    _file(landing, "crm", "account", "Account.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = settings_for(tmp_path, landing, max_failure_rate=0.9)
    report = _load(settings)
    assert (report.files[0].rows_read, report.files[0].rows_loaded, report.files[0].rows_quarantined) == (4, 1, 3)
    with connect(settings, read_only=True) as con:
        quarantined = con.execute(
            "SELECT source_line, column_name, rule, offending_value FROM ops.quarantine ORDER BY source_line").fetchall()
    assert quarantined == [(2, "number_of_employees", "cast_integer", "123456789012345678901234567890"),
                           (3, None, "json_parse", '{"Id": "001000000000004AAA", "Name": broken'),
                           (4, "number_of_employees", "is_integer", "nan")]


# --- nothing to send ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("Account_20261124.csv", b"", "empty"),
        ("Account_20261124.parquet", b"", "empty"),
        ("Account_20261124.jsonl", b"\n", "empty"),
        ("Account_20261124_header.csv", ",".join(HEADER).encode() + b"\r\n", "csv"),
        ("Account_20261124_header.json", b"[]", "json"),
    ],
)
def test_zero_byte_and_header_only_files_load_zero_rows(settings, landing, name, content, kind):
    _file(landing, "crm", "account", name).write_bytes(content)
    report = _load(settings)
    assert [(f.status, f.rows_read, f.file_format) for f in report.files] == [("loaded", 0, kind)]
    assert _recorded(settings, name)[:5] == ("loaded", 0, 0, 0, kind)


def test_the_dagster_metadata_shows_how_each_file_was_read(settings, landing):
    from orchestration.ingest import _metadata

    _write_delimited(";", "cp1252")(_file(landing, "crm", "account", "Account_20261124.csv"))
    _write_xlsx(_file(landing, "crm", "account", "Account_20261125.xlsx"))
    files = _metadata(_load(settings))["files"].data
    assert [(f["file_format"], f["encoding"], f["delimiter"]) for f in files] == [("csv", "cp1252", ";"), ("xlsx", "", "")]
