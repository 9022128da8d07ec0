"""A sensor that starts a build when new extract files land (off by default; PW_SENSOR_ENABLED=1 or the UI
turns it on). It never opens the warehouse — a running build holds DuckDB's single write lock — it only
lists the landing zone and compares a fingerprint of the listing with its cursor."""

import hashlib

import dagster as dg

from connectors.registry import SOURCES
from orchestration.jobs import build_warehouse_job
from orchestration.run_health import fail_dead_runs
from settings import Settings

_settings = Settings.from_env()  # read when the definitions load: the sensor's interval and first status


def landing_fingerprint(settings: Settings) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    for source in SOURCES.values():
        for entity in source.entities:
            # Only settled files: one still being copied in is fingerprinted once it is complete, so the run it
            # starts loads it (a run started earlier would leave it for the next run, which nothing would start).
            for path in source.extract_files(settings.landing_dir, entity, settle_seconds=settings.landing_settle_seconds):
                stat = path.stat()
                digest.update(f"{path.relative_to(settings.landing_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
                count += 1
    return digest.hexdigest(), count


@dg.sensor(
    job=build_warehouse_job,
    minimum_interval_seconds=_settings.sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING if _settings.sensor_enabled else dg.DefaultSensorStatus.STOPPED,
    description="Starts build_warehouse when files are added to or changed in the landing zone.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext):
    # A run a killed process left STARTED would hold the writer slot: the runs requested here would queue for ever.
    fail_dead_runs(context.instance, log=context.log.warning)
    fingerprint, files = landing_fingerprint(Settings.from_env())
    if files == 0:
        return dg.SkipReason("the landing zone has no extract files")
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no new files ({files} known)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=fingerprint, tags={"partner_warehouse/trigger": "new_files"})],
        cursor=fingerprint,
    )
