"""dbt layers: staging -> intermediate -> marts, each layer reading only the one below (or its own).

A mart never refs a staging model (it reads intermediate models, seeds or marts); an intermediate model never
refs a mart; staging refs neither. The layer of a model is the first folder under `models/`. The check reads
`depends_on` of every model in a manifest that `dbt parse` writes into a temporary folder, so refs built in
Jinja loops (`ref(model)`) and refs inside macros (`resolve_partner_id`) count too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# The layers a model of each layer may ref (seeds and sources are always allowed).
ALLOWED = {
    "staging": {"staging"},
    "intermediate": {"staging", "intermediate"},
    "marts": {"intermediate", "marts"},
}

# Known exceptions, each with its reason. The test also fails when an exception is no longer needed, so the list
# only shrinks. None today: dim_partner reads int_partner__profile and int_partner__tier.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def layer_violations(manifest: dict) -> set[tuple[str, str]]:
    """(model, referenced model) for every ref that crosses the layers the wrong way."""
    nodes = manifest["nodes"]

    def layer(node: dict) -> str | None:
        parts = Path(node["original_file_path"]).parts
        return parts[1] if len(parts) > 2 and parts[0] == "models" else None

    violations = set()
    for node in nodes.values():
        if node["resource_type"] != "model" or layer(node) not in ALLOWED:
            continue
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes.get(parent_id)
            if parent is None or parent["resource_type"] != "model":
                continue  # seeds, sources
            if layer(parent) not in ALLOWED[layer(node)]:
                violations.add((node["name"], parent["name"]))
    return violations


def _model(name: str, folder: str, *parents: str) -> tuple[str, dict]:
    return f"model.pw.{name}", {"name": name, "resource_type": "model",
                                "original_file_path": f"models/{folder}/{name}.sql",
                                "depends_on": {"nodes": [f"model.pw.{p}" for p in parents]}}


def test_layer_check_catches_a_mart_reading_staging_and_intermediate_reading_a_mart():
    manifest = {"nodes": dict([
        _model("stg_prm__partner", "staging/prm"),
        _model("int_partner__tier", "intermediate/partner", "stg_prm__partner"),
        _model("dim_partner", "marts/core", "int_partner__tier"),
        _model("int_tier__partner_gap", "intermediate/tier", "dim_partner"),
        _model("partner_360", "marts/partner_360", "dim_partner", "stg_prm__partner"),
    ])}
    assert layer_violations(manifest) == {("int_tier__partner_gap", "dim_partner"),
                                          ("partner_360", "stg_prm__partner")}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt_layers")
    dbt = Path(sys.executable).parent / "dbt"
    paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    result = subprocess.run(
        [str(dbt), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target / "target"), "--log-path", str(target / "logs")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    return json.loads((target / "target" / "manifest.json").read_text())


def test_marts_never_read_staging_and_intermediate_never_reads_marts(manifest):
    violations = layer_violations(manifest)
    new = sorted(violations - KNOWN_EXCEPTIONS)
    assert not new, "models reading across the layers (model, ref): " + ", ".join(map(str, new))
    fixed = sorted(KNOWN_EXCEPTIONS - violations)
    assert not fixed, f"no longer needed, remove from KNOWN_EXCEPTIONS: {fixed}"
