"""The merged dbt tests (generic test `row_rules`, dbt_project/tests/generic/row_rules.sql) catch bad rows and say
which rule and column broke; the static seeds' tests, left out of the nightly build, run here in CI.

Every case breaks rows of a copy of the warehouse the session built (a real DuckDB file), runs the model's
row_rules tests with dbt and reads what they stored (`--store-failures`): one row per broken (rule, column) with
its count of failing rows."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from warehouse.dbt import BUILD_ARGS, run_dbt

# (model, statements that break it, the error test's expected failures, the warn test's expected failures).
# Statements take the model's ids in id order as {0}, {1}, ...: no id of the sample is assumed.
CASES = {
    "stg_crm__account": (
        "staging.stg_crm__account", "account_id",
        [
            "update {table} set account_name = null where account_id = '{0}'",
            "update {table} set account_type = 'Not a picklist value' where account_id in ('{1}', '{2}')",
            "insert into {table} select * from {table} where account_id = '{3}'",
            "update {table} set partner_tier = 'Diamond', owner_user_id = 'no such user' where account_id = '{4}'",
        ],
        {("not_null", "account_name", 1), ("accepted_values", "account_type", 2), ("unique_key", "account_id", 2)},
        {("accepted_values", "partner_tier", 1), ("relationships", "owner_user_id", 1)},
    ),
    "partner_360": (
        "marts.partner_360", "partner_id",
        [
            "update {table} set health_score = 150 where partner_id = '{0}'",
            "insert into {table} select * from {table} where partner_id = '{1}'",
            "update {table} set partner_id = 'no such partner' where partner_id = '{2}'",
        ],
        {("value_between", "health_score", 1), ("unique", "partner_id", 2), ("relationships", "partner_id", 1)},
        set(),
    ),
}


def _copy_of_warehouse(settings, tmp_path):
    copy = tmp_path / "warehouse" / settings.warehouse_path.name
    copy.parent.mkdir(parents=True)
    shutil.copy(settings.warehouse_path, copy)
    return replace(settings, warehouse_path=copy)


def _dbt(settings, tmp_path, *args: str):
    return run_dbt(settings, *args, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
                   timeout=900)


def _statuses(tmp_path) -> dict[str, str]:
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["status"] for r in results}


def _stored_failures(settings, test_name: str) -> set[tuple[str, str, int]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (schema,) = con.execute("select table_schema from information_schema.tables where table_name = ?",
                                [test_name]).fetchone()
        return set(con.execute(f'select rule, column_name, failing_rows from "{schema}"."{test_name}"').fetchall())


@pytest.mark.parametrize("model", sorted(CASES))
def test_a_broken_row_fails_the_models_row_rules_naming_rule_and_column(pipeline, tmp_path, model):
    table, key, statements, errors, warnings = CASES[model]
    settings = _copy_of_warehouse(pipeline[1], tmp_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ids = [r[0] for r in con.execute(f"select {key} from {table} order by {key} limit 5").fetchall()]
        for statement in statements:
            con.execute(statement.format(*ids, table=table))

    tests = [f"row_rules_{model}", *([f"row_rules_warn_{model}"] if warnings else [])]
    result = _dbt(settings, tmp_path, "test", "--select", *tests, "--store-failures")

    assert result.returncode != 0, result.stdout[-3000:]
    statuses = _statuses(tmp_path)
    assert statuses[f"row_rules_{model}"] == "fail"
    assert _stored_failures(settings, f"row_rules_{model}") == errors
    if warnings:  # a rule that warns stays a warning: reported, and it does not fail the build
        assert statuses[f"row_rules_warn_{model}"] == "warn"
        assert warnings <= _stored_failures(settings, f"row_rules_warn_{model}")


def test_the_static_seeds_tests_run_in_ci_and_not_at_night(pipeline, tmp_path):
    _, settings = pipeline
    result = _dbt(settings, tmp_path, "test", "--select", "tag:static_seed")
    assert result.returncode == 0, result.stdout[-3000:]
    statuses = _statuses(tmp_path)
    assert len(statuses) >= 10 and set(statuses.values()) == {"pass"}, statuses

    nightly = _dbt(settings, tmp_path, "ls", *BUILD_ARGS[1:], "--resource-type", "test", "--output", "name", "--quiet")
    assert nightly.returncode == 0, nightly.stdout[-3000:]
    tonight = set(nightly.stdout.split())
    assert "row_rules_stg_crm__account" in tonight and not set(statuses) & tonight


def test_a_broken_seed_row_fails_its_static_seed_test(pipeline, tmp_path):
    settings = _copy_of_warehouse(pipeline[1], tmp_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("update reference.currency_rates set units_per_usd = null where rowid = 0")
    result = _dbt(settings, tmp_path, "test", "--select", "row_rules_currency_rates", "--store-failures")
    assert result.returncode != 0
    assert _stored_failures(settings, "row_rules_currency_rates") == {("not_null", "units_per_usd", 1)}
