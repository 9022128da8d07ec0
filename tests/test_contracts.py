"""The contract rules on hand-written values: each rule rejects what it should and nothing else."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from data_contracts import CONTRACTS, get_contract
from data_contracts._fields import LOGICAL_TYPES, snake_case


def failures(system: str, entity: str, rows: list[dict]) -> set[tuple[int, str, str]]:
    schema = get_contract(system, entity)
    frame = pd.DataFrame(rows, columns=list(schema.columns), dtype="str")
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return {(int(r["index"]), r["column"], r["check"]) for _, r in cases.iterrows() if pd.notna(r["index"])}
    return set()


def opportunity(**values) -> dict:
    row = {
        "id": "0065g00000AbCdEAAZ",
        "account_id": "0015g00000AbCdEAAZ",
        "stage_name": "Closed Won",
        "amount": "1200.50",
        "currency_iso_code": "EUR",
        "close_date": "2026-10-01",
        "is_won": "true",
        "probability": "100",
        "last_modified_date": "2026-11-20T10:15:00.000+0000",
    }
    return {**row, **values}


def test_clean_row_passes():
    assert failures("crm", "opportunity", [opportunity()]) == set()


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("stage_name", None, "not_nullable"),
        ("amount", "12,50", "is_number"),
        ("amount", "-3", "value_range"),
        ("probability", "101", "value_range"),
        ("close_date", "2026-02-30", "is_iso_date"),
        ("close_date", "24/11/2026", "is_iso_date"),
        ("last_modified_date", "yesterday", "is_iso_timestamp"),
        ("is_won", "maybe", "is_boolean"),
        ("id", "not-an-id", "matches_pattern"),
    ],
)
def test_each_rule_rejects_only_its_value(column, value, rule):
    assert failures("crm", "opportunity", [opportunity(**{column: value})]) == {(0, column, rule)}


def test_allowed_values_ignore_case_and_blanks_but_reject_unknown_codes():
    row = {"partner_id": "P-1", "company_name": "Acme", "tier": " gold ", "updated_at": "2026-01-01T00:00:00Z"}
    assert failures("prm", "partner", [row]) == set()
    assert failures("prm", "partner", [{**row, "tier": "Diamond"}]) == {(0, "tier", "allowed_values")}


def test_repeated_key_and_version_flags_the_later_row():
    rows = [opportunity(), opportunity(amount="5")]
    found = failures("crm", "opportunity", rows)
    assert {(i, rule) for i, _, rule in found} == {(1, "multiple_fields_uniqueness")}
    newer = opportunity(last_modified_date="2026-11-21T10:15:00.000+0000")
    assert failures("crm", "opportunity", [opportunity(), newer]) == set()


def test_every_contract_is_well_formed():
    assert len(CONTRACTS) >= 21
    for (system, entity), schema in CONTRACTS.items():
        meta = schema.metadata
        assert (meta["system"], meta["entity"]) == (system, entity)
        for key in meta["key"]:
            assert schema.columns[key].metadata["required"], f"{system}.{entity}: key {key} must be required"
        for name, column in schema.columns.items():
            assert column.metadata["logical_type"] in LOGICAL_TYPES, name


@pytest.mark.parametrize(
    "api_name, snake",
    [("StageName", "stage_name"), ("CurrencyIsoCode", "currency_iso_code"), ("Partner_Tier__c", "partner_tier_c"),
     ("DUNS__c", "duns_c"), ("AccountToId", "account_to_id"), ("Duration (h)", "duration_h")],
)
def test_snake_case_matches_what_fivetran_syncs(api_name, snake):
    assert snake_case(api_name) == snake
