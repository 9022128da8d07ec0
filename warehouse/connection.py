"""Connections to the warehouse file with the configured limits, and the lock that keeps to one writer."""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from settings import Settings


@contextmanager
def writer_lock(settings: Settings | None = None, timeout_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's single-writer lock (an flock on `<working file>.lock`) for one writing step.

    DuckDB allows one writing process. Steps of one run are sequential (in-process executor); this lock also
    keeps separate processes (a sensor run, a manual materialization, `python -m connectors`) from writing at
    the same time. The operating system releases it when a process dies, so a killed run never leaves a
    stale lock behind (unlike a slot in a scheduler's database).
    """
    settings = settings or Settings.from_env()
    timeout = settings.lock_timeout_seconds if timeout_seconds is None else timeout_seconds
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


def read_published(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file at `path` as it is now (the published warehouse, after a publish).

    Not `duckdb.connect(path)`: DuckDB shares one database instance per file among the connections of a process,
    so a connection opened that way while another one of this process still reads an older version (replaced by
    a publish since) gets that older version. An in-memory instance attaching the file opens what is there now;
    the catalog takes the file's stem, as `duckdb.connect` names it, so queries and views read the same."""
    path = Path(path)
    if not path.is_file():
        raise duckdb.IOException(f"no warehouse file at {path}")
    con = duckdb.connect()
    try:
        escaped = str(path).replace("'", "''")
        con.execute(f"ATTACH '{escaped}' AS \"{path.stem}\" (READ_ONLY)")
        con.execute(f'USE "{path.stem}"')
    except BaseException:
        con.close()
        raise
    return con

