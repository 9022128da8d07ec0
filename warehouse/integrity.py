"""Is the working warehouse readable? Checked before a run writes to it, so a damaged file is named, not a stack trace.

DuckDB stores a checksum with every block and verifies it when it reads the block, so damage (a disk error, a
copy cut short, bytes overwritten) shows only when a query reads the damaged block, possibly deep in a night's
build, possibly never for a block no query of that night reads. `damage` reads every column of every table once
(a hash of each row): about a second for the 40 MB warehouse of the bundled sample, on a busy 2-core machine.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from settings import Settings


def damage(settings: Settings, path: Path | None = None) -> str | None:
    """DuckDB's own words about the first damage found in the working file (or the DuckDB file at `path`, opened
    with the settings' limits); None when every table reads back."""
    path = path or settings.warehouse_path
    if not path.exists():
        return None
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    try:
        with duckdb.connect(str(path), read_only=True, config=settings.duckdb_config()) as con:
            tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
                                 "AND database_name = current_database() ORDER BY ALL").fetchall()
            for schema, table in tables:
                con.execute(f'SELECT sum(hash(t)) FROM "{schema}"."{table}" t').fetchone()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise  # another process has the file open: not damage (the caller holds the writer lock)
        return str(error).splitlines()[0]
    except duckdb.Error as error:
        return str(error).splitlines()[0]
    return None
