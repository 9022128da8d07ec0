"""Run one function over many partners in worker processes forked from this one.

Scorecards are independent of each other, and what they read (the loaded data, its per-partner lookup, the
isolation index) is built once before the fork and shared copy-on-write, never pickled. Results (small dicts and
lists) come back per chunk. One process, or a platform without fork, runs the same chunks in this process.

The workers take back the default SIGTERM. A process that ran a Dagster job in-process (the tests, `dg.materialize`)
is left with SIGTERM raising KeyboardInterrupt, and workers forked from it inherit that: a worker interrupted while it
holds the task queue's lock keeps it, and the pool's terminate() waits for the other worker forever (it hung CI at
test_scorecards; a loop of such pools hangs within 5-20 pools). So the normal end is close() + join(), which stops
each worker with a sentinel and sends no signal, and terminate() (on an exception) kills the workers outright.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator

CHUNK = 25
_TASK: Callable | None = None  # the function the forked workers run: set before the fork, inherited


def default_processes() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_chunk(chunk: list[str]):
    return chunk, [_TASK(item) for item in chunk]


def map_chunks(task: Callable[[str], object], items: list[str], processes: int | None = None
               ) -> Iterator[tuple[list[str], list]]:
    """(chunk, results) for consecutive chunks of items, in the items' order."""
    global _TASK
    processes = default_processes() if processes is None else processes
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    if processes <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield chunk, [task(item) for item in chunk]
        return
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(min(processes, len(chunks)), _default_sigterm) as pool:
            yield from pool.imap(_run_chunk, chunks)
            pool.close()
            pool.join()
    finally:
        _TASK = None
