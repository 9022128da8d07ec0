"""The dbt project stays in step with the pandera contracts, the one definition of every raw table.

Fails when the committed sources yml differs from what the contracts render (fix: `python -m
data_contracts._dbt --write`), when a raw entity has no staging model or its staging model declares no key, or when
the accepted_values rules of a staging model's row_rules test and the contract's allowed codes disagree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from data_contracts import CONTRACTS
from data_contracts._dbt import STAGING_DIR, differences, main, render_sources, sources_path

ENTITIES = sorted(CONTRACTS)


def _models_yml(system: str) -> dict[str, dict]:
    path = STAGING_DIR / system / f"_{system}__models.yml"
    assert path.exists(), f"{path} is missing"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {model["name"]: model for model in document.get("models", [])}


def _test_arguments(test: object, name: str) -> dict | None:
    """Arguments of a generic test entry named `name` (either `{name: {arguments: {...}}}` or the legacy form)."""
    if not isinstance(test, dict) or name not in test:
        return None
    body = test[name] or {}
    return body.get("arguments", body)


def test_sources_yml_matches_contracts() -> None:
    problems = differences()
    assert not problems, "dbt sources out of step with data_contracts:\n" + "\n".join(problems)


def test_check_command_passes() -> None:
    assert main(["--check"]) == 0


@pytest.mark.parametrize("system", sorted({system for system, _ in CONTRACTS}))
def test_rendered_sources_are_valid_dbt_yaml(system: str) -> None:
    document = yaml.safe_load(render_sources(system))
    (source,) = document["sources"]
    assert source["name"] == system
    assert source["config"]["loaded_at_field"] == "_loaded_at"
    tables = {table["name"]: table for table in source["tables"]}
    for (contract_system, entity), schema in CONTRACTS.items():
        if contract_system != system:
            continue
        columns = [column["name"] for column in tables[entity]["columns"]]
        assert columns[: len(schema.columns)] == list(schema.columns), f"{system}.{entity}: column order"
        assert {"_source_file", "_source_line", "_loaded_at"} <= set(columns)
    assert sources_path(system).exists()


@pytest.mark.parametrize(("system", "entity"), ENTITIES, ids=[f"{s}.{e}" for s, e in ENTITIES])
def test_every_raw_entity_has_a_documented_staging_model(system: str, entity: str) -> None:
    model = f"stg_{system}__{entity}"
    assert (STAGING_DIR / system / f"{model}.sql").exists(), f"{model}.sql is missing"
    models = _models_yml(system)
    assert model in models, f"{model} is not documented in _{system}__models.yml"
    sql = (STAGING_DIR / system / f"{model}.sql").read_text(encoding="utf-8")
    assert f"source('{system}', '{entity}')" in sql, f"{model} does not read its source"
    keys = [(_test_arguments(t, "row_rules") or {}).get("unique_key") for t in models[model].get("data_tests", [])]
    assert any(keys), f"{model} has no row_rules test with its unique_key"


@pytest.mark.parametrize(("system", "entity"), ENTITIES, ids=[f"{s}.{e}" for s, e in ENTITIES])
def test_accepted_values_match_contract_codes(system: str, entity: str) -> None:
    schema = CONTRACTS[(system, entity)]
    model = _models_yml(system)[f"stg_{system}__{entity}"]
    accepted = []
    for test in model.get("data_tests", []):
        arguments = _test_arguments(test, "row_rules") or {}
        accepted += [sorted(values) for values in (arguments.get("accepted_values") or {}).values()]
    for name, column in schema.columns.items():
        allowed = (column.metadata or {}).get("allowed")
        if allowed:
            assert sorted(allowed) in accepted, (
                f"stg_{system}__{entity}: no accepted_values rule with the contract's codes for {name}: {allowed}"
            )


def test_no_stray_sources_files() -> None:
    systems = {system for system, _ in CONTRACTS}
    for path in Path(STAGING_DIR).glob("*/_*__sources.yml"):
        assert path.parent.name in systems, f"{path}: no contract defines system {path.parent.name}"
