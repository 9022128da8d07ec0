"""End to end: the real Dagster job materializes every asset (contract-gated loads, then dbt build) into a
real DuckDB file, on the generated sample; the result is checked against the generator's ground truth."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey

from connectors.registry import SOURCES
from data_contracts import CONTRACTS
from warehouse.connection import connect


def test_the_job_succeeds_and_materializes_every_raw_entity(pipeline):
    result, _ = pipeline
    assert result.success
    raw = {
        tuple(e.asset_key.path[1:])
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] == "raw"
    }
    assert raw == set(CONTRACTS)


def _check_results(result):
    return [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]


def test_contract_checks_report_accounting_and_quarantine(pipeline, ground_truth):
    result, _ = pipeline
    checks = _check_results(result)
    accounting = [c for c in checks if c.check_name == "rows_accounted"]
    assert len(accounting) == len(CONTRACTS) and all(c.passed for c in accounting)
    quarantined = {tuple(c.asset_key.path[1:]) for c in checks if c.check_name == "no_quarantined_rows" and not c.passed}
    assert quarantined == {(r["system"], r["entity"]) for r in ground_truth["invalid_rows"]}
    rejections = [c for c in checks if c.check_name == "no_rejected_files"]  # the sample has no file to reject
    assert len(rejections) == len(CONTRACTS) and all(c.passed for c in rejections)


def test_dbt_tests_ran_as_checks_and_no_error_failed(pipeline):
    result, _ = pipeline
    dbt_checks = [c for c in _check_results(result)
                  if c.check_name not in ("rows_accounted", "no_quarantined_rows", "no_rejected_files")]
    assert len(dbt_checks) > 50
    errors = [c.check_name for c in dbt_checks if not c.passed and c.severity == AssetCheckSeverity.ERROR]
    assert errors == []


def test_every_staging_model_has_rows(pipeline):
    _, settings = pipeline
    with connect(settings, read_only=True) as con:
        models = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
        ).fetchall()]
        assert {f"stg_{s}__{e}" for s, e in CONTRACTS} <= set(models)
        empty = [m for m in models if con.execute(f"SELECT count(*) FROM staging.{m}").fetchone()[0] == 0]
    assert empty == []


def test_the_dagster_graph_links_raw_tables_to_staging(pipeline):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for system, entity in CONTRACTS:
        staging = graph.get(AssetKey(["staging", f"stg_{system}__{entity}"]))
        assert AssetKey(["raw", system, entity]) in staging.parent_keys
        assert graph.get(AssetKey(["raw", system, entity])).group_name == system
    assert set(SOURCES) == {s for s, _ in CONTRACTS}


def test_mart_columns_declared_not_null_are_not_null_in_the_tables_and_reject_nulls(pipeline, tmp_path):
    """Mart contracts declare NOT NULL as constraints (checked by DuckDB as the table is written, no test query):
    every declared column is NOT NULL in the built tables, and a null written there is refused."""
    from orchestration.dbt import manifest_path  # imports the Dagster definitions: only once the manifest exists

    _, settings = pipeline
    nodes = json.loads(manifest_path().read_text())["nodes"].values()
    declared = {
        (node["name"], column["name"])
        for node in nodes
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
        for column in node["columns"].values()
        if any(c["type"] == "not_null" for c in column.get("constraints", []))
    }
    assert len(declared) > 80
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(settings.warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        built = set(con.execute(
            "SELECT table_name, unnest(constraint_column_names) FROM duckdb_constraints() "
            "WHERE schema_name = 'marts' AND constraint_type = 'NOT NULL'"
        ).fetchall())
        assert declared - built == set()
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL constraint failed"):
            con.execute("INSERT INTO marts.fct_opportunity_partner (opportunity_partner_key) VALUES (NULL)")
