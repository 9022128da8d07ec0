"""One partner's scorecard as a plain dict (what scorecard.json holds; the CSV and HTML show the same numbers).

Only this partner's own rows of the marts go in, plus the anonymized peer statistics of scorecards.peers.
"""

from __future__ import annotations

import math
import weakref
from datetime import date, datetime

import pandas as pd

from scorecards.data import QUARTERS_SHOWN, ScorecardData
from scorecards.peers import MIN_PEERS, PeerGroups

SCHEMA_VERSION = 1
_LOOKUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _value(v):
    """JSON-ready: numpy/Decimal -> float/int (money to cents), NaN/NaT/NA -> None, dates -> ISO."""
    if v is None or v is pd.NA:  # NA: a nullable integer column left NULL ("no data from <system>")
        return None
    if isinstance(v, pd.Timestamp | datetime):
        return None if pd.isna(v) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return v
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, bool | int | str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return None
    return round(f, 2) if not f.is_integer() else (int(f) if abs(f) < 2**53 else f)


def _money(v) -> float:
    v = _value(v)
    return round(float(v), 2) if v is not None else 0.0


def _codes(value) -> list[str]:
    """'LPS, LSA' (a listagg of the marts) -> ['LPS', 'LSA']; null -> []."""
    return [c.strip() for c in value.split(",") if c.strip()] if isinstance(value, str) else []


class Lookup:
    """Each partner's rows of every table as plain records, split once: a boolean mask over a whole table per partner
    and table made scorecards quadratic (0.1 s a partner at 1,000 partners, most of the run)."""

    def __init__(self, data: ScorecardData):
        self.partners = {row.partner_id: row for _, row in data.partners.iterrows()}
        self.revenue = {pid: {r["quarter_index"]: r for r in rows}
                        for pid, rows in _records(data.revenue_by_quarter).items()}
        self.registrations = {pid: {r["quarter_index"]: r["approved"] for r in rows}
                              for pid, rows in _records(data.registrations_by_quarter).items()}
        self.history = _records(data.tier_history[["partner_id", "tier", "valid_from", "valid_to", "is_current"]])
        self.certifications = _records(data.certifications)
        self.mdf = {pid: rows[0] for pid, rows in _records(data.mdf).items()}
        self.mdf_requests = _records(data.mdf_requests[["partner_id", "status", "requests", "requested_usd"]])
        self.peers = PeerGroups(data.partners)

    @staticmethod
    def of(data: ScorecardData) -> Lookup:
        """The lookup of this data, built on first use (data is not changed once loaded; a copy gets its own)."""
        if data not in _LOOKUPS:
            _LOOKUPS[data] = Lookup(data)
        return _LOOKUPS[data]


def _records(frame: pd.DataFrame) -> dict[str, list[dict]]:
    """partner_id -> its rows as dicts (without partner_id), in the frame's order."""
    groups: dict[str, list[dict]] = {}
    for record in frame.to_dict("records"):
        groups.setdefault(record.pop("partner_id"), []).append(record)
    return groups


def _json_rows(records: list[dict]) -> list[dict]:
    return [{k: _value(v) for k, v in r.items()} for r in records]


def build_scorecard(data: ScorecardData, partner_id: str, min_peers: int = MIN_PEERS,
                    peers_from: pd.DataFrame | None = None) -> dict:
    """`peers_from`: the partner frame peers are drawn from (default: every partner of the warehouse)."""
    lookup = Lookup.of(data)
    p = lookup.partners.get(partner_id)
    if p is None:
        raise KeyError(f"no partner {partner_id} in marts.partner_360")
    q_first = data.as_of_quarter - (QUARTERS_SHOWN - 1)

    # Revenue and approved registrations by fiscal quarter (the last QUARTERS_SHOWN, zero-filled).
    rev = lookup.revenue.get(partner_id, {})
    regs = lookup.registrations.get(partner_id, {})
    quarters = []
    for qi in range(q_first, data.as_of_quarter + 1):
        offset = data.as_of_quarter - qi
        quarters.append({
            "quarter": data.quarter_label(qi),
            "period": "this quarter (to date)" if offset == 0 else ("last 4 quarters" if offset <= 4 else "earlier"),
            "sourced_won_usd": _money(rev.get(qi, {}).get("sourced_won_usd", 0)),
            "influenced_won_usd": _money(rev.get(qi, {}).get("influenced_won_usd", 0)),
            "sourced_won_deals": int(rev.get(qi, {}).get("sourced_won_deals", 0)),
            "influenced_won_deals": int(rev.get(qi, {}).get("influenced_won_deals", 0)),
            "deal_registrations_approved": int(regs.get(qi, 0)),
        })
    l4q = [q for q in quarters if q["period"] == "last 4 quarters"]
    revenue = {
        "quarters": quarters,
        "sourced_won_usd_l4q": _money(p.sourced_won_amount_usd_l4q),
        "influenced_won_usd_l4q": _money(p.influenced_won_amount_usd_l4q),
        "sourced_won_usd_this_quarter": _money(p.sourced_won_amount_usd_this_quarter),
        "influenced_won_usd_this_quarter": _money(p.influenced_won_amount_usd_this_quarter),
        "sourced_won_opportunities_l4q": _value(p.sourced_won_opportunities_l4q),
        "influenced_won_opportunities_l4q": _value(p.influenced_won_opportunities_l4q),
        "win_rate_l4q": _value(p.win_rate_l4q),
        "avg_won_deal_size_usd_l4q": _value(p.avg_won_deal_size_usd_l4q),
        "open_opportunities": _value(p.open_opportunities),
        "open_pipeline_usd": _money(p.open_pipeline_usd),
    }

    # Tier, history and the exact gap (int_tier__partner_gap, partly through partner_360) to the tier the partner's
    # next step is about (its focus_tier): its assigned tier while it does not meet that tier's rules ("keep": what
    # keeps it there), else the next tier ("next").
    history = lookup.history.get(partner_id, [])
    certs = lookup.certifications.get(partner_id, [])
    keep = pd.notna(p.meets_current_tier) and not bool(p.meets_current_tier)
    target = p.tier if keep else p.next_tier
    progress = None
    if pd.notna(target):
        gap = "current_tier_" if keep else ""
        rule = data.tier_rules[data.tier_rules.tier == target].iloc[0]
        required = data.tier_certifications[data.tier_certifications.tier == target]
        held = {c["certification_code"]: c["holders"] for c in certs}
        cert_needs = [{"certification_code": r.certification_code, "required_holders": int(r.min_certified_people),
                       "holders": int(held.get(r.certification_code, 0)),
                       "holders_needed": max(0, int(r.min_certified_people) - int(held.get(r.certification_code, 0)))}
                      for r in required.itertuples()]
        # What the next review needs this quarter: the rule counts the 4 completed quarters before the review,
        # i.e. the 3 latest completed ones and this one once it closes.
        window = sum(q["sourced_won_usd"] for q in l4q[1:]) + quarters[-1]["sourced_won_usd"]
        window_regs = sum(q["deal_registrations_approved"] for q in l4q[1:]) + quarters[-1]["deal_registrations_approved"]
        progress = {
            "kind": "keep" if keep else "next",  # keep: the gaps are to tier.current; next: to next_tier
            "next_tier": _value(p.next_tier),
            "qualifies_for_next_tier": bool(p.qualifies_for_next_tier),
            "open_requirements": _value(p.current_tier_open_requirements if keep else p.next_tier_open_requirements),
            "sourced_revenue": {"required_usd": _money(rule.min_sourced_revenue_usd_l4q),
                                "current_usd_l4q": _money(p.sourced_won_amount_usd_l4q),
                                "gap_usd": _money(p[f"{gap}sourced_revenue_gap_usd"])},
            "certified_people": {"required": int(rule.min_certified_people), "current": _value(p.certified_people),
                                 "gap": _value(p[f"{gap}certified_people_gap"])},
            "deal_registrations": {"required": int(rule.min_deal_registrations_l4q),
                                   "current_l4q": _value(p.deal_registrations_approved_l4q),
                                   "gap": _value(p[f"{gap}deal_registrations_gap"])},
            "certifications": {"missing_codes": _codes(p[f"{gap}missing_certification_codes"]),
                               "requirements_open": _value(p[f"{gap}missing_required_certifications"]),
                               "holders_needed": _value(p[f"{gap}missing_certification_holders"]),
                               "by_certification": cert_needs},
            "next_review": {
                "note": "at the start of next quarter the rule will count the last 3 completed quarters and this one",
                "sourced_revenue_needed_this_quarter_usd": _money(max(0.0, float(rule.min_sourced_revenue_usd_l4q) - window)),
                "deal_registrations_needed_this_quarter": max(0, int(rule.min_deal_registrations_l4q) - window_regs),
            },
        }
    tier = {
        "current": _value(p.tier),
        "qualified_tier": _value(p.qualified_tier),
        "program_level": _value(p.program_level),
        "history": _json_rows(history),
        "progress": progress,
    }

    certifications = {
        "certifications_held": _codes(p.certifications_held),
        "certified_people": _value(p.certified_people),
        "records": _value(p.certification_records),
        "active": _value(p.active_certifications),
        "expiring_within_90_days": _value(p.expiring_certifications),
        "expired": _value(p.expired_certifications),
        "next_expiry_date": _value(p.next_certification_expiry_date),
        "current_tier_requirements": _value(p.required_certifications),
        "current_tier_requirements_met": _value(p.required_certifications_met),
        "by_certification": _json_rows(certs),
    }

    m = lookup.mdf.get(partner_id)
    requests = lookup.mdf_requests.get(partner_id, [])
    mdf = {
        "requested_usd": _money(m["mdf_requested_usd"]) if m is not None else 0.0,
        "approved_usd": _money(p.mdf_approved_usd),
        "claimed_usd": _money(p.mdf_claimed_usd),
        "paid_usd": _money(p.mdf_paid_usd),
        "unclaimed_approved_usd": _money(max(0.0, _money(p.mdf_approved_usd) - _money(p.mdf_claimed_usd))),
        "utilization_rate": _value(p.mdf_utilization_rate),
        "funded_campaigns": _value(p.mdf_funded_campaigns),
        "won_amount_usd_of_funded_campaigns": _money(p.mdf_won_amount_usd),
        "roi": _value(p.mdf_roi),
        "requests": int(m["mdf_requests"]) if m is not None and pd.notna(m["mdf_requests"]) else 0,
        "requests_by_status": _json_rows(requests),
    }

    if peers_from is None:
        peers = lookup.peers.comparison(partner_id, min_peers=min_peers)
    else:
        if partner_id not in set(peers_from.partner_id):
            peers_from = pd.concat([peers_from, data.partners[data.partners.partner_id == partner_id]])
        peers = PeerGroups(peers_from).comparison(partner_id, min_peers=min_peers)

    return {
        "schema_version": SCHEMA_VERSION,
        "as_of_date": data.as_of_date.isoformat(),
        "this_quarter": data.quarter_label(data.as_of_quarter),
        "partner": {
            "partner_id": partner_id,
            "partner_name": _value(p.partner_name),
            "web_domain": _value(p.web_domain),
            "country": _value(p.country_name),
            "region": _value(p.region),
            "partner_type": _value(p.partner_type),
            "partner_status": _value(p.partner_status),
            "contract_start_date": _value(p.contract_start_date),
            "contract_end_date": _value(p.contract_end_date),
            "health_score": _value(p.health_score),
        },
        "tier": tier,
        "revenue": revenue,
        "certifications": certifications,
        "mdf": mdf,
        "peers": peers,
    }


def flatten(scorecard: dict) -> list[tuple[str, str]]:
    """The scorecard as (key path, value) rows: what scorecard.csv holds, the same numbers as the JSON."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            if not value:
                rows.append((prefix, ""))
            for i, v in enumerate(value):
                key = v.get("quarter") or v.get("certification_code") or v.get("status") if isinstance(v, dict) else None
                walk(f"{prefix}[{key if key is not None else i}]", v)
        else:
            rows.append((prefix, "" if value is None else value))

    walk("", scorecard)
    return rows
