"""The raw layer's tables, one per contract: `raw_<system>.<entity>` with the contract's columns plus load metadata."""

from __future__ import annotations

import duckdb
import pandera.pandas as pa

from data_contracts import CONTRACTS
from data_contracts._fields import LOAD_COLUMNS, LOGICAL_TYPES
from warehouse.connection import transaction
from warehouse.ops import ensure_ops_schema


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
    table = raw_table_name(meta["system"], meta["entity"])
    return [
        f"CREATE SCHEMA IF NOT EXISTS {raw_schema_name(meta['system'])}",
        f"CREATE TABLE IF NOT EXISTS {table} (\n    {columns})",
        # Load columns added after a raw table first shipped: warehouses built before them get them here.
        *(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {sql_type}' for name, sql_type in LOAD_COLUMNS.items()),
    ]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every ops and raw table that does not exist yet, and bring old ops tables up to date (idempotent)."""
    ensure_ops_schema(con)
    existing = set(con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall())
    for schema in CONTRACTS.values():
        # Every load of an entity calls this: DDL for the tables that exist already would cost ~0.1 CPU s each time.
        if (raw_schema_name(schema.metadata["system"]), schema.metadata["entity"]) not in existing:
            for statement in raw_table_ddl(schema):
                con.execute(statement)
    for statement in load_column_migrations(con):
        con.execute(statement)


def load_column_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """ALTER statements adding the load columns a raw table created by an older version lacks (e.g. the ELT
    tools' `_source_*` columns): old rows get nulls, which staging reads as "not said"."""
    present = set(con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND starts_with(table_schema, 'raw_')"
    ).fetchall())
    statements = []
    for schema in CONTRACTS.values():
        system, entity = schema.metadata["system"], schema.metadata["entity"]
        for column, sql_type in LOAD_COLUMNS.items():
            if (raw_schema_name(system), entity, column) not in present:
                statements.append(f'ALTER TABLE {raw_table_name(system, entity)} ADD COLUMN "{column}" {sql_type}')
    return statements


def delete_file_rows(con: duckdb.DuckDBPyConnection, system: str, entity: str, load_id: str, source_file: str) -> int:
    """Delete, in one transaction, what one load wrote of one file (its raw rows and quarantine rows) and its
    `ops.loading_files` mark; returns the raw rows deleted. Without a mark nothing of the file was committed (the
    mark commits with its first rows), so nothing is scanned. The caller has no transaction open."""
    [(marked,)] = con.execute("SELECT count(*) FROM ops.loading_files WHERE load_id = ? AND source_file = ?",
                              [load_id, source_file]).fetchall()
    if not marked:
        return 0
    deleted = 0
    with transaction(con):
        if (system, entity) in CONTRACTS:  # a system since removed from the code has no raw table to clean
            [(deleted,)] = con.execute(
                f"DELETE FROM {raw_table_name(system, entity)} WHERE _load_id = ? AND _source_file = ?",
                [load_id, source_file],
            ).fetchall()
        con.execute("DELETE FROM ops.quarantine WHERE load_id = ? AND source_file = ?", [load_id, source_file])
        unmark_loading(con, load_id, source_file)
    return deleted


def mark_loading(con: duckdb.DuckDBPyConnection, system: str, entity: str, load_id: str, source_file: str) -> None:
    """Mark a file as being written (inside the transaction of its first batch): see `undo_unfinished_loads`."""
    con.execute("INSERT INTO ops.loading_files (load_id, system, entity, source_file, started_at) "
                "VALUES (?, ?, ?, ?, now())", [load_id, system, entity, source_file])


def unmark_loading(con: duckdb.DuckDBPyConnection, load_id: str, source_file: str) -> None:
    con.execute("DELETE FROM ops.loading_files WHERE load_id = ? AND source_file = ?", [load_id, source_file])


def undo_unfinished_loads(con: duckdb.DuckDBPyConnection, system: str | None = None,
                          entity: str | None = None) -> list[tuple[str, str, int]]:
    """Delete the rows of every file a killed load had begun and not finished (its batches are committed one by one,
    `connectors.loader`), so the file loads again whole and no row is there twice. Only the writer lock's holder
    calls this: a mark it finds belongs to no running load. Returns (entity, file, raw rows deleted) per file."""
    ensure_ops_schema(con)
    marks = con.execute(
        "SELECT load_id, system, entity, source_file FROM ops.loading_files "
        "WHERE (?::VARCHAR IS NULL OR system = ?) AND (?::VARCHAR IS NULL OR entity = ?) ORDER BY started_at",
        [system, system, entity, entity],
    ).fetchall()
    return [(f"{s}.{e}", file, delete_file_rows(con, s, e, load_id, file)) for load_id, s, e, file in marks]
