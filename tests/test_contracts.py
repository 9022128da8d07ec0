"""The contract rules on hand-written values: each rule rejects what it should and nothing else."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from data_contracts import CONTRACTS, dependent_entities, get_contract, partner_records, person_entities
from data_contracts._fields import LOGICAL_TYPES, snake_case
from data_contracts._sources import PartnerRecord, Person, check_declarations


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


# --- source declarations (data_contracts._sources) ---------------------------------------------------------------

def test_people_and_partner_records_are_declared_beside_the_contracts():
    assert person_entities() == {("crm", "user"): "id", ("lms", "user"): "user_id", ("marketing", "lead"): "lead_id"}
    assert dependent_entities() == {
        ("lms", "enrollment"): (("lms", "user"), "user_id"),
        ("lms", "certification"): (("lms", "user"), "user_id"),
        ("marketing", "campaign_member"): (("marketing", "lead"), "lead_id"),
    }
    assert list(partner_records()) == ["prm", "crm", "finance", "marketing", "lms"]  # identity preference order


def test_an_undeclared_person_entity_is_refused():
    """A contract keyed by a person identifier but missing from PEOPLE would escape erasure silently."""
    schemas = {entity: get_contract("lms", entity) for entity in ("user", "enrollment")}
    problems = check_declarations("lms", schemas, [], None)
    assert problems == ["lms.user: its key is a person identifier; declare the entity in PEOPLE"]
    assert check_declarations("lms", schemas, [Person("user", "user_id", records={"enrollment": "user_id"})], None) == []


def test_declarations_must_name_real_columns_and_match_keys():
    schemas = {"organization": get_contract("lms", "organization"), "user": get_contract("lms", "user")}
    people = [Person("user", "learner_id")]
    record = PartnerRecord(entity="organisation", record_id="organization_id", name="organization_name",
                           updated_at="modified_at", identity_rank=9, external_ids={"lms_ref": "x"})
    problems = check_declarations("lms", schemas, people, record)
    assert len(problems) == 3, problems
