"""Every Dagster definition of partner-warehouse, assembled in one place. No logic lives here."""

import dagster as dg

from orchestration.dbt import dbt_resource, partner_warehouse_dbt_assets
from orchestration.ingest import raw_assets
from orchestration.jobs import build_warehouse_job, nightly_schedule

defs = dg.Definitions(
    assets=[*raw_assets(), partner_warehouse_dbt_assets],
    jobs=[build_warehouse_job],
    schedules=[nightly_schedule],
    resources={"dbt": dbt_resource()},
)
