"""The job that builds everything, and its nightly schedule (defined, off by default).

The job runs in one process (in-process executor): DuckDB allows a single writer, so steps that write the
warehouse must never run in parallel processes. The `warehouse_writer` pool on every writing asset keeps
that true when assets are launched in other ways (UI, sensors) with a pool limit of 1 (dagster.yaml).
"""

from __future__ import annotations

import os

import dagster as dg

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load every new extract through its contract, then build all dbt models and tests.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_build",
    job=build_warehouse_job,
    cron_schedule=os.environ.get("PW_NIGHTLY_CRON", "0 2 * * *"),
    execution_timezone=os.environ.get("PW_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Nightly full build after the source systems have dropped their extracts.",
)
