"""The quarterly data-hygiene audit: findings scored against the generator's ground truth, the report rendered
and opened in headless Chromium, quarter logic, reproducibility of a past quarter."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import duckdb
import pandas as pd
import pytest

from audit.quarter import Quarter
from audit.scoring import score
from tests.browser import CHROMIUM_FLAGS, chromium, headless_chrome

MIN_PRECISION = 0.95
MIN_RECALL = 0.90


@pytest.fixture(scope="module")
def published(pipeline):
    result, settings = pipeline
    assert result.success, "the build_warehouse job failed"
    assert settings.published.exists()
    return settings.published


def test_quarter_bounds():
    q = Quarter.parse("2026-Q4")
    assert (q.start, q.end, q.folder) == (date(2026, 10, 1), date(2026, 12, 31), "audit-2026-Q4")
    assert Quarter.of(date(2026, 2, 28)).label == "2026-Q1"
    assert Quarter.parse("2026q1").previous().label == "2025-Q4"
    with pytest.raises(ValueError):
        Quarter.parse("2026-Q5")


def test_findings_match_ground_truth(warehouse, ground_truth):
    findings = warehouse.sql("select * from marts.fct_audit_finding").df()
    crosswalk = warehouse.sql(
        "select source_system, source_record_id, partner_id from intermediate.int_partner__crosswalk").df()
    scores = score(findings, ground_truth, crosswalk)
    for name, s in scores.items():
        d = s.as_dict()
        print(f"audit {name:<10} expected {d['expected']:>4} found {d['found']:>4} "
              f"precision {d['precision']:.3f} recall {d['recall']:.3f}"
              + (f" missed {d['missed']}" if d["missed"] else "") + (f" unexpected {d['unexpected']}" if d["unexpected"] else ""))
    overall = scores["overall"]
    assert overall.precision >= MIN_PRECISION, scores["overall"].as_dict()
    assert overall.recall >= MIN_RECALL, scores["overall"].as_dict()
    for name in ("stale", "duplicates", "orphans", "conflicts"):
        assert scores[name].expected, f"the sample planted no {name}"
        assert scores[name].recall >= MIN_RECALL, (name, scores[name].as_dict())
        assert scores[name].precision >= MIN_PRECISION, (name, scores[name].as_dict())


def test_every_finding_has_its_record_and_rule(warehouse):
    bad = warehouse.sql("""
        select count(*) from marts.fct_audit_finding
        where source_record_id is null or rule is null or source_system is null
           or (finding_type not in ('orphan', 'stale', 'source_file') and partner_id is null)
    """).fetchall()[0][0]
    assert bad == 0
    types = {r[0] for r in warehouse.sql("select distinct finding_type from marts.fct_audit_finding").fetchall()}
    # data_quality: the sample's delta closes a few open deals as won without moving their future close date
    # source_file: the sample's CRM exports carry Salesforce headers the mapping does not know (schema drift)
    assert types == {"stale", "duplicate", "conflict", "orphan", "certification_risk", "data_quality", "source_file"}


def test_duplicate_clusters_suggest_one_survivor(warehouse):
    rows = warehouse.sql("""
        select field_name, triggering_value, count(distinct related_record_id) as survivors,
               max(case when source_record_id = related_record_id then 1 else 0 end) as self_survivor
        from marts.fct_audit_duplicate_partner group by all""").fetchall()
    assert rows and all(r[2] == 1 and r[3] == 0 for r in rows)


@pytest.fixture(scope="module")
def report(published, tmp_path_factory):
    from audit.report import generate

    out = tmp_path_factory.mktemp("reports")
    return generate(published, Quarter.parse("2026-Q4"), out)


def test_report_files(report):
    folder = report.folder
    assert folder.name == "audit-2026-Q4"
    for name in ("index.html", "findings.csv", "findings.parquet", "summary.md", "gx/index.html"):
        assert (folder / name).exists(), name
    csv = pd.read_csv(folder / "findings.csv")
    parquet = pd.read_parquet(folder / "findings.parquet")
    assert len(csv) == len(parquet) == report.headline["findings"] > 0
    summary = (folder / "summary.md").read_text()
    assert f"**{report.headline['findings']}** findings" in summary
    html = (folder / "index.html").read_text()
    # Self-contained: no external script, stylesheet, image or font (the only link is to the Data Docs beside it).
    external = re.findall(r'(?:src|href)\s*=\s*"(?!#|gx/|data:)([^"]*)"', html)
    assert external == [], external
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 5
    print("audit report headline:", report.headline)


def test_failed_expectation_shows_in_report(published, tmp_path):
    """A broken mart (an unknown certification status) fails its expectation, and the report says so."""
    from audit.data import load
    from audit.expectations import run_suite
    from audit.report import render

    copy = tmp_path / published.name
    shutil.copy(published, copy)
    con = duckdb.connect(str(copy))
    con.execute("update marts.fct_certification set certification_status = 'bogus' where certification_record_id = "
                "(select min(certification_record_id) from marts.fct_certification)")
    outcomes = run_suite(con)
    failed = [o for o in outcomes if not o.success]
    assert any(o.mart == "fct_certification" and o.column == "certification_status" for o in failed)
    result = render(load(con, Quarter.parse("2026-Q4")), tmp_path / "reports", outcomes)
    con.close()
    assert result.expectations_failed == len(failed)
    assert "FAILED" in (result.folder / "index.html").read_text()
    assert "Failed expectations" in (result.folder / "summary.md").read_text()


def test_report_escapes_what_the_data_holds(published, tmp_path):
    """A partner name or finding detail holding markup is shown as text, never run: the report is opened by channel
    managers, and partner names come from systems partners can write to (the PRM portal)."""
    from audit.data import load
    from audit.report import render

    payloads = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">']
    con = duckdb.connect(str(published), read_only=True)
    data = load(con, Quarter.parse("2026-Q4"))
    con.close()
    named = data.findings.partner_id.dropna().unique()[:2]
    assert len(named) == 2
    for partner_id, payload in zip(named, payloads, strict=True):
        data.partners.loc[data.partners.partner_id == partner_id, "partner_name"] = payload
    data.findings["detail"] = data.findings["detail"].astype(str) + payloads[1]
    html = (render(data, tmp_path / "reports", None).folder / "index.html").read_text()
    assert "<script" not in html and "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=" in html  # the detail of every finding shown, as text
    assert html.count("<svg") >= 5, "charts stay markup"


def test_past_quarter_regenerates_with_the_same_numbers(published, tmp_path):
    """A later build (new as-of date, changed findings) does not change the report of the earlier quarter."""
    from audit.data import NoSnapshotError, load
    from audit.report import headline

    copy = tmp_path / published.name
    shutil.copy(published, copy)
    con = duckdb.connect(str(copy))
    before = headline(load(con, Quarter.parse("2026-Q4")), None)
    # Simulate next quarter's build: a snapshot as of 2027-02-15 with one finding fewer.
    for table in ("mart_audit_finding_history", "mart_completeness_history"):
        con.execute(f"""insert into marts.{table}
            select * replace ('later-run' as run_id, date '2027-02-15' as as_of_date,
                              timestamp '2027-02-15 02:00:00' as run_started_at)
            from marts.{table}""")
    con.execute("delete from marts.mart_audit_finding_history where run_id = 'later-run' and finding_type = 'orphan'")
    after = headline(load(con, Quarter.parse("2026-Q4")), None)
    next_quarter = headline(load(con, Quarter.parse("2027-Q1")), None)
    with pytest.raises(NoSnapshotError):
        load(con, Quarter.parse("2025-Q2"))
    con.close()
    assert after == before
    assert next_quarter["as_of_date"] == "2027-02-15"
    assert next_quarter["by_type"]["orphan"] == 0 < before["by_type"]["orphan"]


def test_report_renders_in_headless_chromium(report, tmp_path):
    from selenium.webdriver.common.by import By

    with headless_chrome("1300,2400") as driver:
        driver.get((report.folder / "index.html").as_uri())
        assert "audit 2026-Q4" in driver.title
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        for heading in ("Summary", "Completeness", "Findings by type and system", "Top partners by open issues",
                        "Expectations (great-expectations)"):
            assert heading in headings, headings
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) >= 5
        assert all(c.size["width"] > 100 and c.size["height"] > 50 for c in charts), [c.size for c in charts]
        shot = report.folder / "screenshot.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        shutil.copy(shot, tmp_path / "screenshot.png")
        print("audit report screenshot:", shot)


def test_chromium_cli_screenshot(report, tmp_path):
    """The same page through `chromium --headless --screenshot` (no driver): renders to a non-trivial PNG."""
    if not chromium():
        pytest.fail("Chromium is not installed: apt-get install -y chromium chromium-driver")
    shot = tmp_path / "cli.png"
    subprocess.run([chromium(), *CHROMIUM_FLAGS, "--window-size=1300,1800", f"--screenshot={shot}",
                    (report.folder / "index.html").as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
