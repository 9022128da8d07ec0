"""Publishing: readers never see a half-built warehouse and are never blocked.

The pipeline writes one working DuckDB file (`PW_WAREHOUSE_PATH`). Only when every load, dbt model and
blocking check of a run has passed does this step copy it, checkpointed and closed, next to the published
file and rename it over that file (`os.replace` is atomic on POSIX). Readers that hold the old file open keep
reading the old version; new connections see the new one; nothing ever sees a mix. A failed or killed run
never reaches this step, so the published warehouse stays exactly as it was. Nor does a run in strict mode
(PW_STRICT=1) whose loads rejected a file: the publish step refuses before calling `publish`
(orchestration/publish_assets.py).

The published file holds what readers need: reference data, the intermediate and mart layers (persons only as
pseudonyms) and the ops run reports. The layers that keep personal data for operations (raw_*, staging,
ops.quarantine) stay in the working file unless PW_PUBLISH_PII_LAYERS=1; the published copy is then written table by
table into a fresh file, so no page of a left-out table survives in it.

Marts are exported as Parquet too (one folder per mart) into a versioned folder, and a symbolic link
`parquet` is swapped to it atomically the same way.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from settings import Settings
from warehouse.connection import connect
from warehouse.ops import ensure_ops_schema

EXPORTED_SCHEMAS = ("marts",)
# Layers holding readable personal data (see docs/privacy.md): kept out of the published file by default.
PII_SCHEMA_PREFIXES = ("raw_", "staging")
PII_TABLES = (("ops", "quarantine"),)
PARQUET_VERSIONS_KEPT = 2


@dataclass
class PublishReport:
    build_id: str
    published: Path
    parquet_dir: Path
    tables: dict[str, int]
    bytes: int
    seconds: float


def _mart_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in EXPORTED_SCHEMAS)
    return con.execute(
        f"SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ({placeholders}) "
        "AND table_type = 'BASE TABLE' ORDER BY 1, 2",
        list(EXPORTED_SCHEMAS),
    ).fetchall()


def _record_publication(settings: Settings, build_id: str) -> dict[str, int]:
    """Write, inside the build itself, which build this is and how many rows each mart has: a reader can
    check that what it sees is one consistent build."""
    published_at = datetime.now(UTC)
    with connect(settings) as con:
        ensure_ops_schema(con)
        counts = {
            f"{schema}.{table}": con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for schema, table in _mart_tables(con)
        }
        # One row for the build itself (table NULL), then one per mart.
        con.execute("INSERT INTO ops.publications VALUES (?, ?, NULL, NULL, ?)", [build_id, published_at, sum(counts.values())])
        for name, rows in counts.items():
            schema, table = name.split(".", 1)
            con.execute("INSERT INTO ops.publications VALUES (?, ?, ?, ?, ?)", [build_id, published_at, schema, table, rows])
        con.execute("CHECKPOINT")
    wal = Path(f"{settings.warehouse_path}.wal")
    if wal.exists():
        raise RuntimeError(f"{wal} still exists after CHECKPOINT: another process has the warehouse open")
    return counts


def _copy_durably(source: Path, target: Path) -> None:
    with open(source, "rb") as reader, open(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, length=16 << 20)
        writer.flush()
        os.fsync(writer.fileno())


def _is_pii_layer(schema: str, table: str) -> bool:
    return schema.startswith(PII_SCHEMA_PREFIXES) or (schema, table) in PII_TABLES


def _copy_without_pii_layers(settings: Settings, source: Path, target: Path) -> None:
    """A fresh DuckDB file holding every table and view of `source` except the personal-data layers."""
    target.unlink(missing_ok=True)
    # Attached under the name readers will know it by (the file's stem), so copied views resolve as they did.
    name = settings.published.stem
    with duckdb.connect(config=settings.duckdb_config()) as con:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{target}' AS \"{name}\"")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src' ORDER BY 1, 2").fetchall()
        views = con.execute(
            "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = 'src' AND NOT internal "
            "ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            if _is_pii_layer(schema, table):
                continue
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"."{schema}"')
            con.execute(f'CREATE TABLE "{name}"."{schema}"."{table}" AS FROM src."{schema}"."{table}"')
        con.execute(f'USE "{name}"')
        for schema, view, sql in views:
            if not _is_pii_layer(schema, view):
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                con.execute(sql)
        con.execute("USE memory")
        con.execute(f'DETACH "{name}"')
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(incoming: Path, published: Path, build_id: str) -> None:
    with duckdb.connect(str(incoming), read_only=True) as con:  # refuse to publish a copy that does not open
        found = con.execute("SELECT count(*) FROM ops.publications WHERE build_id = ?", [build_id]).fetchone()[0]
    if not found:
        raise RuntimeError(f"{incoming} does not hold build {build_id}; not published")
    os.replace(incoming, published)
    _fsync_dir(published.parent)


def parquet_versions(settings: Settings) -> Path:
    """The folder of Parquet exports, one per build; `settings.parquet_dir` links to the latest."""
    return settings.parquet_dir.parent / "parquet_versions"


def _export_parquet(settings: Settings, build_id: str) -> None:
    link = settings.parquet_dir
    versions = parquet_versions(settings)
    target = versions / build_id
    target.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.published), read_only=True) as con:
        for schema, table in _mart_tables(con):
            folder = target / table
            folder.mkdir(exist_ok=True)
            con.execute(f"COPY \"{schema}\".\"{table}\" TO '{folder / 'data.parquet'}' (FORMAT parquet)")
    temporary_link = link.with_name(f".parquet.{build_id}")
    os.symlink(target.relative_to(link.parent), temporary_link)
    os.replace(temporary_link, link)
    for old in sorted(versions.iterdir(), key=lambda p: p.stat().st_mtime)[:-PARQUET_VERSIONS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)


def publish(settings: Settings, build_id: str) -> PublishReport:
    started = time.perf_counter()
    counts = _record_publication(settings, build_id)
    published = settings.published
    published.parent.mkdir(parents=True, exist_ok=True)
    incoming = published.with_name(f".{published.name}.{build_id}.incoming")
    try:
        if settings.publish_pii_layers:
            _copy_durably(settings.warehouse_path, incoming)
        else:
            _copy_without_pii_layers(settings, settings.warehouse_path, incoming)
        _swap_in(incoming, published, build_id)
    finally:
        incoming.unlink(missing_ok=True)
    _export_parquet(settings, build_id)
    return PublishReport(build_id, published, settings.parquet_dir, counts, published.stat().st_size,
                         time.perf_counter() - started)
