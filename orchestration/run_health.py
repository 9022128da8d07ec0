"""Runs whose process died (SIGKILL, out of memory, a reboot) are marked failed, so nothing waits for them.

A run killed that way cannot report its own end: Dagster keeps it STARTED, and its `partner_warehouse/writer` tag
holds the one slot the run queue allows (dagster.yaml), so every later queued run would wait for ever. Two
mechanisms end such runs:
- Dagster's run monitoring (dagster.yaml `run_monitoring`, written by `orchestration.cli.ensure_dagster_home`):
  the daemon (`dagster dev`, `dagster-daemon run`) fails runs its launcher reports dead, and any run past
  `max_runtime_seconds`;
- this module, which needs no daemon: every run is tagged with the pid, host and start time of the process that
  executes it (`process_tags`), and every CLI command that writes (run, backfill, erase) and every sensor and
  schedule tick first calls `fail_dead_runs`: a STARTING / STARTED run of this host whose process is gone is
  reported failed, with a message that says so. A run whose process is alive is never touched; a run of another
  host, or without the tags, is left to run monitoring.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import dagster as dg

PID_TAG = "partner_warehouse/pid"
HOST_TAG = "partner_warehouse/host"
# The kernel's start time of the process (clock ticks since boot): a pid reused by another process since is not alive.
PROCESS_STARTED_TAG = "partner_warehouse/process_started"

LIVE_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]

DEAD_RUN_MESSAGE = (
    "partner-warehouse: the process that executed this run (pid {pid} on {host}) is gone: it was killed (SIGKILL, "
    "out of memory, a reboot) before it could report its end. Marked failed so the run queue moves on; the "
    "published warehouse was not touched by this run unless its publish step succeeded."
)


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (None: no such process, or no /proc on this system)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name, which may hold spaces


def process_tags(pid: int | None = None) -> dict[str, str]:
    pid = os.getpid() if pid is None else pid
    tags = {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}
    started = process_start_time(pid)
    if started is not None:
        tags[PROCESS_STARTED_TAG] = started
    return tags


def process_is_alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return started is None or process_start_time(pid) in (started, None)


def claim_run(context: dg.AssetExecutionContext) -> None:
    """Tag the run with this process, unless its launcher already did (the CLI tags its runs when it creates them):
    a run the daemon launched runs in a process nobody knew when it was queued."""
    if context.run.tags.get(PID_TAG) == str(os.getpid()):
        return
    context.instance.add_run_tags(context.run.run_id, process_tags())


def fail_dead_runs(instance: dg.DagsterInstance, log: Callable[[str], None] = lambda line: None) -> list[str]:
    """Report every live-looking run of this host whose process is gone as failed; returns their run ids."""
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=LIVE_STATUSES)):
        tags = run.tags
        if tags.get(HOST_TAG) != host or not tags.get(PID_TAG, "").isdigit():
            continue
        pid = int(tags[PID_TAG])
        if process_is_alive(pid, tags.get(PROCESS_STARTED_TAG)):
            continue
        instance.report_run_failed(run, message=DEAD_RUN_MESSAGE.format(pid=pid, host=host))
        log(f"run {run.run_id[:8]} of job {run.job_name} was left {run.status.value} by a killed process "
            f"(pid {pid}): marked failed")
        failed.append(run.run_id)
    return failed


def unfinished_runs_report(instance: dg.DagsterInstance, limit: int = 5) -> list[str]:
    """Lines for `status`: the recent Dagster runs that did not succeed, and whether their process is alive."""
    lines = []
    for run in instance.get_runs(limit=limit):
        if run.status == dg.DagsterRunStatus.SUCCESS:
            continue
        tags, what = run.tags, run.status.value
        if run.status in LIVE_STATUSES and tags.get(PID_TAG, "").isdigit() and tags.get(HOST_TAG) == socket.gethostname():
            alive = process_is_alive(int(tags[PID_TAG]), tags.get(PROCESS_STARTED_TAG))
            what += f", process {tags[PID_TAG]} " + ("running" if alive else "gone: marked failed at the next start")
        elif run.status == dg.DagsterRunStatus.FAILURE and _failed_as_dead(instance, run.run_id):
            what += ": its process was killed"
        lines.append(f"  run {run.run_id[:8]}  {run.job_name}  {what}")
    return lines


def _failed_as_dead(instance: dg.DagsterInstance, run_id: str) -> bool:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    return any(DEAD_RUN_MESSAGE[:40] in (r.event_log_entry.dagster_event.message or "") for r in records
               if r.event_log_entry.dagster_event is not None)
