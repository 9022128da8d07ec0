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
    row = {"registration_id": "R1", "partner_id": "P1", "status": " approved ", "submitted_at": "2026-01-01T00:00:00Z",
           "updated_at": "2026-01-01T00:00:00Z"}
    assert failures("prm", "deal_registration", [row]) == set()
    assert failures("prm", "deal_registration", [{**row, "status": "Pending"}]) == {(0, "status", "allowed_values")}


def partner(**values) -> dict:
    return {"partner_id": "P-1", "company_name": "Acme", "updated_at": "2026-01-01T00:00:00Z", **values}


@pytest.mark.parametrize("partner_id", ["PRM-001", "12345", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "acme/emea 7"])
def test_a_real_prm_s_partner_ids_load(partner_id):
    assert failures("prm", "partner", [partner(partner_id=partner_id)]) == set()
    registration = {"registration_id": partner_id, "partner_id": partner_id, "status": "Submitted",
                    "submitted_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    assert failures("prm", "deal_registration", [registration]) == set()
    mdf = {"request_id": partner_id, "partner_id": partner_id, "status": "Requested",
           "requested_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    assert failures("prm", "mdf_request", [mdf]) == set()


@pytest.mark.parametrize("tier, status, partner_type", [("Elite", "Onboarding", "Systems Integrator"),
                                                         ("Premier", "On hold", "VAR")])
def test_a_real_prm_s_own_code_words_load(tier, status, partner_type):
    """Descriptive codes outside the canonical list load (staging flags them); only the amounts' statuses quarantine."""
    assert failures("prm", "partner", [partner(tier=tier, status=status, partner_type=partner_type)]) == set()


def test_only_codes_that_decide_amounts_quarantine_unknown_values():
    quarantining = {(system, entity, name) for (system, entity), schema in CONTRACTS.items()
                    for name, column in schema.columns.items() if column.metadata["unknown_code"] == "quarantine"}
    assert quarantining == {("prm", "deal_registration", "status"), ("prm", "mdf_request", "status"),
                            ("finance", "rebate_accrual", "status")}
    assert get_contract("prm", "partner").columns["tier"].metadata["allowed"] == ["Registered", "Silver", "Gold", "Platinum"]


@pytest.mark.parametrize("entity_id, rule", [("1234", None), ("1234.0", None), ("1234.", None), ("1234.5", "matches_pattern"),
                                             ("V1234", "matches_pattern")])
def test_finance_entity_ids_accept_netsuite_float_form(entity_id, rule):
    row = {"entity_id": entity_id, "entity_name": "Acme", "entity_type": "partner", "last_modified": "2026-01-01T00:00:00Z"}
    expected = {(0, "entity_id", rule)} if rule else set()
    assert failures("finance", "entity", [row]) == expected


def test_no_id_pattern_assumes_the_sample_s_prefixes():
    patterns = {column.metadata["pattern"] for schema in CONTRACTS.values() for column in schema.columns.values()}
    assert not any(p and ("P-" in p or "DR-" in p or "MDF-" in p) for p in patterns), patterns


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
    guessing = PartnerRecord(entity="organization", record_id="organization_id", name="organization_name",
                             updated_at="modified_at", identity_rank=9, external_ids={"prm_partner_ref": "x"},
                             unverified_ids=("crm_account_ref",))
    assert check_declarations("lms", schemas, [Person("user", "user_id")], guessing) == [
        "lms: PARTNER_RECORD unverified_ids ['crm_account_ref'] are not in its external_ids"]


def test_the_lms_external_reference_assumes_no_id_format():
    """It is matched as a PRM or CRM id when some record holds that id, whatever its shape (no `P-` prefix)."""
    record = partner_records()["lms"]
    assert set(record.unverified_ids) == {"prm_partner_ref", "crm_account_ref"}
    assert not any("like" in expression.lower() for expression in record.external_ids.values())
