"""A file is loaded batch by batch, each batch its own transaction (a file-long transaction held memory in
proportion to the file, #15), and still whole or not at all: a file rejected after some of its batches were
committed, and a load killed between two batches, leave no row of it behind, and the killed file loads again
whole, once. Real files, a real DuckDB file and, for the kill, a real `python -m connectors` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.loader import load_entity
from connectors.registry import get_source
from tests.conftest import cli_environment, settings_for
from warehouse.connection import connect
from warehouse.publish import recover_killed_runs

BATCH_ROWS = 5


def _only_finance_entity(sample_landing: Path, landing: Path) -> Path:
    """A landing zone with one new finance entity file of at least four batches."""
    source = sorted((sample_landing / "finance" / "entity").glob("*.parquet"))[0]
    table = pq.read_table(source)
    assert table.num_rows >= 4 * BATCH_ROWS, "the file must span several batches"
    folder = landing / "finance" / "entity"
    folder.mkdir(parents=True)
    path = folder / source.name
    pq.write_table(table, path)
    return path


def _rows_of(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, int, int]:
    """(raw rows, quarantine rows, loading marks) of one file."""
    return (
        con.execute("SELECT count(*) FROM raw_finance.entity WHERE _source_file = ?", [name]).fetchone()[0],
        con.execute("SELECT count(*) FROM ops.quarantine WHERE source_file = ?", [name]).fetchone()[0],
        con.execute("SELECT count(*) FROM ops.loading_files WHERE source_file = ?", [name]).fetchone()[0],
    )


def test_a_file_rejected_after_some_of_its_batches_were_committed_leaves_no_row(tmp_path, sample_landing):
    landing = tmp_path / "landing"
    path = _only_finance_entity(sample_landing, landing)
    table = pq.read_table(path)
    # The last half of the rows has an id that is no NetSuite id: the rate is only known after the last batch,
    # when the first batches (valid) have long been committed.
    half = table.num_rows // 2
    column = table.schema.get_field_index("entity_id")
    ids = table.column(column).to_pylist()
    table = table.set_column(column, "entity_id", pa.array(ids[:half] + [f"not-an-id-{i}" for i in ids[half:]]))
    pq.write_table(table, path)
    settings = settings_for(tmp_path, landing, batch_rows=BATCH_ROWS)
    name = path.relative_to(landing).as_posix()
    with connect(settings) as con:
        report = load_entity(get_source("finance"), "entity", settings, con)
        assert [e.file for e in report.rejected] == [name]
        assert _rows_of(con, name) == (0, 0, 0)
        status = con.execute("SELECT status, error_rule FROM ops.loaded_files WHERE source_file = ?", [name]).fetchall()
    assert status == [("failed", "matches_pattern")]


def _wait_for(marker: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the load ended before its pause:\n{process.stdout.read()[-3000:]}")
        assert time.monotonic() < deadline, "the load never reached its pause"
        time.sleep(0.2)


def _load(env: dict, **variables: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "connectors", "--system", "finance"], env={**env, **variables},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


@pytest.mark.parametrize("recovery", ["next load", "run start"])
def test_a_load_killed_between_two_batches_is_undone_and_the_file_loads_again_whole(tmp_path, sample_landing,
                                                                                     recovery):
    landing = tmp_path / "landing"
    path = _only_finance_entity(sample_landing, landing)
    rows = pq.read_metadata(path).num_rows
    name = path.relative_to(landing).as_posix()
    env = cli_environment(tmp_path, landing, PW_BATCH_ROWS=str(BATCH_ROWS), PW_FAULT_MARKER_DIR=str(tmp_path))
    killed = _load(env, PW_FAULT_PAUSE="load.batch_committed")
    try:
        _wait_for(tmp_path / "load.batch_committed.reached", killed)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=60)
    warehouse = Path(env["PW_WAREHOUSE_PATH"])
    with duckdb.connect(str(warehouse)) as con:
        assert _rows_of(con, name)[0] == BATCH_ROWS  # the first batch committed, then the kill
        assert _rows_of(con, name)[2] == 1  # ... and the file marked as being loaded

    from orchestration.summary import status_report

    settings = settings_for(tmp_path, landing, warehouse_path=warehouse)
    assert "Half loaded by a killed run" in status_report(settings) and name in status_report(settings)
    if recovery == "run start":  # what `run`, `backfill` and `erase` do before anything reads the raw tables
        assert recover_killed_runs(settings)
        with duckdb.connect(str(warehouse)) as con:
            assert _rows_of(con, name) == (0, 0, 0)
    again = _load(env)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output
    assert (f"UNDONE {name}: a killed load had written {BATCH_ROWS:,} of its rows" in output) == (
        recovery == "next load")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded, quarantined, marks = _rows_of(con, name)
        keys = con.execute("SELECT count(DISTINCT entity_id) FROM raw_finance.entity").fetchone()[0]
        record = con.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM ops.loaded_files "
                             "WHERE source_file = ? AND status = 'loaded'", [name]).fetchall()
    assert marks == 0
    assert record == [(rows, loaded, record[0][2])] and loaded + record[0][2] == rows
    assert keys == loaded  # no entity twice
