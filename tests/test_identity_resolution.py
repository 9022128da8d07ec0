"""Partner identity resolution against the sample's ground truth: precision and recall of cross-system matching
and of within-system duplicate detection, measured on pairs of records.

A pair is two records (system, id) that belong to the same partner. The truth's pairs are those of its partners'
records that exist in staging (a few were quarantined by the contracts); the warehouse's pairs are those of
`int_partner__crosswalk` records that share a partner_id. Cross-system pairs join records of two systems;
duplicate pairs two records of the same system (truth `duplicates`).

Also runnable by hand on any built warehouse:
    python tests/test_identity_resolution.py data/warehouse/partner_warehouse.duckdb data/demo/landing/_ground_truth/ground_truth.json
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

MIN_PRECISION = 0.95
MIN_RECALL = 0.90

# The staging model and id column of each system's partner records.
STAGING_IDS = {
    "prm": ("stg_prm__partner", "prm_partner_id"),
    "crm": ("stg_crm__account", "account_id"),
    "lms": ("stg_lms__organization", "organization_id"),
    "marketing": ("stg_marketing__company", "company_id"),
    "finance": ("stg_finance__entity", "entity_id"),
}


def staging_id(system: str, record_id: str) -> str:
    """A truth record id in the form staging gives it: CRM ids in their 18-character form."""
    if system == "crm" and len(record_id) == 15:
        from sample.ids import sfdc_suffix

        return record_id + sfdc_suffix(record_id)
    return record_id


def _pairs(groups) -> tuple[set, set]:
    """(cross-system pairs, same-system pairs) of records grouped by partner; a record is (system, id)."""
    cross, same = set(), set()
    for records in groups:
        for a, b in itertools.combinations(sorted(set(records)), 2):
            (same if a[0] == b[0] else cross).add((a, b))
    return cross, same


def score(con, truth: dict) -> dict:
    in_staging = set()
    for system, (model, column) in STAGING_IDS.items():
        in_staging |= {(system, r[0]) for r in con.execute(f"select {column} from staging.{model}").fetchall()}
    truth_groups = []
    for partner in truth["partners"]:
        records = [(s, staging_id(s, i)) for s, ids in partner["ids"].items() for i in ids]
        truth_groups.append([r for r in records if r in in_staging])
    by_partner = defaultdict(list)
    for system, record_id, partner_id in con.execute(
        "select source_system, source_record_id, partner_id from intermediate.int_partner__crosswalk"
    ).fetchall():
        by_partner[partner_id].append((system, record_id))
    truth_cross, truth_dup = _pairs(truth_groups)
    found_cross, found_dup = _pairs(by_partner.values())

    def ratio(hit, total):
        return hit / total if total else 1.0

    return {
        "match_precision": ratio(len(found_cross & truth_cross), len(found_cross)),
        "match_recall": ratio(len(found_cross & truth_cross), len(truth_cross)),
        "duplicate_precision": ratio(len(found_dup & truth_dup), len(found_dup)),
        "duplicate_recall": ratio(len(found_dup & truth_dup), len(truth_dup)),
        "pairs": {"truth_cross": len(truth_cross), "found_cross": len(found_cross),
                  "truth_duplicate": len(truth_dup), "found_duplicate": len(found_dup)},
        "misses": sorted(truth_cross - found_cross)[:20], "false": sorted(found_cross - truth_cross)[:20],
        "duplicate_misses": sorted(truth_dup - found_dup), "duplicate_false": sorted(found_dup - truth_dup),
    }


def report(figures: dict) -> str:
    return (f"identity resolution: match precision {figures['match_precision']:.4f} recall {figures['match_recall']:.4f}"
            f" | duplicate precision {figures['duplicate_precision']:.4f} recall {figures['duplicate_recall']:.4f}"
            f" | pairs {figures['pairs']}")


def test_identity_resolution_precision_and_recall(warehouse, ground_truth, capsys):
    figures = score(warehouse, ground_truth)
    with capsys.disabled():  # shown in every run's output, not only on failure
        print("\n" + report(figures))
    assert figures["match_precision"] >= MIN_PRECISION, figures["false"]
    assert figures["match_recall"] >= MIN_RECALL, figures["misses"]
    assert figures["duplicate_precision"] >= MIN_PRECISION, figures["duplicate_false"]
    assert figures["duplicate_recall"] >= MIN_RECALL, figures["duplicate_misses"]


if __name__ == "__main__":
    import duckdb

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    database, truth_path = sys.argv[1], sys.argv[2]
    figures = score(duckdb.connect(database, read_only=True), json.loads(Path(truth_path).read_text()))
    print(report(figures))
    if "-v" in sys.argv:
        print(json.dumps({k: figures[k] for k in ("misses", "false", "duplicate_misses", "duplicate_false")}, indent=1))
