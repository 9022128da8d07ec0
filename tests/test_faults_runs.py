"""Runs killed at every phase, two runs at once, a damaged working file: the CLI in its own process, real files.

A run is started with PW_FAULT_PAUSE=<point> (warehouse/faults.py), waits at that point, and is killed there with
SIGKILL: its whole process group, or (dbt) only the main process, its dbt child going on. After each kill: the
published file is byte-identical, `status` tells what happened, the next start marks the killed Dagster run
failed, and the next run gets on with no manual step. At the end, every raw table holds what a clean run loads,
nothing twice.

The cases build on each other in order, on one warehouse (a full build costs minutes on a busy machine)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.run_health import DEAD_RUN_MESSAGE, PID_TAG
from settings import PROJECT_ROOT, Settings
from tests.conftest import cli_environment
from warehouse.connection import read_published

NEW_FILES = ("portal_activity_20261124_fault_a.jsonl", "portal_activity_20261124_fault_b.jsonl")


@pytest.fixture(scope="module")
def faults(tmp_path_factory, sample_landing):
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(sample_landing, root / "landing")
    env = cli_environment(root, root / "landing", PW_FAULT_MARKER_DIR=str(root / "markers"),
                          DBT_TARGET_PATH=str(root / "target"), DBT_LOG_PATH=str(root / "logs"))
    for variable in ("PW_FAULT_PAUSE", "PW_FAULT_PAUSE_SECONDS", "PW_LOCK_TIMEOUT_SECONDS"):
        env.pop(variable, None)
    return root, env, {}


def _cli(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchestration.cli", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _run(env: dict, *args: str, expect: int = 0) -> str:
    process = _cli(env, *args)
    output, _ = process.communicate(timeout=1200)
    assert process.returncode == expect, output[-5000:]
    return output


def _paused_at(root: Path, env: dict, point: str, **variables: str) -> subprocess.Popen:
    """A run started with PW_FAULT_PAUSE=point, returned once it waits there."""
    marker = root / "markers" / f"{point}.reached"
    marker.unlink(missing_ok=True)
    process = _cli({**env, "PW_FAULT_PAUSE": point, **variables}, "run", "--no-sample")
    deadline = time.monotonic() + 900
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended before {point}:\n{process.stdout.read()[-5000:]}")
        assert time.monotonic() < deadline, f"the run never reached {point}"
        time.sleep(0.5)
    return process


def _kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raw_counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name LIKE 'raw\\_%' "
                             "ESCAPE '\\' ORDER BY ALL").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}


def _loaded(settings: Settings, file_name: str) -> list[int]:
    """rows_loaded of every 'loaded' record of this file (one record: loaded once)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return [n for (n,) in con.execute("SELECT rows_loaded FROM ops.loaded_files WHERE status = 'loaded' "
                                          "AND source_file LIKE ?", [f"%/{file_name}"]).fetchall()]


def _dagster_runs(root: Path) -> list:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        return [(run, [r.event_log_entry.dagster_event.message for r in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records]) for run in instance.get_runs()]


def _run_of(root: Path, pid: int):
    """The Dagster run the CLI process `pid` executed, and the messages of its RUN_FAILURE events."""
    runs = [(run, failures) for run, failures in _dagster_runs(root) if run.tags.get(PID_TAG) == str(pid)]
    assert len(runs) == 1, runs
    return runs[0]


def _add_portal_events(landing: Path, name: str, prefix: str, count: int = 40) -> None:
    folder = landing / "prm" / "portal_activity"
    source = sorted(folder.glob("*.jsonl"))[0]
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:count]]
    for number, record in enumerate(records):
        record["event_id"] = f"{prefix}-{number}"
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_each_sensor_and_schedule_tick_fails_only_the_runs_whose_process_is_gone():
    """Without a daemon's run monitoring: a STARTED / STARTING run whose process on this host is gone is marked
    failed; a run whose process is alive, or of another host, is left alone."""
    import dagster as dg
    from dagster._core.test_utils import create_run_for_test

    from orchestration.jobs import nightly_schedule
    from orchestration.run_health import HOST_TAG, process_tags
    from orchestration.sensors import landing_zone_sensor

    ended = subprocess.Popen(["true"])
    ended.wait()

    def started(tags, status=dg.DagsterRunStatus.STARTED):
        return create_run_for_test(instance, job_name="build_warehouse", status=status, tags=tags).run_id

    with dg.instance_for_test() as instance:
        gone, alive = started(process_tags(ended.pid)), started(process_tags())
        elsewhere = started({**process_tags(ended.pid), HOST_TAG: "another-host"})
        landing_zone_sensor(dg.build_sensor_context(instance=instance))
        starting = started(process_tags(ended.pid), dg.DagsterRunStatus.STARTING)
        request = nightly_schedule(dg.build_schedule_context(instance=instance))
        status = {run_id: instance.get_run_by_id(run_id).status for run_id in (gone, alive, elsewhere, starting)}
        failure = instance.get_records_for_run(gone, of_type=dg.DagsterEventType.RUN_FAILURE).records
    assert isinstance(request, dg.RunRequest)
    assert status == {gone: dg.DagsterRunStatus.FAILURE, alive: dg.DagsterRunStatus.STARTED,
                      elsewhere: dg.DagsterRunStatus.STARTED, starting: dg.DagsterRunStatus.FAILURE}
    assert f"(pid {ended.pid} on " in failure[0].event_log_entry.dagster_event.message


HOLDER = """
import os, subprocess, sys, time
from settings import Settings
from warehouse.connection import child_lock_environment, writer_lock
from warehouse.dbt import dbt_environment
settings = Settings.from_env()
with writer_lock(settings):
    # The child stands for dbt: it takes the lock as the dbt plugin does, with the environment dbt gets.
    env = {**dbt_environment(settings), **child_lock_environment(settings)}
    subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=env)
    time.sleep(600)
"""
CHILD = """
import os, sys, time
from settings import Settings
from warehouse.connection import child_writer_lock
lock = child_writer_lock(Settings.from_env())
open(os.environ["HELD_MARKER"], "w").write(str(os.getpid()))
time.sleep(float(os.environ["CHILD_SECONDS"]))
"""


def test_a_child_of_the_lock_holder_keeps_the_writer_lock_after_its_parent_is_killed(tmp_path):
    """What dbt's plugin does, with plain processes: the next writer waits for the orphaned child, not only for the
    killed parent; a child that gets the lock after its parent died refuses to write."""
    from dataclasses import replace

    from warehouse.connection import writer_lock

    settings = replace(Settings.from_env(), warehouse_path=tmp_path / "pw.duckdb", published_path=None)
    marker = tmp_path / "held"
    env = {**os.environ, "PW_WAREHOUSE_PATH": str(settings.warehouse_path), "HELD_MARKER": str(marker),
           "CHILD_SECONDS": "8"}
    env.pop("PW_PUBLISHED_PATH", None)
    parent = subprocess.Popen([sys.executable, "-c", HOLDER, CHILD], cwd=PROJECT_ROOT, env=env,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.1)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        child = int(marker.read_text())
        os.kill(child, 0)  # alive, its parent gone
        with pytest.raises(TimeoutError, match="a process left by an earlier run"):
            with writer_lock(settings, timeout_seconds=1):
                pass
        started = time.monotonic()
        with writer_lock(settings, timeout_seconds=30):
            waited = time.monotonic() - started
        assert waited > 1
        # The lock came free when the child ended. An exiting process closes its files (and so its lock) just before
        # the kernel marks it a zombie: on a busy machine /proc may still show it running for a moment.
        gone_by = time.monotonic() + 10
        while _running(child) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not _running(child)
    finally:
        if _group_alive(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)
    # A child started by a holder that is gone by the time the child has the lock: it refuses.
    from warehouse.connection import HELD_VARIABLE, lock_path

    refused = subprocess.run([sys.executable, "-c", CHILD], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             env={**env, HELD_VARIABLE: f"{os.getpid() + 999999}:{lock_path(settings)}"})
    assert refused.returncode != 0 and "ChildOfDeadRun" in refused.stderr


def test_a_clean_run_builds_and_publishes(faults):
    root, env, state = faults
    output = _run(env, "run", "--no-sample")
    settings = Settings.from_env(env)
    assert "Run succeeded" in output
    state["raw"] = _raw_counts(settings)
    state["published"] = _sha256(settings.published)
    assert state["raw"]["raw_prm.portal_activity"] > 1000
    # The run monitoring Dagster's daemon applies (and the slot it protects) is configured in dagster.yaml.
    config = (root / "dagster_home" / "dagster.yaml").read_text()
    assert "run_monitoring:\n  enabled: true" in config and "max_runtime_seconds: 21600" in config


def test_a_second_run_refuses_while_one_runs_and_a_run_killed_between_two_files_is_failed_at_the_next_start(faults):
    root, env, state = faults
    settings = Settings.from_env(env)
    for number, name in enumerate(NEW_FILES):
        _add_portal_events(root / "landing", name, f"FAULT-{number}")
    first = _paused_at(root, env, "load.between_files")  # one new file committed, the other not begun
    try:
        second = _run({**env, "PW_LOCK_TIMEOUT_SECONDS": "2"}, "run", "--no-sample", expect=3)
    finally:
        _kill_group(first)
    assert "Another build holds the warehouse's writer lock" in second and "nothing was loaded" in second
    assert _sha256(settings.published) == state["published"]
    killed, failures = _run_of(root, first.pid)
    assert killed.status.value == "STARTED" and failures == []  # what Dagster believes until someone looks
    assert sorted(len(_loaded(settings, name)) for name in NEW_FILES) == [0, 1]
    status = _run(env, "status")
    assert f"run {killed.run_id[:8]}  build_warehouse  STARTED, process {first.pid} gone" in status
    state["killed"] = [killed.run_id]


def test_a_run_killed_during_the_dbt_build_leaves_the_published_file_and_the_next_start_fails_it(faults):
    root, env, state = faults
    settings = Settings.from_env(env)
    during_dbt = _paused_at(root, env, "dbt.building")  # the loads done, some models rebuilt
    # This run's start marked the run killed during the loads failed, saying why.
    (previous, failures), = [(r, f) for r, f in _dagster_runs(root) if r.run_id == state["killed"][0]]
    assert previous.status.value == "FAILURE"
    assert failures and failures[0].startswith(DEAD_RUN_MESSAGE.split("(")[0])
    _kill_group(during_dbt)
    assert [len(_loaded(settings, name)) for name in NEW_FILES] == [1, 1]  # the rest loaded, nothing twice
    assert _sha256(settings.published) == state["published"]
    killed, _ = _run_of(root, during_dbt.pid)
    assert killed.status.value == "STARTED"
    state["killed"].append(killed.run_id)


def test_dbt_left_writing_by_a_killed_run_holds_the_writer_lock_and_the_next_run_waits_for_it(faults):
    """Only the main process is killed while its dbt child has the warehouse open: the next run waits for that dbt
    instead of failing on DuckDB's own file lock. The child is `dbt build` (PW_DBT_RUNNER=dbt): the session runner
    runs dbt's compile inside the run's own process."""
    root, env, state = faults
    settings = Settings.from_env(env)
    # dbt pauses long enough for the next run to start while it still has the warehouse open.
    main = _paused_at(root, env, "dbt.connected", PW_FAULT_PAUSE_SECONDS="45", PW_DBT_RUNNER="dbt")
    dbt_pid = int((root / "markers" / "dbt.connected.reached").read_text())
    assert dbt_pid != main.pid
    try:
        os.kill(main.pid, signal.SIGKILL)
        main.wait(timeout=60)
        assert _running(dbt_pid)  # dbt lives on, the warehouse open, its parent gone
        output = _run(env, "run", "--no-sample")
    finally:
        if _group_alive(main.pid):
            os.killpg(main.pid, signal.SIGKILL)
    assert "waiting for a process left by an earlier, killed run (dbt)" in output
    assert "Run succeeded" in output
    killed, failures = _run_of(root, main.pid)
    assert killed.status.value == "FAILURE" and failures
    assert {r.status.value for r, _ in _dagster_runs(root)} == {"SUCCESS", "FAILURE"}  # nothing left STARTED
    # Every raw table holds what a clean run loads: the first build's rows and the two new files, each once.
    new_rows = sum(n for name in NEW_FILES for n in _loaded(settings, name))
    assert 60 < new_rows <= 2 * 40
    expected = {**state["raw"], "raw_prm.portal_activity": state["raw"]["raw_prm.portal_activity"] + new_rows}
    assert _raw_counts(settings) == expected
    assert _sha256(settings.published) != state["published"]  # this run published
    state["raw"] = expected


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it, maybe later)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


HEADERS, BLOCK = 3 * 4096, 256 * 1024  # DuckDB's file layout: three 4 KiB headers, then 256 KiB blocks


def _data_block_offset(settings: Settings) -> int:
    """Where in the file a block of a raw table's data lies (the middle one of them): damage there is read back."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        blocks = sorted({b for (b,) in con.execute(
            "SELECT block_id FROM pragma_storage_info('raw_prm.portal_activity') WHERE block_id >= 0").fetchall()})
    assert blocks
    return HEADERS + blocks[len(blocks) // 2] * BLOCK


def test_a_damaged_working_file_is_named_with_its_recovery_and_the_published_file_still_serves(faults):
    root, env, state = faults
    settings = Settings.from_env(env)
    with read_published(settings.published) as con:
        partners = con.execute("SELECT count(*) FROM marts.dim_partner").fetchone()[0]
    with open(settings.warehouse_path, "r+b") as handle:  # bytes overwritten in a block of data, as a disk error would
        handle.seek(_data_block_offset(settings) + 1000)
        handle.write(os.urandom(4096))
    published = _sha256(settings.published)
    output = _run(env, "run", "--no-sample", expect=4)
    assert "The working warehouse" in output and "is damaged; DuckDB says:" in output
    assert "Nothing was loaded or built" in output and "still serves readers" in output
    with read_published(settings.published) as con:
        assert con.execute("SELECT count(*) FROM marts.dim_partner").fetchone()[0] == partners
    assert _sha256(settings.published) == published
    recovery = next(line.split() for line in output.splitlines() if "orchestration.cli backfill" in line)
    assert recovery[:3] == ["python", "-m", "orchestration.cli"]
    rebuilt = _run(env, *recovery[3:])
    assert "damaged" in rebuilt and "history snapshots are carried over from" in rebuilt
    assert _raw_counts(settings) == state["raw"]  # rebuilt from the landing archive: every file once
    with read_published(settings.published) as con:
        assert con.execute("SELECT count(*) FROM marts.dim_partner").fetchone()[0] == partners
