"""Never invent data where the user's data lives, and say "no data from <system>" for systems a user lacks.

Real runs of `python -m orchestration.cli run` (subprocesses, real files, real DuckDB and dbt): a CRM + PRM only
landing zone builds and publishes, the summary names the systems that delivered nothing, and the marts hold NULL,
not 0, where only a missing system feeds a column; a mistyped or empty PW_LANDING_DIR, or a malformed setting,
stops before any work and writes nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from settings import PROJECT_ROOT, Settings
from tests.conftest import cli_environment, copy_landing, settings_for

PRESENT = {"crm", "prm"}
MISSING = {"lms", "marketing", "finance"}
# partner_360 columns that only one system feeds, by that system.
ONLY_FROM = {
    "lms": ["certification_records", "active_certifications", "expiring_certifications", "expired_certifications",
            "certified_people", "required_certifications_met", "training_completions_last_30d",
            "training_completions_last_90d", "certified_people_gap", "missing_required_certifications"],
    "finance": ["mdf_paid_usd", "rebate_accrued_usd", "commission_paid_usd", "mdf_roi"],
    "marketing": ["mdf_funded_campaigns", "mdf_won_deals", "mdf_won_amount_usd"],
}
# Fed by the CRM or the PRM, so filled for every partner of a CRM + PRM landing zone.
FROM_PRESENT = ["portal_logins_last_30d", "content_downloads_last_90d", "mdf_approved_usd",
                "deal_registrations_submitted_l4q", "sourced_won_amount_usd_l4q", "open_pipeline_usd", "health_score"]


def _cli(env: dict, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _non_null_counts(con, table: str, columns: list[str]) -> dict[str, int]:
    counts = con.execute(f"SELECT {', '.join(f'count({c})' for c in columns)} FROM {table}").fetchone()
    return dict(zip(columns, counts))


@pytest.fixture(scope="module")
def crm_prm_build(tmp_path_factory, sample_landing):
    """A user with only a CRM and a PRM, built end to end by the CLI. Returns (process, published connection)."""
    root = tmp_path_factory.mktemp("crm_prm")
    landing = copy_landing(sample_landing, root / "landing", PRESENT)
    process = _cli(cli_environment(root, landing), "run")
    assert process.returncode == 0, (process.stdout + process.stderr)[-4000:]
    con = duckdb.connect(str(root / "published" / "pw.duckdb"), read_only=True)
    yield process, con
    con.close()


def test_a_crm_and_prm_only_landing_zone_builds_and_every_dbt_test_passes(crm_prm_build):
    process, con = crm_prm_build
    assert "Run succeeded" in process.stdout
    dbt_line = next(line for line in process.stdout.splitlines() if line.startswith("dbt: "))
    assert "error" not in dbt_line and "fail" not in dbt_line, dbt_line
    assert "NOT updated by this run" not in process.stdout
    assert con.execute("SELECT count(*) FROM marts.partner_360").fetchone()[0] > 0


def test_the_summary_names_the_systems_that_delivered_nothing(crm_prm_build):
    process, _ = crm_prm_build
    lines = {line.split()[0]: line for line in process.stdout.splitlines()
             if line.startswith("  ") and line.split() and line.split()[0] in PRESENT | MISSING}
    for system in MISSING:
        assert "NO DATA" in lines[system], lines[system]
        assert "certification" in lines["lms"]  # the entities without files are named
    for system in PRESENT:
        assert "NO DATA" not in lines[system] and "4 of 4 entities" in lines[system], lines[system]


def test_coverage_is_read_from_the_raw_sources(crm_prm_build):
    _, con = crm_prm_build
    rows = dict(con.execute("SELECT source_system, sum(raw_rows) FROM intermediate.int_coverage__source_entities "
                            "GROUP BY ALL").fetchall())
    assert set(rows) == PRESENT | MISSING
    assert all(rows[s] > 0 for s in PRESENT) and all(rows[s] == 0 for s in MISSING), rows


def test_columns_only_a_missing_system_feeds_are_null_not_zero(crm_prm_build):
    _, con = crm_prm_build
    columns = [c for system in MISSING for c in ONLY_FROM.get(system, [])]
    assert _non_null_counts(con, "marts.partner_360", columns) == dict.fromkeys(columns, 0)
    partners = con.execute("SELECT count(*) FROM marts.partner_360").fetchone()[0]
    assert _non_null_counts(con, "marts.partner_360", FROM_PRESENT) == dict.fromkeys(FROM_PRESENT, partners)
    # The per-domain marts partner_360 reads say the same.
    summaries = {"marts.mart_partner_certification_summary": ["certified_people", "certification_records"],
                 "marts.mart_partner_incentive_summary": ["mdf_paid_usd", "rebate_accrued_usd", "mdf_funded_campaigns"],
                 "marts.mart_partner_engagement_summary": ["training_completions_last_90d", "campaign_touches_last_90d"]}
    for table, missing_columns in summaries.items():
        assert _non_null_counts(con, table, missing_columns) == dict.fromkeys(missing_columns, 0), table
    assert con.execute("SELECT count(*) FROM marts.fct_audit_certification_risk").fetchone()[0] == 0


def test_with_the_lms_present_its_columns_are_filled_and_none_certified_is_zero(warehouse):
    partners = warehouse.execute("SELECT count(*) FROM marts.partner_360").fetchone()[0]
    assert _non_null_counts(warehouse, "marts.partner_360", ONLY_FROM["lms"][:8]) == dict.fromkeys(
        ONLY_FROM["lms"][:8], partners)
    uncertified = warehouse.execute("""
        SELECT p.certified_people, p.certification_records FROM marts.partner_360 p
        WHERE NOT EXISTS (SELECT 1 FROM marts.fct_certification c WHERE c.partner_id = p.partner_id)""").fetchall()
    assert uncertified, "the sample should hold partners without any certification"
    assert set(uncertified) == {(0, 0)}


def test_a_mistyped_landing_zone_stops_before_any_work(tmp_path, sample_landing):
    typo = tmp_path / "landnig"
    process = _cli(cli_environment(tmp_path, typo), "run", timeout=300)
    assert process.returncode == 2, process.stdout + process.stderr
    assert f"PW_LANDING_DIR={typo}: no such folder" in process.stderr
    assert "Traceback" not in process.stderr
    assert not typo.exists() and not (tmp_path / "warehouse").exists() and not (tmp_path / "dagster_home").exists()


def test_an_empty_landing_zone_builds_nothing_and_gets_no_sample(tmp_path):
    landing = tmp_path / "landing"
    (landing / "crm" / "account").mkdir(parents=True)
    process = _cli(cli_environment(tmp_path, landing), "run", timeout=300)
    assert process.returncode == 1, process.stdout + process.stderr
    assert "holds no extract files" in process.stderr and "no sample was written" in process.stderr
    assert [p for p in landing.rglob("*") if p.is_file()] == []
    assert not (tmp_path / "warehouse").exists()


@pytest.mark.parametrize(("variable", "value"), [
    ("PW_AS_OF_DATE", "24/11/2026"),
    ("PW_AS_OF_DATE", "2026-11-24T00:00:00"),
    ("PW_DUCKDB_MEMORY_LIMIT", "4 gigs"),
    ("PW_NIGHTLY_CRON", "0 2 * *"),
    ("PW_TIMEZONE", "Europe/Pariss"),
    ("PW_PUBLISHED_PATH", "published/other_name.duckdb"),
])
def test_a_malformed_setting_exits_2_at_once_naming_the_variable(tmp_path, sample_landing, variable, value):
    started = time.perf_counter()
    process = _cli(cli_environment(tmp_path, sample_landing, **{variable: value}), "run", timeout=120)
    elapsed = time.perf_counter() - started
    assert process.returncode == 2, process.stdout + process.stderr
    assert variable in process.stderr and "Traceback" not in process.stderr, process.stderr
    # Well under a second on an idle machine (no Dagster, dbt or pandera import); the bound leaves room for a
    # machine busy with other builds while still failing on any work done before the check.
    assert elapsed < 10, f"{elapsed:.1f}s"
    assert not (tmp_path / "warehouse").exists()


def test_only_the_demo_folder_is_ever_given_a_sample(tmp_path, monkeypatch):
    """PW_LANDING_DIR unset means the demo folder: a run fills it when empty, and builds it."""
    import settings as settings_module
    from orchestration.cli import prepare_landing

    demo = tmp_path / "demo" / "landing"
    monkeypatch.setattr(settings_module, "DEMO_LANDING_DIR", demo)
    assert prepare_landing(settings_for(tmp_path, demo), sample=True, partners=2, seed=3) is None
    assert (demo / "crm" / "account").is_dir()
    assert Settings.from_env({}).landing_dir == PROJECT_ROOT / "data" / "demo" / "landing"
    mine = tmp_path / "mine"
    mine.mkdir()
    assert prepare_landing(settings_for(tmp_path, mine), sample=True, partners=2, seed=3) == 1
    assert list(Path(mine).iterdir()) == []


def test_audit_and_scorecards_are_written_from_a_warehouse_without_lms(crm_prm_build, tmp_path):
    """The channel managers' outputs read columns a missing system leaves NULL: they say "no data", never crash."""
    _, con = crm_prm_build
    root = Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchone()[0]).parent.parent
    partners = [row[0] for row in con.execute(
        "SELECT partner_id FROM marts.partner_360 ORDER BY partner_id LIMIT 3").fetchall()]
    env = cli_environment(root, root / "landing", PW_REPORTS_DIR=str(tmp_path / "reports"))
    command = [sys.executable, "-m", "scorecards", "--quiet", "--out", str(tmp_path / "sc"),
               *(arg for p in partners for arg in ("--partner", p))]
    scorecards = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert scorecards.returncode == 0, (scorecards.stdout + scorecards.stderr)[-3000:]
    pages = [(tmp_path / "sc" / p / "scorecard.html").read_text() for p in partners]
    assert any("no data" in page for page in pages)
    audit = subprocess.run([sys.executable, "-m", "audit", "--out", str(tmp_path / "audit")], cwd=PROJECT_ROOT,
                           env=env, capture_output=True, text=True, timeout=900)
    assert audit.returncode == 0, (audit.stdout + audit.stderr)[-3000:]
