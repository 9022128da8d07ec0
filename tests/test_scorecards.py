"""Per-partner scorecards: written for every partner of the default sample, each holds nothing of another partner
(names, ids, domains, exact figures), its own numbers match the marts, peer statistics appear only for groups of at
least five, and the HTML renders in headless Chromium."""

from __future__ import annotations

import copy
import csv
import html
import itertools
import json
import math
import os
import re
import shutil
import time
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from scorecards import peers as peers_module
from scorecards.build import build_scorecard, flatten
from scorecards.data import fiscal_quarter_index, load, person_column
from scorecards.isolation import FILES, IsolationIndex, _forms, check_folder, check_partner, file_text
from scorecards.peers import (
    DOMAINS,
    MIN_PEERS,
    approx,
    metric_stats,
    own_position,
    peer_comparison,
    peer_group,
    rounding_step,
)
from scorecards.render import format_value, write_all
from tests.browser import headless_chrome


@pytest.fixture(scope="module")
def data(pipeline, warehouse):
    result, _ = pipeline
    assert result.success, "the build_warehouse job failed"
    return load(warehouse)


@pytest.fixture(scope="module")
def written(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("scorecards")
    for stale in ("a-partner-erased-since", "not-a-scorecard-folder"):  # a full run removes only the first
        (out / stale).mkdir()
    (out / "a-partner-erased-since" / "scorecard.html").write_text("old", encoding="utf-8")
    (out / "not-a-scorecard-folder" / "notes.txt").write_text("keep", encoding="utf-8")
    started = time.perf_counter()
    result = write_all(data, out)
    print(f"scorecards: {len(result.partners)} partners, {result.files} files in "
          f"{time.perf_counter() - started:.1f}s, peers reported on {result.peer_groups_reported}")
    return result


def _n(value) -> float:
    """A mart number, null as 0."""
    return 0 if value is None or pd.isna(value) else float(value)


def _is_false(value) -> bool:
    """A nullable boolean of the marts that is false (not null, not true)."""
    return value is not None and not pd.isna(value) and not bool(value)


def _p360(warehouse) -> pd.DataFrame:
    return warehouse.sql("select * from marts.partner_360").df().set_index("partner_id")


# --- files ---------------------------------------------------------------------------------------------------------

def test_one_folder_per_partner_and_a_vendor_index_outside_them(written, warehouse):
    partner_ids = {r[0] for r in warehouse.sql("select partner_id from marts.partner_360").fetchall()}
    assert len(partner_ids) >= 50
    assert set(written.partners) == partner_ids
    folders = {p.name for p in written.out.iterdir() if p.is_dir()}
    assert folders == partner_ids | {"not-a-scorecard-folder"}
    for pid in partner_ids:
        assert sorted(f.name for f in (written.out / pid).iterdir()) == sorted(FILES)
    assert (written.out / "not-a-scorecard-folder" / "notes.txt").exists()
    assert written.index == written.out / "index.html"
    index = pd.read_csv(written.out / "index.csv")
    assert set(index.partner_id) == partner_ids
    assert written.files == 3 * len(partner_ids) + 2


def test_csv_holds_the_same_numbers_as_the_json(written):
    for pid in written.partners:
        card = json.loads((written.out / pid / "scorecard.json").read_text(encoding="utf-8"))
        with open(written.out / pid / "scorecard.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["field", "value"]
        assert rows[1:] == [[k, str(v)] for k, v in flatten(card)], pid


# --- isolation -----------------------------------------------------------------------------------------------------

def test_no_scorecard_holds_anything_of_another_partner(written, data):
    started = time.perf_counter()
    leaks = check_folder(written.out, data, written.partners)
    print(f"isolation check of {3 * len(written.partners)} files in {time.perf_counter() - started:.1f}s")
    assert not leaks, "\n".join(str(x) for x in leaks[:20])


def test_no_person_appears_in_any_scorecard(written, warehouse):
    """Certifications are shown by certification: no holder's id (or pseudonym) and no channel manager appears."""
    person = person_column(warehouse)
    managers = [r[0] for r in warehouse.execute("describe marts.dim_partner").fetchall()
                if r[0].startswith("channel_manager_")]
    queries = [f"select distinct {person} from marts.fct_certification"]
    queries += [f"select distinct cast({c} as varchar) from marts.dim_partner" for c in managers]
    people = {r[0] for r in warehouse.sql(" union ".join(queries)).fetchall() if r[0] and len(str(r[0])) >= 4}
    assert len(people) > 20
    pattern = re.compile("|".join(re.escape(p) for p in sorted(people, key=len, reverse=True)))
    for pid in written.partners:
        for name in FILES:
            found = pattern.findall(file_text(written.out / pid / name))
            assert not found, (pid, name, found[:5])


@pytest.fixture(scope="module")
def index(data):
    return IsolationIndex(data)


def _other_with_figures(data, index, pid: str) -> pd.Series:
    """Another partner with a domain, a CRM id and a sourced revenue figure the checker treats as identifying
    (3+ significant digits, not also one of `pid`'s own figures)."""
    p = data.partners
    crm = set(data.source_ids[data.source_ids.source_system == "crm"].partner_id)
    for _, row in p[(p.partner_id != pid) & p.web_domain.notna() & p.partner_id.isin(crm)].iterrows():
        forms = _forms(row.sourced_won_amount_usd_l4q)
        if forms and all(pid not in index.figures.get(f, set()) for f in forms):
            return row
    raise AssertionError("the sample has no partner with a distinctive sourced revenue figure")


def test_the_checker_catches_every_kind_of_injected_leak(written, data, index):
    """The check is sensitive: one injected name, domain, id or figure of another partner, in any of the forms
    the renderer writes, is reported and attributed to that partner."""
    pid = written.partners[0]
    other = _other_with_figures(data, index, pid)
    crm_id = data.source_ids[(data.source_ids.partner_id == other.partner_id)
                             & (data.source_ids.source_system == "crm")].source_record_id.iloc[0]
    value = float(other.sourced_won_amount_usd_l4q)
    injections = {
        "name": other.partner_name,
        "name, upper case": other.partner_name.upper(),
        "name, HTML-escaped": html.escape(other.partner_name + " & co"),
        "name, JSON-escaped": json.dumps(other.partner_name, ensure_ascii=True),
        "domain": other.web_domain,
        "partner id": other.partner_id,
        "crm id": crm_id,
        "figure, raw": f"{value:.2f}",
        "figure, JSON": json.dumps(value),
        "figure, HTML": format_value(value, "usd"),
        "figure, thousands and cents": f"{value:,.2f}",
    }
    for name in FILES:
        path = written.out / pid / name
        clean = file_text(path)
        assert index.find_leaks(clean, pid, name) == [], name
        for what, text in injections.items():
            if what == "name, JSON-escaped":
                if name != "scorecard.json":
                    continue
                leaky = file_text_of_json_with(path, text)
            else:
                leaky = clean + f"\n<td>{text}</td>\n"
            leaks = index.find_leaks(leaky, pid, name)
            assert leaks, f"{what} ({text!r}) injected into {name} was not caught"
            assert {x.belongs_to for x in leaks} == {other.partner_id}, (what, leaks)
    # the partner's own identity and figures are never reported
    own = data.partners[data.partners.partner_id == pid].iloc[0]
    own_text = f"{own.partner_name} {own.web_domain} {pid} {float(own.sourced_won_amount_usd_l4q):.2f}"
    assert index.find_leaks(own_text, pid) == []


def test_a_figure_the_scorecard_derives_from_own_data_is_not_a_leak_even_if_another_partner_has_it(written, data):
    """Coincidences are not leaks: a figure the partner's own scorecard computes (approved but unclaimed MDF, not a
    mart column) may equal another partner's figure to the dollar. It is exempt for that partner only."""
    index = IsolationIndex(data)  # a private index: its figure table is changed below
    for pid in written.partners:
        derived = build_scorecard(data, pid)["mdf"]["unclaimed_approved_usd"]
        forms = _forms(derived)
        if forms and not forms & index.own.get(pid, {}).get("figure", set()):
            break
    else:
        raise AssertionError("no partner of the sample has a distinctive derived MDF figure")
    other, third = [p for p in written.partners if p != pid][:2]
    for form in forms:
        index.figures.setdefault(form, set()).add(other)  # another partner happens to have the same figure
    text = f"<td>{format_value(derived, 'usd')}</td> <td>{derived:.2f}</td>"
    assert index.find_leaks(text, pid) == []
    leaks = index.find_leaks(text, third)
    assert leaks and {x.belongs_to for x in leaks} == {other}


def file_text_of_json_with(path, escaped_name: str) -> str:
    """A JSON scorecard with another partner's name stored \\u-escaped, read the way the checker reads it."""
    card = json.loads(path.read_text(encoding="utf-8"))
    card["note"] = json.loads(escaped_name)
    leaky = path.with_name("leaky.json")
    leaky.write_text(json.dumps(card, ensure_ascii=True), encoding="utf-8")
    try:
        return file_text(leaky)
    finally:
        leaky.unlink()


def test_unrounded_percentiles_would_leak_and_the_checker_sees_it(data, tmp_path, monkeypatch, index):
    """Why the rule exists: shown as computed (unrounded, the median of an odd-sized peer group included), a
    quartile is exactly one partner's figure, and the isolation check reports it."""
    sizes = data.partners.groupby("tier").size()
    odd_tier = next(t for t, n in sizes.items() if (n - 1) % 2 == 1 and n - 1 >= MIN_PEERS)
    ids = list(data.partners[data.partners.tier == odd_tier].partner_id)
    monkeypatch.setattr(peers_module, "safe_quartiles", lambda values, kind: {
        p: float(np.percentile(values, p)) for p in (25, 50, 75)})
    write_all(data, tmp_path, ids)
    leaks = check_folder(tmp_path, data, ids)
    assert any(x.kind == "figure" for x in leaks), "unrounded peer medians went unnoticed"
    monkeypatch.undo()
    shutil.rmtree(tmp_path)
    write_all(data, tmp_path, ids)
    assert check_folder(tmp_path, data, ids) == []


def test_a_figure_is_searched_only_in_written_forms_of_more_than_two_significant_digits():
    """The README's rule applies to each form a figure is written in: $93,000.03 is searched to the cent, but its
    dollar form $93,000 reads exactly like a peer p75 rounded to 2 significant figures, so it is not searched."""
    assert _forms(93000.03) == {Decimal("93000.03")}
    assert _forms(93000.6) == {Decimal("93000.6"), Decimal("93001")}
    assert _forms(2424.5) == {Decimal("2424.5"), Decimal("2425"), Decimal("2424")}
    assert _forms(185.8) == {Decimal("185.8")}
    assert _forms(0) == _forms(250000) == _forms(4500) == _forms(4500.004) == set()


def test_a_rounded_peer_statistic_is_not_a_leak_even_when_it_is_another_partners_figure_to_the_dollar(written, data):
    """The failure of `make scorecards` at today's date: another partner's $93,000.03 rounded to the dollar equals a
    peer p75 of ≈ $93,000 (the README says such numbers are never searched). The real files of a partner with peer
    statistics pass although another partner holds each of its percentiles plus 3 cents; that figure to the cent is
    still caught."""
    index = IsolationIndex(data)  # a private index: its figure table is changed below
    pid = next(p for p in written.partners if any(
        m["reported"] and m["kind"] == "usd" for m in written.scorecards[p]["peers"]["metrics"].values()))
    other = next(p for p in written.partners if p != pid)
    shown = [m[q] for m in written.scorecards[pid]["peers"]["metrics"].values() if m["reported"] and m["kind"] == "usd"
             for q in ("p25", "p50", "p75") if m[q] is not None and abs(m[q]) >= 1000]
    assert shown, "no rounded money percentile of $1,000 or more to test with"
    planted = {}
    for value in shown:
        near = round(value + 0.03, 2)
        assert Decimal(str(near)) in _forms(near) and Decimal(int(value)) not in _forms(near)
        planted[near] = _forms(near)
        for form in _forms(near):
            index.figures.setdefault(form, set()).add(other)
    assert check_partner(index, written.out, pid) == []
    near = next(iter(planted))
    for text in (f"{near:.2f}", f"{near:,.2f}", json.dumps(near)):
        leaks = index.find_leaks(f"<td>{text}</td>", pid)
        assert leaks and {x.belongs_to for x in leaks} == {other}, text


def test_chart_drawing_coordinates_are_not_figures_but_chart_text_is(written, data, index, tmp_path):
    """An SVG position may equal another partner's figure ('x="185.8"' and a commission of $185.80, seen on the
    default sample): the drawing is not searched, the text a chart shows (labels, titles, aria-label) is."""
    pid = written.partners[0]
    other = _other_with_figures(data, index, pid)
    value = float(other.sourced_won_amount_usd_l4q)
    page = (written.out / pid / "scorecard.html").read_text(encoding="utf-8")
    assert "</svg>" in page

    def leaks_of(html_text: str) -> list:
        path = tmp_path / "scorecard.html"
        path.write_text(html_text, encoding="utf-8")
        return index.find_leaks(file_text(path), pid, path.name)

    assert leaks_of(page) == []
    drawing = (f'<use xlink:href="#m1" x="{value:.2f}" y="{value:.2f}" style="stroke-width: {value:.2f}"/>'
               f'<path d="M {value:.2f} 0 L {value:.1f} 1" transform="translate({value:.2f} 0)"/>')
    assert leaks_of(page.replace("</svg>", drawing + "</svg>", 1)) == []
    for shown in (f'<text x="1" y="2" style="font: 7px sans">{format_value(value, "usd")}</text>',
                  f"<title>{value:.2f}</title>", f"<!-- {value:.2f} -->"):
        leaks = leaks_of(page.replace("</svg>", shown + "</svg>", 1))
        assert leaks and {x.belongs_to for x in leaks} == {other.partner_id}, shown
    leaks = leaks_of(page.replace('aria-label="', f'aria-label="{format_value(value, "usd")} ', 1))
    assert leaks and {x.belongs_to for x in leaks} == {other.partner_id}
    # outside a chart every attribute is searched, geometry-named or not
    leaks = leaks_of(page.replace("</body>", f'<div x="{value:.2f}"></div></body>', 1))
    assert leaks and {x.belongs_to for x in leaks} == {other.partner_id}


def test_of_the_peer_section_only_the_partners_own_value_rank_and_group_size_are_its_own(data):
    """Numbers of the peer section that are not statistics of the peers (own value, as the HTML writes it too, own
    rank, group size) are the partner's own; p25 / p50 / p75 or any other key there never are. So are the years a
    date axis shows around the partner's own dates."""
    index = IsolationIndex(data)
    card = {"revenue": {"win_rate_l4q": 0.42}, "tier": {"history": [{"valid_from": "2027-04-01", "valid_to": None}]},
            "peers": {"reported": True, "peers": 114, "min_peers": 10, "metrics": {
                "win_rate_l4q": {"kind": "ratio", "own_value": 0.4167, "own_position": "between p25 and the median",
                                 "p25": 0.31, "p50": 412.37, "p75": 0.5, "max": 987.65}}}}
    own = index.own_derived_numbers("not-a-partner", card)
    assert {Decimal("0.42"), Decimal("114"), Decimal("0.4167"), Decimal("41.7")} <= own
    assert not {Decimal("412.37"), Decimal("987.65")} & own
    # the tier history's date axis labels years around the partner's own dates (seen: "2029" on a tier that started
    # on the as-of day, 2027-04-01, while two other partners had $2,029 to the dollar)
    assert {Decimal(y) for y in range(2025, 2030)} <= own and not {Decimal(2024), Decimal(2030)} & own


def _build_sample_warehouse(root, seed: int, partners: int, as_of: date, pin_date: bool):
    """Generate a sample as of `as_of` and build it with the real Dagster job, as `make run` does: without
    PW_AS_OF_DATE when not `pin_date` (the build then describes the day it runs). Returns the published file."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from sample import generate

    generate(root / "landing", partners=partners, seed=seed, as_of=as_of, progress=False)
    saved = dict(os.environ)
    os.environ.update({
        "PW_LANDING_DIR": str(root / "landing"), "PW_WAREHOUSE_PATH": str(root / "warehouse" / "pw.duckdb"),
        "PW_PUBLISHED_PATH": str(root / "published" / "pw.duckdb"), "PW_DUCKDB_TEMP_DIR": str(root / "tmp"),
        "PW_DUCKDB_MEMORY_LIMIT": "1GB", "PW_PUBLISH_PII_LAYERS": "0"})
    os.environ.pop("PW_AS_OF_DATE", None)
    if pin_date:
        os.environ["PW_AS_OF_DATE"] = as_of.isoformat()
    try:
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False)
    finally:  # the dbt asset writes its environment into os.environ: put back the session's
        os.environ.clear()
        os.environ.update(saved)
    assert result.success, f"build_warehouse failed on seed {seed} as of {as_of}"
    return root / "published" / "pw.duckdb"


@pytest.mark.parametrize(("seed", "as_of", "pin_date"), [
    pytest.param(7, None, False, id="default-seed-built-today"),
    pytest.param(23, date(2027, 4, 1), True, id="seed-23-first-day-of-a-quarter"),
])
def test_scorecards_pass_the_isolation_check_on_other_samples_and_days(tmp_path, seed, as_of, pin_date):
    """The session's sample is one seed at one pinned date; the check must hold on any sample, any day: the default
    generator's seed built at today's date with PW_AS_OF_DATE unset (as `make run` then `make scorecards`), and
    another seed on the first day of a quarter (this quarter has next to nothing yet)."""
    import duckdb

    day = as_of or date.today()
    published = _build_sample_warehouse(tmp_path, seed, 40, day, pin_date)
    with duckdb.connect(str(published), read_only=True) as con:
        data = load(con)
    assert data.as_of_date == day
    result = write_all(data, tmp_path / "scorecards")
    assert result.peer_groups_reported >= 10
    leaks = check_folder(result.out, data, result.partners, result.scorecards)
    assert not leaks, "\n".join(str(x) for x in leaks[:20])


# --- own numbers ---------------------------------------------------------------------------------------------------

def test_own_numbers_match_the_marts(written, warehouse):
    p360 = _p360(warehouse)
    gap = warehouse.sql("select * from intermediate.int_tier__partner_gap").df().set_index("partner_id")
    person = person_column(warehouse)
    certs = warehouse.sql(
        "select partner_id, count(*) as records, count(*) filter (where certification_status = 'active') as active, "
        "count(*) filter (where certification_status = 'expiring') as expiring, "
        f"count(distinct {person}) filter (where is_valid) as people "
        "from marts.fct_certification where partner_id is not null group by 1").df().set_index("partner_id")
    checked_gaps = checked_revenue = 0
    for pid in written.partners:
        card = json.loads((written.out / pid / "scorecard.json").read_text(encoding="utf-8"))
        row = p360.loc[pid]
        assert card["partner"]["partner_name"] == row.partner_name
        assert card["tier"]["current"] == (row.tier if isinstance(row.tier, str) else None)
        rev = card["revenue"]
        l4q = [q for q in rev["quarters"] if q["period"] == "last 4 quarters"]
        this = [q for q in rev["quarters"] if q["period"].startswith("this quarter")]
        assert len(l4q) == 4 and len(this) == 1
        assert math.isclose(sum(q["sourced_won_usd"] for q in l4q), float(row.sourced_won_amount_usd_l4q), abs_tol=0.005)
        assert math.isclose(sum(q["influenced_won_usd"] for q in l4q), float(row.influenced_won_amount_usd_l4q),
                            abs_tol=0.005)
        assert math.isclose(this[0]["sourced_won_usd"], float(row.sourced_won_amount_usd_this_quarter), abs_tol=0.005)
        assert math.isclose(this[0]["influenced_won_usd"], float(row.influenced_won_amount_usd_this_quarter),
                            abs_tol=0.005)
        assert sum(q["deal_registrations_approved"] for q in l4q) == row.deal_registrations_approved_l4q
        checked_revenue += row.sourced_won_amount_usd_l4q > 0
        progress = card["tier"]["progress"]
        if isinstance(row.focus_tier, str):
            g = gap.loc[pid]
            # keep: the gap to the assigned tier (current_tier_*), next: the gap to the next tier
            keep = row.focus_tier == row.tier and _is_false(row.meets_current_tier)
            assert progress["kind"] == ("keep" if keep else "next"), pid
            assert progress["next_tier"] == (row.next_tier if isinstance(row.next_tier, str) else None)
            assert (card["tier"]["current"] if keep else progress["next_tier"]) == row.focus_tier
            prefix = "current_tier_" if keep else ""
            revenue_gap = float(g[prefix + "sourced_revenue_gap_usd"])
            assert math.isclose(progress["sourced_revenue"]["gap_usd"], revenue_gap, abs_tol=0.005)
            assert progress["certified_people"]["gap"] == g[prefix + "certified_people_gap"]
            assert progress["deal_registrations"]["gap"] == g[prefix + "deal_registrations_gap"]
            assert progress["open_requirements"] == (
                row.current_tier_open_requirements if keep else row.next_tier_open_requirements)
            assert progress["certifications"]["holders_needed"] == g[prefix + "missing_certification_holders"]
            by_cert = progress["certifications"]["by_certification"]
            assert sum(c["holders_needed"] for c in by_cert) == g[prefix + "missing_certification_holders"]
            assert {c["certification_code"] for c in by_cert if c["holders_needed"]} == set(
                progress["certifications"]["missing_codes"])
            page = (written.out / pid / "scorecard.html").read_text(encoding="utf-8")
            if revenue_gap > 0:
                assert format_value(revenue_gap, "usd") in page
            checked_gaps += 1
        else:
            assert progress is None
        c = card["certifications"]
        by = c["by_certification"]
        expected = certs.loc[pid] if pid in certs.index else None
        assert sum(r["records"] for r in by) == (expected.records if expected is not None else 0) == _n(
            row.certification_records)
        assert sum(r["active_records"] for r in by) == (expected.active if expected is not None else 0)
        assert sum(r["expiring_records"] for r in by) == (expected.expiring if expected is not None else 0)
        assert _n(c["certified_people"]) == _n(row.certified_people) == (
            expected.people if expected is not None else 0)
        held = {r["certification_code"] for r in by if r["holders"] > 0}
        assert held == set(c["certifications_held"]) == (
            {x.strip() for x in row.certifications_held.split(",")} if isinstance(row.certifications_held, str) else set())
        assert person not in json.dumps(by)
        for key, column in (("approved_usd", "mdf_approved_usd"), ("claimed_usd", "mdf_claimed_usd"),
                            ("paid_usd", "mdf_paid_usd")):
            assert math.isclose(card["mdf"][key], _n(row[column]), abs_tol=0.005), (pid, key)
    assert checked_gaps >= 30 and checked_revenue >= 10


def _gap_of(progress: dict) -> dict:
    return {"sourced_revenue_gap_usd": progress["sourced_revenue"]["gap_usd"],
            "certified_people_gap": progress["certified_people"]["gap"],
            "deal_registrations_gap": progress["deal_registrations"]["gap"],
            "missing_required_certifications": progress["certifications"]["requirements_open"],
            "missing_certification_holders": progress["certifications"]["holders_needed"],
            "missing_certification_codes": ", ".join(progress["certifications"]["missing_codes"]) or None,
            "open_requirements": progress["open_requirements"]}


def test_a_partner_not_meeting_its_tier_is_told_what_keeps_it_there(written, warehouse):
    """A partner below the rules of its assigned tier (a Gold partner qualified for Registered only) gets a `keep`
    progress: the rules and certifications of its own tier and the current_tier_* gaps of int_tier__partner_gap, under
    "What keeps you in <tier>". A partner meeting its tier gets `next`: the next tier and the next_tier_* gaps."""
    gap = warehouse.sql("select * from intermediate.int_tier__partner_gap").df().set_index("partner_id")
    rules = warehouse.sql("select * from reference.partner_tier_rules").df().set_index("tier")
    required = warehouse.sql("select * from reference.tier_certification_requirements").df()
    seen = {"keep": 0, "next": 0}
    for pid in written.partners:
        g = gap.loc[pid]
        card = json.loads((written.out / pid / "scorecard.json").read_text(encoding="utf-8"))
        progress = card["tier"]["progress"]
        if _is_false(g.meets_current_tier):
            kind, target, prefix, open_column = "keep", g.tier, "current_tier_", "current_tier_open_requirements"
        elif isinstance(g.next_tier, str):
            kind, target, prefix, open_column = "next", g.next_tier, "", "next_tier_open_requirements"
        else:
            assert progress is None, pid
            continue
        assert target == g.focus_tier, pid
        assert progress["kind"] == kind, pid
        expected = {k: g[prefix + k] for k in ("sourced_revenue_gap_usd", "certified_people_gap",
                                               "deal_registrations_gap", "missing_required_certifications",
                                               "missing_certification_holders", "missing_certification_codes")}
        expected["open_requirements"] = g[open_column]
        expected = {k: (None if v is None or pd.isna(v) else float(v) if k == "sourced_revenue_gap_usd" else v)
                    for k, v in expected.items()}
        actual = _gap_of(progress)
        assert math.isclose(actual.pop("sourced_revenue_gap_usd"), expected.pop("sourced_revenue_gap_usd"),
                            abs_tol=0.005), pid
        assert actual == expected, (pid, kind)
        rule = rules.loc[target]
        assert progress["sourced_revenue"]["required_usd"] == float(rule.min_sourced_revenue_usd_l4q)
        assert progress["certified_people"]["required"] == rule.min_certified_people
        assert progress["deal_registrations"]["required"] == rule.min_deal_registrations_l4q
        assert {c["certification_code"]: c["required_holders"] for c in progress["certifications"]["by_certification"]
                } == dict(required[required.tier == target][["certification_code", "min_certified_people"]].values)
        page = (written.out / pid / "scorecard.html").read_text(encoding="utf-8")
        if kind == "keep":
            assert expected["open_requirements"] > 0
            assert f"What keeps you in {g.tier}" in page and "Progress to" not in page
        else:
            assert f"Progress to {g.next_tier}" in page and "What keeps you in" not in page
        seen[kind] += 1
    assert seen["keep"] >= 1 and seen["next"] >= 10, seen


def test_fiscal_quarter_index_matches_the_dbt_macro(warehouse):
    rows = warehouse.sql("select distinct close_date, fiscal_year * 4 + fiscal_quarter - 1 as qi "
                         "from marts.fct_opportunity_partner where close_date is not null").fetchall()
    assert len(rows) > 50
    assert all(fiscal_quarter_index(d) == qi for d, qi in rows)
    # a fiscal year starting in February: January belongs to the previous fiscal year's Q4
    from datetime import date
    assert fiscal_quarter_index(date(2026, 1, 15), 2) == 2026 * 4 + 3
    assert fiscal_quarter_index(date(2026, 2, 1), 2) == 2027 * 4 + 0


# --- peers ---------------------------------------------------------------------------------------------------------

def test_approx_keeps_two_significant_figures():
    assert approx(211973.29) == 210000
    assert approx(4567.8) == 4600
    assert approx(0.41666) == 0.42
    assert approx(-1234.5) == -1200
    assert approx(0) == 0
    assert approx(7) == 7


def _synthetic() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for tier, n in (("Small", 3), ("Edge", 10), ("Eleven", 11), ("Big", 25), (None, 4)):
        for i in range(n):
            rows.append({"partner_id": f"{tier}-{i}", "tier": tier,
                         "sourced_won_amount_usd_l4q": round(float(rng.uniform(10_000, 900_000)), 2),
                         "influenced_won_amount_usd_l4q": round(float(rng.uniform(10_000, 900_000)), 2),
                         "deal_registrations_approved_l4q": int(rng.integers(0, 30)),
                         "certified_people": int(rng.integers(0, 12)),
                         "win_rate_l4q": float(rng.uniform(0, 1)) if i % 3 else np.nan,
                         "health_score": round(float(rng.uniform(20, 90)), 1)})
    return pd.DataFrame(rows)


def test_peer_groups_below_ten_are_never_reported():
    frame = _synthetic()
    for pid in ("Small-0", "Edge-0"):  # 2 and 9 other partners
        result = peer_comparison(frame, pid)
        assert result["reported"] is False and result["reason"] == "peer group too small"
        assert result["metrics"] == {}
    result = peer_comparison(frame, "None-0")
    assert result["reported"] is False and "no current tier" in result["reason"]
    eleven = peer_comparison(frame, "Eleven-0")  # exactly 10 others
    assert eleven["reported"] is True and eleven["peers"] == 10
    assert eleven["metrics"]["sourced_won_amount_usd_l4q"]["reported"]
    # win_rate is missing for every third partner: only 7 of the 10 others have one -> that metric is hidden
    assert eleven["metrics"]["win_rate_l4q"]["reported"] is False
    assert "p50" not in eleven["metrics"]["win_rate_l4q"]
    big = peer_comparison(frame, "Big-1")
    assert big["reported"] and big["metrics"]["sourced_won_amount_usd_l4q"]["reported"]
    # 15 of its 24 peers have a win rate: the median of 15 is one peer's value, never shown
    assert big["metrics"]["win_rate_l4q"]["p50"] is None
    # counts are never shown, whatever the group's size
    for result in (eleven, big):
        for metric in ("deal_registrations_approved_l4q", "certified_people"):
            m = result["metrics"][metric]
            assert m["reported"] is False and "p50" not in m and "counts" in m["reason"]


def test_peer_percentiles_are_rounded_and_the_position_is_told_against_the_shown_ones():
    frame = _synthetic()
    me = frame[frame.partner_id == "Big-0"].iloc[0]
    others = frame[(frame.tier == "Big") & (frame.partner_id != "Big-0")]
    result = peer_comparison(frame, "Big-0")
    m = result["metrics"]["sourced_won_amount_usd_l4q"]
    values = others.sourced_won_amount_usd_l4q.to_numpy()
    shown = {p: m[f"p{p}"] for p in (25, 50, 75) if m[f"p{p}"] is not None}
    assert len(shown) >= 2
    for p, value in shown.items():
        exact = float(np.percentile(values, p))
        assert value == approx(exact) != exact
        assert value not in set(values)
    assert m["own_position"] == own_position(float(me.sourced_won_amount_usd_l4q), shown)
    assert own_position(1.0, {25: 2.0, 50: 3.0}) == "below p25"
    assert own_position(2.5, {25: 2.0, 75: 3.0}) == "between p25 and p75"
    assert own_position(3.0, {25: 2.0, 50: 3.0}) == "at or above the median"
    assert set(m) == {"label", "kind", "reported", "approximate", "p25", "p50", "p75", "own_value", "own_position"}
    assert own_position(5.0, {50: 5.0}) == "at or above the median" and own_position(1.0, {}) is None
    # with 5 peers the quartiles ARE the 2nd, 3rd and 4th peers' values: rounded or not, none is shown; of 11 peers
    # the median is the 6th
    assert metric_stats(1.0, pd.Series(np.linspace(1e5, 9e5, 11)))["p50"] is None
    five = metric_stats(1.0, pd.Series([123456.78, 234567.89, 345678.91, 456789.12, 567891.23]), min_peers=5)
    assert five["reported"] is False and "reveal" in five["reason"]


def test_rounding_step_holds_every_number_that_rounds_to_the_shown_one():
    rng = np.random.default_rng(5)
    for value in np.concatenate([rng.lognormal(8, 3, 2000), -rng.lognormal(3, 2, 200), [99.5, 100, 995, 1000, 0.01]]):
        low, high = rounding_step(approx(float(value)))
        assert low <= value <= high, value
    assert rounding_step(210000.0) == (205000.0, 215000.0) and rounding_step(100.0) == (99.5, 105.0)
    assert rounding_step(0.0) == (0.0, 0.0)


# --- peers: the attack ----------------------------------------------------------------------------------------------
# What a partner sees of a metric (the shown rounded quartiles, its position, why not) is all an attacker has. A peer's
# value (the i-th smallest of the group) is recovered at the precision shown when every peer group that shows the
# same has the same rounded i-th value. The attacker below tries to prove that the other way round: for each peer it
# searches for a second peer group, built by moving that peer (and its neighbours) and run through the real
# `metric_stats`, that shows exactly the same yet rounds that peer differently. A peer it finds no such group for
# counts as recovered.

SHOWN_KEYS = ("reported", "reason", "p25", "p50", "p75", "own_position")
DELTAS = (0.5, 1, 1.5, 2, 3, 5, 10, 30, 100)


def _shows(own: float, kind: str, min_peers: int = MIN_PEERS):
    def show(values: np.ndarray) -> tuple:
        stats = metric_stats(own, pd.Series(values), min_peers, kind)
        return tuple(stats.get(k) for k in SHOWN_KEYS)
    return show


def _moves(x: np.ndarray, i: int, delta: float, shown_positions: list[tuple[int, float]]):
    """Peer groups near x: peer i moved by delta, alone or with a run of neighbours on either side, or with the other
    peer its quartile interpolates with moved the other way so that the exact quartile stays put."""
    n = len(x)
    lengths = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, n)
    for first, last in [(i, i)] + [(i, min(n - 1, i + k)) for k in lengths] + [(max(0, i - k), i) for k in lengths]:
        y = x.copy()
        y[first:last + 1] += delta
        yield y
    for j, f in shown_positions:
        if 0 < f and j + 1 < n and i in (j, j + 1):
            y = x.copy()
            if i == j:
                y[j], y[j + 1] = y[j] + delta, y[j + 1] - delta * (1 - f) / f
            else:
                y[j + 1], y[j] = y[j + 1] + delta, y[j] - delta * f / (1 - f)
            yield y


def recovered_peers(values, show, kind: str) -> list[int]:
    """The order positions of the peers whose rounded value the attacker could not show to be uncertain."""
    x = np.sort(np.asarray(values, dtype=float))
    target = show(x)
    low, high = DOMAINS[kind]
    positions = [peers_module._position(p, len(x)) for p in (25, 50, 75)]
    # Far-away groups too: n equal values show no quartile at all (each pins the peers next to it).
    middle = {"usd": 123_456.0, "ratio": 0.5, "score": 50.0}[kind]
    far = [np.full(len(x), c) for c in (middle / 7, middle, middle * 3)]
    recovered = []
    for i, value in enumerate(x):
        if any(show(y) == target and approx(y[i]) != approx(value) for y in far):
            continue
        step_low, step_high = rounding_step(approx(value))
        units = [max(step_high - step_low, abs(value) * 0.01, 1e-6), 1e-4 * max(abs(value), 1.0)]
        found = False
        for unit in units:
            for delta in [s * d * unit for d in DELTAS for s in (1, -1)]:
                for y in _moves(x, i, delta, positions):
                    y = np.sort(y)
                    if (y < low).any() or (y > high).any() or approx(y[i]) == approx(value):
                        continue
                    if show(y) == target:
                        found = True
                        break
                if found:
                    break
            if found:
                break
        if not found and not any(show(y) == target and approx(y[i]) != approx(value)
                                 for y in _projected_worlds(x, i, target, kind)):
            recovered.append(i)
    return recovered


def _projected_worlds(x: np.ndarray, i: int, target: tuple, kind: str, sweeps: int = 3000):
    """Peer groups with the same rounded quartiles as x but peer i in the rounding step below or above its own, found
    by cyclic projection onto the constraints (sorted, within the domain, each quartile inside its step with a small
    margin): a search the local moves miss when several peers must move together. Each candidate is checked by
    running the real rule."""
    if len(target) != len(SHOWN_KEYS):  # not the current rule's output (the old rule's, above)
        return
    shown = {p: target[SHOWN_KEYS.index(f"p{p}")] for p in (25, 50, 75)}
    shown = {p: v for p, v in shown.items() if v is not None}
    if not shown:
        return
    low_domain, high_domain = DOMAINS[kind]
    quartiles = []
    for p, v in shown.items():
        lo, hi = rounding_step(v)
        margin = (hi - lo) * 0.05
        quartiles.append((*peers_module._position(p, len(x)), lo + margin, hi - margin))
    here_low, here_high = rounding_step(approx(x[i]))
    for goal_low, goal_high in (rounding_step(approx(here_low - 1e-9 * max(1, abs(here_low)))),
                                rounding_step(approx(here_high + 1e-9 * max(1, abs(here_high))))):
        margin = (goal_high - goal_low) * 0.05
        goal_low, goal_high = max(goal_low + margin, low_domain), min(goal_high - margin, high_domain)
        if goal_low > goal_high:
            continue
        y = x.copy()
        for _ in range(sweeps):
            y[i] = min(max(y[i], goal_low), goal_high)
            for j, f, lo, hi in quartiles:
                if f == 0 or j + 1 >= len(y):
                    y[j] = min(max(y[j], lo), hi)
                    continue
                q = (1 - f) * y[j] + f * y[j + 1]
                shift = (lo - q) if q < lo else (hi - q) if q > hi else 0.0
                if shift:
                    norm = (1 - f) ** 2 + f ** 2
                    y[j] += shift * (1 - f) / norm
                    y[j + 1] += shift * f / norm
            for k in range(len(y) - 1):
                if y[k] > y[k + 1]:
                    y[k] = y[k + 1] = (y[k] + y[k + 1]) / 2
            np.clip(y, low_domain, high_domain, out=y)
        yield y  # the real rule says whether it is a witness


def _old_rule(own: float):
    """What scorecards showed before (#15): rounded quartiles over 5+ peers and the percentile rank, ties half."""
    def show(values: np.ndarray) -> tuple:
        quartiles = tuple(approx(float(q)) for q in np.percentile(values, (25, 50, 75)))
        return quartiles, round(100 * ((values < own).sum() + 0.5 * (values == own).sum()) / len(values))
    return show


def test_the_attack_recovers_peers_from_what_scorecards_showed_before():
    """The attacker works: 5 peers gave away the 2nd, 3rd and 4th (the issue's 108 of 108 quartiles), 13 peers the
    4th, 7th and 10th, and a rank with ties counted half told a partner that a peer holds exactly its own value."""
    five = [123456.78, 234567.89, 345678.91, 456789.12, 567891.23]
    assert recovered_peers(five, _old_rule(1.0), "usd") == [1, 2, 3]
    thirteen = np.linspace(100_000, 900_000, 13).round(2)
    assert {3, 6, 9} <= set(recovered_peers(thirteen, _old_rule(1.0), "usd"))
    rng = np.random.default_rng(8)
    spread = np.sort(rng.uniform(10_000, 900_000, 12).round(2))
    own = float(spread[8])  # a peer with exactly the partner's own figure
    assert 8 in recovered_peers(spread, _old_rule(own), "usd")
    assert 8 not in recovered_peers(spread, _old_rule(own + 1), "usd")


def _adversarial_groups():
    """Peer groups built to give a peer away: integer interpolation positions, zeros, ties, values packed into one
    rounding step, values at the bounds of their domain, and the partner's own value on a quartile."""
    rng = np.random.default_rng(21)
    spread = rng.uniform(10_000, 900_000, 40).round(2)
    yield "13 peers: positions 3, 6, 9 are whole", np.linspace(100_000, 900_000, 13).round(2), 50_000.0, "usd"
    yield "17 peers", rng.uniform(10_000, 900_000, 17).round(2), 400_000.0, "usd"
    yield "10 peers", spread[:10], 400_000.0, "usd"
    yield "mostly zero", np.r_[np.zeros(9), spread[:3]], 0.0, "usd"
    yield "zeros then a few", np.r_[np.zeros(3), spread[:8]], 1.0, "usd"
    yield "ties", np.r_[np.full(6, 250_000.0), spread[:6]], 250_000.0, "usd"
    yield "packed into one step", 210_000 + rng.uniform(0, 900, 12).round(2), 209_000.0, "usd"
    yield "two tight clusters", np.r_[200_000 + rng.uniform(0, 500, 6), 230_000 + rng.uniform(0, 500, 6)].round(2), \
        215_000.0, "usd"
    yield "close quartiles", np.r_[195_000, 199_000, 201_000, 203_000, 206_000, 212_000, 221_000, 229_000, 240_000,
                                   260_000, 300_000], 204_000.0, "usd"
    yield "win rates at 1", np.r_[np.ones(7), rng.uniform(0.5, 1, 6).round(4)], 1.0, "ratio"
    yield "win rates at 0", np.r_[np.zeros(5), rng.uniform(0, 0.2, 6).round(4)], 0.0, "ratio"
    yield "scores near 100", np.r_[np.full(5, 100.0), rng.uniform(95, 100, 7).round(1)], 99.0, "score"
    yield "scores", rng.uniform(20, 90, 30).round(1), 55.0, "score"
    yield "own value on the median", spread[:21], float(np.percentile(spread[:21], 50)), "usd"
    for seed in range(12):
        r = np.random.default_rng(100 + seed)
        n = int(r.integers(10, 60))
        values = r.lognormal(11, 1.5, n).round(2) * (r.random(n) > 0.1)
        yield f"random {seed}", values, float(r.choice(values)), "usd"


def test_no_peer_value_can_be_recovered_from_adversarial_peer_groups():
    shown_any = 0
    for name, values, own, kind in _adversarial_groups():
        show = _shows(own, kind)
        stats = metric_stats(own, pd.Series(values), kind=kind)
        shown_any += stats["reported"]
        assert recovered_peers(values, show, kind) == [], (name, stats)
    assert shown_any >= 8, shown_any  # the rule hides what it must, not everything


def test_no_peer_value_can_be_recovered_from_any_scorecard_of_the_sample(written, data):
    """Every shown metric of every scorecard of the sample: the partner's own card, its real peers and the attack."""
    checked = 0
    for pid in written.partners:
        section = written.scorecards[pid]["peers"]
        if not section["reported"]:
            continue
        group = peer_group(data.partners, pid)
        for metric, m in section["metrics"].items():
            if not m["reported"]:
                continue
            values = group[metric].dropna().astype(float).to_numpy()
            own = data.partners.set_index("partner_id").at[pid, metric]
            show = _shows(None if pd.isna(own) else float(own), m["kind"])
            assert show(np.sort(values)) == tuple(m.get(k) for k in SHOWN_KEYS)  # the card shows what we attack
            assert recovered_peers(values, show, m["kind"]) == [], (pid, metric, m)
            checked += 1
    assert checked >= 20


def test_peer_statistics_on_the_sample_follow_the_group_sizes(written, warehouse):
    sizes = dict(warehouse.sql("select tier, count(*) from marts.partner_360 where tier is not null group by 1").fetchall())
    for pid in written.partners:
        card = json.loads((written.out / pid / "scorecard.json").read_text(encoding="utf-8"))
        tier = card["tier"]["current"]
        expected = tier is not None and sizes[tier] - 1 >= MIN_PEERS
        assert card["peers"]["reported"] is expected, (pid, tier)
        if expected:
            assert card["peers"]["peers"] == sizes[tier] - 1
    assert any(sizes[t] - 1 >= MIN_PEERS for t in sizes)


def test_a_small_tier_on_the_sample_gets_no_peer_statistics(data, tmp_path):
    """Shrink two of the sample's tiers: 10 partners (9 peers each) -> hidden, 11 partners (10 peers each) -> shown."""
    by_tier = data.partners.dropna(subset=["tier"]).groupby("tier").partner_id.apply(list)
    small_tier, edge_tier = [t for t in by_tier.index if len(by_tier[t]) >= MIN_PEERS + 1][:2]
    small, edge = by_tier[small_tier][:MIN_PEERS], by_tier[edge_tier][:MIN_PEERS + 1]
    universe = data.partners[data.partners.partner_id.isin(set(small) | set(edge))]
    for pid in small:
        card = build_scorecard(data, pid, peers_from=universe)
        assert card["peers"] == {"tier": small_tier, "reported": False, "reason": "peer group too small",
                                 "min_peers": MIN_PEERS, "metrics": {}}
    for pid in edge:
        card = build_scorecard(data, pid, peers_from=universe)
        assert card["peers"]["reported"] and card["peers"]["peers"] == MIN_PEERS
    # rendered: the small group's page says so and shows no percentile at all
    result = write_all(data, tmp_path, [small[0]], peers_from=universe)
    page = (result.out / small[0] / "scorecard.html").read_text(encoding="utf-8")
    assert "Peer group too small" in page and "≈" not in page
    assert "p25" not in (result.out / small[0] / "scorecard.csv").read_text(encoding="utf-8")


# --- entry points --------------------------------------------------------------------------------------------------

def test_cli_writes_one_partner_and_refuses_a_wrong_day(pipeline, written, tmp_path, capsys):
    from scorecards.__main__ import main

    _, settings = pipeline
    pid = written.partners[1]
    assert main(["--out", str(tmp_path), "--partner", pid, "--warehouse", str(settings.published)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {pid, "index.html", "index.csv"}
    assert "isolation check passed" in capsys.readouterr().out
    assert main(["--out", str(tmp_path / "x"), "--as-of", "2020-01-01", "--warehouse", str(settings.published)]) == 2
    assert "describes 2026-11-24" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "y"), "--partner", "nope", "--warehouse", str(settings.published)]) == 2
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "--partner ID" in capsys.readouterr().out


def test_dagster_asset_writes_scorecards_outside_the_nightly_job(pipeline, written, tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.scorecards import SCORECARDS_KEY, partner_scorecards

    nightly = defs.resolve_job_def("build_warehouse").asset_layer.executable_asset_keys
    assert SCORECARDS_KEY not in nightly
    assert SCORECARDS_KEY in defs.resolve_job_def("partner_scorecards").asset_layer.executable_asset_keys
    monkeypatch.setenv("PW_REPORTS_DIR", str(tmp_path))
    pids = written.partners[:2]
    result = dg.materialize([partner_scorecards], run_config={
        "ops": {"scorecards__partner_scorecards": {"config": {"partners": pids}}}})
    assert result.success
    metadata = result.asset_materializations_for_node("scorecards__partner_scorecards")[0].metadata
    assert metadata["partners_written"].value == 2
    assert metadata["folder"].value == str(tmp_path / "scorecards")
    for pid in pids:
        assert (tmp_path / "scorecards" / pid / "scorecard.html").exists()


# --- browser -------------------------------------------------------------------------------------------------------

def test_scorecard_renders_in_headless_chromium(written, tmp_path):
    from selenium.webdriver.common.by import By

    cards = {pid: json.loads((written.out / pid / "scorecard.json").read_text(encoding="utf-8"))
             for pid in written.partners}
    pid = next(p for p, c in cards.items() if c["peers"]["reported"] and c["tier"]["progress"]
               and c["revenue"]["sourced_won_usd_l4q"] > 0)
    with headless_chrome("1200,3000") as driver:
        driver.get((written.out / pid / "scorecard.html").as_uri())
        assert cards[pid]["partner"]["partner_name"] in driver.title
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        progress = cards[pid]["tier"]["progress"]
        progress_heading = (f"What keeps you in {cards[pid]['tier']['current']}" if progress["kind"] == "keep"
                            else f"Progress to {progress['next_tier']}")
        for heading in ("Your tier", progress_heading, "Revenue by quarter",
                        "Certifications", "Market development funds (MDF)", "Compared with your peers"):
            assert heading in headings, headings
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        labels = [c.get_attribute("aria-label") for c in charts]
        assert labels == ["Tier history", "Won revenue by quarter", "Position against peers of the same tier"], labels
        assert all(c.size["width"] > 200 and c.size["height"] > 80 for c in charts), [c.size for c in charts]
        # the peer chart draws one panel per reported metric
        reported = sum(m["reported"] for m in cards[pid]["peers"]["metrics"].values())
        assert len(charts[2].find_elements(By.CSS_SELECTOR, "g[id^='axes_']")) == reported
        shot = tmp_path / "scorecard.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        print("scorecard screenshot:", shot)


# --- escaping ------------------------------------------------------------------------------------------------------

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</title><script>alert(2)</script>",
            "</text></svg><svg onload=alert(3)>", "' onmouseover='alert(4)")


class _Markup(HTMLParser):
    """Every element and attribute a browser would build from a page, inline SVG included."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def _with_payloads(data):
    """The sample's data with every text a scorecard or the index shows taken over by script and event-handler
    payloads: partner names, domains, countries, regions, types, statuses, tier names (in every table that names a
    tier), certification codes and names, MDF request statuses."""
    payload = itertools.cycle(PAYLOADS)
    d = copy.deepcopy(data)
    tiers = {t: f"{t}{next(payload)}" for t in d.tier_rules.tier}
    for frame, columns in ((d.partners, ("tier", "next_tier", "qualified_tier", "focus_tier")),
                           (d.tier_history, ("tier",)), (d.tier_rules, ("tier",)), (d.tier_certifications, ("tier",))):
        for column in columns:
            frame[column] = frame[column].map(lambda t: tiers.get(t, t))
    codes = {c: f"{c}{next(payload)}" for c in d.certifications.certification_code.unique()}
    for frame, column in ((d.certifications, "certification_code"), (d.tier_certifications, "certification_code")):
        frame[column] = frame[column].map(lambda c: codes.get(c, c))
    for column in ("certifications_held", "missing_certification_codes", "current_tier_missing_certification_codes"):
        d.partners[column] = d.partners[column].map(
            lambda v: ", ".join(codes.get(c.strip(), c.strip()) for c in v.split(",")) if isinstance(v, str) else v)
    d.certifications["certification_name"] = [f"name {next(payload)}" for _ in range(len(d.certifications))]
    for column in ("partner_name", "web_domain", "country_name", "region", "partner_type", "partner_status"):
        d.partners[column] = [f"{column} {next(payload)}" for _ in range(len(d.partners))]
    d.mdf_requests["status"] = d.mdf_requests.status.astype(str) + next(payload)
    return d


def test_no_payload_in_any_field_reaches_a_page_unescaped(data, tmp_path):
    """Script and event-handler payloads in every text field of the data: every HTML file the scorecards write (each
    partner's page with its inline SVG charts, the vendor index) shows them as text and holds no element or attribute
    a payload would have made. The payloads do reach the pages (escaped), so the fields are really shown."""
    d = _with_payloads(data)
    tier_sizes = d.partners.tier.value_counts()
    big_tier = tier_sizes.index[0]
    ids = list(d.partners[d.partners.tier == big_tier].partner_id[:3])
    ids += list(d.partners[d.partners.tier != big_tier].dropna(subset=["tier"]).partner_id[:3])
    ids += list(d.partners[d.partners.tier.isna()].partner_id[:1])
    ids += [pid for pid in d.partners.partner_id if not (d.tier_history.partner_id == pid).any()][:1]
    result = write_all(d, tmp_path, ids)
    pages = sorted(tmp_path.rglob("*.html")) + sorted(tmp_path.rglob("*.svg"))
    assert len(pages) == len(set(ids)) + 1
    shown = set()
    for path in pages:
        page = path.read_text(encoding="utf-8")
        for payload in PAYLOADS:
            assert payload not in page, (path.name, payload)
            if payload in html.unescape(page):  # shown as text: escaped in the page, whatever the escape's form
                shown.add(payload)
        markup = _Markup()
        markup.feed(page)
        assert not {"script", "img", "iframe", "object", "embed"} & set(markup.tags), (path, set(markup.tags))
        assert not [a for a in markup.attributes if a.startswith("on")], path
        # the page's charts (the peer chart only with a peer section) and no more; one title each, plus the page's
        charts = 0 if path.name == "index.html" else 3 if result.scorecards[path.parent.name]["peers"]["reported"] else 2
        assert markup.tags.count("svg") == charts and markup.tags.count("title") == charts + 1, path
    assert shown == set(PAYLOADS)
    # the charts carry data text too: tier names on the tier history's rows, the current tier in its empty message
    card_page = (tmp_path / ids[0] / "scorecard.html").read_text(encoding="utf-8")
    charts = re.findall(r"<svg\b.*?</svg>", card_page, flags=re.S)
    assert any(html.escape(next(iter(d.tier_rules.tier))) in svg for svg in charts)
    assert result.peer_groups_reported >= 1
