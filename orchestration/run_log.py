"""Run reports in the warehouse's `ops` schema: one row per run and source table, one per run and dbt node.

`make status` reads them back. Written into the working warehouse by the steps themselves (the loads after
their transaction, dbt results once dbt has closed the file), so a failed run is recorded too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from connectors.loader import EntityReport

RUN_LOG_DDL = [
    "CREATE SCHEMA IF NOT EXISTS ops",
    """CREATE TABLE IF NOT EXISTS ops.load_runs (
        run_id VARCHAR, system VARCHAR, entity VARCHAR, status VARCHAR, files BIGINT, files_skipped BIGINT,
        rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, seconds DOUBLE, error VARCHAR,
        finished_at TIMESTAMP WITH TIME ZONE)""",
    """CREATE TABLE IF NOT EXISTS ops.model_runs (
        run_id VARCHAR, unique_id VARCHAR, resource_type VARCHAR, name VARCHAR, status VARCHAR, seconds DOUBLE,
        rows_affected BIGINT, failures BIGINT, message VARCHAR, finished_at TIMESTAMP WITH TIME ZONE)""",
]


def ensure_run_log(con: duckdb.DuckDBPyConnection) -> None:
    for statement in RUN_LOG_DDL:
        con.execute(statement)


def record_load_run(
    con: duckdb.DuckDBPyConnection, run_id: str, system: str, entity: str, seconds: float,
    report: EntityReport | None = None, error: str | None = None,
) -> None:
    ensure_run_log(con)
    totals = [0, 0, 0, 0, 0] if report is None else [
        len(report.files), report.skipped_files, report.total("rows_read"), report.total("rows_loaded"),
        report.total("rows_quarantined"),
    ]
    con.execute(
        "INSERT INTO ops.load_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, system, entity, "failed" if error else "success", *totals, seconds, error, datetime.now(UTC)],
    )


def record_model_runs(con: duckdb.DuckDBPyConnection, run_id: str, run_results: dict) -> int:
    """Rows from dbt's run_results.json artifact: every model, seed, snapshot and test of the invocation."""
    ensure_run_log(con)
    finished_at = datetime.now(UTC)
    rows = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        resource_type = unique_id.split(".", 1)[0]
        rows.append([
            run_id, unique_id, resource_type, unique_id.rsplit(".", 1)[-1], result.get("status"),
            result.get("execution_time"), (result.get("adapter_response") or {}).get("rows_affected"),
            result.get("failures"), (result.get("message") or "")[:2000], finished_at,
        ])
    if rows:
        con.executemany("INSERT INTO ops.model_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
