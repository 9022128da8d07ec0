"""Loading the generated sample through the contracts into a real DuckDB file, scored against the
generator's ground truth; re-deliveries, reruns and broken files."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from connectors.errors import ExtractFileError
from connectors.loader import load_all, load_entity
from connectors.registry import get_source
from warehouse.connection import connect


def _files_by_kind(truth: dict, kind: str) -> list[dict]:
    return [f for f in truth["files"] if f["kind"] == kind]


def _state(settings) -> dict:
    """Row counts of every raw table and of the quarantine: what a failed load must not change."""
    with connect(settings, read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema LIKE 'raw_%' OR (table_schema = 'ops' AND table_name = 'quarantine')"
        ).fetchall()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}


@pytest.fixture
def loaded(settings):
    load_all(settings)
    return settings


def test_every_row_of_every_file_is_loaded_or_quarantined(loaded, ground_truth):
    with connect(loaded, read_only=True) as con:
        files = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT source_file, system, entity, status, rows_read, rows_loaded, rows_quarantined FROM ops.loaded_files"
            ).fetchall()
        }
        for expected in ground_truth["files"]:
            system, entity, status, read, loaded_rows, quarantined = files[expected["file"]]
            if expected["kind"] == "redelivered":
                assert status == "duplicate"
                continue
            assert status == "loaded"
            assert read == expected["rows"], expected["file"]
            assert read == loaded_rows + quarantined, expected["file"]
            in_raw = con.execute(
                f"SELECT count(*) FROM raw_{system}.{entity} WHERE _source_file = ?", [expected["file"]]
            ).fetchone()[0]
            in_quarantine = con.execute(
                "SELECT count(DISTINCT source_line) FROM ops.quarantine WHERE source_file = ?", [expected["file"]]
            ).fetchone()[0]
            assert (in_raw, in_quarantine) == (loaded_rows, quarantined), expected["file"]


def test_quarantined_rows_are_exactly_the_injected_invalid_rows(loaded, ground_truth):
    with connect(loaded, read_only=True) as con:
        found = set(con.execute("SELECT source_file, source_line, column_name, rule FROM ops.quarantine").fetchall())
    expected = {(r["file"], r["line"], r["column"], r["rule"]) for r in ground_truth["invalid_rows"]}
    assert len(expected) > 20  # the sample really carries dirt
    assert found == expected


def test_quarantine_keeps_the_whole_row_and_a_readable_reason(loaded):
    with connect(loaded, read_only=True) as con:
        row = con.execute(
            "SELECT row_json, message, rule FROM ops.quarantine WHERE rule = 'not_nullable' LIMIT 1"
        ).fetchone()
    assert row is not None
    assert row[0].startswith("{") and len(row[0]) > 20
    assert row[1] == "required value is missing"


def test_raw_values_are_typed_and_traceable(loaded):
    with connect(loaded, read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'raw_crm' AND table_name = 'opportunity'"
            ).fetchall()
        )
        assert types["amount"] == "DOUBLE" and types["close_date"] == "DATE" and types["is_won"] == "BOOLEAN"
        assert types["last_modified_date"] == "TIMESTAMP WITH TIME ZONE"
        untraceable = con.execute(
            "SELECT count(*) FROM raw_crm.opportunity WHERE _source_file IS NULL OR _source_line < 2 OR _load_id IS NULL"
        ).fetchone()[0]
        assert untraceable == 0


def test_a_redelivered_file_loads_nothing_new(loaded, ground_truth):
    redelivered = _files_by_kind(ground_truth, "redelivered")
    assert redelivered, "the sample should contain a re-delivered file"
    with connect(loaded, read_only=True) as con:
        for file in redelivered:
            status, duplicate_of = con.execute(
                "SELECT status, duplicate_of FROM ops.loaded_files WHERE source_file = ?", [file["file"]]
            ).fetchone()
            assert (status, duplicate_of) == ("duplicate", file["copy_of"])
            rows = con.execute(
                f"SELECT count(*) FROM raw_{file['system']}.{file['entity']} WHERE _source_file = ?", [file["file"]]
            ).fetchone()[0]
            assert rows == 0


def test_rerun_is_idempotent(loaded):
    before = _state(loaded)
    reports = load_all(loaded)
    assert all(not r.files for r in reports)
    assert sum(r.skipped_files for r in reports) > 0
    assert _state(loaded) == before


def test_same_bytes_under_a_new_name_are_recorded_as_a_duplicate(loaded, ground_truth):
    main = next(f for f in _files_by_kind(ground_truth, "main") if f["system"] == "prm" and f["entity"] == "partner")
    source = loaded.landing_dir / main["file"]
    shutil.copy(source, source.with_name("partner_resent_again.jsonl"))
    before = _state(loaded)
    with connect(loaded) as con:
        report = load_entity(get_source("prm"), "partner", loaded, con)
    assert [(f.status, f.duplicate_of) for f in report.files] == [("duplicate", main["file"])]
    assert _state(loaded) == before


# --- broken files: a clear error naming file, line and rule; nothing changes ------------------------------


def _main_file(landing: Path, truth: dict, system: str, entity: str) -> Path:
    entry = next(f for f in _files_by_kind(truth, "main") if f["system"] == system and f["entity"] == entity)
    return landing / entry["file"]


def _expect_failure(settings, system, entity, rule, file_name, line=None) -> ExtractFileError:
    """The broken file is rejected alone (the load goes on and returns): nothing of it is loaded, and it is
    recorded as failed with its rule and line."""
    before = _state(settings)
    with connect(settings) as con:
        report = load_entity(get_source(system), entity, settings, con)
    assert [e.file.rsplit("/", 1)[-1] for e in report.rejected] == [file_name]
    error = report.rejected[0]
    assert isinstance(error, ExtractFileError)
    assert error.rule == rule
    assert file_name in str(error) and f"'{rule}'" in str(error)
    if line is not None:
        assert error.line == line and f"line {line}" in str(error)
    assert _state(settings) == before, "a failed load must leave every table as it was"
    with connect(settings, read_only=True) as con:
        status = con.execute(
            "SELECT status, error, error_rule, error_line FROM ops.loaded_files WHERE source_file LIKE ? "
            "ORDER BY loaded_at DESC LIMIT 1",
            [f"%{file_name}"],
        ).fetchone()
    assert status[0] == "failed" and file_name in status[1]
    assert status[2:] == (rule, error.line)
    return error


def test_truncated_csv_fails_and_names_the_last_line(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "crm", "opportunity")
    data = source.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 25  # part of a record, no line end
    broken = source.with_name("Opportunity_20261125.csv")
    broken.write_bytes(data[:cut])
    _expect_failure(loaded, "crm", "opportunity", "truncated", broken.name, line=data[:cut].count(b"\n") + 1)


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="", errors="replace") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)


def test_a_windows_1252_csv_loads_intact(loaded, ground_truth):
    # Until issue 13 a CRM file had to be UTF-8 and this one failed whole; the encoding is now detected per file.
    source = _main_file(loaded.landing_dir, ground_truth, "crm", "account")
    rows = _csv_rows(source)[:30]
    rows[3][rows[0].index("Name")] = "Société Générale"
    _write_csv(source.with_name("Account_20261125.csv"), rows, encoding="cp1252")
    with connect(loaded) as con:
        report = load_entity(get_source("crm"), "account", loaded, con)
    assert [(f.encoding, f.rows_read) for f in report.files] == [("cp1252", 29)]
    with connect(loaded, read_only=True) as con:
        names = con.execute("SELECT name FROM raw_crm.account WHERE _source_line = 4 AND _source_file LIKE "
                            "'%Account_20261125.csv'").fetchall()
    assert names == [("Société Générale",)]


def test_utf8_csv_with_a_line_in_another_encoding_fails_with_its_line(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "crm", "account")
    rows = _csv_rows(source)
    name = rows[0].index("Name")
    rows[2][name], rows[3][name] = "Société Générale", "Société Générale"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    lines = buffer.getvalue().splitlines(keepends=True)
    data = b"".join(line.encode("cp1252" if number == 4 else "utf-8") for number, line in enumerate(lines, start=1))
    broken = source.with_name("Account_20261125.csv")
    broken.write_bytes(data)  # line 4 pasted from a Windows-1252 file into a UTF-8 one
    _expect_failure(loaded, "crm", "account", "encoding", broken.name, line=4)


def test_missing_required_column_fails(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "crm", "opportunity")
    rows = _csv_rows(source)[:50]
    drop = rows[0].index("StageName")
    broken = source.with_name("Opportunity_20261126.csv")
    _write_csv(broken, [[v for i, v in enumerate(row) if i != drop] for row in rows])
    error = _expect_failure(loaded, "crm", "opportunity", "required_column", broken.name, line=1)
    assert "StageName" in str(error)


def test_truncated_parquet_fails(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "finance", "entity")
    broken = source.with_name("entity_20261125.parquet")
    broken.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    _expect_failure(loaded, "finance", "entity", "unreadable", broken.name)


def test_truncated_json_lines_fail(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "prm", "partner")
    data = source.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 30
    broken = source.with_name("partner_20261125.jsonl")
    broken.write_bytes(data[:cut])
    _expect_failure(loaded, "prm", "partner", "truncated", broken.name, line=data[:cut].count(b"\n") + 1)


def test_a_file_over_the_failure_threshold_loads_nothing(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "prm", "deal_registration")
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:40]]
    for number, record in enumerate(records):
        record["registration_id"] = f"DR-9{number}"
        if number % 2:
            record["status"] = "Pending review"  # not a status the contract knows
    broken = source.with_name("deal_registration_20261125.jsonl")
    broken.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    error = _expect_failure(loaded, "prm", "deal_registration", "allowed_values", broken.name)
    assert "50.0% of 40 rows" in str(error) and "Nothing from this file was loaded" in str(error)
    assert "Pending review" not in str(error), "error texts name line and column, never a value"
    assert error.column == "status" and "at line 2 on column status" in str(error)


def test_a_failed_entity_does_not_block_the_fix(loaded, ground_truth):
    source = _main_file(loaded.landing_dir, ground_truth, "finance", "entity")
    broken = source.with_name("entity_20261125.parquet")
    broken.write_bytes(source.read_bytes()[:100])
    with connect(loaded) as con:
        assert [e.rule for e in load_entity(get_source("finance"), "entity", loaded, con).rejected] == ["unreadable"]
    table = pq.read_table(source).slice(0, 10)
    pq.write_table(table, broken)  # the source system re-sends a good file under the same name
    with connect(loaded) as con:
        report = load_entity(get_source("finance"), "entity", loaded, con)
    assert [(f.file, f.status, f.rows_read) for f in report.files] == [(f"finance/entity/{broken.name}", "loaded", 10)]


def test_raw_tables_are_queryable_by_a_plain_duckdb_client(loaded):
    con = duckdb.connect(str(loaded.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw_prm.partner").fetchone()[0] > 0
    finally:
        con.close()
