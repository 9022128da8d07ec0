"""`python -m connectors inspect FILE`: proposals for renamed headers, counts per rule as a load would record them,
a mapping snippet that is a valid mapping file, and nothing written anywhere."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.__main__ import main
from connectors._inspect import inspect_file, snippet
from connectors.mapping import read_mapping
from tests.conftest import settings_for

RENAMED_PARTNERS = [
    {"PartnerID": "P-1", "Company Name": "Acme AG", "Last Updated": "2026-08-15T10:00:00Z",
     "Contract Start": "2025-01-01", "Mail of primary contact": "anna@acme.example", "Foo": "x"},
]

LMS_RENAMED = """\
Record ID,Learner,Cert Code,Issue Date,Expiry,Status
C-1,U-1,SEC-101,2025-08-15,2027-08-15,active
"""

# Five rows: a tier word the contract does not know (loaded, and flagged in the warehouse: an unknown descriptive
# code is no reason to lose a partner, docs/data-quality.md) and a date that is not a date (quarantined).
PARTNERS_WITH_DIRT = [
    {"partner_id": "P-1", "company_name": "Acme", "tier": "Gold", "updated_at": "2026-08-15T10:00:00Z"},
    {"partner_id": "P-2", "company_name": "Beta", "tier": "Diamond", "updated_at": "2026-08-15T10:00:00Z"},
    {"partner_id": "P-3", "company_name": "Gamma", "tier": "Silver", "updated_at": "2026-08-15T10:00:00Z",
     "contract_start_date": "2025-02-30"},
    {"partner_id": "P-4", "company_name": "Delta", "tier": "Registered", "updated_at": "2026-08-15T10:00:00Z"},
    {"partner_id": "P-5", "company_name": "Epsilon", "updated_at": "2026-08-15T10:00:00Z"},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path, tmp_path / "landing", mapping_dir=tmp_path / "mappings")


def test_renamed_headers_get_the_right_proposals(tmp_path, settings):
    path = _jsonl(tmp_path / "downloads" / "partners.jsonl", RENAMED_PARTNERS)
    inspection = inspect_file(path, settings, "prm", "partner")
    best = {header: proposals[0].column for header, proposals in inspection.proposals.items() if proposals}
    assert best == {
        "PartnerID": "partner_id",
        "Company Name": "company_name",
        "Last Updated": "updated_at",
        "Contract Start": "contract_start_date",
        "Mail of primary contact": "primary_contact_email",
    }
    assert inspection.proposals["Foo"] == []
    assert inspection.proposals["PartnerID"][0].score == 100
    # Without the mapping the required columns are missing: the whole file would be rejected, and it says so.
    assert inspection.rejection is not None and inspection.rejection.rule == "required_column"


def test_the_snippet_is_a_mapping_that_loads_the_file(tmp_path, settings):
    path = _jsonl(tmp_path / "downloads" / "partners.jsonl", RENAMED_PARTNERS)
    text = snippet(inspect_file(path, settings, "prm", "partner"))
    mapping_file = tmp_path / "mappings" / "prm.yml"
    mapping_file.parent.mkdir()
    mapping_file.write_text(text, encoding="utf-8")
    assert read_mapping(mapping_file, "prm").entity("partner").columns["PartnerID"] == "partner_id"
    again = inspect_file(path, settings, "prm", "partner")
    assert again.rejection is None
    assert (again.report.rows_read, again.report.rows_loaded, again.report.rows_quarantined) == (1, 1, 0)
    assert again.plan.unknown == ["Foo"]


def test_lms_headers_are_guessed_and_proposed(tmp_path, settings):
    path = tmp_path / "downloads" / "certs.csv"
    path.parent.mkdir()
    path.write_text(LMS_RENAMED, encoding="cp1252")
    inspection = inspect_file(path, settings)  # no --system/--entity, not in a landing zone: from the headers
    assert (inspection.system, inspection.entity, inspection.guessed_from) == ("lms", "certification", "headers")
    best = {h: p[0].column for h, p in inspection.proposals.items() if p}
    assert best["Cert Code"] == "certification_code"
    assert best["Issue Date"] == "issued_date"
    assert best["Expiry"] == "expiry_date"


def test_counts_per_rule_are_those_of_a_load(tmp_path, settings):
    path = _jsonl(tmp_path / "exports" / "prm" / "partner" / "partners_20260816.jsonl", PARTNERS_WITH_DIRT)
    inspection = inspect_file(path, settings)
    assert (inspection.system, inspection.entity, inspection.guessed_from) == ("prm", "partner", "path")
    report = inspection.report
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 4, 1)
    assert report.rules == Counter({"is_iso_date": 1})
    assert inspection.examples["is_iso_date"] == (3, "contract_start_date", "2025-02-30")


DEALS_IN_THEIR_OWN_FORMS = """\
Id,AccountId,StageName,Amount,CurrencyIsoCode,CloseDate,IsWon,LastModifiedDate,Region__c
006000000000001AAA,001000000000001AAA,Closed Won,"1.234,50",EUR,15.08.2026,Ja,15.08.2026 13:45:00,DACH
006000000000002AAA,001000000000002AAA,Closed Lost,980,USD,01.09.2026,Nein,02.09.2026 08:00:00,
"""


def test_values_dates_and_numbers_get_proposals_that_load_the_file(tmp_path, settings):
    path = tmp_path / "downloads" / "deals.csv"
    path.parent.mkdir()
    path.write_text(DEALS_IN_THEIR_OWN_FORMS, encoding="utf-8")
    inspection = inspect_file(path, replace(settings, max_failure_rate=1.0))
    assert (inspection.system, inspection.entity) == ("crm", "opportunity")
    assert inspection.report.rules == Counter({"is_iso_date": 2, "is_boolean": 2, "is_iso_timestamp": 2,
                                               "is_number": 1})
    assert inspection.values.words == {"is_won": {"Ja": "true", "Nein": "false"}}
    assert inspection.values.date_formats == {"close_date": ("date", "%d.%m.%Y"),
                                              "last_modified_date": ("timestamp", "%d.%m.%Y %H:%M:%S")}
    assert inspection.values.number_format == {"decimal": ",", "thousands": "."}
    assert inspection.confident == {}  # Region__c is not close enough to deal_registration_id_c to map it
    proposed = inspection.proposed.report
    assert (proposed.rows_loaded, proposed.rows_quarantined) == (2, 0)
    mapping_file = tmp_path / "mappings" / "crm.yml"
    mapping_file.parent.mkdir()
    mapping_file.write_text(snippet(inspection), encoding="utf-8")
    assert read_mapping(mapping_file, "crm").entity("opportunity").formats["close_date"] == "%d.%m.%Y"


def test_a_mapping_file_can_be_tried_before_it_is_in_place(tmp_path, settings):
    path = tmp_path / "downloads" / "deals.csv"
    path.parent.mkdir()
    path.write_text(DEALS_IN_THEIR_OWN_FORMS, encoding="utf-8")
    draft = tmp_path / "draft.yml"
    draft.write_text("entities:\n  opportunity:\n    values: {is_won: {Ja: 'true', Nein: 'false'}}\n"
                     "    date_format: '%d.%m.%Y'\n    timestamp_format: '%d.%m.%Y %H:%M:%S'\n"
                     "    number_format: {decimal: ',', thousands: '.'}\n    passthrough: [Region__c]\n", encoding="utf-8")
    inspection = inspect_file(path, settings, "crm", "opportunity", mapping=draft)
    assert (inspection.report.rows_loaded, inspection.report.rows_quarantined) == (2, 0)
    assert inspection.plan.passthrough == ["Region__c"] and inspection.proposed is None
    assert not (tmp_path / "mappings").exists()  # nothing is created in the configured folder


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def test_inspect_writes_nothing(tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    path = _jsonl(landing / "prm" / "partner" / "partners.jsonl", PARTNERS_WITH_DIRT)
    warehouse = tmp_path / "warehouse" / "partner_warehouse.duckdb"
    monkeypatch.setenv("PW_LANDING_DIR", str(landing))
    monkeypatch.setenv("PW_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("PW_DUCKDB_TEMP_DIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("PW_MAPPING_DIR", str(tmp_path / "mappings"))
    # Another build's published path (the session's pipeline fixture sets one) must not decide this one's.
    monkeypatch.setenv("PW_PUBLISHED_PATH", str(tmp_path / "published" / warehouse.name))
    before = _files(tmp_path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert _files(tmp_path) == before
    assert not warehouse.exists()
    assert "read 5  would load 4  would quarantine 1" in out
    assert "is_iso_date" in out and "'2025-02-30'" in out


def test_help_shows_the_load_usage_and_the_inspect_example(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--system" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["inspect", "--help"])
    assert "python -m connectors inspect" in capsys.readouterr().out
