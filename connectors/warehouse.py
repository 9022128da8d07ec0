"""The DuckDB warehouse: connections with configured limits, raw and ops tables derived from the contracts."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandera.pandas as pa

from connectors.settings import Settings
from data_contracts import CONTRACTS
from data_contracts._fields import LOGICAL_TYPES

# Load metadata added to every raw row, so every mart row can be traced to its file and line.
LOAD_COLUMNS = {
    "_source_file": "VARCHAR",  # path relative to the landing zone
    "_source_line": "BIGINT",  # 1-based line (header = line 1) for text files; 1-based row for Parquet
    "_load_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
}

OPS_DDL = [
    "CREATE SCHEMA IF NOT EXISTS ops",
    """CREATE TABLE IF NOT EXISTS ops.loaded_files (
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, content_sha256 VARCHAR,
        status VARCHAR, duplicate_of VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        bytes BIGINT, seconds DOUBLE, loaded_at TIMESTAMP WITH TIME ZONE, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS ops.quarantine (
        load_id VARCHAR, system VARCHAR, entity VARCHAR, source_file VARCHAR, source_line BIGINT,
        column_name VARCHAR, rule VARCHAR, message VARCHAR, offending_value VARCHAR, row_json VARCHAR,
        quarantined_at TIMESTAMP WITH TIME ZONE)""",
]


def raw_schema_name(system: str) -> str:
    return f"raw_{system}"


def raw_table_name(system: str, entity: str) -> str:
    return f"{raw_schema_name(system)}.{entity}"


def raw_column_types(schema: pa.DataFrameSchema) -> dict[str, str]:
    """Column -> DuckDB type of the raw table, from the contract, then the load metadata."""
    types = {name: LOGICAL_TYPES[col.metadata["logical_type"]] for name, col in schema.columns.items()}
    return {**types, **LOAD_COLUMNS}


def raw_table_ddl(schema: pa.DataFrameSchema) -> list[str]:
    meta = schema.metadata
    columns = ",\n    ".join(f'"{name}" {sql_type}' for name, sql_type in raw_column_types(schema).items())
    return [
        f"CREATE SCHEMA IF NOT EXISTS {raw_schema_name(meta['system'])}",
        f"CREATE TABLE IF NOT EXISTS {raw_table_name(meta['system'], meta['entity'])} (\n    {columns})",
    ]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every ops and raw table that does not exist yet (idempotent)."""
    for statement in OPS_DDL:
        con.execute(statement)
    for schema in CONTRACTS.values():
        for statement in raw_table_ddl(schema):
            con.execute(statement)


@contextmanager
def writer_lock(settings: Settings | None = None, timeout_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's single-writer lock (an flock on `<working file>.lock`) for one writing step.

    DuckDB allows one writing process. Steps of one run are sequential (in-process executor); this lock also
    keeps separate processes (a sensor run, a manual materialization, `python -m connectors`) from writing at
    the same time. The operating system releases it when a process dies, so a killed run never leaves a
    stale lock behind (unlike a slot in a scheduler's database).
    """
    settings = settings or Settings.from_env()
    timeout = float(os.environ.get("PW_LOCK_TIMEOUT_SECONDS", "3600")) if timeout_seconds is None else timeout_seconds
    path = Path(f"{settings.warehouse_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        deadline = time.monotonic() + timeout
        waiting_said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another process has held {path} for more than {timeout:.0f}s") from None
                if not waiting_said:
                    print(f"waiting for another build to release {path} ...", file=sys.stderr, flush=True)
                    waiting_said = True
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def connect(settings: Settings | None = None, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file with the configured memory limit, threads and spill folder.

    Closed on exit: DuckDB allows a single writer process, so nothing keeps the file open between steps.
    """
    settings = settings or Settings.from_env()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path), read_only=read_only, config=settings.duckdb_config())
    try:
        yield con
    finally:
        con.close()
