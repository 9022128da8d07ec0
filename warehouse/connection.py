"""Connections to the warehouse file with the configured limits, and the lock that keeps to one writer."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import duckdb

from settings import Settings

# Set by a process that holds the writer lock in the environment of the children it starts (dbt): "<its pid>:<the lock
# file it holds>". A child seeing it takes the children's lock instead of waiting for a lock its own parent holds.
HELD_VARIABLE = "PW_WRITER_LOCK_HELD"


class ChildOfDeadRun(RuntimeError):
    pass


_held: dict[Path, int] = {}  # lock files this process holds -> nesting depth (a run holds it, its steps re-enter)


def lock_path(settings: Settings) -> Path:
    return Path(f"{settings.warehouse_path}.lock")


def children_lock_path(settings: Settings) -> Path:
    """Held (shared) by every child process that writes for the lock's holder: dbt, for as long as it lives."""
    return Path(f"{settings.warehouse_path}.lock.children")


def holds_writer_lock(settings: Settings) -> bool:
    return lock_path(settings) in _held


@contextmanager
def writer_lock(settings: Settings | None = None, timeout_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's single-writer lock (an flock on `<working file>.lock`) for a run or one writing step.

    DuckDB allows one writing process. Steps of one run are sequential (in-process executor); this lock also
    keeps separate processes (a second run, a manual materialization, `python -m connectors`) from writing at
    the same time. The operating system releases it when a process dies, so a killed run never leaves a stale
    lock behind (unlike a slot in a scheduler's database). Re-entrant within a process (any of its threads: nothing
    of this project writes from two threads of one process): the CLI holds it for a whole run, whose steps take
    it again.

    A child that writes for the holder (dbt) holds the children's lock (`child_writer_lock`, shared) for its
    whole life, and taking the writer lock waits until no child of an earlier holder is left: a run killed
    while its dbt went on writing is followed by a run that waits for that dbt, not one that fails on DuckDB's
    own file lock.
    """
    settings = settings or Settings.from_env()
    path = lock_path(settings)
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    timeout = settings.lock_timeout_seconds if timeout_seconds is None else timeout_seconds
    deadline = time.monotonic() + timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        _flock(handle, fcntl.LOCK_EX, deadline, f"another process has held {path} for more than {timeout:.0f}s",
               f"waiting for another build to release {path} ...")
        try:
            _wait_for_children(children_lock_path(settings), deadline, timeout)
            _held[path] = 1
            yield
        finally:
            _held.pop(path, None)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_for_children(path: Path, deadline: float, timeout: float) -> None:
    """Wait until no child process of an earlier holder of the writer lock is alive (see `writer_lock`)."""
    with open(path, "a") as handle:
        _flock(handle, fcntl.LOCK_EX, deadline,
               f"a process left by an earlier run (dbt) still held {path} after {timeout:.0f}s",
               f"waiting for a process left by an earlier, killed run (dbt) to finish writing ({path}) ...")
        fcntl.flock(handle, fcntl.LOCK_UN)


def _flock(handle, mode: int, deadline: float, timeout_message: str, waiting_message: str) -> None:
    waiting_said = False
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(timeout_message) from None
            if not waiting_said:
                print(waiting_message, file=sys.stderr, flush=True)
                waiting_said = True
            time.sleep(0.5)


def child_writer_lock(settings: Settings, environ: Mapping[str, str] | None = None) -> TextIO:
    """For a process that writes the warehouse and may outlive the process that started it (dbt): the lock it holds
    until it exits, returned open (closing it releases the lock; the operating system closes it at exit).

    Started by the writer lock's holder (HELD_VARIABLE names its lock file): the children's lock, shared, which
    its parent released for it and the next holder waits for. Started by hand: the writer lock itself."""
    environ = os.environ if environ is None else environ
    deadline = time.monotonic() + settings.lock_timeout_seconds
    parent, _, held = environ.get(HELD_VARIABLE, "").partition(":")
    if held == str(lock_path(settings)):
        handle = open(children_lock_path(settings), "a")  # noqa: SIM115 (held until the process exits)
        _flock(handle, fcntl.LOCK_SH, deadline, f"could not share {children_lock_path(settings)}",
               f"waiting for {children_lock_path(settings)} ...")
        # Checked once the lock is held: a parent killed before that may have let the next run start already.
        if str(os.getppid()) != parent:
            handle.close()
            raise ChildOfDeadRun(f"the run that started this process (pid {parent}) is gone: not writing "
                                 f"{settings.warehouse_path}")
        return handle
    lock_path(settings).parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path(settings), "w")  # noqa: SIM115
    _flock(handle, fcntl.LOCK_EX, deadline, f"another process has held {lock_path(settings)} for too long",
           f"waiting for another build to release {lock_path(settings)} ...")
    _wait_for_children(children_lock_path(settings), deadline, settings.lock_timeout_seconds)
    return handle


def child_lock_environment(settings: Settings) -> dict[str, str]:
    """What a child started by this process needs to share its writer lock (empty: this process holds none)."""
    return {HELD_VARIABLE: f"{os.getpid()}:{lock_path(settings)}"} if holds_writer_lock(settings) else {}


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


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT on `con`, rolled back when the block raises (anything, a KeyboardInterrupt included)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


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

