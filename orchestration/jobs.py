"""The job that builds everything, and its nightly schedule (defined, off by default).

DuckDB allows a single writer, so nothing that writes the warehouse may run in parallel:
- within a run, the in-process executor runs one step at a time;
- across runs, the job carries the `partner_warehouse/writer` tag, which dagster.yaml's run queue limits to
  one run at a time (a sensor run and the nightly run queue behind each other);
- every writing step also holds the warehouse's writer lock (an flock, `warehouse.connection.writer_lock`),
  which covers assets materialized by hand from the UI and loads run outside Dagster. A killed process
  releases it, so a killed run never blocks the next one. (Dagster concurrency pools were tried first: a run
  killed with SIGKILL kept its pool slot and the next run waited forever.)
A killed run stays STARTED in Dagster and would keep the queue's slot: run monitoring (dagster.yaml) and
`orchestration.run_health.fail_dead_runs`, called by every schedule and sensor tick and every CLI command that
writes, mark it failed.
"""

from __future__ import annotations

import dagster as dg

from orchestration.run_health import fail_dead_runs
from settings import Settings

WRITER_TAG = "partner_warehouse/writer"

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    # The quarterly audit report is partitioned by quarter: its own job (orchestration/audit.py). The partner
    # scorecards are not nightly work either: their own job (orchestration/scorecards.py).
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("audit_report", "partner_scorecards"),
    executor_def=dg.in_process_executor,
    tags={WRITER_TAG: "warehouse"},
    description="Load every new extract through its contract, then build all dbt models and tests.",
)

_settings = Settings.from_env()  # read when the definitions load, as Dagster reads a schedule once

@dg.schedule(
    name="nightly_build",
    job=build_warehouse_job,
    cron_schedule=_settings.nightly_cron,
    execution_timezone=_settings.timezone,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Nightly full build after the source systems have dropped their extracts.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # A run a killed process left STARTED would hold the writer slot: tonight's run would queue behind it for ever.
    fail_dead_runs(context.instance, log=context.log.warning)
    return dg.RunRequest()
