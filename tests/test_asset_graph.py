"""The Dagster asset graph, as a committed snapshot, so that a change to it shows up as a diff in review.

tests/snapshots/asset_graph.json holds every asset key with its group, its upstream keys and its checks, and the
jobs, schedules and sensors. When the graph changes on purpose, regenerate the snapshot and commit it with the
change:

    PW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_graph.py

(`make snapshots` does the same for every snapshot: this one and the analyses' output in docs/analyst-guide.md.)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"
UPDATE = os.environ.get("PW_UPDATE_SNAPSHOTS", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def defs():
    """The definitions as `make dev` loads them. They read dbt's manifest at import: parse it first, unless another
    test of this session (the `pipeline` fixture) already imported them on its own parse."""
    if "orchestration.definitions" not in sys.modules:
        from settings import Settings
        from warehouse.dbt import parse_project

        parse_project(Settings.from_env())
    from orchestration.definitions import defs

    return defs


def asset_graph(defs) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        checks = []
        for check_key in sorted(node.check_keys, key=lambda c: c.name):
            spec = graph.get_check_spec(check_key)
            checks.append(f"{check_key.name} [blocking]" if spec.blocking else check_key.name)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "kind": "materializable" if node.is_materializable else "external",
            "upstream": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": checks,
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")),
        "schedules": sorted(schedule.name for schedule in defs.schedules or []),
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
    }


def render(graph: dict) -> str:
    return json.dumps(graph, indent=2, sort_keys=True) + "\n"


def test_asset_graph_matches_the_snapshot(defs):
    current = render(asset_graph(defs))
    if UPDATE:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot yet: run `PW_UPDATE_SNAPSHOTS=1 pytest {Path(__file__).name}`"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    if committed != current:
        old, new = json.loads(committed)["assets"], json.loads(current)["assets"]
        changes = [f"+ {k}" for k in sorted(new.keys() - old.keys())] + [f"- {k}" for k in sorted(old.keys() - new.keys())]
        changes += [f"~ {k}" for k in sorted(old.keys() & new.keys()) if old[k] != new[k]]
        pytest.fail(
            "The asset graph differs from tests/snapshots/asset_graph.json "
            f"({len(changes)} assets: {', '.join(changes[:20])}{' ...' if len(changes) > 20 else ''}). "
            "If the change is intended, run `PW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_graph.py` "
            "(or `make snapshots`) and commit the new snapshot.",
            pytrace=False,
        )


def test_every_upstream_key_has_a_definition(defs):
    """No dependency on a key that no asset defines (the UI would list it as an undefined "external asset")."""
    graph = asset_graph(defs)["assets"]
    undefined = sorted({up for asset in graph.values() for up in asset["upstream"]} - graph.keys())
    assert not undefined, f"upstream keys without a definition: {undefined}"


def test_dbt_source_tests_are_checks_on_the_source_assets(defs):
    """dbt sources map onto the assets that load them, so their dbt tests are checks of those assets (the ops
    tables' status codes), next to the load's own checks. The raw tables have no dbt source test: the load contract
    quarantines every row that breaks one (data_contracts/_dbt.py), its checks guard them."""
    graph = asset_graph(defs)["assets"]
    raw = {key: asset for key, asset in graph.items() if key.startswith("raw/")}
    assert raw and all("rows_accounted [blocking]" in asset["checks"] for asset in raw.values())
    assert not [check for asset in raw.values() for check in asset["checks"] if check.startswith("source_")]
    assert any(check.startswith("source_accepted_values_ops_loaded_files_status")
               for check in graph["ops/loaded_files"]["checks"])
    assert not [key for key in graph if key.split("/")[0] in ("crm", "prm", "lms", "marketing", "finance")]
