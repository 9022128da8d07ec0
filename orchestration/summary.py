"""Readable summaries of a run and of the warehouse, printed by `make run` and `partner-warehouse summary`."""

from __future__ import annotations

import json

from settings import Settings
from warehouse.connection import connect

QUERY_HINT = """\
Query it:
  .venv/bin/python -c "import duckdb; print(duckdb.connect('{path}', read_only=True).sql('select * from marts.dim_partner limit 5'))"
  SQL example: select tier, count(*) partners from marts.dim_partner group by tier order by partners desc;"""

QUARANTINE_HINT = (
    "  .venv/bin/python -c \"import duckdb; duckdb.connect('{path}', read_only=True).sql("
    "'select source_file, rule, count(*) as rows from ops.quarantine group by all order by rows desc').show()\""
)

NO_WAREHOUSE = (
    "No warehouse yet at {path}.\n"
    "Build it with `make run`: it loads the extracts in {landing} (PW_LANDING_DIR; unset: the bundled demo, "
    "generated on first use) and builds everything; `make status` then shows the runs."
)


def _table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows)]
    line = lambda values: "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w) for i, (v, w) in enumerate(zip(values, widths)))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def run_summary(result, settings: Settings, seconds: float) -> str:
    from orchestration.dbt import partner_warehouse_dbt_assets

    dbt_keys = set(partner_warehouse_dbt_assets.keys)
    raw_rows, other, rejected, published_meta = [], [], [], None
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        key = materialization.asset_key
        meta = {k: v.value for k, v in materialization.metadata.items()}
        if key.path[0] == "raw":
            raw_rows.append((f"{key.path[1]}.{key.path[2]}", meta.get("files_new", 0), meta.get("rows_read", 0),
                             meta.get("rows_loaded", 0), meta.get("rows_quarantined", 0),
                             meta.get("files_rejected", 0)))
            rejected += meta.get("rejected_files") or []
        elif key not in dbt_keys:
            other.append(key.to_user_string())
            if key.to_user_string() == "published/warehouse":
                published_meta = meta
    quarantined = sum(row[4] for row in raw_rows)
    lines = [
        "",
        f"Run {'succeeded' if result.success else 'FAILED'} in {seconds:.1f}s (Dagster run {result.run_id}).",
        "",
        "Source tables (this run):",
        _table(sorted(raw_rows), ("table", "new files", "rows read", "loaded", "quarantined", "rejected files"))
        if raw_rows else "  (none)",
    ]
    if rejected:
        lines += ["", f"Rejected files ({len(rejected)}; nothing of them loaded, the next run tries them again):"]
        lines += [f"  {_rejection_line(r)}" for r in rejected]
    lines += [
        "",
        source_coverage(settings),
        "",
        f"dbt: {_dbt_results(settings, result.run_id)}",
        f"Also materialized: {', '.join(sorted(other))}" if other else "Also materialized: nothing else.",
    ]
    failures = [e for e in result.all_events if e.is_step_failure]
    for failure in failures:
        lines.append(f"FAILED step {failure.step_key}: {_failure_reason(failure)}")
    lines += ["", *_publication_lines(settings, published_meta, failures)]
    lines += [
        f"Working file the pipeline writes: {settings.warehouse_path}",
        QUERY_HINT.format(path=settings.published),
        "",
        "Next:",
    ]
    if not result.success or rejected:
        lines.append("  make status       what failed or was rejected, per table and file; fix it and `make run` again")
    lines += [
        "  make dev          the Dagster UI: the asset graph, checks and run history, at http://localhost:3000",
        "  make audit        the quarterly data-hygiene report (reports/audit-<YYYY>-Q<n>/)",
        "  make scorecards   one scorecard per partner (reports/scorecards/<partner_id>/)",
        f"  quarantine        {quarantined:,} rows rejected this run, in ops.quarantine of the working file "
        "(personal data: not published); by file and rule:",
        QUARANTINE_HINT.format(path=settings.warehouse_path),
    ]
    return "\n".join(lines)


def _raw_rows(settings: Settings) -> dict[tuple[str, str], int]:
    """(system, entity) -> rows its raw table holds (every load so far); empty when there is no warehouse yet."""
    import duckdb

    from warehouse.raw import raw_schema_name

    if not settings.warehouse_path.exists():
        return {}
    try:
        with connect(settings, read_only=True) as con:
            tables = con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE starts_with(table_schema, ?)",
                [raw_schema_name("")],
            ).fetchall()
            return {(schema.removeprefix(raw_schema_name("")), table): con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0] for schema, table in tables}
    except duckdb.Error:
        return {}


def source_coverage(settings: Settings) -> str:
    """Which systems and entities delivered extract files (landing zone) and rows (raw tables), and which nothing.

    A system with nothing is not an error (a user may have no LMS yet): the marts show NULL in the columns only it
    feeds, "no data from <system>", and this section says so instead of letting those NULLs (or zeros) surprise."""
    from connectors.registry import SOURCES

    rows = _raw_rows(settings)
    lines = [f"Source systems (landing zone {settings.landing_dir}):"]
    for source in sorted(SOURCES.values(), key=lambda s: s.name):
        delivered, missing = [], []
        for entity in source.entities:
            files = len(source.extract_files(settings.landing_dir, entity, settings.files_until))
            loaded = rows.get((source.name, entity), 0)
            if files or loaded:
                delivered.append(f"{entity} ({files} file{'s' if files != 1 else ''}, {loaded:,} rows)")
            else:
                missing.append(entity)
        if not delivered:
            lines.append(f"  {source.name:<10} NO DATA (no files for {', '.join(missing)}): the marts show NULL, "
                         f"not 0, in the columns only {source.name} feeds")
            continue
        lines.append(f"  {source.name:<10} {len(delivered)} of {len(source.entities)} entities: " + ", ".join(delivered))
        if missing:
            lines.append(f"  {'':<10} nothing from: {', '.join(missing)}")
    return "\n".join(lines)


def _rejection_line(rejection: dict) -> str:
    """One rejected file: file, line, column, rule and the reason in a sentence (never a value of the file)."""
    where = rejection["file"] + (f" line {rejection['line']}" if rejection.get("line") is not None else "")
    column = f", column {rejection['column']}" if rejection.get("column") else ""
    return f"{where}{column}: rule {rejection['rule']}: {rejection['reason']}"


def _failure_reason(failure) -> str:
    """The reason a step failed: a Failure's own description, else the innermost error (Dagster wraps the real one
    in `DagsterExecutionStepExecutionError: Error occurred while executing op ...`)."""
    user_failure = getattr(failure.step_failure_data, "user_failure_data", None)
    if user_failure is not None and user_failure.description:
        return user_failure.description
    error = failure.step_failure_data.error
    if error is None:
        return "see Dagster logs"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _publication_lines(settings: Settings, published_meta: dict | None, failures) -> list[str]:
    """What this run published, truthfully: only a publish step that copied the build counts."""
    from orchestration.publish_assets import STRICT_REFUSAL

    if published_meta and published_meta.get("published"):
        return [f"Published warehouse (what readers and BI tools open): {settings.published}",
                f"Marts as Parquet: {settings.parquet_dir}/<mart>/"]
    if published_meta is not None:
        why = "PW_PUBLISH=0 (a backfill's intermediate day): the build was checked, not published"
    elif any(STRICT_REFUSAL in _failure_reason(f) for f in failures):
        why = "strict mode (PW_STRICT=1) and files were rejected in this run"
    elif failures:
        why = f"step {failures[0].step_key} failed"
    else:
        why = "the publish step did not run"
    kept = (f"it still holds the last good build: {settings.published}" if settings.published.exists()
            else f"there is none yet ({settings.published} does not exist)")
    return [f"NOT published ({why}). The published warehouse was left as it was: {kept}"]


def _dbt_results(settings: Settings, run_id: str) -> str:
    """What dbt did in this run, from ops.model_runs (one row per model, seed and test)."""
    import duckdb

    try:
        with connect(settings, read_only=True) as con:
            rows = con.execute(
                "SELECT resource_type, status, count(*) FROM ops.model_runs WHERE run_id = ? GROUP BY ALL", [run_id]
            ).fetchall()
    except duckdb.Error:
        rows = []
    if not rows:
        return "no results recorded (dbt did not run)."
    counts: dict[str, dict[str, int]] = {}
    for resource_type, status, n in rows:
        counts.setdefault(resource_type, {})[status] = n
    parts = []
    for resource_type, label in (("model", "models"), ("seed", "seeds"), ("test", "tests"), ("unit_test", "unit tests")):
        if resource_type in counts:
            by_status = counts[resource_type]
            detail = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            parts.append(f"{sum(by_status.values())} {label} ({detail})")
    return "; ".join(parts) + "."


def warehouse_summary(settings: Settings) -> str:
    if not settings.warehouse_path.exists():
        return NO_WAREHOUSE.format(path=settings.warehouse_path, landing=settings.landing_dir)
    with connect(settings, read_only=True) as con:
        if not _has_table(con, "loaded_files"):
            return f"Warehouse {settings.warehouse_path} has no loads recorded yet: run `make run`."
        rows = con.execute(
            "SELECT system || '.' || entity, count(*) FILTER (WHERE status = 'loaded'), "
            "coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0), "
            "count(*) FILTER (WHERE status = 'duplicate'), count(*) FILTER (WHERE status = 'failed') "
            "FROM ops.loaded_files GROUP BY 1 ORDER BY 1"
        ).fetchall()
    headers = ("table", "files", "rows read", "loaded", "quarantined", "re-deliveries", "rejected files")
    return f"Warehouse {settings.warehouse_path}\n\n{_table(rows, headers)}"


def _open_for_status(settings: Settings):
    """The working warehouse if no build holds it, else the published copy (DuckDB allows one writer)."""
    import duckdb

    from warehouse.connection import read_published

    try:
        return duckdb.connect(str(settings.warehouse_path), read_only=True), None
    except duckdb.IOException:
        note = "A build is running and holds the working warehouse; showing the last published build."
        return read_published(settings.published), note


def status_report(settings: Settings, runs: int = 5) -> str:
    if not settings.warehouse_path.exists():
        return NO_WAREHOUSE.format(path=settings.warehouse_path, landing=settings.landing_dir)
    con, note = _open_for_status(settings)
    try:
        has_log = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = 'load_runs'"
        ).fetchone()[0]
        if not has_log:  # loads without a run (`python -m connectors`) still say what they left
            return "\n".join(["No runs recorded yet.", *(_file_lines(con) if _has_table(con, "loaded_files") else [])])
        recent = con.execute(
            """
            WITH loads AS (
                SELECT run_id, min(finished_at) AS started, max(finished_at) AS finished,
                       sum(files) AS files, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS quarantined,
                       count(*) FILTER (WHERE status = 'failed') AS failed_loads,
                       coalesce(sum(files_rejected), 0) AS rejected_files
                FROM ops.load_runs GROUP BY run_id),
            models AS (
                SELECT run_id, count(*) FILTER (WHERE status IN ('success', 'pass')) AS ok,
                       count(*) FILTER (WHERE status IN ('error', 'fail')) AS failed,
                       count(*) FILTER (WHERE status = 'warn') AS warned
                FROM ops.model_runs GROUP BY run_id)
            SELECT loads.run_id, strftime(loads.started, '%Y-%m-%d %H:%M'), loads.files, loads.rows_loaded,
                   loads.quarantined, loads.rejected_files, loads.failed_loads, coalesce(models.ok, 0), coalesce(models.warned, 0),
                   coalesce(models.failed, 0)
            FROM loads LEFT JOIN models USING (run_id)
            ORDER BY loads.started DESC LIMIT ?
            """
            if _has_table(con, "model_runs") else
            "SELECT run_id, strftime(min(finished_at), '%Y-%m-%d %H:%M'), sum(files), sum(rows_loaded), "
            "sum(rows_quarantined), coalesce(sum(files_rejected), 0), count(*) FILTER (WHERE status = 'failed'), "
            "0, 0, 0 "
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
        file_lines = _file_lines(con) if _has_table(con, "loaded_files") else []
        published = _published_builds(settings, con)
    finally:
        con.close()
    headers = ("run", "started (UTC)", "new files", "rows loaded", "quarantined", "rejected files", "failed loads",
               "dbt ok", "dbt warn", "dbt failed", "published")
    rows = [(r[0][:8], *r[1:], "yes" if r[0] in published else "no") for r in recent]
    lines = [note] if note else []
    lines += [f"Last {len(rows)} runs ({settings.warehouse_path}):", "", _table(rows, headers)]
    if failures or model_failures:
        lines += ["", "What failed most recently:"]
        lines += [f"  run {r[:8]}  load {what}: {error}" for r, what, error in failures]
        lines += [f"  run {r[:8]}  {what}: {message.splitlines()[0] if message else ''}" for r, what, message in model_failures]
    return "\n".join(lines + file_lines)


def _published_builds(settings: Settings, con) -> set[str]:
    """The builds really swapped in: the published file's own record (a publish killed after its rename has not
    told the working file yet); the working file's record only when there is no readable published file."""
    from warehouse.publish import published_builds

    builds = published_builds(settings)
    if builds is None and _has_table(con, "publications"):
        builds = {b for (b,) in con.execute("SELECT DISTINCT build_id FROM ops.publications").fetchall()}
    return builds or set()


RECENT_FILES = 10


def _file_lines(con) -> list[str]:
    """Files rejected whole and not loaded since (a fixed re-delivery of the same name clears it), and the schema
    drift of the latest file of each table: headers the mapping does not know, contract columns it lacks."""
    rejected = con.execute(
        """
        WITH latest AS (
            SELECT *, row_number() OVER (PARTITION BY source_file ORDER BY loaded_at DESC) AS nth
            FROM ops.loaded_files WHERE status <> 'waiting')  -- left for the next run: an earlier rejection stands
        SELECT strftime(loaded_at, '%Y-%m-%d %H:%M'), error FROM latest WHERE nth = 1 AND status = 'failed'
        ORDER BY loaded_at DESC LIMIT ?
        """, [RECENT_FILES]).fetchall()
    drift = con.execute(
        """
        WITH latest AS (
            SELECT *, row_number() OVER (PARTITION BY system, entity ORDER BY loaded_at DESC, source_file DESC) AS nth
            FROM ops.loaded_files WHERE status = 'loaded')
        SELECT source_file, unknown_columns, missing_columns FROM latest
        WHERE nth = 1 AND (coalesce(unknown_columns, '[]') <> '[]' OR coalesce(missing_columns, '[]') <> '[]')
        ORDER BY system, entity
        """).fetchall()
    waiting = con.execute(
        """
        WITH latest AS (
            SELECT *, row_number() OVER (PARTITION BY source_file ORDER BY loaded_at DESC) AS nth FROM ops.loaded_files)
        SELECT strftime(loaded_at, '%Y-%m-%d %H:%M'), note FROM latest WHERE nth = 1 AND status = 'waiting'
        ORDER BY loaded_at DESC LIMIT ?
        """, [RECENT_FILES]).fetchall()
    lines = []
    if rejected:
        lines += ["", "Rejected files (nothing of them loaded; re-deliver a fixed file and `make run`):"]
        lines += [f"  {at}  {error}" for at, error in rejected]
    if waiting:
        lines += ["", "Waiting files (not loaded yet: the next run loads each once it is complete):"]
        lines += [f"  {at}  {note}" for at, note in waiting]
    lines += _cleanup_lines(con) + _unfinished_lines(con)
    if drift:
        lines += ["", "Schema drift (latest file of each table):"]
        lines += [f"  {file}: {_drift_text(unknown, missing)}" for file, unknown, missing in drift]
    return lines


def _cleanup_lines(con) -> list[str]:
    """Values the latest loads changed (control characters removed from free text), per file and column."""
    if not _has_table(con, "load_cleanups"):
        return []
    cleaned = con.execute(
        "SELECT strftime(cleaned_at, '%Y-%m-%d %H:%M'), source_file, column_name, rule, rows FROM ops.load_cleanups "
        "ORDER BY cleaned_at DESC, source_file, column_name LIMIT ?", [RECENT_FILES]).fetchall()
    if not cleaned:
        return []
    return ["", "Values cleaned on load (the rows loaded, the value changed; docs/data-quality.md):",
            *(f"  {at}  {file}: {column}, {rows:,} row(s), {rule}" for at, file, column, rule, rows in cleaned)]


def _unfinished_lines(con) -> list[str]:
    """Files a killed load had half written: their rows are deleted at the next run's start."""
    if not _has_table(con, "loading_files"):
        return []
    marks = con.execute(
        "SELECT strftime(started_at, '%Y-%m-%d %H:%M'), source_file FROM ops.loading_files ORDER BY started_at"
    ).fetchall()
    if not marks:
        return []
    return ["", "Half loaded by a killed run (its rows are deleted and the file loaded again by the next run):",
            *(f"  {at}  {file}" for at, file in marks)]


def _drift_text(unknown: str | None, missing: str | None) -> str:
    parts = []
    if unknown and json.loads(unknown):
        parts.append(f"headers the mapping does not know (not loaded): {', '.join(json.loads(unknown))}")
    if missing and json.loads(missing):
        parts.append(f"contract columns the file lacks (loaded as null): {', '.join(json.loads(missing))}")
    return "; ".join(parts)


def _has_table(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = ?", [name]
    ).fetchone()[0])
