"""The `published/warehouse` asset: the last step of a build, after every model and blocking check."""

import dagster as dg

from orchestration.dbt import partner_warehouse_dbt_assets
from orchestration.run_health import claim_run
from orchestration.run_log import rejections
from settings import Settings
from warehouse.connection import connect, writer_lock
from warehouse.publish import publish

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])


@dg.asset(
    key=PUBLISHED_KEY,
    deps=list(partner_warehouse_dbt_assets.keys),
    group_name="publish",
    kinds={"duckdb", "parquet"},
    description="The warehouse readers and BI tools open: an atomic copy of the working warehouse, replaced only "
    "when a whole build has passed, plus the marts as Parquet (one folder per mart).",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    claim_run(context)
    settings = Settings.from_env()
    if not settings.publish:  # intermediate days of a backfill
        context.log.info("PW_PUBLISH=0: build checked, not published")
        return dg.MaterializeResult(metadata={"published": False})
    with writer_lock(settings):
        if settings.strict:
            _refuse_rejections(settings, context.run.run_id)
        report = publish(settings, context.run.run_id)
    context.log.info(f"published {report.published} ({report.bytes / 1e6:.1f} MB) in {report.seconds:.2f}s")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.published)),
            "parquet": dg.MetadataValue.path(str(report.parquet_dir)),
            "megabytes": round(report.bytes / 1e6, 2),
            "seconds": round(report.seconds, 2),
            "mart_rows": dg.MetadataValue.json(report.tables),
            "published": True,
        }
    )


STRICT_REFUSAL = "strict mode (PW_STRICT=1): not published, the published warehouse was left as it was"


def _refuse_rejections(settings: Settings, run_id: str) -> None:
    """Strict mode: any file rejected in this run stops the publish, before anything of it is touched."""
    with connect(settings) as con:
        rejected = rejections(con, run_id)
    if rejected:
        raise dg.Failure(
            description=f"{STRICT_REFUSAL}: files were rejected in this run: {'; '.join(rejected)}",
            metadata={"rejections": dg.MetadataValue.json(rejected)},
        )
