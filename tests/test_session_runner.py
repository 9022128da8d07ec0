"""The session runner (warehouse/runner.py) builds the warehouse `dbt build` builds: the same small sample loaded
into two real DuckDB files, one built by dbt, one by the runner, twice each (the history models append a second
snapshot), compared table by table (columns, row counts, an order-independent checksum of every row) and test by
test (status and failing rows). A broken model fails alone: its descendants are skipped, the rest is built, and
its previous table is kept."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from connectors.loader import load_all
from tests.conftest import AS_OF, settings_for
from warehouse import runner
from warehouse.connection import connect
from warehouse.dbt import BUILD_ARGS, run_dbt, target_dir

LAYERS = ("reference", "staging", "intermediate", "marts")
RUN_COLUMNS = ("run_id", "run_started_at")  # the history models' stamp of the run: differs between any two runs


def _tables(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple]:
    """Every table of the dbt layers: (columns with types and nullability, row count, checksum of every row)."""
    tables = {}
    for schema, table in con.execute(
            f"SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN {LAYERS} ORDER BY ALL").fetchall():
        relation = f'"{schema}"."{table}"'
        columns = con.execute(f"DESCRIBE {relation}").fetchall()
        exclude = [c[0] for c in columns if c[0] in RUN_COLUMNS]
        rows = f"(SELECT * EXCLUDE ({', '.join(exclude)}) FROM {relation})" if exclude else relation
        tables[schema, table] = (columns, *con.execute(f"SELECT count(*), sum(hash(r)) FROM {rows} AS r").fetchone())
    return tables


@pytest.fixture(scope="module")
def raw_warehouse(tmp_path_factory, sample_landing) -> Path:
    """The sample loaded into raw tables (no dbt yet): the starting point both builds copy."""
    root = tmp_path_factory.mktemp("runner_raw")
    settings = replace(settings_for(root, sample_landing), as_of_date=AS_OF)
    load_all(settings)
    return settings.warehouse_path


def _settings(root: Path, raw: Path):
    """Settings of a copy of `raw` under `root`: the same file name (DuckDB names the database after it), its own
    dbt target folder."""
    settings = replace(settings_for(root, root / "landing"), as_of_date=AS_OF, dbt_target_path=root / "target")
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(raw, settings.warehouse_path)
    return settings


@pytest.fixture(scope="module")
def both_builds(tmp_path_factory, raw_warehouse):
    """(dbt's settings, dbt's run results per night, runner's settings, runner's results per night), two nights."""
    by_dbt = _settings(tmp_path_factory.mktemp("by_dbt"), raw_warehouse)
    by_runner = _settings(tmp_path_factory.mktemp("by_runner"), raw_warehouse)
    dbt_nights, runner_nights = [], []
    compile_project = runner.compile_project
    try:
        for _ in range(2):
            run_dbt(by_dbt, *BUILD_ARGS, "--quiet", check=True)
            results = json.loads((target_dir(by_dbt) / "run_results.json").read_text())["results"]
            dbt_nights.append({r["unique_id"]: (r["status"], r.get("failures")) for r in results})
            COMPILES.append(0)
            runner.compile_project = _counted(compile_project)
            outcome, _ = runner.build(by_runner, lambda: connect(by_runner))
            runner_nights.append(outcome)
    finally:
        runner.compile_project = compile_project
    return by_dbt, dbt_nights, by_runner, runner_nights


COMPILES: list[int] = []  # `dbt compile`s per night of the runner's warehouse in both_builds


def _counted(compile_project):
    def counted(*args, **kwargs):
        COMPILES[-1] += 1
        return compile_project(*args, **kwargs)
    return counted


def test_the_runner_builds_every_table_dbt_builds_identically(both_builds):
    by_dbt, _, by_runner, _ = both_builds
    with connect(by_dbt, read_only=True) as con:
        expected = _tables(con)
    with connect(by_runner, read_only=True) as con:
        built = _tables(con)
    assert set(built) == set(expected)
    assert len(expected) > 80
    differing = [table for table in expected if built[table] != expected[table]]
    assert differing == []
    history = [t for t in expected if t[1].endswith("_history")]
    assert history and all(expected[t][1] > 0 for t in history)


def test_the_history_models_append_one_snapshot_per_run(both_builds):
    _, _, by_runner, _ = both_builds
    with connect(by_runner, read_only=True) as con:
        for table in ("mart_completeness_history", "mart_audit_finding_history"):
            runs = con.execute(f"SELECT count(DISTINCT run_id), count(DISTINCT run_started_at) > 0 "
                               f"FROM marts.{table}").fetchone()
            assert runs == (2, True), table


def test_the_runner_gives_every_test_the_result_dbt_gives(both_builds):
    _, dbt_nights, _, runner_nights = both_builds
    for dbt_results, runner_results in zip(dbt_nights, runner_nights, strict=True):
        ours = {r.unique_id: r for r in runner_results}
        tests = {uid: outcome for uid, outcome in dbt_results.items() if uid.startswith("test.")}
        assert len(tests) > 90  # every nightly test (row_rules: about one per model), not a handful
        assert {uid: (ours[uid].status, ours[uid].failures) for uid in tests} == tests
        models = {uid: status for uid, (status, _) in dbt_results.items() if uid.startswith(("model.", "seed."))}
        # dbt reloads every seed each run; the runner keeps a seed whose file did not change ("reused").
        assert {uid: ours[uid].status.replace("reused", "success") for uid in models} == models


def test_a_new_warehouse_compiles_once_its_history_tables_need_no_second_compile(both_builds):
    """The first night compiles (nothing compiled yet); the second reuses it, although the history models' tables exist
    only since the first night (their SQL does not depend on it) and append a second snapshot (test above)."""
    assert COMPILES == [1, 0]


def test_a_second_run_reuses_the_compiled_project(both_builds, monkeypatch):
    """Nothing that changes compiled SQL changed since the second night (the history tables existed then too):
    no `dbt compile`, and the date of the run still reaches the SQL (a session variable, not a recompile)."""
    _, _, by_runner, _ = both_builds

    def no_compile(*args, **kwargs):
        raise AssertionError("dbt compile ran although the compiled project's key had not changed")

    monkeypatch.setattr(runner, "compile_project", no_compile)
    later = replace(by_runner, as_of_date=AS_OF.replace(year=AS_OF.year + 1))
    results, _ = runner.build(later, lambda: connect(later))
    assert {r.status for r in results} <= {"success", "reused", "pass", "warn"}
    with connect(later, read_only=True) as con:
        assert con.execute("SELECT max(as_of_date) FROM marts.mart_completeness_history").fetchone()[0] == later.as_of_date


def test_a_failing_model_skips_its_descendants_only_and_keeps_its_previous_table(both_builds, tmp_path):
    _, _, by_runner, _ = both_builds
    settings = _settings(tmp_path, by_runner.warehouse_path)
    shutil.copytree(target_dir(by_runner), target_dir(settings))
    broken = "model.partner_warehouse.stg_lms__course"
    compiled = json.loads((target_dir(settings) / "session" / "manifest.json").read_text())
    compiled["nodes"][broken]["compiled_code"] = "select no_such_column from no_such_table"
    with connect(settings, read_only=True) as con:
        before = con.execute("SELECT count(*) FROM staging.stg_lms__course").fetchone()[0]
        key = runner.compile_key(settings, con)
    (target_dir(settings) / "session" / "manifest.json").write_text(json.dumps(compiled))
    (target_dir(settings) / "session" / "key").write_text(key)

    results = {r.unique_id: r for r in runner.build(settings, lambda: connect(settings))[0]}
    assert results[broken].status == "error" and "no_such_table" in results[broken].message
    children = {uid for uid, n in compiled["nodes"].items() if broken in n["depends_on"].get("nodes", [])}
    assert children and all(results[uid].status == "skipped" for uid in children)
    assert results["model.partner_warehouse.stg_prm__partner"].status == "success"
    with connect(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.stg_lms__course").fetchone()[0] == before > 0


def test_a_night_with_nothing_new_rebuilds_only_what_the_date_touches_and_equals_a_full_rebuild(both_builds, tmp_path):
    """The next day with no new file: fewer models rebuilt (those reading the date and their descendants), and the
    warehouse is the one a full rebuild for that day gives."""
    from orchestration.run_log import record_model_runs

    _, _, by_runner, _ = both_builds
    night = _settings(tmp_path / "night", by_runner.warehouse_path)
    shutil.copytree(target_dir(by_runner), target_dir(night))
    full, compiled = runner.build(night, lambda: connect(night))
    with connect(night) as con:  # what the pipeline records after every build: when each model last built
        record_model_runs(con, "full", {"results": [r.as_run_result() for r in full]})

    # The next day, nothing new: the models that read the date must move with it, the others may be kept.
    night = replace(night, as_of_date=AS_OF + timedelta(days=1))
    results, _ = runner.build(night, lambda: connect(night), changed_only=True)
    rebuilt = {r.unique_id for r in results if r.resource_type == "model"}
    every_model = {uid for uid, n in compiled["nodes"].items() if n["resource_type"] == "model"}
    dated = runner.run_value_models(compiled)
    assert dated and dated <= rebuilt < every_model
    assert len(rebuilt) < len(every_model) / 2
    assert all(r.status in ("success", "reused", "pass", "warn") for r in results)

    rebuild = replace(_settings(tmp_path / "rebuild", night.warehouse_path), as_of_date=night.as_of_date)
    shutil.copytree(target_dir(night), target_dir(rebuild))
    runner.build(rebuild, lambda: connect(rebuild))
    with connect(night, read_only=True) as con:
        after_night = {t: v for t, v in _tables(con).items() if not t[1].endswith("_history")}
    with connect(rebuild, read_only=True) as con:
        after_rebuild = {t: v for t, v in _tables(con).items() if not t[1].endswith("_history")}
    assert after_night == after_rebuild

    # A model whose table was built from other SQL (the project changed since, or `dbt build` built it) rebuilds,
    # with what reads it; models built from their current SQL with nothing new are kept, recompiled or not.
    course = "model.partner_warehouse.stg_lms__course"
    with connect(night) as con:
        con.execute("COMMENT ON TABLE staging.stg_lms__course IS 'sql:an older version'")
    again, _ = runner.build(night, lambda: connect(night), changed_only=True)
    rebuilt_again = {r.unique_id for r in again if r.resource_type == "model"}
    readers = {uid for uid, n in compiled["nodes"].items()
               if n["resource_type"] == "model" and course in n["depends_on"].get("nodes", [])}
    assert {course} | readers <= rebuilt_again < every_model
    assert "model.partner_warehouse.stg_crm__account" not in rebuilt_again


def test_a_compile_that_reads_a_history_table_no_longer_there_is_compiled_again(both_builds, raw_warehouse,
                                                                                 tmp_path, monkeypatch):
    """A compiled project kept from a warehouse whose history tables existed, with the is_incremental() guard in its
    SQL (as an older compile of the macro had), is not used on a warehouse without them: it is compiled again."""
    _, _, by_runner, _ = both_builds
    settings = _settings(tmp_path, raw_warehouse)
    shutil.copytree(target_dir(by_runner), target_dir(settings))
    cached = target_dir(settings) / "session" / "manifest.json"
    compiled = json.loads(cached.read_text())
    history = compiled["nodes"]["model.partner_warehouse.mart_completeness_history"]
    history["compiled_code"] += f"\nwhere run_id not in (select run_id from {history['relation_name']})"
    cached.write_text(json.dumps(compiled))
    with connect(settings, read_only=True) as con:
        # Kept under this warehouse's key: only the missing table can make the runner compile again.
        (target_dir(settings) / "session" / "key").write_text(runner.compile_key(settings, con))
        assert runner.reads_missing_table(con, compiled)
    COMPILES.append(0)
    monkeypatch.setattr(runner, "compile_project", _counted(runner.compile_project))
    results, _ = runner.build(settings, lambda: connect(settings))
    assert COMPILES[-1] == 1
    assert {r.status for r in results} <= {"success", "pass", "warn"}
