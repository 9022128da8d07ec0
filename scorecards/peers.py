"""Peer comparison as anonymized percentiles.

The rule (docs/scorecards.md, "Isolation rules"):
- A partner's peers are the OTHER partners with the same current tier (the partner itself is excluded, so the
  statistics are made only of other partners' figures). Partners without a tier have no peer group.
- A metric is reported only when at least MIN_PEERS (5) peers have a value for it; otherwise the scorecard says
  "peer group too small" and shows no statistic of that metric at all.
- Only p25, p50 and p75 are reported (never min, max, mean or any single peer), computed with linear
  interpolation and then rounded to 2 significant figures (APPROX_DIGITS), and labelled approximate. An
  interpolated quantile of an odd-sized group (e.g. the median of 5) is exactly one partner's figure; after
  rounding it carries at most 2 significant digits of it (211,973.29 -> ~210,000), so no exact figure of another
  partner can be read back. Ratios (win rate) are rounded the same way before being shown as percentages.
- The partner's own position is its percentile rank among its peers: the share of peers below it, ties counted
  half, rounded to a whole percent. It says how many peers are below, never what they hold.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MIN_PEERS = 5
APPROX_DIGITS = 2
PERCENTILES = (25, 50, 75)

# metric -> (label, kind); kind drives formatting: usd, count, ratio, score
PEER_METRICS = {
    "sourced_won_amount_usd_l4q": ("Sourced won revenue, last 4 quarters", "usd"),
    "influenced_won_amount_usd_l4q": ("Influenced won revenue, last 4 quarters", "usd"),
    "deal_registrations_approved_l4q": ("Approved deal registrations, last 4 quarters", "count"),
    "certified_people": ("Certified people", "count"),
    "win_rate_l4q": ("Win rate, last 4 quarters", "ratio"),
    "health_score": ("Health score (0-100)", "score"),
}


def approx(value: float, digits: int = APPROX_DIGITS) -> float:
    """Round to `digits` significant figures (0 stays 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    if value == 0:
        return 0.0
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - magnitude)
    return float(rounded)


def percentile_rank(own: float, peers: np.ndarray) -> int:
    below = float((peers < own).sum())
    ties = float((peers == own).sum())
    return int(round(100 * (below + 0.5 * ties) / len(peers)))


def metric_stats(own: float | None, peers: pd.Series, min_peers: int = MIN_PEERS) -> dict:
    """Percentiles of the peers' values of one metric, or `reported: False` when fewer than min_peers have one."""
    values = peers.dropna().astype(float).to_numpy()
    if len(values) < min_peers:
        return {"reported": False, "reason": "peer group too small"}
    quantiles = np.percentile(values, PERCENTILES, method="linear")
    out = {"reported": True, "approximate": True}
    out.update({f"p{p}": approx(float(q)) for p, q in zip(PERCENTILES, quantiles)})
    own_value = None if own is None or (isinstance(own, float) and math.isnan(own)) else float(own)
    out["own_value"] = round(own_value, 4) if own_value is not None else None
    out["own_percentile_rank"] = percentile_rank(own_value, values) if own_value is not None else None
    return out


def peer_group(partners: pd.DataFrame, partner_id: str, tier_column: str = "tier") -> pd.DataFrame:
    """The other partners of this partner's current tier (empty without a tier)."""
    tier = partners.loc[partners.partner_id == partner_id, tier_column]
    if tier.empty or pd.isna(tier.iloc[0]):
        return partners.iloc[0:0]
    return partners[(partners[tier_column] == tier.iloc[0]) & (partners.partner_id != partner_id)]


def peer_comparison(partners: pd.DataFrame, partner_id: str, metrics: dict = PEER_METRICS,
                    min_peers: int = MIN_PEERS) -> dict:
    """The peer section of one scorecard: group description + per-metric stats, nothing about any single peer."""
    me = partners[partners.partner_id == partner_id].iloc[0]
    if pd.isna(me.get("tier")):
        return {"tier": None, "reported": False, "reason": "no current tier, so no peer group", "min_peers": min_peers,
                "metrics": {}}
    group = peer_group(partners, partner_id)
    if len(group) < min_peers:
        return {"tier": me["tier"], "reported": False, "reason": "peer group too small", "min_peers": min_peers,
                "metrics": {}}
    stats = {}
    for metric, (label, kind) in metrics.items():
        s = metric_stats(me[metric], group[metric], min_peers)
        stats[metric] = {"label": label, "kind": kind, **s}
    return {"tier": me["tier"], "reported": True, "peers": int(len(group)), "min_peers": min_peers,
            "definition": f"the other partners whose current tier is {me['tier']}", "metrics": stats}
