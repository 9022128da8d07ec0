"""The `ops` schema: the pipeline's own bookkeeping, every table's DDL and migration in one place.

- `loaded_files`, `quarantine`: what each load read, loaded, refused and left for the next run (connectors.loader);
- `load_cleanups`: what each load changed in values it loaded, rows per file, column and rule (connectors.loader);
- `loading_files`: the files a load is writing now, batch by batch; a row left by a killed load says which rows
  the next writer deletes again (warehouse.raw.undo_unfinished_loads);
- `load_runs`, `model_runs`: one row per run and source table, per run and dbt node (orchestration.run_log);
- `publications`: which builds were published and their mart row counts: written into the copy before its rename,
  into the working file only after it (warehouse.publish);
- `erasure_log`: what each erasure request removed, counts per table only (erasure).

`ensure_ops_schema(con)` creates what is missing and applies the migrations; every writer calls it before writing.
"""

from __future__ import annotations

import duckdb

OPS_TABLES = {
    "loaded_files": """
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, content_sha256 VARCHAR,
        status VARCHAR, duplicate_of VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        bytes BIGINT, seconds DOUBLE, loaded_at TIMESTAMP WITH TIME ZONE, error VARCHAR,
        rows_suppressed BIGINT DEFAULT 0, file_format VARCHAR, encoding VARCHAR, delimiter VARCHAR,
        unknown_columns VARCHAR, missing_columns VARCHAR, error_rule VARCHAR, error_line BIGINT, note VARCHAR""",
    "quarantine": """
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, source_line BIGINT,
        column_name VARCHAR, rule VARCHAR, message VARCHAR, offending_value VARCHAR, row_json VARCHAR,
        quarantined_at TIMESTAMP WITH TIME ZONE""",
    "load_cleanups": """
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, column_name VARCHAR, rule VARCHAR,
        rows BIGINT, cleaned_at TIMESTAMP WITH TIME ZONE""",
    "loading_files": """
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, started_at TIMESTAMP WITH TIME ZONE""",
    "load_runs": """
        run_id VARCHAR, system VARCHAR, entity VARCHAR, status VARCHAR, files BIGINT, files_skipped BIGINT,
        rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, seconds DOUBLE, error VARCHAR,
        finished_at TIMESTAMP WITH TIME ZONE, files_rejected BIGINT DEFAULT 0""",
    "model_runs": """
        run_id VARCHAR, unique_id VARCHAR, resource_type VARCHAR, name VARCHAR, status VARCHAR, seconds DOUBLE,
        rows_affected BIGINT, failures BIGINT, message VARCHAR, finished_at TIMESTAMP WITH TIME ZONE""",
    "publications": """
        build_id VARCHAR, published_at TIMESTAMP WITH TIME ZONE, table_schema VARCHAR, table_name VARCHAR,
        row_count BIGINT""",
    "erasure_log": """
        erasure_id VARCHAR, requested_at TIMESTAMP WITH TIME ZONE, completed_at TIMESTAMP WITH TIME ZONE,
        reason VARCHAR, layer VARCHAR, table_name VARCHAR, action VARCHAR, rows_deleted BIGINT, rows_redacted BIGINT,
        detail VARCHAR""",
}

# Columns added after a table first shipped: warehouses built before them get them on the next write.
MIGRATIONS = [
    "ALTER TABLE ops.loaded_files ADD COLUMN IF NOT EXISTS rows_suppressed BIGINT DEFAULT 0",
    # How each file was read (the reader's per-file decision), its schema drift (JSON lists of header names) and,
    # for a rejected file, the rule and line that rejected it.
    *(f"ALTER TABLE ops.loaded_files ADD COLUMN IF NOT EXISTS {column}" for column in (
        "file_format VARCHAR", "encoding VARCHAR", "delimiter VARCHAR", "unknown_columns VARCHAR",
        "missing_columns VARCHAR", "error_rule VARCHAR", "error_line BIGINT")),
    # Files left for the next run (status 'waiting': not settled, connectors.landing) say why in `note`.
    "ALTER TABLE ops.loaded_files ADD COLUMN IF NOT EXISTS note VARCHAR",
    # Files rejected whole by a load that went on with the others (status 'rejected'); strict mode reads it.
    "ALTER TABLE ops.load_runs ADD COLUMN IF NOT EXISTS files_rejected BIGINT DEFAULT 0",
]


def ensure_ops_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every ops table that does not exist yet and apply the migrations (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    for table, columns in OPS_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS ops.{table} ({columns})")
    for statement in MIGRATIONS:
        con.execute(statement)
