"""The quarterly data-hygiene audit in Dagster.

- `audit/expectations` runs after every build (it is part of `build_warehouse`, downstream of the publish step):
  the great-expectations suite over the published marts (audit.expectations), one asset check per mart, so a
  failed expectation shows on the asset in the UI (severity WARN: the warehouse is already published).
- `audit/report` is partitioned by calendar quarter and writes `reports/audit-<YYYY>-Q<n>/` (audit.report) from the
  published warehouse; `quarterly_audit` materializes the quarter that just ended, on the 1st of Jan/Apr/Jul/Oct
  (off by default). It is not part of `build_warehouse` (that job is unpartitioned).
"""


from datetime import date
from pathlib import Path

import dagster as dg

from audit.quarter import Quarter
from orchestration.publish_assets import PUBLISHED_KEY
from settings import Settings

EXPECTATIONS_KEY = dg.AssetKey(["audit", "expectations"])
REPORT_KEY = dg.AssetKey(["audit", "report"])
REPORT_GROUP = "audit_report"
# The marts the suite validates (audit.expectations.FRAMES + the high-impact completeness thresholds).
CHECKED_MARTS = ("dim_partner", "fct_opportunity_partner", "fct_deal_registration", "fct_certification",
                 "fct_partner_attribution", "mart_completeness", "fct_audit_finding", "high_impact_completeness",
                 "completeness")

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start="2025-01-01",
    fmt="%Y-%m-%d",
    end_offset=1,  # the current quarter too (quarter to date)
)


def reports_dir() -> Path:
    return Settings.from_env().reports_dir


@dg.asset(
    key=EXPECTATIONS_KEY,
    deps=[PUBLISHED_KEY],
    group_name="audit",
    kinds={"great_expectations", "pandas"},
    description="The great-expectations suite over the published marts (completeness thresholds, uniqueness, "
    "referential integrity, value ranges), validated on pandas frames read from DuckDB after every build.",
    check_specs=[dg.AssetCheckSpec(name=f"gx_{mart}", asset=EXPECTATIONS_KEY) for mart in CHECKED_MARTS],
)
def audit_expectations(context: dg.AssetExecutionContext):
    from audit.expectations import run_suite, summarize
    from warehouse.connection import read_published

    settings = Settings.from_env()
    if not settings.publish or not settings.published.exists():
        context.log.info("nothing published in this run: expectations not evaluated")
        yield dg.MaterializeResult(metadata={"evaluated": 0})
        for mart in CHECKED_MARTS:
            yield dg.AssetCheckResult(check_name=f"gx_{mart}", passed=True, metadata={"skipped": True})
        return
    con = read_published(settings.published)
    try:
        outcomes = run_suite(con)
    finally:
        con.close()
    summary = summarize(outcomes)
    yield dg.MaterializeResult(metadata={**summary, "failed_expectations": dg.MetadataValue.json(
        [o.as_dict() for o in outcomes if not o.success])})
    for mart in CHECKED_MARTS:
        mine = [o for o in outcomes if o.mart == mart]
        failed = [o for o in mine if not o.success]
        yield dg.AssetCheckResult(
            check_name=f"gx_{mart}",
            passed=not failed,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"evaluated": len(mine), "failed": len(failed),
                      "failures": dg.MetadataValue.json([o.as_dict() for o in failed])},
        )


@dg.asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name=REPORT_GROUP,
    partitions_def=quarterly_partitions,
    kinds={"html", "parquet"},
    description="The quarterly data-hygiene audit report (reports/audit-<YYYY>-Q<n>/: index.html, findings.csv/"
    ".parquet, summary.md, gx/ Data Docs), computed from the warehouse history as of the quarter's end.",
)
def audit_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from audit.report import generate

    quarter = Quarter.of(date.fromisoformat(context.partition_key))
    result = generate(Settings.from_env().published, quarter, reports_dir())
    h = result.headline
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.path(str(result.folder / "index.html")),
        "as_of_date": h["as_of_date"],
        "findings": h["findings"],
        "high_severity": h["high_severity"],
        "weighted_completeness": h["weighted_completeness"],
        "expectations_failed": result.expectations_failed,
        "summary": dg.MetadataValue.md((result.folder / "summary.md").read_text(encoding="utf-8")),
    })


audit_report_job = dg.define_asset_job(
    name="quarterly_audit_report",
    selection=dg.AssetSelection.assets(REPORT_KEY),
    partitions_def=quarterly_partitions,
    description="Write the audit report of one quarter from the published warehouse.",
)

# A partitioned schedule runs at each partition's end (00:00 UTC on the 1st of Jan/Apr/Jul/Oct) for the quarter that just ended.
quarterly_audit_schedule = dg.build_schedule_from_partitioned_job(
    audit_report_job,
    name="quarterly_audit",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

audit_definitions = dg.Definitions(
    assets=[audit_expectations, audit_report],
    jobs=[audit_report_job],
    schedules=[quarterly_audit_schedule],
)
