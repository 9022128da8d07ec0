"""Business-rule flags on real files: values that pass the contracts but cannot be right are loaded and flagged
(docs/data-quality.md), and money that cannot be right stays out of the USD won revenue.

Beside the sample, a hand-written partner in a real PRM's shape (id `PRM-900`, tier "Elite") with its CRM account,
an LMS organisation whose external reference is that PRM id, eight deals and a registration is loaded and the
whole dbt project built on it."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connectors.loader import load_all
from tests.conftest import AS_OF, settings_for
from warehouse.dbt import run_dbt

PARTNER_ACCOUNT = "0015g00000QTp01"
CUSTOMER_ACCOUNT = "0015g00000QTc01"
# name -> (amount, currency, close date, created, won): the partner's five ordinary won deals of 1,000 USD set
# its range (median 1,000); the others each break one business rule.
DEALS = {
    "QT ordinary 1": ("1000.00", "USD", "2026-03-01", "2026-01-05", True),
    "QT ordinary 2": ("1000.00", "USD", "2026-04-01", "2026-01-05", True),
    "QT ordinary 3": ("1000.00", "USD", "2026-05-01", "2026-01-05", True),
    "QT ordinary 4": ("1000.00", "USD", "2026-06-01", "2026-01-05", True),
    "QT ordinary 5": ("1000.00", "USD", "2026-07-01", "2026-01-05", True),
    "QT outlier": ("50000.00", "USD", "2026-08-01", "2026-01-05", True),  # 50 x the median: counted, flagged
    "QT close before create": ("1000.00", "USD", "2026-02-01", "2026-03-10", True),  # counted, flagged
    "QT won in 2099": ("7000.00", "USD", "2099-01-01", "2026-01-05", True),  # not won revenue
    "QT unknown currency": ("3000.00", "XYZ", "2026-09-01", "2026-01-05", True),  # no USD amount
}
FLAGGED = {"QT outlier": "amount_outlier", "QT close before create": "close_before_create",
           "QT won in 2099": "won_in_future", "QT unknown currency": "unknown_currency"}


def _write_csv(path: Path, rows: list[dict], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _account(account_id: str, name: str, account_type: str, is_partner: bool, prm_id: str = "") -> dict:
    return {"Id": account_id, "Name": name, "Type": account_type, "IsPartner": str(is_partner).lower(),
            "Website": "https://www.qualitas-test.example/" if is_partner else "", "PRM_Partner_Id__c": prm_id,
            "LastModifiedDate": "2026-11-20T10:00:00.000+0000", "IsDeleted": "false"}


def write_quality_landing(landing: Path) -> None:
    _write_jsonl(landing / "prm" / "partner" / "partner_20261124_quality.jsonl", [{
        "partner_id": "PRM-900", "company_name": "Qualitas Test Partners", "tier": "Elite", "status": "Active",
        "partner_type": "Reseller", "country": "de", "website": "https://www.qualitas-test.example/",
        "crm_account_id": PARTNER_ACCOUNT, "updated_at": "2026-11-20T10:00:00Z"}])
    _write_jsonl(landing / "prm" / "deal_registration" / "deal_registration_20261124_quality.jsonl", [{
        "registration_id": "REG-2026-0001", "partner_id": "PRM-900", "status": "Submitted",
        "estimated_amount": 5000, "currency": "XYZ", "submitted_at": "2026-10-01T10:00:00Z",
        "updated_at": "2026-10-01T10:00:00Z"}])
    _write_csv(landing / "crm" / "account" / "Account_20261124_quality.csv", [
        _account(PARTNER_ACCOUNT, "Qualitas Test Partners GmbH", "Partner", True, "PRM-900"),
        _account(CUSTOMER_ACCOUNT, "Quality Test Customer", "Customer", False)])
    opportunities, partners = [], []
    for number, (name, (amount, currency, close, created, won)) in enumerate(DEALS.items(), start=1):
        opportunity_id = f"0065g00000QTy{number:02d}"
        opportunities.append({
            "Id": opportunity_id, "AccountId": CUSTOMER_ACCOUNT, "Name": name, "StageName": "Closed Won",
            "Amount": amount, "CurrencyIsoCode": currency, "CloseDate": close, "IsWon": str(won).lower(),
            "IsClosed": "true", "Probability": "100", "LeadSource": "Web", "CreatedDate": f"{created}T09:00:00.000+0000",
            "LastModifiedDate": "2026-11-20T10:00:00.000+0000", "IsDeleted": "false"})
        partners.append({
            "Id": f"00I5g00000QTr{number:02d}", "OpportunityId": opportunity_id, "AccountToId": PARTNER_ACCOUNT,
            "Role": "Reseller", "IsPrimary": "true", "CreatedDate": f"{created}T10:00:00.000+0000",
            "LastModifiedDate": "2026-11-20T10:00:00.000+0000",
            "IsDeleted": "false"})
    _write_csv(landing / "crm" / "opportunity" / "Opportunity_20261124_quality.csv", opportunities)
    _write_csv(landing / "crm" / "opportunity_partner" / "OpportunityPartner_20261124_quality.csv", partners)
    # The LMS admin typed the PRM's own id: no `P-` prefix, matched because the PRM holds it.
    _write_csv(landing / "lms" / "organization" / "organization_20261124_quality.csv", [{
        "Organization ID": "QT-ORG-1", "Organization Name": "Qualitäs Academy Team", "Email Domain": "",
        "Country": "Germany", "External Reference": "PRM-900", "Last Modified": "2026-11-20 10:00:00"}],
        encoding="cp1252")


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_landing):
    root = tmp_path_factory.mktemp("quality")
    landing = root / "landing"
    shutil.copytree(sample_landing, landing)
    write_quality_landing(landing)
    settings = replace(settings_for(root, landing), as_of_date=AS_OF)
    load_all(settings)
    result = run_dbt(settings, "build", "--exclude", "test_type:unit", timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield con
    con.close()


def _by_name(con, sql: str) -> dict:
    return {row[0]: row[1:] for row in con.execute(sql).fetchall()}


def test_each_deal_breaking_a_rule_is_flagged_once_and_the_ordinary_ones_are_not(built):
    flags = built.execute("""
        select opportunities.opportunity_name, flags.rule, flags.flagged_value, flags.partner_id, flags._source_file
        from marts.fct_data_quality_flag as flags
        inner join intermediate.int_revenue__opportunities as opportunities
            on flags.source_record_id = opportunities.opportunity_id
        where flags.source_table = 'opportunity' and opportunities.opportunity_name like 'QT %'
    """).fetchall()
    assert {(name, rule) for name, rule, *_ in flags} == set(FLAGGED.items())
    values = {name: value for name, _, value, *_ in flags}
    assert values["QT unknown currency"] == "XYZ" and values["QT won in 2099"] == "2099-01-01"
    assert values["QT outlier"] == "50000.00"
    partner_id = _partner_of(built, "prm", "PRM-900")
    assert {row[3] for row in flags} == {partner_id}
    assert {row[4] for row in flags} == {"crm/opportunity/Opportunity_20261124_quality.csv"}


def test_a_real_prm_s_ids_and_tier_word_load_and_the_word_is_flagged_not_quarantined(built):
    tier, tier_raw = built.execute(
        "select partner_tier, partner_tier_raw from staging.stg_prm__partner where prm_partner_id = 'PRM-900'").fetchone()
    assert (tier, tier_raw) == (None, "Elite")
    quarantined = built.execute(
        "select count(*) from ops.quarantine where source_file like '%quality%'").fetchone()[0]
    assert quarantined == 0
    flag = built.execute("""
        select rule, field_name, flagged_value, partner_id from marts.fct_data_quality_flag
        where source_system = 'prm' and source_table = 'partner' and source_record_id = 'PRM-900'""").fetchall()
    assert flag == [("unknown_code", "tier", "Elite", _partner_of(built, "prm", "PRM-900"))]


def test_the_lms_reference_to_a_prm_id_of_any_shape_matches_that_partner(built):
    assert _partner_of(built, "lms", "QT-ORG-1") == _partner_of(built, "prm", "PRM-900")


def test_has_data_issue_marks_exactly_the_flagged_deals_and_the_registration(built):
    issues = _by_name(built, """
        select opportunities.opportunity_name, facts.has_data_issue
        from marts.fct_opportunity_partner as facts
        inner join intermediate.int_revenue__opportunities as opportunities
            on facts.opportunity_id = opportunities.opportunity_id
        where opportunities.opportunity_name like 'QT %'""")
    assert {name for name, (issue,) in issues.items() if issue} == set(FLAGGED)
    assert len(issues) == len(DEALS)
    registration = built.execute("""
        select has_data_issue, estimated_amount_usd from marts.fct_deal_registration
        where deal_registration_id = 'REG-2026-0001'""").fetchone()
    assert registration == (True, None)


def test_usd_won_revenue_leaves_out_the_2099_deal_and_the_unknown_currency(built):
    partner_id = _partner_of(built, "prm", "PRM-900")
    won_usd, won_deals, converted = built.execute("""
        select sum(amount_usd), count(*), count(amount_usd) from marts.fct_opportunity_partner
        where partner_id = ? and is_won""", [partner_id]).fetchone()
    # five ordinary deals + the outlier + the deal closing before creation; not 2099 (7,000), not XYZ (3,000):
    # the XYZ deal is won, but has no USD amount
    assert (won_usd, won_deals, converted) == (Decimal("56000.00"), 8, 7)
    in_crm = built.execute("""
        select is_won, is_won_in_crm from intermediate.int_revenue__opportunities
        where opportunity_name = 'QT won in 2099'""").fetchone()
    assert in_crm == (False, True)


def test_every_flag_is_an_audit_finding_with_its_severity(built):
    findings = built.execute("""
        select rule, severity, count(*) from marts.fct_audit_finding
        where finding_type = 'data_quality' and partner_id = ?
        group by all""", [_partner_of(built, "prm", "PRM-900")]).fetchall()
    assert set(findings) == {("amount_outlier", "medium", 1), ("close_before_create", "low", 1),
                             ("won_in_future", "high", 1), ("unknown_currency", "high", 2),
                             ("unknown_code", "low", 1)}
    flags = built.execute("select count(*) from marts.fct_data_quality_flag").fetchone()[0]
    data_quality = built.execute(
        "select count(*) from marts.fct_audit_finding where finding_type = 'data_quality'").fetchone()[0]
    assert flags == data_quality


def _partner_of(con, system: str, record_id: str) -> str:
    row = con.execute("""
        select partner_id from intermediate.int_partner__crosswalk
        where source_system = ? and source_record_id = ?""", [system, record_id]).fetchone()
    assert row is not None, (system, record_id)
    return row[0]
