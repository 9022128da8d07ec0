"""Publishing: readers never see a half-built warehouse and are never blocked.

The pipeline writes one working DuckDB file (`PW_WAREHOUSE_PATH`). Only when every load, dbt model and
blocking check of a run has passed does this step copy it, checkpointed and closed, next to the published
file and rename it over that file (`os.replace` is atomic on POSIX). Readers that hold the old file open keep
reading the old version; new connections see the new one; nothing ever sees a mix. A run that fails, or is
killed before the rename, leaves the published warehouse exactly as it was. Nor does a run in strict mode
(PW_STRICT=1) whose loads rejected a file: the publish step refuses before calling `publish`
(orchestration/publish_assets.py).

The published file holds what readers need: reference data, the intermediate and mart layers (persons only as
pseudonyms) and the ops run reports. The layers that keep personal data for operations (raw_*, staging,
ops.quarantine) stay in the working file unless PW_PUBLISH_PII_LAYERS=1; the published copy is then written table by
table into a fresh file, so no page of a left-out table survives in it.

The publication record (ops.publications: the build, when, and its mart row counts) is written into the copy
before the rename, so a reader can check which build it sees; the working file gets it only after the rename
succeeded (`sync_publications`, which also runs at the start of every publish and run): the working file never
says a build was published that is not, and the published file is the truth `make status` reads.

Marts are exported as Parquet too (one folder per mart) into a versioned folder, and a symbolic link
`parquet` is swapped to it atomically the same way (warehouse.parquet_export). Leftovers of a killed publish are
removed by the next one (warehouse.leftovers).
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from settings import Settings
from warehouse.connection import connect, read_published, writer_lock
from warehouse.faults import fault_point
from warehouse.leftovers import clean_leftovers, incoming_copy
from warehouse.ops import ensure_ops_schema
from warehouse.parquet_export import export_parquet, fsync_dir, mart_tables, parquet_versions
from warehouse.raw import undo_unfinished_loads

__all__ = ["PublishReport", "parquet_versions", "publish", "published_builds", "recover_killed_runs",
           "sync_publications"]

# Layers holding readable personal data (see docs/privacy.md): kept out of the published file by default.
PII_SCHEMA_PREFIXES = ("raw_", "staging")
PII_TABLES = (("ops", "quarantine"),)
PUBLICATION_COLUMNS = "build_id, published_at, table_schema, table_name, row_count"


@dataclass
class PublishReport:
    build_id: str
    published: Path
    parquet_dir: Path
    tables: dict[str, int]
    bytes: int
    seconds: float


def _publication_rows(path: Path) -> list[tuple] | None:
    """The publication record a published file holds (each copy carries every earlier one); None when there is no
    such file or it does not open."""
    if not path.is_file():
        return None
    try:
        with closing(read_published(path)) as con:
            return con.execute(f"SELECT {PUBLICATION_COLUMNS} FROM ops.publications").fetchall()
    except duckdb.Error:
        return None


def published_builds(settings: Settings) -> set[str] | None:
    """The builds that were really published (the published file's own record); None without a readable one."""
    rows = _publication_rows(settings.published)
    return None if rows is None else {row[0] for row in rows}


def sync_publications(settings: Settings) -> None:
    """Make the working file's ops.publications what the published file records: add the rows of a build whose
    publish was killed after its rename, drop a row of a build that was never swapped in (a kill before the
    rename, under versions that wrote the record first). Then checkpoint, so the copy taken next holds it all.
    Without a readable published file the working record is left as it is. The caller holds the writer lock."""
    truth = _publication_rows(settings.published)
    with connect(settings) as con:
        ensure_ops_schema(con)
        if truth is not None:
            builds = sorted({row[0] for row in truth})
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM ops.publications WHERE NOT list_contains(?::VARCHAR[], build_id)", [builds])
            known = {b for (b,) in con.execute("SELECT DISTINCT build_id FROM ops.publications").fetchall()}
            missing = [row for row in truth if row[0] not in known]
            if missing:
                con.executemany(f"INSERT INTO ops.publications ({PUBLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?)", missing)
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
    wal = Path(f"{settings.warehouse_path}.wal")
    if wal.exists():
        raise RuntimeError(f"{wal} still exists after CHECKPOINT: another process has the warehouse open")


def _record_publication(settings: Settings, copy: Path, build_id: str) -> dict[str, int]:
    """Write, inside the copy about to be published, which build it is and how many rows each mart has: a reader
    can check that what it sees is one consistent build. Returns the row counts."""
    published_at = datetime.now(UTC)
    with duckdb.connect(config=settings.duckdb_config()) as con:
        con.execute(f"ATTACH '{copy}' AS incoming")
        con.execute("USE incoming")
        counts = {
            f"{schema}.{table}": con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for schema, table in mart_tables(con)
        }
        # One row for the build itself (table NULL), then one per mart.
        rows = [(build_id, published_at, None, None, sum(counts.values())),
                *((build_id, published_at, *name.split(".", 1), n) for name, n in counts.items())]
        con.executemany(f"INSERT INTO ops.publications ({PUBLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?)", rows)
        con.execute("CHECKPOINT incoming")
        con.execute("USE memory")
        con.execute("DETACH incoming")
    with open(copy, "rb+") as handle:
        os.fsync(handle.fileno())
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


def _swap_in(incoming: Path, published: Path, build_id: str) -> None:
    with duckdb.connect(str(incoming), read_only=True) as con:  # refuse to publish a copy that does not open
        found = con.execute("SELECT count(*) FROM ops.publications WHERE build_id = ?", [build_id]).fetchone()[0]
    if not found:
        raise RuntimeError(f"{incoming} does not hold build {build_id}; not published")
    fault_point("publish.before_rename")
    os.replace(incoming, published)
    fsync_dir(published.parent)
    fault_point("publish.after_rename")


def publish(settings: Settings, build_id: str) -> PublishReport:
    """Copy the working file, record the build in the copy, rename it over the published file, then record it in
    the working file and export the Parquet version. The caller holds the writer lock."""
    started = time.perf_counter()
    clean_leftovers(settings)
    sync_publications(settings)
    published = settings.published
    published.parent.mkdir(parents=True, exist_ok=True)
    incoming = incoming_copy(settings, build_id)
    try:
        if settings.publish_pii_layers:
            _copy_durably(settings.warehouse_path, incoming)
        else:
            _copy_without_pii_layers(settings, settings.warehouse_path, incoming)
        counts = _record_publication(settings, incoming, build_id)
        _swap_in(incoming, published, build_id)
    finally:
        incoming.unlink(missing_ok=True)
        Path(f"{incoming}.wal").unlink(missing_ok=True)
    sync_publications(settings)  # only now, after the rename, does the working file say it was published
    export_parquet(settings, build_id)
    return PublishReport(build_id, published, settings.parquet_dir, counts, published.stat().st_size,
                         time.perf_counter() - started)


def recover_killed_runs(settings: Settings) -> bool:
    """At the start of a run: remove killed runs' leftovers, correct the working file's publication record and
    delete the rows of files a killed load had half written, unless another build holds the writer lock (its files
    in progress are no leftovers; its publish tidies up). Returns whether it ran. A working file that does not open
    is left to the run's first writing step to report."""
    try:
        with writer_lock(settings, timeout_seconds=0):
            clean_leftovers(settings)
            if settings.warehouse_path.exists():
                with suppress(duckdb.Error):
                    sync_publications(settings)
                with suppress(duckdb.Error), connect(settings) as con:
                    undo_unfinished_loads(con)  # before a build that loads nothing of that file's entity reads it
            return True
    except TimeoutError:  # only the lock's: nothing in the block raises it
        return False
