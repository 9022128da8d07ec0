"""Adding a source touches only its own files: a throwaway seventh system flows through every layer.

In a temporary copy of the project the test adds a distributor point-of-sale system `pos` as a newcomer would: a
connector module, a contract module with its declarations (a partner record, a person and the person's own
records), a staging folder with the partner record's model and yml, and landing files. It regenerates the generated
files with the documented command, then shows, with no other edit, that the system is loaded (raw tables,
quarantine), staged, resolved to the right partners (crosswalk, `dim_partner`), measured (completeness mart) and
covered by erasure (suppression lists, the erasure plan, the loader's suppression on a later delivery).

Real DuckDB and real dbt (only the models that identity and completeness need), run in the copy through the
project's own helpers (orchestration/dbt_env.py).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from settings import PROJECT_ROOT
from tests.conftest import AS_OF

SYSTEM = "pos"
IGNORED = shutil.ignore_patterns(".git", ".venv", "data", "target", "logs", ".dagster_home", "__pycache__", "*.duckdb",
                                 "*.duckdb.wal", "reports", "bench_out", ".pytest_cache", ".ruff_cache", "*.egg-info")
PERSON_EMAIL = "dana.rep@example-distributor.com"

CONNECTOR = '''
"""Distributor point-of-sale connector (throwaway, tests/test_new_source.py)."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(name="pos", description="Distributor POS.")
'''

CONTRACT = '''
"""Distributor point-of-sale raw contracts (throwaway, tests/test_new_source.py)."""

from data_contracts._fields import contract, email, field
from data_contracts._sources import PartnerRecord, Person

reseller = contract(
    "pos",
    "reseller",
    [
        field("reseller_id", required=True, pattern=r"^R-\\d+$"),
        field("reseller_name", required=True, not_pii="company name: a legal entity, not a person"),
        field("country"),
        field("website"),
        field("prm_partner_id", description="PRM partner id the distributor keeps."),
        field("updated_at", "timestamp", required=True),
    ],
    key=["reseller_id"],
    version="updated_at",
    description="Resellers the distributor sells through.",
)

rep = contract(
    "pos",
    "rep",
    [
        field("rep_id", required=True, pii="person_identifier"),
        email("email", required=True),
        field("rep_name", pii="person_name"),
        field("reseller_id"),
    ],
    key=["rep_id"],
    description="Sales reps of the resellers.",
)

rep_claim = contract(
    "pos",
    "rep_claim",
    [
        field("claim_id", required=True),
        field("rep_id", required=True, pii="person_identifier"),
        field("amount", "number", minimum=0),
    ],
    key=["claim_id"],
    description="Spiff claims of the reps.",
)

CONTRACTS = [reseller, rep, rep_claim]

PEOPLE = [Person("rep", "rep_id", records={"rep_claim": "rep_id"})]

PARTNER_RECORD = PartnerRecord(
    entity="reseller",
    record_id="reseller_id",
    name="reseller_name",
    updated_at="updated_at",
    identity_rank=6,
    website="website",
    external_ids={"prm_partner_ref": "prm_partner_id"},
)
'''

STAGING_SQL = """
with

source as (

    select {{ source_columns('pos', 'reseller') }}
    from {{ source('pos', 'reseller') }}

),

renamed as (

    select
        {{ clean_text('reseller_id') }} as reseller_id,
        {{ normalize_reference('prm_partner_id') }} as prm_partner_id,
        {{ clean_text('reseller_name') }} as reseller_name,
        {{ normalize_company_name('reseller_name') }} as reseller_name_normalized,
        {{ clean_text('website') }} as website,
        {{ normalize_web_domain('website') }} as web_domain,
        {{ lookup_key('country') }} as country_key,
        updated_at,
        _source_file,
        _source_line,
        _loaded_at,
        {{ source_sync_columns() }}
    from source

),

latest as (

    {{ latest_version('renamed', ['reseller_id'], 'updated_at') }}

)

select
    latest.reseller_id,
    latest.prm_partner_id,
    latest.reseller_name,
    latest.reseller_name_normalized,
    latest.website,
    latest.web_domain,
    case when latest.web_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
    country_aliases.iso2 as country_code,
    latest.updated_at
from latest
left join {{ ref('country_aliases') }} as country_aliases on latest.country_key = country_aliases.alias
left join {{ ref('free_mail_domains') }} as free_mail_domains on latest.web_domain = free_mail_domains.domain
"""

STAGING_YML = """
version: 2

models:
  - name: stg_pos__reseller
    description: Resellers of the distributor, the latest version of each.
    data_tests:
      - at_most_one_row_per_key:
          arguments:
            key_columns: [reseller_id]
"""

# Runs dbt in the copy with the copy's own helpers, so its project dir and plugin path are the copy's.
DBT_DRIVER = """
import os, subprocess, sys
from settings import Settings
from warehouse.dbt import dbt_command, dbt_environment
env = dbt_environment(Settings.from_env(), base=os.environ)
sys.exit(subprocess.run(dbt_command(*sys.argv[1:]), env=env).returncode)
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _add_source(copy: Path) -> None:
    _write(copy / "connectors" / f"{SYSTEM}.py", CONNECTOR)
    _write(copy / "data_contracts" / f"{SYSTEM}.py", CONTRACT)
    _write(copy / "dbt_project" / "models" / "staging" / SYSTEM / f"stg_{SYSTEM}__reseller.sql", STAGING_SQL)
    _write(copy / "dbt_project" / "models" / "staging" / SYSTEM / f"_{SYSTEM}__models.yml", STAGING_YML)


def _partners(ground_truth: dict) -> list[dict]:
    """Sample partners with a web domain: the reseller records the distributor holds for them."""
    return [p for p in ground_truth["partners"] if p["domain"]][:12]


def _write_landing(landing: Path, partners: list[dict]) -> None:
    night = f"{AS_OF:%Y%m%d}"
    resellers = [
        {"reseller_id": f"R-{i}", "reseller_name": p["name"], "country": p["country"], "website": f"www.{p['domain']}",
         # Half carry the PRM id; the others resolve on their web domain and name.
         "prm_partner_id": p["ids"]["prm"][0] if i % 2 == 0 else "", "updated_at": "2026-11-20T10:00:00Z"}
        for i, p in enumerate(partners, start=1)
    ]
    resellers.append({**resellers[0], "reseller_id": "R-999", "updated_at": "not a timestamp"})  # -> quarantine
    _csv(landing / SYSTEM / "reseller" / f"reseller_{night}.csv", resellers)
    reps = [{"rep_id": "REP-1", "email": PERSON_EMAIL, "rep_name": "Dana Rep", "reseller_id": "R-1"},
            {"rep_id": "REP-2", "email": "other.rep@example-distributor.com", "rep_name": "Ola Rep", "reseller_id": "R-2"}]
    _csv(landing / SYSTEM / "rep" / f"rep_{night}.csv", reps)
    claims = [{"claim_id": "C-1", "rep_id": "REP-1", "amount": "50"}, {"claim_id": "C-2", "rep_id": "REP-2", "amount": "70"}]
    _csv(landing / SYSTEM / "rep_claim" / f"rep_claim_{night}.csv", claims)


class Copy:
    """The project copy and the environment its commands run in."""

    def __init__(self, root: Path, tmp: Path, landing: Path) -> None:
        self.root = root
        self.warehouse = tmp / "warehouse" / "pw.duckdb"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(root),
            "PW_LANDING_DIR": str(landing),
            "PW_WAREHOUSE_PATH": str(self.warehouse),
            "PW_PUBLISHED_PATH": str(tmp / "published" / "pw.duckdb"),
            "PW_DUCKDB_TEMP_DIR": str(tmp / "duckdb_tmp"),
            "PW_DUCKDB_MEMORY_LIMIT": "1GB",
            "PW_AS_OF_DATE": AS_OF.isoformat(),
            "PW_PII_HASH_KEY": "test-new-source-key",
            "PW_ERASURE_REGISTRY": str(tmp / "erasures.jsonl"),
            "PW_PUBLISH": "0",
        }

    def run(self, *args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=self.root, env=self.env, capture_output=True, text=True)
        assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def python(self, code: str) -> str:
        return self.run("-c", textwrap.dedent(code))

    def dbt(self, *args: str) -> str:
        return self.run("-c", DBT_DRIVER, *args)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_landing, ground_truth):
    """The copy with the seventh source, loaded and built through identity and completeness."""
    tmp = tmp_path_factory.mktemp("new_source")
    root = tmp / "project"
    shutil.copytree(PROJECT_ROOT, root, ignore=IGNORED)
    _add_source(root)
    landing = tmp / "landing"
    shutil.copytree(sample_landing, landing)
    partners = _partners(ground_truth)
    _write_landing(landing, partners)
    copy = Copy(root, tmp, landing)
    copy.run("-m", "data_contracts._dbt", "--write")  # the documented command regenerates the generated files
    copy.run("-m", "connectors")
    copy.dbt("seed", "--quiet")
    copy.dbt("run", "--select", "+dim_partner", "+mart_completeness", "--quiet")
    return copy, partners


def test_generated_files_name_the_new_source(built) -> None:
    copy, _ = built
    registry = (copy.root / "dbt_project" / "macros" / "_generated" / "source_registry.sql").read_text()
    assert "'stg_pos__reseller'" in registry and "'pos': {'reseller': 'reseller_id'}" in registry
    sources = copy.root / "dbt_project" / "models" / "staging" / SYSTEM / f"_{SYSTEM}__sources.yml"
    assert {"reseller", "rep", "rep_claim"} <= {t["name"] for t in _yaml(sources)["sources"][0]["tables"]}
    assert copy.run("-m", "data_contracts._dbt", "--check") == ""


def _yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_load_writes_raw_tables_and_quarantine(built) -> None:
    copy, partners = built
    assert copy.query("select count(*) from raw_pos.reseller") == [(len(partners),)]
    assert copy.query("select count(*) from raw_pos.rep") == [(2,)]
    quarantined = copy.query("select column_name from ops.quarantine where system = 'pos' and entity = 'reseller'")
    assert quarantined == [("updated_at",)]


def test_partner_records_resolve_to_their_partners(built) -> None:
    copy, partners = built
    node_partner = dict(copy.query("select node_id, partner_id from intermediate.int_partner__crosswalk"))
    assert partners
    for i, partner in enumerate(partners, start=1):
        expected = node_partner[f"prm:{partner['ids']['prm'][0]}"]
        assert node_partner.get(f"pos:R-{i}") == expected, f"R-{i} ({partner['name']}) resolved elsewhere"
        (record_ids,) = copy.query(f"select source_record_ids from marts.dim_partner where partner_id = '{expected}'")[0]
        assert f"pos:R-{i}" in record_ids.split("|")


def test_completeness_measures_the_new_table(built) -> None:
    copy, partners = built
    rows = copy.query("select field_name, row_count from marts.mart_completeness "
                      "where source_system = 'pos' and table_name = 'reseller' order by field_name")
    assert [name for name, _ in rows] == ["country_code", "prm_partner_id", "reseller_name", "web_domain"]
    assert {count for _, count in rows} == {len(partners)}


def test_erasure_covers_the_new_person(built) -> None:
    copy, _ = built
    lists = json.loads(copy.python("""
        import json
        from connectors.suppression import DEPENDENT_ENTITIES, PERSON_ENTITIES
        print(json.dumps([PERSON_ENTITIES.get(("pos", "rep")), DEPENDENT_ENTITIES.get(("pos", "rep_claim"))]))
    """))
    assert lists == ["rep_id", [["pos", "rep"], "rep_id"]]
    plan = copy.run("-m", "orchestration.cli", "erase", "--email", PERSON_EMAIL, "--dry-run")
    assert "raw_pos.rep " in plan and "raw_pos.rep_claim " in plan, plan


def test_erased_person_stays_out_of_later_deliveries(built, tmp_path) -> None:
    copy, _ = built
    copy.python(f"""
        from connectors.suppression import append_registry, email_hash, id_hash
        append_registry({{"erasure_id": "t", "email_hash": email_hash("{PERSON_EMAIL}"),
                         "id_hashes": [id_hash("pos", "rep", "REP-1")]}})
    """)
    landing = Path(copy.env["PW_LANDING_DIR"])
    night = f"{AS_OF:%Y%m%d}"
    _csv(landing / SYSTEM / "rep" / f"rep_{night}_resend.csv",
         [{"rep_id": "REP-1", "email": PERSON_EMAIL, "rep_name": "Dana Rep", "reseller_id": "R-1"}])
    _csv(landing / SYSTEM / "rep_claim" / f"rep_claim_{night}_resend.csv",
         [{"claim_id": "C-3", "rep_id": "REP-1", "amount": "20"}])
    copy.run("-m", "connectors", "--system", SYSTEM)
    assert copy.query("select count(*) from raw_pos.rep where rep_id = 'REP-1'") == [(1,)]  # only the first load's
    assert copy.query("select count(*) from raw_pos.rep_claim where claim_id = 'C-3'") == [(0,)]
