"""Revenue facts (fct_opportunity_partner, fct_partner_attribution, fct_deal_registration and
int_revenue__partner_performance) checked against the sample generator's ground truth.

The truth says, per opportunity, who sourced it (the partner of an approved deal registration converted into it, or
the primary partner when LeadSource is Partner Referral) and who influenced it (the other partners on it). Truth
partners are mapped to warehouse partner_ids through their PRM ids and the identity crosswalk; truth amounts are
converted with the currency_rates seed (month of the close date, else the nearest earlier month).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.conftest import AS_OF

CENT = Decimal("0.01")
ZERO = Decimal("0")
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")


# ---------------------------------------------------------------------------------------------- truth side
def _rates() -> dict[str, dict[str, float]]:
    rates: dict[str, dict[str, float]] = defaultdict(dict)
    with open(SEEDS / "currency_rates.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rates[row["currency_code"]][row["rate_month"][:7]] = float(row["units_per_usd"])
    return rates


def _to_usd(amount: float, currency: str, close_date: str, rates) -> Decimal:
    """amount / units_per_usd of the close month (else the nearest earlier month), rounded to the cent."""
    month = max(m for m in rates[currency] if m <= close_date[:7])
    cents = Decimal(amount / rates[currency][month] * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return cents * CENT


def _quarters_before_as_of(close_date: str) -> int:
    close = date.fromisoformat(close_date)
    return (AS_OF.year * 4 + (AS_OF.month - 1) // 3) - (close.year * 4 + (close.month - 1) // 3)


@pytest.fixture(scope="module")
def partner_ids(warehouse, ground_truth) -> dict[str, set]:
    """partner_key -> the warehouse partner_ids its PRM records resolve to (one, when identity resolution is right)."""
    crosswalk = dict(warehouse.execute(
        "select source_record_id, partner_id from intermediate.int_partner__crosswalk where source_system = 'prm'"
    ).fetchall())
    return {p["partner_key"]: {crosswalk.get(i) for i in p["ids"]["prm"]} for p in ground_truth["partners"]}


@pytest.fixture(scope="module")
def truth_won(warehouse, ground_truth) -> list[dict]:
    """Won truth opportunities that survived quarantine (are in staging), with amount_usd. A deal won with a close
    date after the as-of date is not won revenue (docs/data-quality.md, rule won_in_future): the sample's delta
    closes some open deals as won without moving their close date."""
    survived = {r[0] for r in warehouse.execute("select opportunity_id from staging.stg_crm__opportunity").fetchall()}
    rates = _rates()
    return [dict(o, amount_usd=_to_usd(o["amount"], o["currency"], o["close_date"], rates))
            for o in ground_truth["opportunities"]
            if o["is_won"] and o["amount"] is not None and o["opportunity_id"] in survived
            and date.fromisoformat(o["close_date"]) <= AS_OF]


def _truth_by_partner(truth_won, keep=lambda o: True) -> dict[str, dict[str, Decimal]]:
    revenue: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"sourced": ZERO, "influenced": ZERO})
    for o in filter(keep, truth_won):
        if o["sourced_by"]:
            revenue[o["sourced_by"]]["sourced"] += o["amount_usd"]
        for key in o["influenced_by"]:
            revenue[key]["influenced"] += o["amount_usd"]
    return revenue


@pytest.fixture(scope="module")
def warehouse_won(warehouse) -> dict[str, dict[str, Decimal]]:
    """partner_id -> won revenue: sourced, influenced (all eligible touches), influenced by partners named on the
    opportunity (what the truth's influenced_by means), and influenced through campaign touches only."""
    rows = warehouse.execute("""
        select
            partner_id,
            sum(case when is_sourced then amount_usd else 0 end),
            sum(case when is_influenced then amount_usd else 0 end),
            sum(case when is_influenced and is_on_opportunity then amount_usd else 0 end),
            sum(case when is_influenced and not is_on_opportunity and touch_count = campaign_touch_count
                then amount_usd else 0 end)
        from marts.fct_opportunity_partner
        where is_won
        group by partner_id
    """).fetchall()
    revenue = defaultdict(lambda: dict.fromkeys(("sourced", "influenced", "on_opportunity", "campaign_only"), ZERO))
    for partner_id, *values in rows:
        revenue[partner_id] = dict(zip(("sourced", "influenced", "on_opportunity", "campaign_only"), values))
    return revenue


def _compare(keys, truth, warehouse_won, partner_ids) -> tuple[list[str], list[str]]:
    lines, mismatches = [f"{'partner':<12}{'truth sourced':>16}{'wh sourced':>16}{'truth infl.':>16}{'wh infl.':>16}"], []
    for key in keys:
        (partner_id,) = partner_ids[key]
        wh = warehouse_won[partner_id]
        t = truth[key]
        lines.append(f"{key:<12}{t['sourced']:>16,.2f}{wh['sourced']:>16,.2f}{t['influenced']:>16,.2f}"
                     f"{wh['on_opportunity']:>16,.2f}")
        if abs(t["sourced"] - wh["sourced"]) > CENT or abs(t["influenced"] - wh["on_opportunity"]) > CENT:
            mismatches.append(lines[-1])
    return lines, mismatches


# ---------------------------------------------------------------------------------------------- tests
def test_every_truth_partner_resolves_to_one_partner_id(partner_ids):
    split = {k: v for k, v in partner_ids.items() if len(v) != 1 or None in v}
    assert split == {}, f"partners whose PRM records do not resolve to exactly one partner_id: {split}"


def test_a_handful_of_partners_have_their_true_sourced_and_influenced_revenue(truth_won, warehouse_won, partner_ids):
    truth = _truth_by_partner(truth_won)
    top_sourced = sorted(truth, key=lambda k: truth[k]["sourced"], reverse=True)[:3]
    top_influenced = [k for k in sorted(truth, key=lambda k: truth[k]["influenced"], reverse=True)
                      if k not in top_sourced][:2]
    keys = top_sourced + top_influenced
    lines, mismatches = _compare(keys, truth, warehouse_won, partner_ids)
    print("\nwon revenue, USD (influenced = partners named on the opportunity)\n" + "\n".join(lines))
    assert all(truth[k]["sourced"] > 0 for k in top_sourced) and all(truth[k]["influenced"] > 0 for k in top_influenced)
    assert mismatches == []


def test_every_partner_has_its_true_sourced_and_influenced_revenue(truth_won, warehouse_won, partner_ids,
                                                                   ground_truth):
    truth = _truth_by_partner(truth_won)
    keys = [p["partner_key"] for p in ground_truth["partners"]]
    _, mismatches = _compare(keys, truth, warehouse_won, partner_ids)
    total_truth = {kind: sum(v[kind] for v in truth.values()) for kind in ("sourced", "influenced")}
    total_wh = {kind: sum(v[kind] for v in warehouse_won.values()) for kind in ("sourced", "on_opportunity")}
    print(f"\n{len(keys)} partners, {len(truth_won)} won opportunities: sourced truth {total_truth['sourced']:,.2f} "
          f"warehouse {total_wh['sourced']:,.2f}; influenced truth {total_truth['influenced']:,.2f} "
          f"warehouse {total_wh['on_opportunity']:,.2f}")
    assert total_truth["sourced"] > 0 and total_truth["influenced"] > 0
    assert mismatches == [], "\n".join(mismatches)
    assert abs(total_truth["sourced"] - total_wh["sourced"]) <= CENT * len(keys)


def test_influence_beyond_the_truth_comes_only_from_campaign_touches(warehouse, warehouse_won):
    """DESIGN.md counts campaign touches within the lookback window as influence; the truth does not. Every
    influenced row not named on the opportunity must be such a campaign-only touch."""
    other = warehouse.execute("""
        select count(*) from marts.fct_opportunity_partner
        where is_influenced and not is_on_opportunity and touch_count <> campaign_touch_count
    """).fetchone()[0]
    assert other == 0
    for revenue in warehouse_won.values():
        assert revenue["influenced"] == revenue["on_opportunity"] + revenue["campaign_only"]
    extra = sum(r["campaign_only"] for r in warehouse_won.values())
    print(f"\ncampaign-only influenced won revenue (not in the truth): {extra:,.2f} USD")


def test_one_sourcing_partner_per_deal_never_also_influenced(warehouse, truth_won):
    per_deal = warehouse.execute("""
        select opportunity_id, sum(case when is_sourced then 1 else 0 end),
               sum(case when is_sourced and is_influenced then 1 else 0 end)
        from marts.fct_opportunity_partner group by opportunity_id
    """).fetchall()
    assert all(sourced <= 1 and both == 0 for _, sourced, both in per_deal)
    won_sourced = warehouse.execute(
        "select count(*) from marts.fct_opportunity_partner where is_won and is_sourced").fetchone()[0]
    assert won_sourced == sum(1 for o in truth_won if o["sourced_by"])


def test_attribution_credits_sum_exactly_to_the_amount_under_every_model(warehouse):
    deals = dict(((o, c), (a, u)) for o, c, a, u in warehouse.execute("""
        select distinct opportunity_id, currency_code, amount, amount_usd
        from marts.fct_opportunity_partner where amount is not null
    """).fetchall())
    sums = warehouse.execute("""
        select opportunity_id, currency_code, attribution_model, sum(credit_amount), sum(credit_amount_usd),
               sum(case when holds_rounding_remainder then 1 else 0 end)
        from marts.fct_partner_attribution group by all
    """).fetchall()
    models_per_deal = defaultdict(set)
    for opportunity_id, currency, model, credit, credit_usd, remainder_holders in sums:
        amount, amount_usd = deals[(opportunity_id, currency)]
        assert credit == amount and credit_usd == amount_usd, (opportunity_id, model)
        assert remainder_holders == 1
        models_per_deal[opportunity_id].add(model)
    assert set(o for o, _ in deals) == set(models_per_deal)
    assert all(models == set(MODELS) for models in models_per_deal.values())
    print(f"\n{len(models_per_deal)} opportunities x {len(MODELS)} models: credits sum exactly to the amount")


def test_deal_registrations(warehouse):
    staged = warehouse.execute("select count(*) from staging.stg_prm__deal_registration").fetchone()[0]
    rows = warehouse.execute("""
        select registration_status, is_converted, expiry_date, is_open_past_expiry, days_to_approve,
               converted_opportunity_id, partner_id, is_approved
        from marts.fct_deal_registration
    """).fetchall()
    assert len(rows) == staged
    sourced = set(warehouse.execute(
        "select opportunity_id, partner_id from marts.fct_opportunity_partner "
        "where sourcing_touch_kind = 'deal_registration'").fetchall())
    past_expiry = 0
    for status, converted, expiry, past, days, opportunity_id, partner_id, approved in rows:
        expected = status in ("Submitted", "Approved") and not converted and expiry is not None and expiry < AS_OF
        assert past == expected
        past_expiry += past
        assert days is None or days >= 0
        if converted and approved and partner_id is not None:
            assert (opportunity_id, partner_id) in sourced
    assert past_expiry > 0


def test_partner_performance_sourced_revenue_by_quarter(warehouse, truth_won, partner_ids):
    """this quarter = the quarter of the as-of date; l4q = the four completed quarters before it."""
    this_quarter = _truth_by_partner(truth_won, lambda o: _quarters_before_as_of(o["close_date"]) == 0)
    l4q = _truth_by_partner(truth_won, lambda o: 1 <= _quarters_before_as_of(o["close_date"]) <= 4)
    performance = {r[0]: r[1:] for r in warehouse.execute("""
        select partner_id, sourced_won_amount_usd_this_quarter, sourced_won_amount_usd_l4q,
               influenced_won_amount_usd_l4q
        from intermediate.int_revenue__partner_performance
    """).fetchall()}
    checked = 0
    for key, ids in partner_ids.items():
        (partner_id,) = ids
        wh_this, wh_l4q, _ = performance[partner_id]
        assert abs(wh_this - this_quarter[key]["sourced"]) <= CENT, key
        assert abs(wh_l4q - l4q[key]["sourced"]) <= CENT, key
        checked += 1
    assert sum(v["sourced"] for v in l4q.values()) > 0
    print(f"\nsourced won revenue of {checked} partners: this quarter "
          f"{sum(v['sourced'] for v in this_quarter.values()):,.2f}, l4q {sum(v['sourced'] for v in l4q.values()):,.2f}")
