"""The user's source mapping (connectors/mapping.py): "user's own" exports with their mapping files load the
canonical values into raw tables of a real DuckDB file and into staging (a real dbt build); a bad mapping file
is an error naming the file and line; the JSON Schema is in step; a mapping never makes a bad value pass."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from connectors.loader import load_entity
from connectors.mapping import (
    SCHEMA_COMMENT,
    SCHEMA_PATH,
    MappingError,
    check_mapping_dir,
    load_mapping,
    plan_headers,
    render_schema,
)
from connectors.registry import get_source
from tests.conftest import settings_for
from warehouse.connection import connect
from warehouse.dbt import run_dbt

PRM_MAPPING = f"""\
{SCHEMA_COMMENT}
entities:
  partner:
    columns:
      Partner Number: partner_id
      Company: company_name
      Partner Level: tier
      Partner Status: status
      Contract Start: contract_start_date
      Changed On: updated_at
    values:
      tier: {{Gold Partner: Gold, Silber: Silver, "Zertifiziert": Registered}}
      status: {{Aktiv: Active, Gekündigt: Terminated}}
    date_format: "%d/%m/%Y"
    timestamp_format: "%d/%m/%Y %H:%M"
    passthrough: ["*__c"]
"""

PRM_ROWS = [
    {"Partner Number": "P-1001", "Company": "Müller Systemhaus GmbH", "Partner Level": "Gold Partner",
     "Partner Status": "Aktiv", "Contract Start": "01/02/2025", "Changed On": "15/08/2026 13:45",
     "Score__c": "87", "Internal Notes": "call back"},
    {"Partner Number": "P-1002", "Company": "Société Réseau SARL", "Partner Level": "silber ",
     "Partner Status": "gekündigt", "Contract Start": "2024-03-31", "Changed On": "16/08/2026 09:00",
     "Score__c": None, "Internal Notes": ""},
]

CRM_MAPPING = f"""\
{SCHEMA_COMMENT}
entities:
  opportunity:
    columns:
      Deal ID: id
      Customer: account_id
      Phase: stage_name
      Betrag: amount
      Abschluss: close_date
      Gewonnen: is_won
      Geändert: last_modified_date
    values:
      stage_name: {{Gewonnen: Closed Won, Verloren: Closed Lost}}
      is_won: {{Ja: true, Nein: false}}
    date_format: "%d.%m.%Y"
    timestamp_format: "%d.%m.%Y %H:%M:%S"
    number_format: {{decimal: ",", thousands: "."}}
    default_currency: EUR
    passthrough: [Region__c]
"""

CRM_CSV = """\
Deal ID,Customer,Phase,Betrag,CurrencyIsoCode,Abschluss,Gewonnen,Geändert,Region__c
006000000000001AAA,001000000000001AAA,Gewonnen,"1.234,50",,15.08.2026,Ja,15.08.2026 13:45:00,DACH
006000000000002AAA,001000000000002AAA,Verloren,"980",USD,01.09.2026,Nein,02.09.2026 08:00:00,
"""

LMS_MAPPING = f"""\
{SCHEMA_COMMENT}
entities:
  certification:
    columns:
      Zertifikat-Nr: certification_record_id
      Teilnehmer: user_id
      Kürzel: certification_code
      Ausgestellt: issued_date
      Gültig bis: expiry_date
      Zustand: status
    values:
      status: {{Aktiv: active, Abgelaufen: expired, Widerrufen: revoked}}
    date_format: "%d/%m/%Y"
"""

LMS_CSV = """\
Zertifikat-Nr,Teilnehmer,Kürzel,Certification,Ausgestellt,Gültig bis,Zustand
C-1,U-1,SEC-101,Sécurité réseau,15/08/2025,15/08/2027,Aktiv
C-2,U-2,SEC-101,Sécurité réseau,01/01/2023,01/01/2025,abgelaufen
"""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def own_exports(tmp_path):
    """A landing zone with one "user's own" export per system and their mapping files."""
    landing, mappings = tmp_path / "landing", tmp_path / "mappings"
    _write(landing / "prm" / "partner" / "partners_20260816.jsonl",
           "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in PRM_ROWS))
    _write(landing / "crm" / "opportunity" / "deals_20260902.csv", CRM_CSV)
    _write(landing / "lms" / "certification" / "certs_20260902.csv", LMS_CSV, encoding="cp1252")
    _write(mappings / "prm.yml", PRM_MAPPING)
    _write(mappings / "crm.yml", CRM_MAPPING)
    _write(mappings / "lms.yml", LMS_MAPPING)
    settings = settings_for(tmp_path, landing, mapping_dir=mappings)
    with connect(settings) as con:
        for system, entity in (("prm", "partner"), ("crm", "opportunity"), ("lms", "certification")):
            load_entity(get_source(system), entity, settings, con)
    return settings


def _rows(settings, sql: str) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_prm_partner_export_loads_canonical_values(own_exports):
    rows = _rows(own_exports, "SELECT partner_id, company_name, tier, status, contract_start_date, updated_at, "
                              "_extra_fields FROM raw_prm.partner ORDER BY partner_id")
    assert rows == [
        ("P-1001", "Müller Systemhaus GmbH", "Gold", "Active", date(2025, 2, 1),
         datetime(2026, 8, 15, 13, 45, tzinfo=UTC), '{"Score__c":"87"}'),
        # An ISO date in a dd/mm/yyyy column is already canonical; words match ignoring case and blanks.
        ("P-1002", "Société Réseau SARL", "Silver", "Terminated", date(2024, 3, 31),
         datetime(2026, 8, 16, 9, 0, tzinfo=UTC), '{"Score__c":null}'),
    ]
    (unknown,) = _rows(own_exports, "SELECT unknown_columns FROM ops.loaded_files WHERE system = 'prm'")[0]
    assert json.loads(unknown) == ["Internal Notes"]  # neither mapped nor passed through: schema drift


def test_crm_opportunity_export_loads_canonical_values(own_exports):
    rows = _rows(own_exports, "SELECT id, stage_name, amount, currency_iso_code, close_date, is_won, "
                              "last_modified_date, _extra_fields FROM raw_crm.opportunity ORDER BY id")
    assert rows == [
        ("006000000000001AAA", "Closed Won", 1234.5, "EUR", date(2026, 8, 15), True,
         datetime(2026, 8, 15, 13, 45, tzinfo=UTC), '{"Region__c":"DACH"}'),
        ("006000000000002AAA", "Closed Lost", 980.0, "USD", date(2026, 9, 1), False,
         datetime(2026, 9, 2, 8, 0, tzinfo=UTC), '{"Region__c":null}'),
    ]
    assert _rows(own_exports, "SELECT count(*) FROM ops.quarantine")[0][0] == 0


def test_lms_certification_export_loads_canonical_values(own_exports):
    rows = _rows(own_exports, "SELECT certification_record_id, certification_name, issued_date, expiry_date, status, "
                              "_extra_fields FROM raw_lms.certification ORDER BY 1")
    assert rows == [
        ("C-1", "Sécurité réseau", date(2025, 8, 15), date(2027, 8, 15), "active", None),
        ("C-2", "Sécurité réseau", date(2023, 1, 1), date(2025, 1, 1), "expired", None),
    ]


def test_passthrough_fields_reach_staging(own_exports, tmp_path):
    result = run_dbt(own_exports, "build", "--select", "+stg_prm__partner", "+stg_crm__opportunity",
                     "+stg_lms__certification", "--resource-type", "seed", "--resource-type", "model", "--target-path", str(tmp_path / "target"),
                     "--log-path", str(tmp_path / "logs"), timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:]
    assert _rows(own_exports, "SELECT prm_partner_id, partner_tier, json_extract_string(extra_fields, '$.Score__c') "
                              "FROM staging.stg_prm__partner ORDER BY 1") == [("P-1001", "Gold", "87"),
                                                                              ("P-1002", "Silver", None)]
    assert _rows(own_exports, "SELECT stage_category, amount, json_extract_string(extra_fields, '$.Region__c') "
                              "FROM staging.stg_crm__opportunity ORDER BY amount") == [("lost", 980.0, None),
                                                                                      ("won", 1234.5, "DACH")]
    assert _rows(own_exports, "SELECT count(*), count(extra_fields) FROM staging.stg_lms__certification") == [(2, 0)]


def test_user_header_wins_over_a_built_in_alias(tmp_path):
    mappings = tmp_path / "mappings"
    _write(mappings / "prm.yml", "entities:\n  partner:\n    columns:\n      Legal Name: company_name\n")
    rules = load_mapping(replace(settings_for(tmp_path, tmp_path), mapping_dir=mappings), "prm").entity("partner")
    plan = plan_headers(get_source("prm"), "partner", ["company_name", "Legal Name", "partner_id"], rules)
    assert plan.renames == {"Legal Name": "company_name", "partner_id": "partner_id"}
    assert plan.how == {"Legal Name": "mapping file", "partner_id": "built-in name"}
    assert plan.unknown == ["company_name"]


# --- a bad mapping file ------------------------------------------------------------------------------------------


def _mapping_error(tmp_path, text: str, name: str = "prm.yml") -> MappingError:
    mappings = tmp_path / "mappings"
    _write(mappings / name, textwrap.dedent(text))
    with pytest.raises(MappingError) as caught:
        check_mapping_dir(settings_for(tmp_path, tmp_path, mapping_dir=mappings), ["crm", "lms", "prm"])
    return caught.value


def test_a_misspelt_key_names_the_file_and_line(tmp_path):
    error = _mapping_error(tmp_path, """\
        entities:
          partner:
            columns:
              Company: company_name
            date_fromat: "%d/%m/%Y"
        """)
    assert str(error).startswith(f"{tmp_path / 'mappings' / 'prm.yml'} line 5: entities.partner.date_fromat")
    assert "Extra inputs are not permitted" in str(error)


def test_bad_values_name_their_lines(tmp_path):
    error = _mapping_error(tmp_path, """\
        entities:
          partner:
            columns:
              Level: teir
            values:
              tier: {Gold Partner: Diamond}
            formats: {company_name: "%d/%m/%Y"}
          partnr: {}
        """)
    lines = {line: message for line, message in error.problems}
    assert "did you mean 'tier'" in lines[4]
    assert "'Diamond' is not a code of prm.partner.tier" in lines[6]
    assert "prm.partner.company_name is not a date or timestamp column" in lines[7]
    assert "prm has no entity 'partnr'" in lines[8]


def test_a_value_of_the_wrong_form_names_its_line(tmp_path):
    error = _mapping_error(tmp_path, """\
        entities:
          deal_registration:
            number_format:
              decimal: ";"
            default_currency: euro
        """)
    lines = {line: message for line, message in error.problems}
    assert "number_format.decimal" in lines[4] and "should match pattern" in lines[4]
    assert "default_currency" in lines[5]


def test_a_mapping_file_for_no_system_is_an_error(tmp_path):
    error = _mapping_error(tmp_path, "entities: {}\n", name="pmr.yml")
    assert "no source system 'pmr'" in str(error)


def test_invalid_yaml_names_the_line(tmp_path):
    error = _mapping_error(tmp_path, "entities:\n  partner:\n    columns: [unclosed\n")
    assert error.problems[0][0] is not None and "not valid YAML" in error.problems[0][1]


def test_the_json_schema_is_in_step_with_the_model():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), \
        "run `python -m connectors.mapping --write-schema`"
    example = SCHEMA_PATH.parent / "prm.example.yml"
    assert example.read_text(encoding="utf-8").startswith(SCHEMA_COMMENT + "\n")
    # The example shipped beside the schema is a valid mapping (checked as if it were prm.yml).
    from connectors.mapping import read_mapping

    assert read_mapping(example, "prm").entity("partner").passthrough


def test_editors_check_mapping_files_with_the_schema():
    import jsonschema
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    for text in (PRM_MAPPING, CRM_MAPPING, LMS_MAPPING, (SCHEMA_PATH.parent / "prm.example.yml").read_text("utf-8")):
        assert list(validator.iter_errors(yaml.safe_load(text))) == []  # booleans such as `Ja: true` included
    misspelt = yaml.safe_load("entities:\n  partner:\n    colums: {}\n")
    assert [e.validator for e in validator.iter_errors(misspelt)] == ["additionalProperties"]


# --- a mapping never weakens a rule ------------------------------------------------------------------------------


def test_a_value_that_does_not_parse_in_the_declared_form_is_quarantined_as_written(tmp_path):
    landing, mappings = tmp_path / "landing", tmp_path / "mappings"
    _write(mappings / "crm.yml", CRM_MAPPING)
    _write(landing / "crm" / "opportunity" / "deals.csv", CRM_CSV + (
        "006000000000003AAA,001000000000003AAA,Gewonnen,\"1.23,4\",,31.02.2026,Vielleicht,15.08.2026 13:45:00,\n"
        "006000000000004AAA,001000000000004AAA,Gewonnen,\"-5\",,15.08.2026,Ja,15.08.2026 13:45:00,\n"))
    settings = settings_for(tmp_path, landing, mapping_dir=mappings, max_failure_rate=1.0)
    with connect(settings) as con:
        load_entity(get_source("crm"), "opportunity", settings, con)
        found = con.execute("SELECT source_line, column_name, rule, offending_value FROM ops.quarantine "
                            "ORDER BY source_line, column_name").fetchall()
        loaded = con.execute("SELECT count(*) FROM raw_crm.opportunity").fetchone()[0]
    assert found == [
        (4, "amount", "is_number", "1.23,4"),  # not a well-formed 1.234,50 number: kept as written
        (4, "close_date", "is_iso_date", "31.02.2026"),  # no 31 February, whatever the format
        (4, "is_won", "is_boolean", "Vielleicht"),  # an unmapped word stays a bad boolean
        (5, "amount", "value_range", "-5"),  # the contract's range still applies to mapped numbers
    ]
    assert loaded == 2


def test_an_empty_mapping_changes_nothing(tmp_path):
    settings = settings_for(tmp_path, tmp_path, mapping_dir=tmp_path / "none")
    rules = load_mapping(settings, "crm").entity("opportunity")
    assert rules.model_dump(exclude_defaults=True) == {}
    with duckdb.connect() as con:  # the raw DDL carries the passthrough column
        from warehouse.raw import ensure_tables

        ensure_tables(con)
        columns = [r[0] for r in con.execute("DESCRIBE raw_crm.opportunity").fetchall()]
    assert "_extra_fields" in columns


def test_make_run_checks_the_mapping_files_before_any_work(tmp_path):
    """A bad key stops `run` at once with the file and line, before the landing zone is touched or dbt parsed."""
    import subprocess
    import sys

    from settings import PROJECT_ROOT
    from tests.conftest import cli_environment

    mappings, landing = tmp_path / "mappings", tmp_path / "landing"
    mappings.mkdir()
    (mappings / "prm.yml").write_text("entities:\n  partner:\n    colums:\n      Partner Number: partner_id\n")
    env = cli_environment(tmp_path, landing, PW_MAPPING_DIR=str(mappings))
    process = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 2, process.stdout + process.stderr
    assert f"{mappings / 'prm.yml'} line 3" in process.stderr and "colums" in process.stderr, process.stderr
    assert not landing.exists() and not (tmp_path / "warehouse").exists()
