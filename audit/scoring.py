"""Score audit findings against the sample generator's ground truth (`<landing>/_ground_truth/ground_truth.json`).

Only the rules the generator plants can be judged: stale PRM profiles (`stale`), inactive partners
(`inactive_partners`), duplicate records (`duplicates`), orphans (`orphans`) and tier / country conflicts
(`conflicts`). Other rules (past-close opportunities, status and name conflicts, certification risk...) have no
ground truth and are left out of precision and recall.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SCORED_RULES = {
    "stale": ("stale", {"profile_not_verified"}),
    "inactive": ("stale", {"no_recent_activity"}),
    "duplicates": ("duplicate", {"duplicate_partner_record"}),
    "orphans": ("orphan", {"unknown_reference"}),
    "conflicts": ("conflict", {"tier_mismatch", "country_mismatch"}),
}


def _rid(system: str, record_id: str) -> str:
    """Record ids compared across forms: a CRM id by its case-sensitive 15-char prefix."""
    record_id = str(record_id)
    return record_id[:15] if system == "crm" else record_id


@dataclass
class Score:
    expected: set = field(default_factory=set)
    found: set = field(default_factory=set)

    @property
    def true_positives(self) -> int:
        return len(self.expected & self.found)

    @property
    def recall(self) -> float:
        return self.true_positives / len(self.expected) if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / len(self.found) if self.found else 1.0

    def as_dict(self) -> dict:
        return {"expected": len(self.expected), "found": len(self.found), "true_positives": self.true_positives,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "missed": sorted(map(str, self.expected - self.found))[:10],
                "unexpected": sorted(map(str, self.found - self.expected))[:10]}


def partner_ids_by_key(truth: dict, crosswalk: pd.DataFrame) -> dict[str, str]:
    """Ground-truth partner_key -> warehouse partner_id, through the partner's PRM id in the crosswalk."""
    prm = crosswalk[crosswalk.source_system == "prm"].set_index("source_record_id")["partner_id"].to_dict()
    return {p["partner_key"]: prm.get(p["ids"]["prm"][0]) for p in truth["partners"]}


def score(findings: pd.DataFrame, truth: dict, crosswalk: pd.DataFrame) -> dict[str, Score]:
    """findings: fct_audit_finding rows; crosswalk: int_partner__crosswalk (source_system, source_record_id,
    partner_id). Returns one Score per judged category plus `overall` (micro-averaged)."""
    by_key = partner_ids_by_key(truth, crosswalk)
    scores = {name: Score() for name in SCORED_RULES}

    def rows(name: str) -> pd.DataFrame:
        finding_type, rules = SCORED_RULES[name]
        return findings[(findings.finding_type == finding_type) & findings["rule"].isin(rules)]

    scores["stale"].expected = {("prm", r["record_id"]) for r in truth["stale"]}
    scores["stale"].found = {(r.source_system, r.source_record_id) for r in rows("stale").itertuples()}

    scores["inactive"].expected = {by_key.get(k) or k for k in truth["inactive_partners"]}
    scores["inactive"].found = set(rows("inactive").partner_id)

    # A duplicate is a pair of records of one system; which one survives is a suggestion, so pairs are unordered.
    scores["duplicates"].expected = {
        (d["system"], frozenset({_rid(d["system"], d["record_id"]), _rid(d["system"], d["duplicate_of"])}))
        for d in truth["duplicates"]
    }
    scores["duplicates"].found = {
        (r.source_system, frozenset({_rid(r.source_system, r.source_record_id), _rid(r.source_system, r.related_record_id)}))
        for r in rows("duplicates").itertuples()
    }

    scores["orphans"].expected = {(o["system"], o["entity"], _rid(o["system"], o["record_id"])) for o in truth["orphans"]}
    scores["orphans"].found = {(r.source_system, r.source_table, _rid(r.source_system, r.source_record_id))
                               for r in rows("orphans").itertuples()}

    field_of = {"tier_mismatch": "tier", "country_mismatch": "country"}
    scores["conflicts"].expected = {(by_key.get(c["partner_key"]) or c["partner_key"], c["field"]) for c in truth["conflicts"]}
    scores["conflicts"].found = {(r.partner_id, field_of[r.rule]) for r in rows("conflicts").itertuples()}

    overall = Score()
    for name, s in scores.items():
        overall.expected |= {(name, e) for e in s.expected}
        overall.found |= {(name, f) for f in s.found}
    scores["overall"] = overall
    return scores
