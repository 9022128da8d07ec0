"""Readable summaries of a run and of the warehouse, printed by `make run` and `partner-warehouse summary`."""

from __future__ import annotations

from connectors.settings import Settings
from connectors.warehouse import connect

QUERY_HINT = """\
Query it:
  .venv/bin/python -c "import duckdb; print(duckdb.connect('{path}', read_only=True).sql('select * from staging.stg_prm__partner limit 5'))"
  SQL example: select tier, count(*) partners from staging.stg_prm__partner group by tier order by partners desc;"""


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
