"""Readable summaries of a run and of the warehouse, printed by `make run` and `partner-warehouse summary`."""

from __future__ import annotations

from settings import Settings
from warehouse.connection import connect

QUERY_HINT = """\
Query it:
  .venv/bin/python -c "import duckdb; print(duckdb.connect('{path}', read_only=True).sql('select * from marts.dim_partner limit 5'))"
  SQL example: select tier, count(*) partners from marts.dim_partner group by tier order by partners desc;"""


def _table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows)]
    line = lambda values: "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w) for i, (v, w) in enumerate(zip(values, widths)))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def run_summary(result, settings: Settings, seconds: float) -> str:
    raw_rows, models = [], 0
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        path = materialization.asset_key.path
        if path[0] == "raw":
            meta = {k: v.value for k, v in materialization.metadata.items()}
            raw_rows.append((f"{path[1]}.{path[2]}", meta.get("files_new", 0), meta.get("rows_read", 0),
                             meta.get("rows_loaded", 0), meta.get("rows_quarantined", 0)))
        else:
            models += 1
    lines = [
        "",
        f"Run {'succeeded' if result.success else 'FAILED'} in {seconds:.1f}s (Dagster run {result.run_id}).",
        "",
        "Source tables (this run):",
        _table(sorted(raw_rows), ("table", "new files", "rows read", "loaded", "quarantined")) if raw_rows else "  (none)",
        "",
        f"dbt: {models} models/seeds materialized.",
    ]
    failures = [e for e in result.all_events if e.is_step_failure]
    for failure in failures:
        error = failure.step_failure_data.error
        lines.append(f"FAILED step {failure.step_key}: {error.message.strip() if error else 'see Dagster logs'}")
    lines += [
        "",
        f"Published warehouse (what readers and BI tools open): {settings.published}",
        f"Marts as Parquet: {settings.parquet_dir}/<mart>/",
        f"Working file the pipeline writes: {settings.warehouse_path}",
        QUERY_HINT.format(path=settings.published),
    ]
    return "\n".join(lines)


def warehouse_summary(settings: Settings) -> str:
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            "SELECT system || '.' || entity, count(*) FILTER (WHERE status = 'loaded'), "
            "coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0), "
            "count(*) FILTER (WHERE status = 'duplicate'), count(*) FILTER (WHERE status = 'failed') "
            "FROM ops.loaded_files GROUP BY 1 ORDER BY 1"
        ).fetchall()
    headers = ("table", "files", "rows read", "loaded", "quarantined", "re-deliveries", "failed loads")
    return f"Warehouse {settings.warehouse_path}\n\n{_table(rows, headers)}"


def _open_for_status(settings: Settings):
    """The working warehouse if no build holds it, else the published copy (DuckDB allows one writer)."""
    import duckdb

    try:
        return duckdb.connect(str(settings.warehouse_path), read_only=True), None
    except duckdb.IOException:
        note = "A build is running and holds the working warehouse; showing the last published build."
        return duckdb.connect(str(settings.published), read_only=True), note


def status_report(settings: Settings, runs: int = 5) -> str:
    if not settings.warehouse_path.exists():
        return f"No warehouse yet at {settings.warehouse_path}: run `make run`."
    con, note = _open_for_status(settings)
    try:
        has_log = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = 'load_runs'"
        ).fetchone()[0]
        if not has_log:
            return "No runs recorded yet."
        recent = con.execute(
            """
            WITH loads AS (
                SELECT run_id, min(finished_at) AS started, max(finished_at) AS finished,
                       sum(files) AS files, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS quarantined,
                       count(*) FILTER (WHERE status = 'failed') AS failed_loads
                FROM ops.load_runs GROUP BY run_id),
            models AS (
                SELECT run_id, count(*) FILTER (WHERE status IN ('success', 'pass')) AS ok,
                       count(*) FILTER (WHERE status IN ('error', 'fail')) AS failed,
                       count(*) FILTER (WHERE status = 'warn') AS warned
                FROM ops.model_runs GROUP BY run_id)
            SELECT loads.run_id, strftime(loads.started, '%Y-%m-%d %H:%M'), loads.files, loads.rows_loaded,
                   loads.quarantined, loads.failed_loads, coalesce(models.ok, 0), coalesce(models.warned, 0),
                   coalesce(models.failed, 0),
                   CASE WHEN EXISTS (SELECT 1 FROM ops.publications p WHERE p.build_id = loads.run_id)
                        THEN 'yes' ELSE 'no' END
            FROM loads LEFT JOIN models USING (run_id)
            ORDER BY loads.started DESC LIMIT ?
            """
            if _has_table(con, "publications") and _has_table(con, "model_runs") else
            "SELECT run_id, strftime(min(finished_at), '%Y-%m-%d %H:%M'), sum(files), sum(rows_loaded), "
            "sum(rows_quarantined), count(*) FILTER (WHERE status = 'failed'), 0, 0, 0, 'no' "
            "FROM ops.load_runs GROUP BY run_id ORDER BY min(finished_at) DESC LIMIT ?",
            [runs],
        ).fetchall()
        failures = con.execute(
            "SELECT run_id, system || '.' || entity, error FROM ops.load_runs WHERE status = 'failed' "
            "ORDER BY finished_at DESC LIMIT 5"
        ).fetchall()
        model_failures = con.execute(
            "SELECT run_id, resource_type || ' ' || name, message FROM ops.model_runs "
            "WHERE status IN ('error', 'fail') ORDER BY finished_at DESC LIMIT 10"
        ).fetchall() if _has_table(con, "model_runs") else []
    finally:
        con.close()
    headers = ("run", "started (UTC)", "new files", "rows loaded", "quarantined", "failed loads",
               "dbt ok", "dbt warn", "dbt failed", "published")
    rows = [(r[0][:8], *r[1:]) for r in recent]
    lines = [note] if note else []
    lines += [f"Last {len(rows)} runs ({settings.warehouse_path}):", "", _table(rows, headers)]
    if failures or model_failures:
        lines += ["", "What failed most recently:"]
        lines += [f"  run {r[:8]}  load {what}: {error}" for r, what, error in failures]
        lines += [f"  run {r[:8]}  {what}: {message.splitlines()[0] if message else ''}" for r, what, message in model_failures]
    return "\n".join(lines)


def _has_table(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = ?", [name]
    ).fetchone()[0])
