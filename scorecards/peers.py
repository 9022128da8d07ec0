"""Peer comparison as anonymized percentiles that reveal no single peer's value.

The rule (docs/scorecards.md, "Isolation rules"):
- A partner's peers are the OTHER partners with the same current tier (the partner itself is excluded, so the
  statistics are made only of other partners' figures). Partners without a tier have no peer group.
- A metric is reported only when at least MIN_PEERS (10) peers have a value for it; otherwise the scorecard says
  "peer group too small" and shows no statistic of that metric at all.
- Only p25, p50 and p75 (linear interpolation), each rounded to 2 significant figures (APPROX_DIGITS). Rounding
  alone is not enough: with 5 peers the quartiles ARE the 2nd, 3rd and 4th peers' values, and any quartile whose
  interpolation position is a whole number (13 peers: the 4th, 7th and 10th) is one peer's value. So the quartiles
  are shown only when a reader who knows this rule cannot recover any peer's value at the precision shown
  (`recoverable`): bounding every peer's value from the shown quartiles (each peer lies between the quartiles
  around it, each quartile is an interpolation of two neighbours, values are >= 0, ratios <= 1, scores <= 100)
  leaves none of them inside one rounding step (a quartile of exactly 0 pins the peers below it). A quartile at a
  whole position (the median of an odd-sized group) is never shown; of the others, all are shown or none ("not
  shown: its percentiles would reveal a peer's value"): hiding only some for what the values are would tell why.
- Counts (approved deal registrations, certified people) are small whole numbers: any quartile of them is a peer's
  value or pins two neighbours (3.25 = 3 + (4 - 3) / 4), so no statistic of a count is ever shown.
- The partner's own position is given only against the shown, rounded quartiles ("between the median and p75"):
  the partner could work it out from its own value and the numbers it sees, so it adds nothing. (A percentile rank
  over the exact values, ties counted half, told a partner that a peer holds exactly its own value, and with the
  quartiles pinned the peers next to it.)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MIN_PEERS = 10
APPROX_DIGITS = 2
PERCENTILES = (25, 50, 75)
HIDDEN_KINDS = frozenset({"count"})  # small whole numbers: every statistic of them names a peer's value
# The values a metric can take, which a reader knows: bounds tighten what the quartiles say about each peer.
DOMAINS = {"usd": (0.0, math.inf), "ratio": (0.0, 1.0), "score": (0.0, 100.0), "count": (0.0, math.inf)}
PROPAGATION_ROUNDS = 200
SETTLED = 1e-9  # relative: far below a rounding step (1% of a value at 2 significant figures)

# metric -> (label, kind); kind drives formatting: usd, count, ratio, score
PEER_METRICS = {
    "sourced_won_amount_usd_l4q": ("Sourced won revenue, last 4 quarters", "usd"),
    "influenced_won_amount_usd_l4q": ("Influenced won revenue, last 4 quarters", "usd"),
    "deal_registrations_approved_l4q": ("Approved deal registrations, last 4 quarters", "count"),
    "certified_people": ("Certified people", "count"),
    "win_rate_l4q": ("Win rate, last 4 quarters", "ratio"),
    "health_score": ("Health score (0-100)", "score"),
}
QUARTILE_NAMES = {25: "p25", 50: "the median", 75: "p75"}


def approx(value: float, digits: int = APPROX_DIGITS) -> float:
    """Round to `digits` significant figures (0 stays 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    if value == 0:
        return 0.0
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - magnitude)
    return float(rounded)


def rounding_step(shown: float, digits: int = APPROX_DIGITS) -> tuple[float, float]:
    """Every number that `approx` may have turned into `shown`, as a closed interval (a little wide at the edges:
    widening only makes the recovery test stricter). 0 comes only from 0."""
    if shown == 0:
        return 0.0, 0.0
    magnitude = math.floor(math.log10(abs(shown)))
    step = 10.0 ** (magnitude - digits + 1)
    below = step / 10 if math.isclose(abs(shown), 10.0 ** magnitude) else step  # 100 comes from 99.5 too
    low, high = (shown - below / 2, shown + step / 2) if shown > 0 else (shown - step / 2, shown + below / 2)
    return low, high


def _position(p: int, n: int) -> tuple[int, float]:
    """numpy's linear percentile of n sorted values: (1 - f) * x[j] + f * x[j + 1]."""
    h = (n - 1) * p / 100
    j = min(int(math.floor(h)), n - 1)
    return j, h - j


def peer_bounds(n: int, shown: dict[int, float], kind: str) -> list[tuple[float, float]]:
    """What a reader can work out about each peer (the i-th smallest) from the shown quartiles: the interval its
    value must lie in. Bounds are propagated to a fixpoint through the order (x[i] <= x[i+1]) and each quartile's
    interpolation constraint, lower <= (1 - f) x[j] + f x[j+1] <= upper."""
    low_domain, high_domain = DOMAINS.get(kind, (-math.inf, math.inf))
    lower, upper = np.full(n, low_domain), np.full(n, high_domain)
    constraints = [(*_position(p, n), *rounding_step(value)) for p, value in shown.items()]
    for _ in range(PROPAGATION_ROUNDS):
        before = (lower.copy(), upper.copy())
        lower = np.maximum.accumulate(lower)  # x[i] >= x[i-1] >= its lower bound
        upper = np.minimum.accumulate(upper[::-1])[::-1]  # x[i] <= x[i+1] <= its upper bound
        for j, f, lo, hi in constraints:
            if f == 0 or j + 1 >= n:
                lower[j], upper[j] = max(lower[j], lo), min(upper[j], hi)
                continue
            # x[j] <= quartile <= x[j+1], and each side of the interpolation given the other's bound
            upper[j], lower[j + 1] = min(upper[j], hi), max(lower[j + 1], lo)
            lower[j] = max(lower[j], (lo - f * upper[j + 1]) / (1 - f))
            upper[j] = min(upper[j], (hi - f * lower[j + 1]) / (1 - f))
            lower[j + 1] = max(lower[j + 1], (lo - (1 - f) * upper[j]) / f)
            upper[j + 1] = min(upper[j + 1], (hi - (1 - f) * lower[j]) / f)
        if _settled(before[0], lower) and _settled(before[1], upper):
            break
    return list(zip(lower.tolist(), upper.tolist()))


def _settled(before: np.ndarray, after: np.ndarray) -> bool:
    """Bounds creep towards their limit geometrically: stop once no bound moves by more than a millionth of a
    rounding step (`pinned` allows for that much)."""
    finite = np.isfinite(after)
    if not np.array_equal(finite, np.isfinite(before)):
        return False
    change = np.abs(after[finite] - before[finite])
    scale = np.maximum(np.abs(after[finite]), 1.0)
    return bool((change <= SETTLED * scale).all())


def pinned(low: float, high: float) -> bool:
    """A value known to lie in [low, high] is recovered when all of [low, high] lies in one rounding step (every
    number there shows the same after rounding, the step's edges aside)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return False
    step_low, step_high = rounding_step(approx((low + high) / 2))
    slack = 1e-6 * max(1.0, abs(low), abs(high))  # bounds stop within SETTLED of their limit
    return step_low - slack <= low and high <= step_high + slack


def recoverable(values: np.ndarray, shown: dict[int, float], kind: str) -> bool:
    """Whether a reader of these rounded quartiles can tell a peer's value at the precision shown: a peer (the i-th
    smallest) whose possible values all round to one number. (That a shown number happens to equal some peer's
    rounded value, as it usually does in a large group, tells the reader nothing it can be sure of.)"""
    bounds = np.array(peer_bounds(len(values), shown, kind))
    low, high = bounds[:, 0], bounds[:, 1]
    with np.errstate(invalid="ignore"):
        # only a peer known to within a rounding step (at most a tenth of its size) can be pinned
        narrow = np.isfinite(low) & np.isfinite(high) & (high - low <= 0.11 * np.maximum(np.abs(low), np.abs(high)))
    return any(pinned(float(a), float(b)) for a, b in bounds[narrow])


def safe_quartiles(values: np.ndarray, kind: str) -> dict[int, float]:
    """The rounded quartiles a reader learns no peer's value from. A quartile at a whole interpolation position is one
    peer's value (the median of an odd-sized group) and never shown; that depends only on the group's size, which
    the page states. Of the others, all are shown or none: hiding only some for what the values are would say why
    (a hidden p25 next to a shown p75 can only mean p25 rounds to 0, i.e. a quarter of the peers have exactly 0), and
    the attack in the tests recovers those peers."""
    if kind in HIDDEN_KINDS:
        return {}
    candidates = [p for p in PERCENTILES if _position(p, len(values))[1] > 0]
    if not candidates:
        return {}
    quartiles = np.percentile(values, candidates, method="linear")
    shown = {p: approx(float(q)) for p, q in zip(candidates, quartiles)}
    return {} if recoverable(values, shown, kind) else shown


def own_position(own: float | None, shown: dict[int, float]) -> str | None:
    """Where the partner's own value sits against the shown (rounded) quartiles: nothing the page does not show."""
    if own is None or not shown:
        return None
    above = [p for p, value in sorted(shown.items()) if own >= value]
    below = [p for p, value in sorted(shown.items()) if own < value]
    if not above:
        return f"below {QUARTILE_NAMES[below[0]]}"
    if not below:
        return f"at or above {QUARTILE_NAMES[above[-1]]}"
    return f"between {QUARTILE_NAMES[above[-1]]} and {QUARTILE_NAMES[below[0]]}"


def metric_stats(own: float | None, peers: pd.Series, min_peers: int = MIN_PEERS, kind: str = "usd") -> dict:
    """The shown quartiles of the peers' values of one metric, or `reported: False` (too few peers with a value, a
    count, or every quartile would reveal a peer)."""
    values = np.sort(peers.dropna().astype(float).to_numpy())
    if len(values) < min_peers:
        return {"reported": False, "reason": "peer group too small"}
    if kind in HIDDEN_KINDS:
        return {"reported": False, "reason": "not shown for counts: any statistic of small whole numbers is a peer's"}
    shown = safe_quartiles(values, kind)
    if not shown:
        return {"reported": False, "reason": "not shown: its percentiles would reveal a peer's value"}
    out = {"reported": True, "approximate": True}
    out.update({f"p{p}": shown.get(p) for p in PERCENTILES})
    own_value = None if own is None or (isinstance(own, float) and math.isnan(own)) else float(own)
    out["own_value"] = round(own_value, 4) if own_value is not None else None
    out["own_position"] = own_position(own_value, shown)
    return out


def peer_group(partners: pd.DataFrame, partner_id: str, tier_column: str = "tier") -> pd.DataFrame:
    """The other partners of this partner's current tier (empty without a tier)."""
    tier = partners.loc[partners.partner_id == partner_id, tier_column]
    if tier.empty or pd.isna(tier.iloc[0]):
        return partners.iloc[0:0]
    return partners[(partners[tier_column] == tier.iloc[0]) & (partners.partner_id != partner_id)]


class PeerGroups:
    """Every tier's partners and their metric values, split once, so each partner's peer section costs no pass over
    all partners."""

    def __init__(self, partners: pd.DataFrame, metrics: dict = PEER_METRICS):
        self.metrics = metrics
        self.tier_of = dict(zip(partners.partner_id, partners.tier))
        self.own = {m: dict(zip(partners.partner_id, partners[m])) for m in metrics}
        self.tiers: dict = {}
        for tier, members in partners.dropna(subset=["tier"]).groupby("tier", sort=False):
            ids = members.partner_id.to_numpy()
            self.tiers[tier] = (ids, {m: members[m].astype(float).to_numpy() for m in metrics})

    def comparison(self, partner_id: str, min_peers: int = MIN_PEERS) -> dict:
        """The peer section of one scorecard: group description + per-metric stats, nothing about any single peer."""
        tier = self.tier_of[partner_id]
        if pd.isna(tier):
            return {"tier": None, "reported": False, "reason": "no current tier, so no peer group",
                    "min_peers": min_peers, "metrics": {}}
        ids, values = self.tiers[tier]
        others = ids != partner_id
        if others.sum() < min_peers:
            return {"tier": tier, "reported": False, "reason": "peer group too small", "min_peers": min_peers,
                    "metrics": {}}
        stats = {}
        for metric, (label, kind) in self.metrics.items():
            s = metric_stats(self.own[metric][partner_id], pd.Series(values[metric][others]), min_peers, kind)
            stats[metric] = {"label": label, "kind": kind, **s}
        return {"tier": tier, "reported": True, "peers": int(others.sum()), "min_peers": min_peers,
                "definition": f"the other partners whose current tier is {tier}", "metrics": stats}


def peer_comparison(partners: pd.DataFrame, partner_id: str, metrics: dict = PEER_METRICS,
                    min_peers: int = MIN_PEERS) -> dict:
    """One partner's peer section from a partner frame (PeerGroups for many partners of the same frame)."""
    return PeerGroups(partners, metrics).comparison(partner_id, min_peers)
