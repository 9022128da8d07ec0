"""The pooled event log (orchestration/dagster_storage.py) is Dagster's SQLite event log with its databases kept
open: what one instance writes through it, Dagster's stock storage reads back whole, and it keeps only a few files
open however many runs it touches."""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.cli import ensure_dagster_home
from orchestration.dagster_storage import OPEN_DATABASES, PooledSqliteEventLogStorage
from settings import Settings


@dg.asset
def numbers() -> int:
    return 1


@dg.asset_check(asset=numbers)
def numbers_positive(numbers: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=numbers > 0)


def _instance(home, monkeypatch) -> dg.DagsterInstance:
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # ensure_dagster_home sets it: restored after the test
    ensure_dagster_home(Settings.from_env({"DAGSTER_HOME": str(home)}))
    return dg.DagsterInstance.from_config(str(home))


def _run_twice(instance: dg.DagsterInstance) -> list[str]:
    job = dg.define_asset_job("numbers_job")
    definitions = dg.Definitions(assets=[numbers], asset_checks=[numbers_positive], jobs=[job])
    return [definitions.resolve_job_def("numbers_job").execute_in_process(instance=instance).run_id for _ in range(2)]


def test_the_dagster_home_uses_the_pooled_event_log_and_stock_dagster_reads_what_it_wrote(tmp_path, monkeypatch):
    with _instance(tmp_path / "home", monkeypatch) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_ids = _run_twice(instance)
        written = {run_id: [e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event]
                   for run_id in run_ids}
    stock = SqliteEventLogStorage(str(tmp_path / "home" / "history" / "runs"))
    for run_id, types in written.items():
        assert [e.dagster_event_type for e in stock.get_logs_for_run(run_id) if e.is_dagster_event] == types
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
    # The index database (cross-run asset queries) holds both runs' materializations and check results.
    latest = stock.get_latest_materialization_events([dg.AssetKey("numbers")])[dg.AssetKey("numbers")]
    assert latest is not None and latest.run_id == run_ids[-1]
    assert len(stock.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("numbers"), "numbers_positive"), limit=10)) == 2


def test_it_keeps_only_a_few_databases_open_and_closes_them_on_dispose(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    for number in range(OPEN_DATABASES * 2):
        with storage.run_connection(f"run-{number}"):
            pass
    assert len(storage._engines) == OPEN_DATABASES
    assert "run-0" not in storage._engines and f"run-{OPEN_DATABASES * 2 - 1}" in storage._engines
    storage.dispose()
    assert not storage._engines
