"""The scorecards' worker pool ends, whatever the process that forks it did before.

A Dagster job run in-process leaves SIGTERM raising KeyboardInterrupt (dagster maps SIGTERM to the SIGINT handler);
pools forked from such a process used to hang in their teardown now and then (CI stopped at test_scorecards after
90 minutes), and Pool.terminate() after a failed task hung too, 1 CI run in 2, even with SIGTERM at its default. Each
check runs in a child process with a deadline, so a hang fails the test instead of stopping CI.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

DEADLINE_S = 240

_PREAMBLE = textwrap.dedent("""
    import signal
    import dagster as dg

    @dg.op
    def one():
        return 1

    @dg.job
    def job():
        one()

    job.execute_in_process()
    assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler, signal.getsignal(signal.SIGTERM)
    from scorecards.parallel import map_chunks, CHUNK
""")


def _assert_prints(body: str, expected: str) -> None:
    """Run body after the preamble in a child with a deadline; it must end well and print `expected`."""
    done = subprocess.run([sys.executable, "-c", _PREAMBLE + textwrap.dedent(body)], capture_output=True, text=True,
                          timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout


def test_many_pools_after_an_in_process_dagster_job_all_end_with_every_result():
    # Without the fix a loop like this hung within 5-20 pools.
    _assert_prints("""
        items = [str(i) for i in range(CHUNK * 6)]
        for n in range(300):
            got = [r for _, results in map_chunks(lambda x: int(x) * 2, items, processes=2) for r in results]
            assert got == [int(x) * 2 for x in items], n
        print("pools", n + 1)
    """, "pools 300")


def test_a_failing_partner_stops_the_pool_and_its_error_reaches_the_caller():
    _assert_prints("""
        items = [str(i) for i in range(CHUNK * 6)]

        def task(x):
            if x == str(CHUNK * 3 + 1):
                raise ValueError("partner " + x + " failed")
            return x

        for n in range(100):
            try:
                list(map_chunks(task, items, processes=2))
            except ValueError as error:
                assert str(error) == f"partner {CHUNK * 3 + 1} failed"
            else:
                raise AssertionError("the task's error did not reach the caller")
        print("failed pools", n + 1)
    """, "failed pools 100")


def test_a_caller_that_stops_early_leaves_no_pool_behind():
    _assert_prints("""
        import multiprocessing

        items = [str(i) for i in range(CHUNK * 6)]
        for n in range(300):
            chunks = map_chunks(lambda x: x, items, processes=2)
            assert next(chunks)[0] == items[:CHUNK]
            chunks.close()
            assert multiprocessing.active_children() == [], n
        print("stopped pools", n + 1)
    """, "stopped pools 300")
