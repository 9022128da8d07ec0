"""NUL and the other C0 control characters (and DEL) in extract files, through the real loader into a real DuckDB
file: removed from free text (counted per file and column in ops.load_cleanups and in the run output), a row
quarantined (rule control_character) when an identifier or an e-mail address holds one; TAB, LF and CR are text."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.loader import load_entity
from connectors.registry import get_source
from data_contracts._fields import CLEANUP_RULE
from erasure.person import find_person
from erasure.plan import plan_quarantine, plan_raw
from tests.conftest import cli_environment, settings_for
from warehouse.connection import connect

MODIFIED = "2026-11-01T08:00:00Z"
HEADER = ["Id", "Name", "Industry", "LastModifiedDate"]
ROWS = [
    ["001000000000001AAA", "Acme\x00 Corp", "Soft\x07ware", MODIFIED],  # NUL, BEL
    ["001000000000002AAA", "Beta\x1b GmbH", "Retail\x7f", MODIFIED],  # ESC, DEL
    ["001000000000003AAA", "Tab\there, line\nthere\r\nend", "Energy", MODIFIED],  # TAB, LF, CR: kept
    ["00100000000\x0004AAA", "Delta", "Energy", MODIFIED],  # NUL in the id: quarantined
    ["001000000000005AAA", "\x00", "Energy", MODIFIED],  # nothing but a NUL: the required name is missing
]
LOADED = [
    ("001000000000001AAA", "Acme Corp", "Software"),
    ("001000000000002AAA", "Beta GmbH", "Retail"),
    ("001000000000003AAA", "Tab\there, line\nthere\r\nend", "Energy"),
]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _jsonl(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("".join(json.dumps(dict(zip(header, row))) + "\n" for row in rows), encoding="utf-8")


def _json_array(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("[\n" + ",\n".join(json.dumps(dict(zip(header, row))) for row in rows) + "\n]\n", encoding="utf-8")


def _parquet(path: Path, header: list[str], rows: list[list[str]]) -> None:
    pq.write_table(pa.table({name: [row[i] for row in rows] for i, name in enumerate(header)}), path)


def _xlsx(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """As Excel writes a control character or a CR: `_x0007_`, `_x000D_` (XML cannot hold the one, and reads the other
    as a line end); the reader (calamine) decodes them."""
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append([re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", v) for v in row])
    workbook.save(path)


WRITERS = {"csv": _csv, "jsonl": _jsonl, "json": _json_array, "parquet": _parquet, "xlsx": _xlsx}


def _write(landing: Path, entity: str, name: str, header: list[str], rows: list[list[str]]) -> str:
    folder = landing / "crm" / entity
    folder.mkdir(parents=True, exist_ok=True)
    WRITERS[name.rsplit(".", 1)[1]](folder / name, header, rows)
    return f"crm/{entity}/{name}"


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path, tmp_path / "landing", max_failure_rate=0.5)  # a five-row file with two bad rows


def _query(settings, sql: str, params=()) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(sql, params).fetchall()


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_free_text_loses_its_control_characters_and_an_id_holding_one_is_quarantined(settings, kind):
    name = _write(settings.landing_dir, "account", f"accounts.{kind}", HEADER, ROWS)
    with connect(settings) as con:
        report = load_entity(get_source("crm"), "account", settings, con)
    (file,) = report.files

    assert _query(settings, "SELECT id, name, industry FROM raw_crm.account ORDER BY id") == LOADED
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (5, 3, 2)  # nothing lost
    assert dict(file.cleaned) == {"name": 2, "industry": 2}  # loaded rows only: the quarantine keeps the raw text
    assert _query(settings, "SELECT source_file, system, entity, column_name, rule, rows FROM ops.load_cleanups "
                            "ORDER BY column_name") == [
        (name, "crm", "account", "industry", CLEANUP_RULE, 2), (name, "crm", "account", "name", CLEANUP_RULE, 2)]
    quarantined = _query(settings, "SELECT source_line, column_name, rule, offending_value, row_json FROM ops.quarantine "
                                   "ORDER BY source_line, rule")
    # CSV: the header is line 1 and the record holding LF and CR spans lines 4-6; Excel: the header is row 1; the JSON
    # array: `[` is line 1; JSON lines and Parquet: row n is n.
    id_line, name_line = {"csv": (7, 8), "xlsx": (5, 6), "json": (5, 6)}.get(kind, (4, 5))
    assert [(line, column, rule) for line, column, rule, _, _ in quarantined] == [
        (id_line, "id", "control_character"), (id_line, "id", "matches_pattern"), (name_line, "name", "not_nullable")]
    assert quarantined[0][3] == "00100000000\x0004AAA"  # the exact value, for the one who fixes the source
    assert json.loads(quarantined[2][4])["name"] == "\x00"
    if kind == "csv":  # what `make status` says of it
        from orchestration.summary import status_report

        status = status_report(settings)
        assert f"{name}: industry, 2 row(s), {CLEANUP_RULE}" in status and f"{name}: name, 2 row(s)" in status


def test_an_email_with_a_control_character_is_quarantined_and_erasure_still_finds_every_row(settings):
    """A NUL passes the e-mail pattern (any character but @ and blanks): the control_character rule catches it. The
    person's rows stay findable: the loaded one (its name cleaned) in raw, the quarantined ones in ops.quarantine."""
    header = ["Id", "Name", "Email", "LastModifiedDate"]
    _write(settings.landing_dir, "user", "users.jsonl", header, [
        ["005000000000001AAA", "Jo\x00sé Dlamini", "jose.dlamini@example.com", MODIFIED],
        ["005000000000002AAA", "José Dlamini", "jose.dlamini\x00@example.com", MODIFIED],
        ["00500000000\x0703AAA", "José Dlamini", "jose.dlamini@example.com", MODIFIED],
        ["005000000000004AAA", "Ana Silva", "ana.silva@example.com", MODIFIED],
    ])
    with connect(settings) as con:
        report = load_entity(get_source("crm"), "user", settings, con)
        assert (report.total("rows_read"), report.total("rows_loaded"), report.total("rows_quarantined")) == (4, 2, 2)
        assert con.execute("SELECT name FROM raw_crm.user ORDER BY id").fetchall() == [("José Dlamini",), ("Ana Silva",)]
        assert con.execute("SELECT source_line, column_name FROM ops.quarantine WHERE rule = 'control_character' "
                           "ORDER BY 1").fetchall() == [(2, "email"), (3, "id")]
        person = find_person(con, "jose.dlamini@example.com")
        assert person.names == {"José Dlamini"}
        steps = [change.step for change in [*plan_raw(con, person), *plan_quarantine(con, person)]]
    # ops.quarantine: line 2 (control_character on the email) and line 3 (control_character and matches_pattern on
    # the id, the row JSON holding the person's email).
    assert {(s.table, s.rows_deleted + s.rows_redacted) for s in steps} == {
        ("raw_crm.user", 1), ("ops.quarantine", 3)}


def test_a_file_without_control_characters_records_no_cleanup(settings):
    _write(settings.landing_dir, "account", "accounts.csv", HEADER, [LOADED[0][:2] + ("Software", MODIFIED)])
    with connect(settings) as con:
        (file,) = load_entity(get_source("crm"), "account", settings, con).files
    assert not file.cleaned and file.cleanup_note() == ""
    assert _query(settings, "SELECT count(*) FROM ops.load_cleanups") == [(0,)]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_passed_through_fields_lose_their_control_characters_too(tmp_path, kind):
    """A column the user's mapping passes through (`_extra_fields`, JSON) is free text like the others: its values
    are cleaned, and the rows loaded counted under `_extra_fields` (the JSON is built before the checks, so a
    quarantined row's passed-through values are the cleaned ones too; its contract columns keep their raw text)."""
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "crm.yml").write_text("entities:\n  account:\n    passthrough: [Region__c, Notes__c]\n")
    settings = settings_for(tmp_path, tmp_path / "landing", mapping_dir=mappings, max_failure_rate=0.5)
    header = [*HEADER, "Region__c", "Notes__c"]
    _write(settings.landing_dir, "account", f"accounts.{kind}", header, [
        ["001000000000001AAA", "Acme", "Software", MODIFIED, "DA\x00CH", "line\none\tok"],
        ["001000000000002AAA", "Beta", "Retail", MODIFIED, "EMEA", "\x1b[31mred"],
        ["001000000000003AAA", "Gamma", "Energy", MODIFIED, "APAC", "plain"],
        ["00100000000\x0004AAA", "Delta", "Energy", MODIFIED, "NA\x07", "x"],  # quarantined (its id)
    ])
    with connect(settings) as con:
        (file,) = load_entity(get_source("crm"), "account", settings, con).files
    assert (file.rows_loaded, file.rows_quarantined) == (3, 1)
    extra = [json.loads(text) for (text,) in _query(settings, "SELECT _extra_fields FROM raw_crm.account ORDER BY id")]
    assert extra == [{"Region__c": "DACH", "Notes__c": "line\none\tok"}, {"Region__c": "EMEA", "Notes__c": "[31mred"},
                     {"Region__c": "APAC", "Notes__c": "plain"}]
    assert dict(file.cleaned) == {"_extra_fields": 2}
    assert _query(settings, "SELECT column_name, rows FROM ops.load_cleanups") == [("_extra_fields", 2)]
    quarantined = json.loads(_query(settings, "SELECT DISTINCT row_json FROM ops.quarantine")[0][0])
    assert quarantined["id"] == "00100000000\x0004AAA" and json.loads(quarantined["_extra_fields"])["Region__c"] == "NA"


def test_the_run_output_names_the_file_and_its_cleaned_columns(tmp_path):
    landing = tmp_path / "landing"
    name = _write(landing, "account", "accounts.csv", HEADER, ROWS[:3])
    result = subprocess.run([sys.executable, "-m", "connectors", "--system", "crm"], capture_output=True, text=True,
                            env=cli_environment(tmp_path, landing), timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"CLEANED {name}: control characters removed (rows per column): industry 2, name 2" in result.stderr


def test_a_later_load_drops_an_erased_persons_row_even_with_a_nul_in_the_email(settings, monkeypatch):
    """Suppression compares the e-mail without control characters: the erased person does not come back into the
    quarantine as a control_character row."""
    from connectors.suppression import append_registry, email_hash

    monkeypatch.setenv("PW_PII_HASH_KEY", "test-key")
    monkeypatch.setenv("PW_ERASURE_REGISTRY", str(settings.landing_dir.parent / "erasures.jsonl"))
    append_registry({"erasure_id": "e1", "email_hash": email_hash("jose.dlamini@example.com"), "id_hashes": []})
    _write(settings.landing_dir, "user", "users.csv", ["Id", "Name", "Email", "LastModifiedDate"], [
        ["005000000000002AAA", "José Dlamini", "jose.dlamini\x00@example.com", MODIFIED],
        ["005000000000004AAA", "Ana Silva", "ana.silva@example.com", MODIFIED],
    ])
    with connect(settings) as con:
        (file,) = load_entity(get_source("crm"), "user", settings, con).files
        assert (file.rows_read, file.rows_loaded, file.rows_quarantined, file.rows_suppressed) == (2, 1, 0, 1)
        assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone() == (0,)


def test_inspect_shows_what_a_load_would_remove(settings):
    from connectors._inspect import inspect_file, render

    _write(settings.landing_dir, "account", "accounts.csv", HEADER, ROWS)
    shown = render(inspect_file(settings.landing_dir / "crm" / "account" / "accounts.csv", settings, "crm", "account",
                                None))
    assert "control characters removed (rows per column): industry 2, name 2" in shown
    assert "control_character" in shown
