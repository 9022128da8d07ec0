"""Every Dagster definition of partner-warehouse, assembled in one place. No logic lives here.

(Only `defs` may be a Definitions object at module scope: `dagster dev -m` refuses a module with two.)"""

import dagster as dg

from orchestration import audit, scorecards
from orchestration.dbt import dbt_resource, partner_warehouse_dbt_assets
from orchestration.ingest import loaded_files_spec, quarantine_spec, raw_assets
from orchestration.jobs import build_warehouse_job, nightly_schedule
from orchestration.publish_assets import published_warehouse
from orchestration.sensors import landing_zone_sensor

defs = dg.Definitions.merge(
    audit.audit_definitions,
    scorecards.scorecards_definitions,
    dg.Definitions(
        assets=[*raw_assets(), quarantine_spec(), loaded_files_spec(), partner_warehouse_dbt_assets, published_warehouse],
        jobs=[build_warehouse_job],
        schedules=[nightly_schedule],
        sensors=[landing_zone_sensor],
        resources={"dbt": dbt_resource()},
    ),
)
