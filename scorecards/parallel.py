"""Run one function over many partners in worker processes forked from this one.

Scorecards are independent of each other, and what they read (the loaded data, its per-partner lookup, the
isolation index) is built once before the fork and shared copy-on-write, never pickled. Results (small dicts and
lists) come back per chunk. One process, or a platform without fork, runs the same chunks in this process.

The pool is a ProcessPoolExecutor that is only ever shut down, never terminated: Pool.terminate() kills workers that
may be writing a result or holding a queue's lock, and its join() can then wait forever. That hung CI at
test_scorecards: after a Dagster job runs in-process, SIGTERM raises KeyboardInterrupt, workers inherit that, and a
loop of `with Pool(2)` pools hangs within 5-20 pools; with the default SIGTERM a pool whose task fails still hung now
and then. Here a failure cancels the chunks not started and waits for the running ones (at most CHUNK partners each).
Workers take back the default SIGTERM all the same, so that a signal sent to them does what it says.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

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
        with ProcessPoolExecutor(min(processes, len(chunks)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=_default_sigterm) as pool:
            futures = [pool.submit(_run_chunk, chunk) for chunk in chunks]
            try:
                for future in futures:
                    yield future.result()
            except BaseException:  # a task failed, or the caller stopped early: start no further chunk
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        _TASK = None
