"""A backfill rebuilds its days into a fresh working file and keeps the history snapshots of every other day: a
snapshot is what a build saw on its night and cannot be rebuilt from the landing archive (issue 15: a backfill
threw away all earlier history, so a past quarter's audit changed)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import duckdb
import pytest

from settings import Settings
from tests.conftest import AS_OF

HISTORY = ("marts.mart_completeness_history", "marts.mart_audit_finding_history")
EARLIER = AS_OF - timedelta(days=92)  # a night of the previous quarter


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, pipeline):
    """The session's warehouse copied, one earlier night's snapshots added (the night's rows with an earlier
    as_of_date and run id), then `backfill --from AS_OF --to AS_OF` through the CLI."""
    from orchestration.cli import main

    _, built = pipeline
    root = tmp_path_factory.mktemp("backfill")
    working = root / "warehouse" / "pw.duckdb"
    working.parent.mkdir()
    shutil.copy(built.warehouse_path, working)
    before = {}
    with duckdb.connect(str(working)) as con:
        for table in HISTORY:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * REPLACE ('earlier-night' AS run_id, "
                        f"DATE '{EARLIER}' AS as_of_date) FROM {table}")
            before[table] = {
                "earlier": con.execute(f"SELECT * FROM {table} WHERE as_of_date = ? ORDER BY ALL", [EARLIER]).fetchall(),
                "runs_at_as_of": {r for (r,) in con.execute(
                    f"SELECT DISTINCT run_id FROM {table} WHERE as_of_date = ?", [AS_OF]).fetchall()},
            }
    patch = pytest.MonkeyPatch()
    for name, value in {"PW_LANDING_DIR": built.landing_dir, "PW_WAREHOUSE_PATH": working,
                        "PW_PUBLISHED_PATH": root / "published" / "pw.duckdb", "PW_DUCKDB_TEMP_DIR": root / "tmp",
                        "DAGSTER_HOME": root / "dagster", "PW_AS_OF_DATE": AS_OF.isoformat()}.items():
        patch.setenv(name, str(value))
    code = main(["backfill", "--from", AS_OF.isoformat(), "--to", AS_OF.isoformat()])
    settings = Settings.from_env()
    yield code, settings, before
    patch.undo()


def test_the_backfill_succeeds_and_publishes(backfilled):
    code, settings, _ = backfilled
    assert code == 0 and settings.published.exists()
    assert not settings.warehouse_path.with_name(settings.warehouse_path.name + ".before-backfill").exists()


@pytest.mark.parametrize("table", HISTORY)
def test_snapshots_outside_the_range_are_kept_unchanged(backfilled, table):
    _, settings, before = backfilled
    with duckdb.connect(str(settings.published), read_only=True) as con:
        earlier = con.execute(f"SELECT * FROM {table} WHERE as_of_date = ? ORDER BY ALL", [EARLIER]).fetchall()
    assert len(before[table]["earlier"]) > 0 and earlier == before[table]["earlier"]


@pytest.mark.parametrize("table", HISTORY)
def test_the_backfilled_day_has_one_new_snapshot(backfilled, table):
    """The day's earlier snapshot is replaced by the backfill's own: one run id, not the one built before."""
    _, settings, before = backfilled
    with duckdb.connect(str(settings.published), read_only=True) as con:
        runs = {r for (r,) in con.execute(f"SELECT DISTINCT run_id FROM {table} WHERE as_of_date = ?",
                                          [AS_OF]).fetchall()}
    assert len(runs) == 1 and not runs & before[table]["runs_at_as_of"]


def test_a_killed_backfill_is_undone_before_the_next_run(tmp_path, capsys):
    """A backfill killed between its days leaves the real working file set aside (with the WAL it had) and a partial
    one in its place: the next run or backfill puts the real one back, its WAL with it, and drops the partial."""
    from orchestration.cli import restore_killed_backfill, saved_before_backfill

    settings = Settings(warehouse_path=tmp_path / "warehouse" / "pw.duckdb", duckdb_temp_dir=tmp_path / "tmp")
    settings.warehouse_path.parent.mkdir()
    saved = saved_before_backfill(settings)
    with duckdb.connect(str(saved)) as con:
        con.execute("CREATE TABLE nights AS SELECT 'real' AS kind")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("CREATE TABLE nights AS SELECT 'partial' AS kind")
    shutil.copy(settings.warehouse_path, f"{settings.warehouse_path}.wal")  # any WAL of the partial file must go
    assert restore_killed_backfill(settings)
    assert not saved.exists() and not (tmp_path / "warehouse" / "pw.duckdb.wal").exists()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT kind FROM nights").fetchall() == [("real",)]
    assert "backfill was stopped before its end" in capsys.readouterr().err
    assert not restore_killed_backfill(settings), "nothing to restore the second time"
