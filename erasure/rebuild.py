"""After the raw layer is erased: rebuild dbt, compact the working file, and delete older published copies."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace
from datetime import date

import duckdb

from settings import Settings
from warehouse.connection import connect
from warehouse.dbt import BUILD_ARGS, history_relations, run_dbt
from warehouse.leftovers import COMPACT_PREFIX, clean_leftovers
from warehouse.parquet_export import prune_versions


def history_models(settings: Settings | None = None) -> set[str]:
    """Models dbt appends to and never rebuilds (e.g. mart_*_history): purged in place, left out of the rebuild."""
    return {name for _, name in history_relations(settings or Settings.from_env())}


def _last_as_of_date(settings: Settings) -> str | None:
    with connect(settings, read_only=True) as con:
        try:
            return str(con.execute("SELECT max(as_of_date) FROM marts.mart_completeness").fetchone()[0] or "") or None
        except duckdb.CatalogException:
            return None


def rebuild_dbt(settings: Settings, history: set[str]) -> None:
    """`dbt build --full-refresh` of everything but the history models, as of the last build's date (PW_AS_OF_DATE
    wins). Full refresh: should a model become incremental, it must lose the erased rows too."""
    last = _last_as_of_date(settings)
    if settings.as_of_date is None and last:
        settings = replace(settings, as_of_date=date.fromisoformat(last))
    done = run_dbt(settings, *BUILD_ARGS, "--full-refresh", *(["--exclude", *sorted(history)] if history else []),
                   "--quiet")
    if done.returncode:
        raise RuntimeError(f"dbt build failed after the erasure (the raw layer is already erased; fix and rerun "
                           f"`erase` or the nightly build):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")


def compact(settings: Settings) -> None:
    """Rewrite the working file: DuckDB reuses freed blocks but does not wipe them, so deleted rows could still be
    read from the file's bytes. COPY FROM DATABASE writes live data only; the copy keeps the file name (views)."""
    working = settings.warehouse_path
    folder = working.parent / f"{COMPACT_PREFIX}{uuid.uuid4().hex[:8]}"  # a leftover if killed
    folder.mkdir()
    copy = folder / working.name
    try:
        con = duckdb.connect(config=settings.duckdb_config())
        try:
            con.execute(f"ATTACH '{working}' AS source (READ_ONLY)")
            con.execute(f"ATTACH '{copy}' AS target")
            con.execute("COPY FROM DATABASE source TO target")
            con.execute("DETACH target")
        finally:
            con.close()
        os.replace(copy, working)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_old_copies(settings: Settings) -> int:
    """Delete every Parquet export but the one just published, and every leftover of a killed run (a killed copy's
    write-ahead log, ".incoming.wal", holds what the copy held); returns the exports deleted."""
    removed = len(prune_versions(settings, keep=1))
    clean_leftovers(settings)
    return removed
