"""What the scorecards show, read once from the PUBLISHED warehouse (read-only) for every partner.

Everything comes from existing marts (and int_tier__partner_gap, which partner_360 exposes): one query per
source, all partners at once, then sliced per partner in pandas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from settings import PROJECT_ROOT

QUARTERS_SHOWN = 8  # this quarter and the seven before it

PROFILE_COLUMNS = [
    "partner_id", "partner_name", "country_code", "country_name", "region", "web_domain", "partner_type", "tier",
    "tier_rank", "program_level", "partner_status", "contract_start_date", "contract_end_date",
    "sourced_won_amount_usd_this_quarter", "sourced_won_amount_usd_l4q", "influenced_won_amount_usd_this_quarter",
    "influenced_won_amount_usd_l4q", "sourced_won_opportunities_l4q", "influenced_won_opportunities_l4q",
    "win_rate_l4q", "avg_won_deal_size_usd_l4q", "deal_registrations_submitted_l4q", "deal_registrations_approved_l4q",
    "certifications_held", "certification_records", "active_certifications", "expiring_certifications",
    "expired_certifications", "certified_people", "next_certification_expiry_date", "required_certifications",
    "required_certifications_met", "is_tier_certification_met",
    "mdf_approved_usd", "mdf_claimed_usd", "mdf_paid_usd", "mdf_utilization_rate", "mdf_funded_campaigns",
    "mdf_won_amount_usd", "mdf_roi", "open_opportunities", "open_pipeline_usd", "health_score",
    "next_tier", "sourced_revenue_gap_usd", "certified_people_gap", "deal_registrations_gap",
    "missing_required_certifications", "missing_certification_codes", "next_tier_open_requirements",
    "qualifies_for_next_tier", "qualified_tier", "meets_current_tier", "focus_tier", "as_of_date",
]

# What the partner lacks to keep its assigned tier (int_tier__partner_gap; partner_360 has only the open count).
CURRENT_TIER_GAP_COLUMNS = [
    "current_tier_sourced_revenue_gap_usd", "current_tier_certified_people_gap", "current_tier_deal_registrations_gap",
    "current_tier_missing_required_certifications", "current_tier_missing_certification_holders",
    "current_tier_missing_certification_codes", "current_tier_open_requirements",
]


class WarehouseNotReady(LookupError):
    pass


@dataclass(eq=False)  # compared and hashed by identity: scorecards.build keeps one lookup per loaded data
class ScorecardData:
    as_of_date: date
    as_of_quarter: int  # fiscal quarter index (fiscal_year * 4 + quarter - 1) holding as_of_date
    fiscal_year_start_month: int
    partners: pd.DataFrame  # partner_360 (PROFILE_COLUMNS) + missing_certification_holders + CURRENT_TIER_GAP_COLUMNS
    tier_history: pd.DataFrame
    revenue_by_quarter: pd.DataFrame  # partner_id, quarter_index, sourced_won_usd, influenced_won_usd, won deals
    registrations_by_quarter: pd.DataFrame  # partner_id, quarter_index, approved
    certifications: pd.DataFrame  # partner x certification code (no people)
    tier_rules: pd.DataFrame
    tier_certifications: pd.DataFrame
    mdf: pd.DataFrame  # mart_partner_incentive_summary
    mdf_requests: pd.DataFrame  # partner_id, status, requests, requested_usd
    source_ids: pd.DataFrame  # partner_id, source_system, source_record_id (for the isolation check)
    identities: pd.DataFrame  # dim_partner: partner_id, partner_name, partner_name_normalized, web_domain, website
    money: pd.DataFrame  # partner_id + every *_usd* column of partner_360 (the isolation check's figures)

    def quarter_label(self, index: int) -> str:
        return f"FY{index // 4}-Q{index % 4 + 1}"


def fiscal_year_start_month(project_dir: Path = PROJECT_ROOT / "dbt_project") -> int:
    """The dbt var fiscal_year_start_month (macros/revenue/revenue_settings.sql; default 1)."""
    text = (project_dir / "dbt_project.yml").read_text(encoding="utf-8")
    found = re.search(r"^\s*fiscal_year_start_month:\s*(\d+)", text, flags=re.M)
    return int(found.group(1)) if found else 1


def fiscal_quarter_index(day: date, start_month: int = 1) -> int:
    """The same numbering as the dbt macro fiscal_quarter_index: fiscal_year * 4 + quarter - 1."""
    month = day.month + (13 - start_month if start_month != 1 else 0)
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return year * 4 + (month - 1) // 3


def person_column(con: duckdb.DuckDBPyConnection) -> str:
    """The column of marts.fct_certification that identifies the certified person."""
    columns = {r[0] for r in con.execute("describe marts.fct_certification").fetchall()}
    return "learner_key" if "learner_key" in columns else "user_id"


def load(con: duckdb.DuckDBPyConnection) -> ScorecardData:
    """Every partner's numbers, all partners at once (peer statistics need every partner of a tier)."""
    try:
        as_of = con.execute("select max(as_of_date) from marts.partner_360").fetchone()[0]
    except duckdb.CatalogException as error:
        raise WarehouseNotReady(f"the warehouse has no marts.partner_360: build and publish it first ({error})") from None
    if as_of is None:
        raise WarehouseNotReady("marts.partner_360 is empty: build the warehouse from a landing zone first")
    start_month = fiscal_year_start_month()
    as_of_quarter = fiscal_quarter_index(as_of, start_month)
    first_quarter = as_of_quarter - (QUARTERS_SHOWN - 1)

    partners = con.execute(
        f"""select {', '.join('p.' + c for c in PROFILE_COLUMNS)}, g.missing_certification_holders,
                   {', '.join('g.' + c for c in CURRENT_TIER_GAP_COLUMNS)}
            from marts.partner_360 as p
            left join intermediate.int_tier__partner_gap as g on g.partner_id = p.partner_id
            order by p.partner_id"""
    ).df()
    tier_history = con.sql(
        "select partner_id, tier, tier_rank, valid_from, valid_to, is_current from marts.dim_partner_tier_history "
        "order by partner_id, valid_from"
    ).df()
    revenue = con.execute(
        """select partner_id, fiscal_year * 4 + fiscal_quarter - 1 as quarter_index,
                  coalesce(sum(amount_usd) filter (where is_sourced), 0) as sourced_won_usd,
                  coalesce(sum(amount_usd) filter (where is_influenced), 0) as influenced_won_usd,
                  count(*) filter (where is_sourced) as sourced_won_deals,
                  count(*) filter (where is_influenced) as influenced_won_deals
           from marts.fct_opportunity_partner
           where is_won and partner_id is not null and fiscal_year * 4 + fiscal_quarter - 1 between ? and ?
           group by all order by 1, 2""",
        [first_quarter, as_of_quarter],
    ).df()
    registrations = con.execute(
        "select partner_id, approved_date from marts.fct_deal_registration "
        "where is_approved and partner_id is not null and approved_date is not null"
    ).df()
    registrations["quarter_index"] = [fiscal_quarter_index(d, start_month) for d in
                                      pd.to_datetime(registrations.approved_date).dt.date]
    registrations = (registrations[registrations.quarter_index.between(first_quarter, as_of_quarter)]
                     .groupby(["partner_id", "quarter_index"]).size().rename("approved").reset_index())
    # By certification, never by person: holders are counted, never named or identified. The person column is the
    # learner's pseudonym (learner_key) in pseudonymized marts, the LMS user id before.
    person = person_column(con)
    certifications = con.sql(
        f"""with c as (
               select partner_id, certification_code, max(certification_name) as certification_name,
                      count(distinct {person}) filter (where is_valid) as holders,
                      count(*) filter (where certification_status = 'active') as active_records,
                      count(*) filter (where certification_status = 'expiring') as expiring_records,
                      count(*) filter (where certification_status = 'expired') as expired_records,
                      count(*) filter (where certification_status not in ('active', 'expiring', 'expired'))
                          as other_records,
                      count(*) as records,
                      min(expiry_date) filter (where is_valid) as earliest_expiry_date,
                      max(expiry_date) filter (where not is_valid) as last_lapsed_date
               from marts.fct_certification where partner_id is not null group by all)
           select c.*, r.required_people as current_tier_required_people, r.is_met as current_tier_is_met,
                  r.is_at_risk as current_tier_is_at_risk
           from c left join marts.fct_partner_certification_requirement as r
             on r.partner_id = c.partner_id and r.certification_code = c.certification_code
           order by c.partner_id, c.certification_code"""
    ).df()
    tier_rules = con.sql(
        "select tier, tier_rank, min_sourced_revenue_usd_l4q, min_certified_people, min_deal_registrations_l4q "
        "from reference.partner_tier_rules order by tier_rank"
    ).df()
    tier_certifications = con.sql(
        "select tier, certification_code, min_certified_people from reference.tier_certification_requirements "
        "order by tier, certification_code"
    ).df()
    mdf = con.sql(
        "select partner_id, mdf_requested_usd, mdf_approved_usd, mdf_claimed_usd, mdf_paid_usd, mdf_utilization_rate, "
        "mdf_requests, mdf_payments, mdf_funded_campaigns from marts.mart_partner_incentive_summary"
    ).df()
    mdf_requests = con.sql(
        "select partner_id, record_status as status, count(*) as requests, coalesce(sum(amount_usd), 0) as requested_usd "
        "from marts.fct_partner_incentive where event_type = 'mdf_requested' and partner_id is not null "
        "group by all order by 1, 2"
    ).df()
    source_ids = con.sql(
        "select distinct partner_id, source_system, source_record_id from intermediate.int_partner__crosswalk "
        "where partner_id is not null"
    ).df()
    identities = con.sql(
        "select partner_id, partner_name, partner_name_normalized, web_domain, website from marts.dim_partner"
    ).df()
    money = con.sql("select partner_id, columns('.*_usd.*') from marts.partner_360").df()
    return ScorecardData(as_of, as_of_quarter, start_month, partners, tier_history, revenue, registrations,
                         certifications, tier_rules, tier_certifications, mdf, mdf_requests, source_ids, identities,
                         money)
