"""Per-partner scorecards in Dagster: `scorecards/partner_scorecards` writes one scorecard per partner (scorecards
package) from the published warehouse into `$PW_REPORTS_DIR/scorecards/` (default reports/scorecards/), then runs
the isolation check, which fails the asset if any file holds another partner's name, ids, domain or figures.

It is not part of the nightly `build_warehouse` job: rendering every partner's charts takes about 0.4 s a partner
(minutes at thousands of partners), and scorecards are shared with partners on a business rhythm, not nightly.
Its own job, `partner_scorecards`, runs it; the schedule `weekly_partner_scorecards` (Mondays 06:00 UTC, after the
nightly build) is off by default.
"""

from pathlib import Path

import dagster as dg

from orchestration.publish_assets import PUBLISHED_KEY
from settings import Settings

SCORECARDS_KEY = dg.AssetKey(["scorecards", "partner_scorecards"])
SCORECARDS_GROUP = "partner_scorecards"


class ScorecardsConfig(dg.Config):
    partners: list[str] = []  # partner_ids to write; empty = every partner


def scorecards_dir() -> Path:
    return Settings.from_env().reports_dir / "scorecards"


@dg.asset(
    key=SCORECARDS_KEY,
    deps=[PUBLISHED_KEY],
    group_name=SCORECARDS_GROUP,
    kinds={"html", "json", "csv"},
    description="One scorecard per partner (reports/scorecards/<partner_id>/scorecard.html|.json|.csv: tier and "
    "history, exact gap to the next tier, certifications, revenue by quarter, MDF, approximate peer percentiles of "
    "its tier) plus a vendor-only index; fails if the isolation check finds another partner's data in a file.",
)
def partner_scorecards(context: dg.AssetExecutionContext, config: ScorecardsConfig) -> dg.MaterializeResult:
    from scorecards.data import load
    from scorecards.isolation import check_folder
    from scorecards.render import write_all
    from warehouse.connection import read_published

    published = Settings.from_env().published
    if not published.exists():
        raise dg.Failure(f"no published warehouse at {published}: run build_warehouse first")
    con = read_published(published)
    try:
        data = load(con)
    finally:
        con.close()
    out = scorecards_dir()

    def progress(n: int, total: int, _partner_id: str) -> None:
        if n == total or n % 100 == 0:
            context.log.info(f"{n}/{total} scorecards written")

    result = write_all(data, out, config.partners or None, progress=progress)
    leaks = check_folder(out, data, result.partners, result.scorecards)
    if leaks:
        raise dg.Failure(f"isolation check failed: {len(leaks)} leak(s), first: {leaks[0]}",
                         metadata={"leaks": dg.MetadataValue.json([str(x) for x in leaks[:50]])})
    return dg.MaterializeResult(metadata={
        "partners_written": len(result.partners),
        "files": result.files,
        "peer_comparisons_reported": result.peer_groups_reported,
        "as_of_date": str(data.as_of_date),
        "seconds": round(result.seconds, 1),
        "folder": dg.MetadataValue.path(str(out)),
        "index": dg.MetadataValue.path(str(result.index)),
    })


partner_scorecards_job = dg.define_asset_job(
    name="partner_scorecards",
    selection=dg.AssetSelection.assets(SCORECARDS_KEY),
    description="Write every partner's scorecard from the published warehouse.",
)

weekly_scorecards_schedule = dg.ScheduleDefinition(
    name="weekly_partner_scorecards",
    job=partner_scorecards_job,
    cron_schedule="0 6 * * 1",
    execution_timezone=Settings.from_env().timezone,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Refresh the partner scorecards every Monday morning, after the nightly build.",
)

scorecards_definitions = dg.Definitions(
    assets=[partner_scorecards],
    jobs=[partner_scorecards_job],
    schedules=[weekly_scorecards_schedule],
)
