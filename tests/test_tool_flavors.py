"""Files landed by Fivetran or Airbyte, and Salesforce's and NetSuite's quirks, load with no mapping.

Real files in the format each system reads today (CRM CSV, PRM JSON lines, finance Parquet), loaded by the real
loader into a DuckDB file, then one real dbt run of the staging and intermediate models they feed, and the dbt
unit tests of the macros (Salesforce 18-character ids, NetSuite float ids, history-mode tier versions)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from connectors.flavors import TOOL_COLUMNS, flavor_columns, is_tool_column
from connectors.loader import load_all
from data_contracts import CONTRACTS
from data_contracts._fields import LOAD_COLUMNS
from tests.conftest import settings_for
from warehouse.dbt import PROJECT_ROOT, run_dbt
from warehouse.raw import ensure_tables

TOOL_COLUMNS_LOADED = {load_column for load_column, _ in TOOL_COLUMNS.values()}
UNIT_TESTS = ["salesforce_ids_of_one_record_are_one_record", "netsuite_float_ids_are_the_integer_ids",
              "tier_history_uses_history_mode_versions", "tier_history_collapses_versions_into_periods"]
MODELS = ["stg_crm__account", "stg_crm__opportunity", "stg_crm__opportunity_partner", "stg_prm__partner",
          "int_partner__prm_tier_versions", "stg_finance__entity", "stg_finance__rebate_accrual",
          "stg_finance__commission_payout", "dim_partner_tier_history"]


def sfdc_id_18(id15: str) -> str:
    """Salesforce's case-safe suffix, the reference the dbt macro is checked against: for each 5-character chunk,
    a 5-bit number of which characters are uppercase A-Z, as an index into A-Z0-5."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    chunks = (id15[i:i + 5] for i in range(0, 15, 5))
    return id15 + "".join(alphabet[sum(1 << n for n, ch in enumerate(chunk) if "A" <= ch <= "Z")] for chunk in chunks)


ACCOUNT = "001A000001ABCDE"  # one account, delivered in 15 and in 18 characters
DELETED_ACCOUNT = "001A000002GoNeX"
OPPORTUNITY = "006Hs00001XyZab"
DELETED_OPPORTUNITY = "006Hs00002DeLeT"


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _parquet(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def _fivetran_crm(landing: Path) -> None:
    """Salesforce synced by Fivetran: snake_case columns, 18-character ids, soft deletes, sync timestamps."""
    synced = "2025-06-01 02:00:00.000000+00:00"
    account = {"id": sfdc_id_18(ACCOUNT), "name": "Acme Channel", "type": "Partner", "is_partner": "true",
               "website": "acme-channel.example", "billing_country": "US", "last_modified_date": "2025-05-01T10:00:00Z",
               "is_deleted": "false", "_fivetran_deleted": "false", "_fivetran_synced": synced}
    gone = {**account, "id": sfdc_id_18(DELETED_ACCOUNT), "name": "Gone Partner", "website": "gone.example",
            "_fivetran_deleted": "true"}
    _csv(landing / "crm/account/account_20250601.csv", [account, gone])
    # A day later the account again, in a report's 15-character id, renamed: still the same account.
    renamed = {**account, "id": ACCOUNT, "name": "Acme Channel Inc", "last_modified_date": "2025-06-01T09:00:00Z",
               "_fivetran_synced": "2025-06-02 02:00:00+00:00"}
    _csv(landing / "crm/account/account_20250602.csv", [renamed])
    won = {"id": sfdc_id_18(OPPORTUNITY), "account_id": ACCOUNT, "name": "Acme - Renewal", "stage_name": "Closed Won",
           "amount": "1000", "currency_iso_code": "USD", "close_date": "2025-05-15", "is_won": "true",
           "is_closed": "true", "last_modified_date": "2025-05-16T08:00:00Z", "is_deleted": "false",
           "_fivetran_deleted": "false", "_fivetran_synced": synced}
    deleted = {**won, "id": sfdc_id_18(DELETED_OPPORTUNITY), "name": "Acme - Duplicate", "_fivetran_deleted": "true"}
    _csv(landing / "crm/opportunity/opportunity_20250601.csv", [won, deleted])


def _prm_history_mode(landing: Path) -> None:
    """A PRM partner synced by Fivetran in history mode: one row per version, the last one active."""
    base = {"partner_id": "P-7", "company_name": "Seven Solutions", "status": "Active", "_fivetran_synced":
            "2025-06-01T02:00:00.000Z"}
    versions = [("Registered", "2024-01-10T00:00:00.000Z", "2024-04-30T23:59:59.999Z", False),
                ("Silver", "2024-05-01T00:00:00.000Z", "2025-01-31T23:59:59.999Z", False),
                ("Gold", "2025-02-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", True)]
    rows = [{**base, "tier": tier, "updated_at": start, "_fivetran_start": start, "_fivetran_end": end,
             "_fivetran_active": active} for tier, start, end, active in versions]
    # P-9: active on the first sync; the next sync delivers its version closed (deleted at the source).
    nine = {**rows[-1], "partner_id": "P-9", "company_name": "Nine Gone"}
    _jsonl(landing / "prm/partner/partner_20250601_history.jsonl", [*rows, nine])
    closed = {**nine, "_fivetran_end": "2025-06-01T17:00:00.000Z", "_fivetran_active": False,
              "_fivetran_synced": "2025-06-02T02:00:00.000Z"}
    _jsonl(landing / "prm/partner/partner_20250602_history.jsonl", [closed])


def _airbyte_prm(landing: Path) -> None:
    """PRM partners synced by Airbyte (Destinations V2 columns, CDC): one of them deleted at the source."""
    def row(partner_id: str, name: str, deleted_at: str | None, raw_id: str) -> dict:
        return {"partner_id": partner_id, "company_name": name, "tier": "Silver", "status": "Active",
                "updated_at": "2025-05-20T12:00:00Z", "_airbyte_raw_id": raw_id,
                "_airbyte_extracted_at": "2025-06-02T03:04:05Z", "_airbyte_generation_id": 4,
                "_airbyte_meta": {"sync_id": 812, "changes": []}, "_ab_cdc_updated_at": "2025-05-20T12:00:00Z",
                "_ab_cdc_deleted_at": deleted_at}
    _jsonl(landing / "prm/partner/partner_20250602_airbyte.jsonl", [
        row("P-20", "Twenty Networks", None, "0b0b1c1e-59c1-4b9e-9d53-4b1f0c1e2d01"),
        row("P-21", "Twenty-One Gone", "2025-05-30T10:00:00Z", "0b0b1c1e-59c1-4b9e-9d53-4b1f0c1e2d02"),
    ])


def _netsuite_finance(landing: Path) -> None:
    """A NetSuite saved search: 'T'/'F' booleans, and internal ids in float form where they are references."""
    _parquet(landing / "finance/entity/entity_20250601.parquet", [
        {"entity_id": "1234", "entity_name": "Acme Channel Inc", "entity_type": "partner", "is_inactive": "F",
         "last_modified": "2025-05-01T00:00:00Z"},
        {"entity_id": "1235", "entity_name": "Closed Reseller Ltd", "entity_type": "partner", "is_inactive": "T",
         "last_modified": "2025-05-01T00:00:00Z"},
    ])
    _parquet(landing / "finance/rebate_accrual/rebate_accrual_20250601.parquet", [
        {"accrual_id": "501.0", "entity_id": "1234.0", "period": "2025-05", "amount": "100.5", "currency": "USD",
         "status": "accrued", "accrued_date": "2025-05-31"},
    ])


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """Every fixture loaded by the real loader, the staging and intermediate models built by dbt, and the dbt
    unit tests of the macros run (before any reader opens the file: dbt needs the writer's lock).
    Returns (a read-only connection, the unit tests' dbt result)."""
    root = tmp_path_factory.mktemp("flavors")
    landing = root / "landing"
    for write in (_fivetran_crm, _prm_history_mode, _airbyte_prm, _netsuite_finance):
        write(landing)
    settings = settings_for(root, landing)
    load_all(settings, systems=["crm", "prm", "finance"])
    result = run_dbt(settings, "build", "--select", *(f"+{m}" for m in MODELS), "--resource-type", "model", "seed",
                     "--target-path", str(root / "target"), "--log-path", str(root / "logs"), timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:]
    unit_tests = run_dbt(settings, "test", "--select", *UNIT_TESTS, "--target-path", str(root / "target"),
                         "--log-path", str(root / "logs-unit"), timeout=1200)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con, unit_tests
    con.close()


def test_tool_columns_are_recognized_not_drift(landed):
    con, _ = landed
    files = con.execute("SELECT source_file, status, unknown_columns, rows_read, rows_loaded, rows_quarantined "
                        "FROM ops.loaded_files ORDER BY source_file").fetchall()
    assert len(files) == 8
    for name, status, unknown, read, loaded, quarantined in files:
        assert (status, json.loads(unknown), quarantined) == ("loaded", [], 0), name
        assert read == loaded > 0, name


def test_tool_metadata_lands_in_tool_neutral_load_columns(landed):
    con, _ = landed
    crm = dict(con.execute("SELECT id, _source_deleted FROM raw_crm.opportunity").fetchall())
    assert crm == {sfdc_id_18(OPPORTUNITY): False, sfdc_id_18(DELETED_OPPORTUNITY): True}
    synced = con.execute("SELECT DISTINCT _source_synced_at::VARCHAR FROM raw_crm.opportunity").fetchall()
    assert synced == [("2025-06-01 02:00:00+00",)]
    airbyte = con.execute("SELECT partner_id, _source_deleted, _source_synced_at::VARCHAR FROM raw_prm.partner "
                          "WHERE _source_file LIKE '%airbyte%' ORDER BY partner_id").fetchall()
    assert airbyte == [("P-20", False, "2025-06-02 03:04:05+00"), ("P-21", True, "2025-06-02 03:04:05+00")]
    history = con.execute("SELECT tier, _source_valid_from::VARCHAR, _source_active FROM raw_prm.partner "
                          "WHERE partner_id = 'P-7' ORDER BY _source_valid_from").fetchall()
    assert history == [("Registered", "2024-01-10 00:00:00+00", False), ("Silver", "2024-05-01 00:00:00+00", False),
                       ("Gold", "2025-02-01 00:00:00+00", True)]
    by_hand = con.execute("SELECT count(*) FROM raw_finance.entity WHERE _source_deleted IS NOT NULL "
                          "OR _source_synced_at IS NOT NULL").fetchone()[0]
    assert by_hand == 0  # a file exported by hand says nothing about deletes or syncs


def test_deleted_rows_never_reach_staging(landed):
    con, _ = landed
    opportunities = [r[0] for r in con.execute("SELECT opportunity_id FROM staging.stg_crm__opportunity").fetchall()]
    assert opportunities == [sfdc_id_18(OPPORTUNITY)]
    accounts = con.execute("SELECT account_id, account_name FROM staging.stg_crm__account").fetchall()
    assert accounts == [(sfdc_id_18(ACCOUNT), "Acme Channel Inc")]  # deleted one gone; 15 + 18 chars = one
    partners = [r[0] for r in con.execute("SELECT prm_partner_id FROM staging.stg_prm__partner ORDER BY 1").fetchall()]
    # P-21 was deleted at the source (Airbyte CDC); P-9's last history version was closed (Fivetran history mode).
    assert partners == ["P-20", "P-7"]
    assert con.execute("SELECT count(*) FROM raw_prm.partner WHERE partner_id IN ('P-9', 'P-21')").fetchone() == (3,)


def test_a_15_character_account_id_joins_its_18_character_account(landed):
    con, _ = landed
    joined = con.execute("""
        SELECT o.account_id, a.account_name FROM staging.stg_crm__opportunity AS o
        JOIN staging.stg_crm__account AS a USING (account_id)""").fetchall()
    assert joined == [(sfdc_id_18(ACCOUNT), "Acme Channel Inc")]


def test_history_mode_feeds_the_tier_history(landed):
    con, _ = landed
    current = con.execute("SELECT partner_tier FROM staging.stg_prm__partner WHERE prm_partner_id = 'P-7'").fetchone()
    assert current == ("Gold",)  # the active version
    periods = con.execute("""
        SELECT tier, valid_from::VARCHAR, valid_to::VARCHAR FROM intermediate.int_partner__prm_tier_versions
        WHERE prm_partner_id = 'P-7' ORDER BY valid_from""").fetchall()
    assert periods == [("Registered", "2024-01-10 00:00:00+00", "2024-05-01 00:00:00+00"),
                       ("Silver", "2024-05-01 00:00:00+00", "2025-02-01 00:00:00+00"),
                       ("Gold", "2025-02-01 00:00:00+00", None)]
    history = con.execute("""
        SELECT tier, valid_from::VARCHAR, is_current FROM marts.dim_partner_tier_history
        WHERE prm_partner_id = 'P-7' ORDER BY valid_from""").fetchall()
    assert history == [("Registered", "2024-01-10 00:00:00", False), ("Silver", "2024-05-01 00:00:00", False),
                       ("Gold", "2025-02-01 00:00:00", True)]  # the mart's timestamps are UTC, without zone


def test_netsuite_booleans_and_float_ids(landed):
    con, _ = landed
    inactive = dict(con.execute("SELECT entity_id, is_inactive FROM raw_finance.entity").fetchall())
    assert inactive == {"1234": False, "1235": True}
    joined = con.execute("""
        SELECT r.rebate_accrual_id, r.entity_id, e.entity_name FROM staging.stg_finance__rebate_accrual AS r
        JOIN staging.stg_finance__entity AS e USING (entity_id)""").fetchall()
    assert joined == [("501", "1234", "Acme Channel Inc")]


def test_dbt_unit_tests_of_the_macros_pass(landed):
    _, result = landed
    assert result.returncode == 0, result.stdout[-4000:]
    summary = [line for line in result.stdout.splitlines() if "PASS=" in line][-1]
    assert f"PASS={len(UNIT_TESTS)}" in summary and "ERROR=0" in summary


def test_unit_test_ids_match_the_python_reference():
    """The 18-character ids the dbt unit test expects are Salesforce's, as computed here independently."""
    spec = yaml.safe_load((PROJECT_ROOT / "dbt_project/models/staging/crm/_crm__unit_tests.yml").read_text())
    test = next(t for t in spec["unit_tests"] if t["name"] == UNIT_TESTS[0])
    given = {value for row in test["given"][0]["rows"] for value in row.values() if isinstance(value, str)}
    expected = [value for row in test["expect"]["rows"] for key, value in row.items() if key.endswith("_id")]
    assert len(expected) == 6
    for id18 in expected:
        assert id18[:15] in given and sfdc_id_18(id18[:15]) == id18
    assert sfdc_id_18("001A000001ABCDE") == "001A000001ABCDEIA5"
    assert sfdc_id_18("001a000001abcde") == "001a000001abcdeAAA"


def test_flavor_columns_read_each_tool():
    table = pa.table({
        "id": ["1", "2", "3"],
        "_fivetran_deleted": ["TRUE", "false", None],
        "_ab_cdc_deleted_at": [None, "2025-01-01T00:00:00Z", ""],
        "_fivetran_synced": ["2025-01-01 00:00:00", None, "2025-01-03 00:00:00"],
        "_fivetran_id": ["a", "b", "c"],
        "_airbyte_meta": ["{}", "{}", "{}"],
    })
    columns, tool_headers = flavor_columns(table, table.column_names)
    assert tool_headers == ["_fivetran_deleted", "_ab_cdc_deleted_at", "_fivetran_synced", "_fivetran_id",
                            "_airbyte_meta"]
    assert columns["_source_deleted"].to_pylist() == [True, True, None]
    assert columns["_source_synced_at"].to_pylist() == ["2025-01-01 00:00:00", None, "2025-01-03 00:00:00"]
    assert set(columns) == {"_source_deleted", "_source_synced_at"}  # only what the file's tool columns say
    history, _ = flavor_columns(pa.table({"_fivetran_active": ["true", "FALSE"], "_fivetran_start": ["a", "b"],
                                          "_fivetran_end": ["c", None]}), ["_fivetran_active", "_fivetran_start",
                                                                           "_fivetran_end"])
    assert history["_source_active"].to_pylist() == [True, False]
    assert set(history) == {"_source_active", "_source_valid_from", "_source_valid_to"}
    assert set(TOOL_COLUMNS_LOADED) <= set(LOAD_COLUMNS)
    assert not is_tool_column("_fivetran_custom") and not is_tool_column("id") and is_tool_column("_FIVETRAN_ACTIVE")


def test_an_older_raw_table_gains_the_tool_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw_crm")
        con.execute("CREATE TABLE raw_crm.account (id VARCHAR, _source_file VARCHAR, _source_line BIGINT, "
                    "_load_id VARCHAR, _loaded_at TIMESTAMPTZ)")
        con.execute("INSERT INTO raw_crm.account VALUES ('001A000001ABCDEIA5', 'a.csv', 2, 'l', now())")
        ensure_tables(con)
        ensure_tables(con)  # idempotent
        columns = {r[0]: r[1] for r in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw_crm' AND table_name = 'account'").fetchall()}
        assert columns["_source_deleted"] == "BOOLEAN" and columns["_source_valid_from"] == "TIMESTAMP WITH TIME ZONE"
        assert con.execute("SELECT count(*), count(_source_deleted) FROM raw_crm.account").fetchone() == (1, 0)
        for (system, entity) in CONTRACTS:
            present = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [f"raw_{system}", entity]).fetchall()}
            assert set(LOAD_COLUMNS) <= present, (system, entity)
