"""Nightly operations, run as a data engineer would: the CLI in its own process, real files, real DuckDB.

Publishing (readers are never blocked and never see a mix, a killed run leaves the published warehouse
intact), idempotent reruns, Parquet export, run reports, the status command, the sensor, and a BI-style
SQLAlchemy connection."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from settings import PROJECT_ROOT, Settings
from tests.conftest import AS_OF

CHECKSUM_SCHEMAS = ("staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def ops(tmp_path_factory, sample_landing):
    root = tmp_path_factory.mktemp("ops")
    shutil.copytree(sample_landing, root / "landing")
    env = {
        **os.environ,
        "PW_LANDING_DIR": str(root / "landing"),
        "PW_WAREHOUSE_PATH": str(root / "warehouse" / "pw.duckdb"),
        "PW_PUBLISHED_PATH": str(root / "published" / "pw.duckdb"),
        "PW_DUCKDB_TEMP_DIR": str(root / "tmp"),
        "PW_DUCKDB_MEMORY_LIMIT": "1GB",
        "PW_AS_OF_DATE": AS_OF.isoformat(),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "PW_PUBLISH_PII_LAYERS": "0",  # the default (the session's pipeline fixture turns it on for its own build)
    }
    return root, env


def _settings(env: dict) -> Settings:
    return Settings.from_env(env)


def _cli(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, **kwargs,
    )


def _run(env: dict, *args: str) -> str:
    process = _cli(env, *args)
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-4000:]
    return output


def _checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table and view the readers see."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
            f"{CHECKSUM_SCHEMAS} AND table_name NOT LIKE '%history%' ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0)::VARCHAR FROM "{s}"."{t}" x').fetchone()
            for s, t in tables
        }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_portal_events(landing: Path, name: str, prefix: str, count: int = 50) -> int:
    folder = landing / "prm" / "portal_activity"
    source = sorted(folder.glob("*.jsonl"))[0]
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:count]]
    for number, record in enumerate(records):
        record["event_id"] = f"{prefix}-{number}"
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return len(records)


# The tests of this module build on each other in order: first build, rerun, a new night with readers,
# a killed run, recovery.


def test_first_build_publishes_the_warehouse_and_parquet(ops):
    root, env = ops
    output = _run(env, "run", "--no-sample")
    settings = _settings(env)
    assert "Run succeeded" in output
    assert settings.published.exists()
    with duckdb.connect(str(settings.published), read_only=True) as con:
        build_id = con.execute("SELECT build_id FROM ops.publications ORDER BY published_at DESC LIMIT 1").fetchone()[0]
        marts = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()]
        loads = con.execute("SELECT count(*), sum(rows_loaded) FROM ops.load_runs WHERE run_id = ?", [build_id]).fetchone()
        models = con.execute("SELECT count(*) FROM ops.model_runs WHERE run_id = ? AND status = 'success'",
                             [build_id]).fetchone()[0]
    assert loads[0] == 21 and loads[1] > 10_000
    assert models > 20
    parquet = settings.parquet_dir
    assert parquet.is_symlink()
    assert sorted(p.name for p in parquet.iterdir()) == sorted(marts)
    assert marts
    with duckdb.connect(str(settings.published), read_only=True) as con:
        for mart in marts:
            exported = con.execute(f"SELECT count(*) FROM read_parquet('{parquet / mart}/*.parquet')").fetchone()[0]
            assert exported == con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0]


def test_the_published_warehouse_leaves_the_personal_data_layers_out(ops):
    """Readers get reference data, intermediate, marts and run reports; raw_*, staging and ops.quarantine (readable
    personal data) stay in the working file."""
    _, env = ops
    settings = _settings(env)

    def tables(path: Path) -> set[str]:
        with duckdb.connect(str(path), read_only=True) as con:
            return {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}

    working, published = tables(settings.warehouse_path), tables(settings.published)
    left_out = working - published
    assert published < working
    assert left_out == {t for t in working if t.startswith(("raw_", "staging.")) or t == "ops.quarantine"}
    assert any(t.startswith("marts.") for t in published) and any(t.startswith("intermediate.") for t in published)


def test_running_the_same_night_twice_gives_the_same_warehouse(ops):
    _, env = ops
    settings = _settings(env)
    before = _checksums(settings.published)
    output = _run(env, "run", "--no-sample")
    assert "Run succeeded" in output
    after = _checksums(settings.published)
    assert len(before) >= 21
    assert after == before


READER = textwrap.dedent(
    """
    import duckdb, json, os, sys, time
    path, stop, log, how = sys.argv[1:5]
    # "held": a BI tool that keeps one connection open all day; "fresh": one that connects for every query.
    # (DuckDB shares one open database per file within a process, hence one process per reader kind.)
    held = duckdb.connect(path, read_only=True) if how == "held" else None
    seen = []
    while not os.path.exists(stop):
        con = held or duckdb.connect(path, read_only=True)
        try:
            build = con.execute("SELECT build_id FROM ops.publications ORDER BY published_at DESC LIMIT 1").fetchone()[0]
            expected = dict((f"{s}.{t}", n) for s, t, n in con.execute(
                "SELECT table_schema, table_name, row_count FROM ops.publications "
                "WHERE build_id = ? AND table_name IS NOT NULL", [build]).fetchall())
            actual = dict((name, con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in expected)
            # Portal events loaded, as the build's own run report says (staging is not published: personal data).
            events = con.execute("SELECT sum(rows_loaded) FROM ops.loaded_files "
                                 "WHERE entity = 'portal_activity' AND status = 'loaded'").fetchone()[0]
            seen.append({"how": how, "build": build, "consistent": expected == actual, "events": events})
        except Exception as error:
            seen.append({"how": how, "error": repr(error)})
        finally:
            if held is None:
                con.close()
        time.sleep(0.05)
    json.dump(seen, open(log, "w"))
    """
)


def _write_crm_opportunity_night(landing: Path, name: str) -> dict[str, str]:
    """A CRM night file: a corrected version (newer LastModifiedDate), a soft delete, and a late version older than
    the loaded one. Returns the ids by role."""
    import csv

    folder = landing / "crm" / "opportunity"
    with sorted(folder.glob("Opportunity_*.csv"))[0].open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, [r for r in reader if r["IsDeleted"] == "false" and r["Amount"]][:3]
    corrected, deleted, late = (dict(r) for r in rows)
    corrected.update(Amount="123457.89", LastModifiedDate="2026-11-25T01:00:00.000+0000")
    deleted.update(IsDeleted="true", LastModifiedDate="2026-11-25T01:00:00.000+0000")
    late.update(Amount="1.00", LastModifiedDate="2020-01-01T00:00:00.000+0000")
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows([corrected, deleted, late])
    return {"corrected": corrected["Id"], "deleted": deleted["Id"], "late": late["Id"], "late_amount": rows[2]["Amount"]}


def test_a_night_applies_corrections_deletes_and_late_versions_and_a_rebuild_gives_the_same_tables(ops, tmp_path):
    """Corrections win, deletions leave staging and the marts (not raw), a late older version loses; and building
    the same raw data again gives identical tables (no result depends on the order rows arrive in)."""
    from warehouse.dbt import run_dbt

    root, env = ops
    ids = _write_crm_opportunity_night(root / "landing", "Opportunity_20261125_corrections.csv")
    _add_portal_events(root / "landing", "night_incremental.jsonl", "incr")
    _run(env, "run", "--no-sample")
    settings = _settings(env)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        staged = dict(con.execute(
            "SELECT opportunity_id, amount FROM staging.stg_crm__opportunity WHERE opportunity_id IN (?, ?, ?)",
            [ids["corrected"], ids["deleted"], ids["late"]]).fetchall())
        in_marts = con.execute("SELECT count(*) FROM marts.fct_opportunity_partner WHERE opportunity_id = ?",
                               [ids["deleted"]]).fetchone()[0]
        in_raw = con.execute("SELECT count(*) FROM raw_crm.opportunity WHERE id = ? AND is_deleted",
                             [ids["deleted"]]).fetchone()[0]
    assert float(staged[ids["corrected"]]) == 123457.89
    assert float(staged[ids["late"]]) == float(ids["late_amount"])
    assert ids["deleted"] not in staged and in_marts == 0 and in_raw == 1

    rebuilt = tmp_path / "rebuilt" / settings.warehouse_path.name
    rebuilt.parent.mkdir()
    shutil.copyfile(settings.warehouse_path, rebuilt)
    run_dbt(_settings({**env, "PW_WAREHOUSE_PATH": str(rebuilt)}), "build", "--exclude-resource-type", "unit_test",
            "--quiet", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), base=env,
            check=True)
    night, again = _checksums(settings.warehouse_path), _checksums(rebuilt)
    assert len(again) > 50
    assert {k: v for k, v in night.items() if v != again.get(k)} == {}


def test_readers_are_never_blocked_and_never_see_a_mix(ops):
    root, env = ops
    settings = _settings(env)
    old_build = _latest_build(settings.published)
    added = _add_portal_events(Path(env["PW_LANDING_DIR"]), "portal_activity_20261125.jsonl", "EVT-NIGHT2")
    stop = root / "reader.stop"
    readers = {
        how: subprocess.Popen([sys.executable, "-c", READER, str(settings.published), str(stop), str(root / f"{how}.json"), how])
        for how in ("held", "fresh")
    }
    try:
        time.sleep(1)
        _run(env, "run", "--no-sample")
        time.sleep(1)
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    seen = {how: json.loads((root / f"{how}.json").read_text()) for how in readers}
    every = seen["held"] + seen["fresh"]
    errors = [s for s in every if "error" in s]
    assert errors == [], errors[:3]
    assert min(len(seen["held"]), len(seen["fresh"])) > 20
    assert all(s["consistent"] for s in every)
    new_build = _latest_build(settings.published)
    assert new_build != old_build
    fresh_builds = [s["build"] for s in seen["fresh"]]
    assert fresh_builds[0] == old_build and fresh_builds[-1] == new_build  # the swap happened under the reader
    assert {s["build"] for s in seen["held"]} == {old_build}  # an open connection keeps its version
    events = {s["build"]: s["events"] for s in every}
    assert events[new_build] == events[old_build] + _rows_loaded(settings, "portal_activity_20261125.jsonl")
    assert 0 < _rows_loaded(settings, "portal_activity_20261125.jsonl") <= added


def _rows_loaded(settings: Settings, file_name: str) -> int:
    with duckdb.connect(str(settings.published), read_only=True) as con:
        return con.execute(
            "SELECT sum(rows_loaded) FROM ops.loaded_files WHERE source_file LIKE ? AND status = 'loaded'", [f"%/{file_name}"]
        ).fetchone()[0]


def _latest_build(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT build_id FROM ops.publications ORDER BY published_at DESC LIMIT 1").fetchone()[0]


def test_a_killed_run_leaves_the_published_warehouse_intact_and_the_next_run_completes(ops):
    _, env = ops
    settings = _settings(env)
    published_before = _sha256(settings.published)
    build_before = _latest_build(settings.published)
    _add_portal_events(Path(env["PW_LANDING_DIR"]), "portal_activity_20261126.jsonl", "EVT-NIGHT3")
    process = _cli(env, "run", "--no-sample")
    loaded = 0
    deadline = time.time() + 300
    for line in process.stdout:  # kill it half-way through the loads
        loaded += line.strip().startswith("loaded ")
        if loaded >= 10 or time.time() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert loaded >= 10, "the run should have been killed during its loads"
    assert process.returncode == -signal.SIGKILL
    assert _sha256(settings.published) == published_before
    assert _latest_build(settings.published) == build_before
    output = _run(env, "run", "--no-sample")
    assert "Run succeeded" in output
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:  # staging: the working file only
        night3 = con.execute(
            "SELECT count(*) FROM staging.stg_prm__portal_activity WHERE portal_event_id LIKE 'EVT-NIGHT3-%'"
        ).fetchone()[0]
    with duckdb.connect(str(settings.published), read_only=True) as con:
        loaded_once = con.execute(
            "SELECT count(*) FROM ops.loaded_files WHERE source_file LIKE '%portal_activity_20261126.jsonl' "
            "AND status = 'loaded'"
        ).fetchone()[0]
    assert loaded_once == 1  # the killed run's load was rolled back, the next run loaded the file once
    assert night3 == _rows_loaded(settings, "portal_activity_20261126.jsonl") > 40


def test_status_shows_the_runs_and_whether_they_were_published(ops):
    _, env = ops
    output = _run(env, "status", "--runs", "10")
    settings = _settings(env)
    with duckdb.connect(str(settings.published), read_only=True) as con:
        published = [b for (b,) in con.execute("SELECT DISTINCT build_id FROM ops.publications").fetchall()]
    assert len(published) == 5  # first build, rerun, incremental night, second night, the run after the kill
    rows = {line.split()[0]: line for line in output.splitlines() if line.split() and len(line.split()[0]) == 8}
    for build in published:
        assert rows[build[:8]].rstrip().endswith("yes")
    unpublished = [line for line in rows.values() if line.rstrip().endswith(" no")]
    assert len(unpublished) == 1  # the killed run: its first loads were recorded, it never published


def test_a_bi_tool_connects_read_only_through_sqlalchemy(ops):
    import sqlalchemy

    _, env = ops
    settings = _settings(env)
    engine = sqlalchemy.create_engine(f"duckdb:///{settings.published}", connect_args={"read_only": True})
    with engine.connect() as connection:
        partners = connection.execute(sqlalchemy.text("SELECT count(*) FROM marts.dim_partner")).scalar()
        schemas = {r[0] for r in connection.execute(sqlalchemy.text("SELECT schema_name FROM information_schema.schemata"))}
        with pytest.raises(sqlalchemy.exc.SQLAlchemyError):
            connection.execute(sqlalchemy.text("CREATE TABLE marts.x (a INTEGER)"))
    engine.dispose()
    assert partners > 50
    assert {"intermediate", "marts", "ops"} <= schemas and "staging" not in schemas


def test_the_sensor_requests_a_run_only_when_files_change(ops, tmp_path):
    import dagster as dg

    from orchestration.sensors import landing_zone_sensor

    _, env = ops
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with dg.instance_for_test() as instance:
            first = landing_zone_sensor(dg.build_sensor_context(instance=instance))
            cursor = first.cursor
            again = landing_zone_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
            _add_portal_events(Path(env["PW_LANDING_DIR"]), "portal_activity_20261127.jsonl", "EVT-SENSOR", 5)
            after_new_file = landing_zone_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert len(first.run_requests) == 1
    assert isinstance(again, dg.SkipReason) and "no new files" in again.skip_message
    assert len(after_new_file.run_requests) == 1
    assert after_new_file.run_requests[0].run_key != first.run_requests[0].run_key
    assert after_new_file.cursor != cursor
