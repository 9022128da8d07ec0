"""One bad file never stops the night: a landing zone with one file of each kind of rejection beside the good
files, built by the real Dagster job. The good data is published, each rejected file is left out whole and
reported with file, line and rule (ops.loaded_files, ops.load_runs, the asset check, the run summary, `make
status`), and no error text holds a value of the files. With PW_STRICT=1 the same night publishes nothing.
Also: a key repeated in a later batch of the same file is quarantined, not loaded twice (#14)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from connectors.loader import load_entity
from connectors.registry import get_source
from tests.conftest import AS_OF, settings_for
from warehouse.connection import connect

# Values planted in the rejected files: none may appear in an error text (they are personal data or could be).
PLANTED = ["Jane Q. Secretperson", "jane.secret@example.org", "PENDING-SECRET-STATUS", "Maria Hiddenname"]

# file -> (rule, line) the rejection must name
EXPECTED = {
    "crm/opportunity/Opportunity_20261125.csv": ("required_column", 1),
    "crm/account/Account_20261125.csv": ("truncated", None),  # the line is checked against the file below
    "prm/deal_registration/deal_registration_20261125.jsonl": ("allowed_values", 2),
    "finance/entity/entity_20261125.parquet": ("unreadable", None),
    "prm/partner/partner_20261125.jsonl": ("json_parse", 1),
}


def _main_file(landing: Path, truth: dict, system: str, entity: str) -> Path:
    entry = next(f for f in truth["files"] if f["kind"] == "main" and f["system"] == system and f["entity"] == entity)
    return landing / entry["file"]


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)


def _plant_rejections(landing: Path) -> dict[str, int]:
    """One file of each kind of rejection beside the sample's good files. Returns the truncated file's line."""
    truth = json.loads((landing / "_ground_truth" / "ground_truth.json").read_text())
    # A required column missing (StageName).
    rows = _csv_rows(_main_file(landing, truth, "crm", "opportunity"))[:20]
    drop = rows[0].index("StageName")
    _write_csv(landing / "crm/opportunity/Opportunity_20261125.csv",
               [[v for i, v in enumerate(row) if i != drop] for row in rows])
    # Truncated: the transfer stopped inside a record, right after a name and an email.
    rows = _csv_rows(_main_file(landing, truth, "crm", "account"))[:10]
    header = rows[0]
    assert header.index("Name") < len(header) - 2
    rows[-1][header.index("Name")] = PLANTED[0]
    rows[-1][header.index("Name") + 1] = PLANTED[1]
    text = "".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows)
    cut = text.rindex(PLANTED[1]) + len(PLANTED[1]) + 2  # the rest of the last record and its line end are lost
    (landing / "crm/account/Account_20261125.csv").write_text(text[:cut], encoding="utf-8")
    truncated_line = text[:cut].count("\n") + 1
    # Too many rows breaking the contract (half have a status the contract does not know).
    source = _main_file(landing, truth, "prm", "deal_registration")
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:20]]
    for number, record in enumerate(records):
        record["registration_id"] = f"DR-9{number}"
        if number % 2:
            record["status"] = PLANTED[2]
    (landing / "prm/deal_registration/deal_registration_20261125.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    # Unreadable Parquet (cut in half).
    source = _main_file(landing, truth, "finance", "entity")
    (landing / "finance/entity/entity_20261125.parquet").write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    # JSON lines whose every line is broken JSON (an export tool that wrote Python dicts): every line is a
    # json_parse row, far above the threshold, so the file is rejected whole.
    (landing / "prm/partner/partner_20261125.jsonl").write_text(
        f"{{'partner_id': 'PRM-1', 'company_name': '{PLANTED[3]}'}}\n{{'partner_id': 'PRM-2', 'company_name': 'Other'}}\n",
        encoding="utf-8")
    return {"crm/account/Account_20261125.csv": truncated_line}


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A small sample with the rejected files planted, then two real builds: the default one (publishes) and a
    strict one (PW_STRICT=1: must publish nothing). Returns what each build left behind."""
    from sample import generate

    root = tmp_path_factory.mktemp("rejections")
    landing = root / "landing"
    generate(landing, partners=12, seed=5, as_of=AS_OF)
    lines = _plant_rejections(landing)
    settings = settings_for(root, landing, as_of_date=AS_OF, dagster_home=root / "dagster_home")
    patch = pytest.MonkeyPatch()
    patch.setenv("DAGSTER_HOME", str(settings.dagster_home))  # execute_build sets it; restored afterwards
    try:
        first = _build(settings)
        published_sha = hashlib.sha256(settings.published.read_bytes()).hexdigest()
        strict = _build(replace(settings, strict=True))
    finally:
        patch.undo()
    return {"settings": settings, "lines": lines, "first": first, "strict": strict, "published_sha": published_sha}


def _build(settings) -> dict:
    from orchestration.cli import execute_build
    from orchestration.summary import run_summary, status_report

    result = execute_build(settings, "WARNING")
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return {"result": result, "summary": run_summary(result, settings, 1.0), "status": status_report(settings),
            "checks": checks}


def _expected_line(night, file: str) -> int | None:
    return night["lines"].get(file, EXPECTED[file][1])


def test_the_night_publishes_the_good_data_and_leaves_every_rejected_file_out(night):
    settings, result = night["settings"], night["first"]["result"]
    assert result.success, night["first"]["summary"]
    with duckdb.connect(str(settings.published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.dim_partner").fetchone()[0] >= 12
        build = con.execute("SELECT build_id FROM ops.publications ORDER BY published_at DESC LIMIT 1").fetchone()[0]
    assert build == result.run_id
    with connect(settings, read_only=True) as con:
        for file in EXPECTED:
            system, entity = file.split("/")[:2]
            in_raw = con.execute(f"SELECT count(*) FROM raw_{system}.{entity} WHERE _source_file = ?", [file]).fetchone()[0]
            in_quarantine = con.execute("SELECT count(*) FROM ops.quarantine WHERE source_file = ?", [file]).fetchone()[0]
            assert (in_raw, in_quarantine) == (0, 0), file
        # The good files of the same tables did load.
        assert con.execute("SELECT count(*) FROM raw_crm.opportunity").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM raw_finance.entity").fetchone()[0] > 0


def test_each_rejection_is_recorded_with_file_line_and_rule(night):
    settings = night["settings"]
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            "SELECT source_file, error_rule, error_line, error FROM ops.loaded_files WHERE status = 'failed' "
            "ORDER BY loaded_at"
        ).fetchall()
        load_runs = con.execute(
            "SELECT run_id, system || '.' || entity, status, files_rejected, error FROM ops.load_runs "
            "WHERE files_rejected > 0"
        ).fetchall()
    first_run = {(f, rule, line) for f, rule, line, _ in rows}
    for file in EXPECTED:
        rule, line = EXPECTED[file][0], _expected_line(night, file)
        assert (file, rule, line) in first_run, (file, sorted(first_run))
    # Every rejected file is tried again by the next (strict) run: two rows per file.
    assert len(rows) == 2 * len(EXPECTED)
    run_ids = {night["first"]["result"].run_id, night["strict"]["result"].run_id}
    assert {r[0] for r in load_runs} == run_ids
    assert all(status == "rejected" for _, _, status, _, _ in load_runs)
    assert sum(n for _, _, _, n, _ in load_runs) == 2 * len(EXPECTED)


def test_the_asset_check_fails_and_names_each_rejected_file(night):
    checks = [c for c in night["first"]["checks"] if c.check_name == "no_rejected_files"]
    failed = {"/".join(c.asset_key.path[1:]): c for c in checks if not c.passed}
    assert set(failed) == {"/".join(f.split("/")[:2]) for f in EXPECTED}
    assert all(c.severity.value == "ERROR" for c in failed.values())
    for file, (rule, _) in EXPECTED.items():
        listed = failed["/".join(file.split("/")[:2])].metadata["rejected_files"].value
        assert {"file": file, "rule": rule, "line": _expected_line(night, file)}.items() <= listed[0].items()
    assert any(c.passed for c in checks), "tables without a bad file pass the check"


def test_the_summary_has_one_line_per_rejected_file_and_tells_what_was_published(night):
    summary = night["first"]["summary"]
    for file, (rule, _) in EXPECTED.items():
        line = _expected_line(night, file)
        where = f"{file} line {line}" if line is not None else file
        assert any(row.strip().startswith(where) and f"rule {rule}:" in row for row in summary.splitlines()), file
    assert "DagsterExecutionStepExecutionError" not in summary
    assert f"Published warehouse (what readers and BI tools open): {night['settings'].published}" in summary
    status = night["first"]["status"]
    assert "Rejected files" in status and all(f in status for f in EXPECTED)
    # The sample's CRM exports carry Salesforce headers the mapping does not know: schema drift, shown.
    assert "Schema drift" in status and "SystemModstamp" in status


def test_strict_mode_publishes_nothing_and_says_why(night):
    settings, strict = night["settings"], night["strict"]
    assert not strict["result"].success  # `make run` exits 1
    assert hashlib.sha256(settings.published.read_bytes()).hexdigest() == night["published_sha"]
    with duckdb.connect(str(settings.published), read_only=True) as con:
        builds = {b for (b,) in con.execute("SELECT DISTINCT build_id FROM ops.publications").fetchall()}
    assert builds == {night["first"]["result"].run_id}
    summary = strict["summary"]
    assert "NOT published (strict mode (PW_STRICT=1)" in summary
    assert "The published warehouse was left as it was" in summary
    assert "Published warehouse (what" not in summary


def test_no_error_text_holds_a_value_of_the_files(night):
    settings = night["settings"]
    with connect(settings, read_only=True) as con:
        texts = [t for (t,) in con.execute(
            "SELECT error FROM ops.loaded_files WHERE error IS NOT NULL UNION ALL "
            "SELECT error FROM ops.load_runs WHERE error IS NOT NULL").fetchall()]
        # A rejected file leaves nothing behind, not even its quarantined rows (its file stays in the landing zone).
        assert con.execute("SELECT count(*) FROM ops.quarantine WHERE offending_value = ?", [PLANTED[2]]).fetchone()[0] == 0
    texts += [night["first"]["summary"], night["strict"]["summary"], night["strict"]["status"]]
    texts += [str(c.metadata) + str(c.description) for build in ("first", "strict") for c in night[build]["checks"]]
    assert len(texts) > 10
    for text in texts:
        for value in PLANTED:
            assert value not in text, (value, text[:300])


def test_the_audit_lists_rejected_files_and_schema_drift(night):
    settings = night["settings"]
    with duckdb.connect(str(settings.published), read_only=True) as con:
        findings = con.execute(
            "SELECT rule, severity, source_system, source_table, source_record_id, field_name "
            "FROM marts.fct_audit_finding WHERE finding_type = 'source_file'").fetchall()
    rejected = {(r[4], r[5]) for r in findings if r[0] == "rejected_file"}
    assert rejected == {(file, rule) for file, (rule, _) in EXPECTED.items()}
    assert all(r[1] == "high" for r in findings if r[0] == "rejected_file")
    drift = {(r[2], r[3], r[5], r[1]) for r in findings if r[0] == "schema_drift"}
    assert ("crm", "account", "unknown_columns", "low") in drift


# --- keys across batches of one file (#14) ---------------------------------------------------------------


def test_a_key_repeated_in_a_later_batch_of_the_same_file_is_quarantined_once(tmp_path, sample_landing):
    import pyarrow as pa

    landing = tmp_path / "landing"
    shutil.copytree(sample_landing, landing)
    settings = settings_for(tmp_path, landing, batch_rows=5)
    source = sorted((landing / "finance" / "entity").glob("*.parquet"))[0]
    table = pq.read_table(source)
    rows = table.num_rows
    assert rows > 10, "the repeat must come batches after the row it repeats"
    # Row 1 again at the end: same key and same version (last_modified), several batches of five rows later.
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), source)
    key = table.column("entity_id")[0].as_py()
    with connect(settings) as con:
        report = load_entity(get_source("finance"), "entity", settings, con)
        loaded = con.execute("SELECT count(*) FROM raw_finance.entity WHERE entity_id = ?", [key]).fetchone()[0]
        repeats = con.execute(
            "SELECT source_line, column_name, offending_value FROM ops.quarantine "
            "WHERE source_file = ? AND rule = 'unique_key'", [source.relative_to(landing).as_posix()]).fetchall()
    assert loaded == 1
    assert (rows + 1, "entity_id", key) in repeats
    file = next(f for f in report.files if f.file.endswith(source.name))
    assert file.rows_read == rows + 1 == file.rows_loaded + file.rows_quarantined
    assert file.rules["unique_key"] >= 1
