"""Run reports in the warehouse's `ops` schema: one row per run and source table, one per run and dbt node.

`make status` reads them back. Written into the working warehouse by the steps themselves (the loads after
their transaction, dbt results once dbt has closed the file), so a failed run is recorded too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from connectors.loader import EntityReport
from warehouse.ops import ensure_ops_schema


def record_load_run(
    con: duckdb.DuckDBPyConnection, run_id: str, system: str, entity: str, seconds: float,
    report: EntityReport | None = None, error: str | None = None,
) -> None:
    """Status 'failed' (the load stopped: `error`), 'rejected' (it went on past files it rejected whole, named in
    `error` with line and rule) or 'success'."""
    ensure_ops_schema(con)
    totals = [0, 0, 0, 0, 0] if report is None else [
        len(report.files), report.skipped_files, report.total("rows_read"), report.total("rows_loaded"),
        report.total("rows_quarantined"),
    ]
    rejected = report.rejected if report is not None else []
    status = "failed" if error else "rejected" if rejected else "success"
    error = error or ("; ".join(str(e) for e in rejected) or None)
    con.execute(
        "INSERT INTO ops.load_runs (run_id, system, entity, status, files, files_skipped, rows_read, rows_loaded, "
        "rows_quarantined, seconds, error, finished_at, files_rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, system, entity, status, *totals, seconds, error, datetime.now(UTC), len(rejected)],
    )


def rejections(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """What the loads of this run rejected: one text per source table that rejected files (file, line, rule)."""
    ensure_ops_schema(con)
    return [error for (error,) in con.execute(
        "SELECT error FROM ops.load_runs WHERE run_id = ? AND files_rejected > 0 ORDER BY system, entity", [run_id]
    ).fetchall()]


def record_model_runs(con: duckdb.DuckDBPyConnection, run_id: str, run_results: dict) -> int:
    """Rows from dbt's run_results.json artifact: every model, seed, snapshot and test of the invocation."""
    ensure_ops_schema(con)
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
