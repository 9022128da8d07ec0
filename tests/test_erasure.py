"""Erasure requests (the erasure package): one person leaves every layer, partner aggregates stay consistent,
and a reload of the landing archive does not bring them back.

One warehouse of its own is built on the sample by the Dagster job (the session `pipeline` is not touched), a
person present in LMS, PRM contact fields, portal events and ops.quarantine is picked, a dry run and then the
erasure run, and the tests read the result.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from settings import Settings
from tests.conftest import AS_OF
from warehouse.privacy import pseudonymize

REASON = "erasure request TEST-1"
PERSON_TABLES = ("raw_lms.user", "raw_lms.enrollment", "raw_lms.certification")
MENTION_TABLES = ("raw_prm.partner", "raw_prm.portal_activity")

PICK_PERSON = """
with learners as (
    select lower(trim(email)) as email, any_value(trim(first_name) || ' ' || trim(last_name)) as full_name,
           any_value(user_id) as user_id
    from raw_lms.user group by 1 having count(distinct user_id) = 1
),
counted as (
    select l.*,
        (select count(*) from raw_prm.partner p where lower(trim(p.primary_contact_email)) = l.email) as contacts,
        (select count(*) from raw_prm.portal_activity a where lower(trim(a.user_email)) = l.email) as events,
        (select count(*) from raw_lms.certification c where c.user_id = l.user_id) as certifications,
        (select count(*) from ops.quarantine q
         where contains(lower(q.row_json), l.email) or json_extract_string(q.row_json, '$.user_id') = l.user_id)
            as quarantined,
        -- rows holding the full name (any case, as a substring) that are not this person's: must be none
        (select count(*) from raw_lms.user u
         where contains(lower(u.first_name || ' ' || u.last_name), lower(l.full_name)) and u.user_id <> l.user_id)
        + (select count(*) from raw_marketing.lead m
           where contains(lower(m.first_name || ' ' || m.last_name), lower(l.full_name)))
        + (select count(*) from raw_crm.user c where contains(lower(c.name), lower(l.full_name)))
        + (select count(*) from raw_prm.partner p where contains(lower(p.primary_contact_name), lower(l.full_name))
           and lower(trim(p.primary_contact_email)) is distinct from l.email) as namesakes
    from learners l
)
select email, full_name, user_id from counted
where contacts > 0 and events > 0 and certifications > 0 and quarantined > 0 and namesakes = 0
order by length(full_name) desc, email
limit 1
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _terms(person: dict) -> list[str]:
    """The email, the full name, the email's pseudonym and the pseudonym the marts use for the learner (user id)."""
    return [person["email"], person["full_name"].lower(), person["pseudonym"], person["learner_pseudonym"]]


def _hits_in_duckdb(con: duckdb.DuckDBPyConnection, terms: list[str]) -> dict[str, int]:
    """Every table and view of every schema, every column as text: rows holding one of the terms."""
    hits = {}
    for schema, table in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall():
        for row in con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
            text = " | ".join("" if v is None else str(v) for v in row).lower()
            if any(t in text for t in terms):
                hits[f"{schema}.{table}"] = hits.get(f"{schema}.{table}", 0) + 1
    return hits


def _hits_in_parquet(folder: Path, terms: list[str]) -> dict[str, int]:
    hits = {}
    con = duckdb.connect()
    for path in sorted(folder.rglob("*.parquet")):
        for row in con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall():
            text = " | ".join("" if v is None else str(v) for v in row).lower()
            if any(t in text for t in terms):
                hits[str(path)] = hits.get(str(path), 0) + 1
    con.close()
    return hits


def _partner_360(path: Path) -> dict[str, dict]:
    """partner_id -> {column: value}, as Python values (None for NULL)."""
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute("SELECT * FROM marts.partner_360 ORDER BY partner_id")
        columns = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}


def _same(old, new) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return math.isclose(old, new, rel_tol=1e-9)  # sums of doubles: the order of addition may vary
    return old == new


def _plant_traces(settings: Settings, root: Path, person: dict, run_id: str) -> dict[str, Path]:
    """The person where a debug log, an older version's error text or a killed run would leave them: in an event of
    the build's Dagster run, a line of dbt.log, a spill file, a killed publish's write-ahead log and a report; and
    files without them that must stay."""
    from dagster import DagsterInstance

    email, name = person["email"], person["full_name"]
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        instance.report_engine_event(f"refused row: {email},{name}", instance.get_run_by_id(run_id))
    planted = {
        "dbt_log": root / "logs" / "dbt.log", "spill": root / "tmp" / "duckdb_temp_storage_DEFAULT-0.tmp",
        "wal": settings.published.parent / f".{settings.published.name}.killed-run.incoming.wal",
        "report": root / "reports" / "audit-2026-Q3" / "findings.csv",
        "other_report": root / "reports" / "audit-2026-Q3" / "summary.md",
    }
    for path in planted.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    with planted["dbt_log"].open("a", encoding="utf-8") as log:
        log.write(f"12:00:00 debug: got {email}\n12:00:01 a line without the person\n")
    planted["spill"].write_bytes(b"\0" * 64 + json.dumps({"name": name}).encode() + b"\0" * 64)
    planted["wal"].write_bytes(b"WAL" + email.encode("utf-8"))
    planted["report"].write_text(f"finding,value\ninvalid_email,{email.upper()}\n", encoding="utf-8")
    planted["other_report"].write_text("# 3 findings\n", encoding="utf-8")
    return planted


@pytest.fixture(scope="module")
def erased(tmp_path_factory, sample_landing):
    """Build, pick the person, dry-run, erase. Returns a dict of everything the tests check."""
    from dagster import DagsterInstance

    from warehouse.dbt import parse_project, target_dir

    root = tmp_path_factory.mktemp("erasure")
    shutil.copytree(sample_landing, root / "landing")
    patch = pytest.MonkeyPatch()
    env = {
        "PW_LANDING_DIR": root / "landing", "PW_WAREHOUSE_PATH": root / "warehouse" / "pw.duckdb",
        "PW_PUBLISHED_PATH": root / "published" / "pw.duckdb", "PW_DUCKDB_TEMP_DIR": root / "tmp",
        "PW_DUCKDB_MEMORY_LIMIT": "1GB", "PW_AS_OF_DATE": AS_OF.isoformat(), "PW_PII_KEY_FILE": root / "secrets" / "key",
        "DAGSTER_HOME": root / "dagster_home", "PW_REPORTS_DIR": root / "reports",
    }
    for name, value in env.items():
        patch.setenv(name, str(value))
    patch.delenv("PW_PII_HASH_KEY", raising=False)
    patch.delenv("PW_ERASURE_REGISTRY", raising=False)
    settings = Settings.from_env()
    parse_project(settings)
    from orchestration.cli import ensure_dagster_home
    from orchestration.definitions import defs

    ensure_dagster_home(settings)  # a persistent instance, as `make run` has: its run storage is searched too
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        result = defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False)
    assert result.success, "the warehouse to erase from did not build"
    # The erasure's own dbt build writes its artifacts here, not into the shared dbt_project/target.
    (root / "target").mkdir()
    shutil.copy(target_dir(settings) / "manifest.json", root / "target" / "manifest.json")
    for name, value in {"DBT_TARGET_PATH": root / "target", "DBT_LOG_PATH": root / "logs"}.items():
        patch.setenv(name, str(value))
    settings = Settings.from_env()

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        found = con.execute(PICK_PERSON).fetchone()
        assert found, "the sample has no learner who is also a contact, has portal events and a quarantined row"
        person = {"email": found[0], "full_name": found[1], "user_id": found[2]}
        person["pseudonym"] = pseudonymize(person["email"])
        person["learner_pseudonym"] = pseudonymize(person["user_id"])
        before_counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*PERSON_TABLES, *MENTION_TABLES)
        }
        person_quarantine_lines = con.execute(
            "SELECT entity, count(DISTINCT (source_file, source_line)) FROM ops.quarantine "
            "WHERE contains(lower(row_json), ?) OR json_extract_string(row_json, '$.user_id') = ? GROUP BY 1",
            [person["email"], person["user_id"]],
        ).fetchall()
        # The partners the person is linked to: PRM records naming them as contact, their portal events', their
        # LMS organisation's.
        person_partners = {p for (p,) in con.execute(
            "SELECT DISTINCT x.partner_id FROM intermediate.int_partner__crosswalk x WHERE "
            "(x.source_system = 'prm' AND x.source_record_id IN ("
            "  SELECT partner_id FROM raw_prm.partner WHERE lower(trim(primary_contact_email)) = $email"
            "  UNION SELECT partner_id FROM raw_prm.portal_activity WHERE lower(trim(user_email)) = $email)) "
            "OR (x.source_system = 'lms' AND x.source_record_id IN ("
            "  SELECT organization_id FROM raw_lms.user WHERE user_id = $user_id))",
            {"email": person["email"], "user_id": person["user_id"]},
        ).fetchall()}
    before = {"partner_360": _partner_360(settings.published), "counts": before_counts,
              "quarantine_lines": dict(person_quarantine_lines), "partners": person_partners}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        before["hits"] = _hits_in_duckdb(con, _terms(person))
    with duckdb.connect(str(settings.published), read_only=True) as con:
        before["published_hits"] = _hits_in_duckdb(con, _terms(person))
    before["parquet_hits"] = _hits_in_parquet(settings.published.parent, _terms(person))

    planted = _plant_traces(settings, root, person, result.run_id)

    from erasure import erase

    # The address as someone would type it: other case, blanks around.
    typed = f"  {person['email'].upper()} "
    files = {p: _sha(p) for p in (settings.warehouse_path, settings.published)}
    dry = erase(settings, typed, reason=REASON, dry_run=True, log=lambda _: None)
    dry_files = {p: _sha(p) for p in files}
    registry_after_dry_run = (root / "secrets" / "erasures.jsonl").exists()

    started = time.perf_counter()
    report = erase(settings, typed, reason=REASON, log=lambda _: None)
    seconds = time.perf_counter() - started
    print(f"\n[erasure] {seconds:.1f}s on the {80}-partner sample\n{report.table()}")
    yield {
        "settings": settings, "root": root, "person": person, "before": before, "dry": dry, "report": report,
        "files": files, "dry_files": dry_files, "registry_after_dry_run": registry_after_dry_run, "seconds": seconds,
        "planted": planted, "build_run_id": result.run_id,
    }
    patch.undo()


def test_the_person_is_found_before(erased):
    """The scans below can fail: before the erasure the person is in raw, quarantine and staging of the working
    file, and (as a pseudonym at least) in the marts of the published file and the Parquet export."""
    hits, published = erased["before"]["hits"], erased["before"]["published_hits"]
    print(f"\n[erasure] before: working {hits}\n[erasure] before: published {published}; "
          f"parquet files {len(erased['before']['parquet_hits'])}")
    assert any(t.startswith("raw_lms.") for t in hits) and any(t.startswith("raw_prm.") for t in hits)
    assert "ops.quarantine" in hits
    assert any(t.startswith("staging.") for t in hits)
    assert any(t.startswith("marts.") for t in published)
    assert erased["before"]["parquet_hits"]


def test_dry_run_changes_nothing(erased):
    dry = erased["dry"]
    assert dry.dry_run
    counts = {s.table: s.rows_deleted + s.rows_redacted for s in dry.steps}
    assert all(counts.get(t, 0) > 0 for t in (*PERSON_TABLES, *MENTION_TABLES, "ops.quarantine")), counts
    assert erased["dry_files"] == erased["files"], "a dry run modified the working or published file"
    assert not erased["registry_after_dry_run"], "a dry run registered a suppression"
    # ... and it announced what the real run did.
    real = {s.table: (s.rows_deleted, s.rows_redacted) for s in erased["report"].steps}
    assert all(real[s.table] == (s.rows_deleted, s.rows_redacted) for s in dry.steps)


@pytest.mark.parametrize("which", ["working", "published"])
def test_no_table_holds_the_person(erased, which):
    settings = erased["settings"]
    path = settings.warehouse_path if which == "working" else settings.published
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]
        hits = _hits_in_duckdb(con, _terms(erased["person"]))
    assert tables > 50
    assert hits == {}, f"{which} file still holds the person's email, name or pseudonym in {hits}"


def test_no_parquet_export_holds_the_person(erased):
    published = erased["settings"].published.parent
    versions = [p for p in (published / "parquet_versions").iterdir() if p.is_dir()]  # not versions.json
    assert len(versions) == 1, f"older exports (with the person) were kept: {versions}"
    assert (published / "parquet").resolve() == versions[0].resolve()
    assert len(list(published.rglob("*.parquet"))) > 10
    assert _hits_in_parquet(published, _terms(erased["person"])) == {}
    assert not list(published.glob(".*incoming"))


def test_no_file_byte_holds_the_email(erased):
    """Deleted rows can survive in a DuckDB file's free blocks: the erasure compacts before publishing."""
    settings = erased["settings"]
    needle = erased["person"]["email"].encode()
    for path in (settings.warehouse_path, settings.published):
        assert needle not in path.read_bytes().lower(), path


def _byte_forms(person: dict) -> list[bytes]:
    terms = [person["email"], person["full_name"].lower(), person["pseudonym"], person["learner_pseudonym"]]
    return [form for t in terms for form in (t.encode(), json.dumps(t)[1:-1].lower().encode())]


def test_no_file_the_project_writes_holds_the_person(erased):
    """Every file under the test's data, report, Dagster and dbt folders but the landing archive and the secrets
    (DuckDB and Parquet files are compressed: the SQL checks above cover them)."""
    root, forms = erased["root"], _byte_forms(erased["person"])
    searched, holding = 0, []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or parts[0] in ("landing", "secrets") or path.suffix in (".duckdb", ".parquet"):
            continue
        searched += 1
        data = path.read_bytes().lower()
        if any(form in data for form in forms):
            holding.append(str(path.relative_to(root)))
    assert searched > 100 and holding == []


def test_planted_traces_are_gone_and_the_rest_stays(erased):
    from dagster import DagsterInstance

    planted = erased["planted"]
    for kind in ("spill", "wal", "report"):
        assert not planted[kind].exists(), kind
    assert "a line without the person" in planted["dbt_log"].read_text(encoding="utf-8")
    assert planted["other_report"].read_text(encoding="utf-8") == "# 3 findings\n"
    with DagsterInstance.from_config(str(erased["settings"].dagster_home)) as instance:
        assert erased["build_run_id"] not in instance.get_run_ids(), "the run whose event held the person was kept"
    steps = {(s.layer, s.table): s for s in erased["report"].steps}
    assert steps[("files", "dagster runs")].rows_deleted == 1
    assert steps[("files", "artifacts, spill files, leftovers")].rows_deleted >= 3


def test_erasure_log(erased):
    settings, person = erased["settings"], erased["person"]
    with duckdb.connect(str(settings.published), read_only=True) as con:
        rows = con.execute("SELECT * FROM ops.erasure_log").df()
    assert rows["erasure_id"].nunique() == 1 and set(rows["reason"]) == {REASON}
    assert (rows["completed_at"] >= rows["requested_at"]).all()
    by_table = rows.set_index("table_name")
    for table in PERSON_TABLES:
        assert by_table.at[table, "action"] == "delete" and by_table.at[table, "rows_deleted"] > 0
    for table in MENTION_TABLES:
        assert by_table.at[table, "action"] == "redact" and by_table.at[table, "rows_redacted"] > 0
    assert by_table.at["ops.quarantine", "rows_deleted"] > 0
    assert {"landing", "raw", "ops", "dbt", "published", "parquet"} <= set(rows["layer"])
    text = rows.astype(str).to_string().lower()
    assert not any(t in text for t in _terms(person))
    # The counts are what the tables lost.
    before = erased["before"]["counts"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for table in PERSON_TABLES:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == before[table] - by_table.at[table, "rows_deleted"]
        for table in MENTION_TABLES:  # redacted, not deleted
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == before[table]


def test_registry_holds_no_value_of_the_person(erased):
    person = erased["person"]
    text = (erased["root"] / "secrets" / "erasures.jsonl").read_text().lower()
    assert json.loads(text.splitlines()[0])["email_hash"]
    assert not any(t in text for t in _terms(person)), "the suppression list holds the email, name or mart pseudonym"
    assert person["user_id"].lower() not in text


def test_dbt_build_after_the_erasure_passed(erased):
    results = json.loads((erased["root"] / "target" / "run_results.json").read_text())["results"]
    tests = {r["unique_id"] for r in results if r["unique_id"].startswith("test.")}
    built = {r["unique_id"] for r in results if r["unique_id"].startswith("model.")}
    manifest = json.loads((erased["root"] / "target" / "manifest.json").read_text())
    # Every test of every rebuilt model ran (the static seeds' tests are CI's: tests/test_dbt_row_rules.py).
    expected = {test_id for test_id, node in manifest["nodes"].items() if node["resource_type"] == "test"
                and set(node["depends_on"]["nodes"]) <= built and "static_seed" not in node["tags"]}
    assert len(expected) > 50 and expected <= tests, sorted(expected - tests)
    assert not [r["unique_id"] for r in results if r["status"] in ("error", "fail")]


def test_partner_aggregates_stay_consistent(erased):
    """partner_360 keeps every partner; its totals still equal the sums of the facts they summarize; only the
    person's partner changes, and only in what the person's own records (LMS learner, enrolments, certifications)
    and the redacted contact fields fed."""
    settings = erased["settings"]
    before, after = erased["before"]["partner_360"], _partner_360(settings.published)
    assert list(after) == list(before), "partners appeared or disappeared"
    with duckdb.connect(str(settings.published), read_only=True) as con:
        per_partner = con.execute(
            "SELECT p.partner_id, p.certification_records, coalesce(f.records, 0), "
            "p.portal_logins_last_90d, coalesce(e.logins, 0) "
            "FROM marts.partner_360 p "
            "LEFT JOIN (SELECT partner_id, count(*) AS records FROM marts.fct_certification GROUP BY 1) f USING (partner_id) "
            "LEFT JOIN (SELECT partner_id, sum(portal_logins) AS logins FROM marts.fct_partner_engagement "
            f"  WHERE activity_date > DATE '{AS_OF.isoformat()}' - INTERVAL 90 DAY GROUP BY 1) e USING (partner_id)"
        ).fetchall()
    assert all(row[1] == row[2] for row in per_partner), "certification_records != rows of fct_certification"
    assert all(row[3] == row[4] for row in per_partner), "portal_logins_last_90d != sum of fct_partner_engagement"
    # Portal events were redacted, not deleted: engagement totals are unchanged.
    def total(rows, column):
        return sum(r[column] or 0 for r in rows.values())

    for column in ("portal_logins_last_90d", "content_downloads_last_90d"):
        assert total(after, column) == total(before, column), column
    # The person's certifications are gone.
    assert total(after, "certification_records") < total(before, "certification_records")
    changed: dict[str, list[str]] = {}
    for partner, old in before.items():
        for column, value in old.items():
            if not _same(value, after[partner][column]):
                changed.setdefault(column, []).append(partner)
    partners = {p for ids in changed.values() for p in ids}
    print(f"\n[erasure] partner_360 columns changed (partners): { {c: len(ids) for c, ids in changed.items()} }")
    assert partners <= erased["before"]["partners"], (
        f"the erasure changed partners the person is not linked to: {sorted(partners - erased['before']['partners'])}"
    )
    revenue = [c for c in changed if c.endswith("_usd_l4q") or c.startswith("sourced") or c.startswith("influenced")]
    assert not revenue, f"revenue aggregates changed: {revenue}"


def test_reload_of_the_landing_archive_does_not_bring_the_person_back(erased, tmp_path):
    """A backfill loads the whole archive into a fresh working file: the suppression list drops the person's rows
    and redacts their mentions, and the accounting stays honest (read = loaded + quarantined + suppressed)."""
    from connectors.loader import load_all

    settings = erased["settings"]
    fresh = replace(settings, warehouse_path=tmp_path / "fresh" / "pw.duckdb", duckdb_temp_dir=tmp_path / "tmp")
    load_all(fresh)
    with duckdb.connect(str(fresh.warehouse_path), read_only=True) as con:
        assert _hits_in_duckdb(con, _terms(erased["person"])) == {}
        assert con.execute(f"SELECT count(*) FROM raw_lms.enrollment WHERE user_id = '{erased['person']['user_id']}'").fetchone()[0] == 0
        files = con.execute(
            "SELECT entity, rows_read, rows_loaded, rows_quarantined, rows_suppressed FROM ops.loaded_files "
            "WHERE status = 'loaded'"
        ).fetchall()
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*PERSON_TABLES, *MENTION_TABLES)}
    assert all(read == loaded + quarantined + suppressed for _, read, loaded, quarantined, suppressed in files)
    suppressed = {}
    for entity, *_, rows in files:
        suppressed[entity] = suppressed.get(entity, 0) + rows
    before, lines = erased["before"]["counts"], erased["before"]["quarantine_lines"]
    deleted = {s.table: s.rows_deleted for s in erased["report"].steps}
    for table in PERSON_TABLES:
        entity = table.split(".")[1]
        # dropped on reload = what the erasure deleted from raw + the person's quarantined rows of that entity
        assert suppressed[entity] == deleted[table] + lines.get(entity, 0), table
        assert counts[table] == before[table] - deleted[table]
    for table in MENTION_TABLES:  # mentions are redacted and loaded, never dropped
        assert suppressed[table.split(".")[1]] == 0 and counts[table] == before[table]


def test_history_models_are_the_append_only_marts_only():
    """Only models that never rebuild (incremental with full_refresh=false) are purged in place and left out of the
    rebuild; everything else is rebuilt (--full-refresh)."""
    from erasure import history_models

    models = history_models()
    assert {"mart_completeness_history", "mart_audit_finding_history"} <= models
    assert not [m for m in models if m.startswith("stg_")]


def test_history_purge_deletes_only_the_persons_rows(tmp_path, monkeypatch):
    from erasure import Person, plan_history

    monkeypatch.setenv("PW_PII_HASH_KEY", "test-key")
    person = Person("ann.lee@example.com", names={"Ann Lee"}, ids={("lms", "user"): {"U0000042"}})
    with duckdb.connect(str(tmp_path / "h.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.mart_x_history (run_id VARCHAR, record_id VARCHAR, detail VARCHAR, n INTEGER)")
        con.execute("CREATE TABLE marts.mart_x (record_id VARCHAR)")  # not a history model: left alone
        con.executemany("INSERT INTO marts.mart_x_history VALUES (?, ?, ?, ?)", [
            ["r1", "U0000042", "orphan", 1],                           # the person's id, exactly
            ["r1", "U00000421", "another learner", 2],                  # not the person: longer id
            ["r1", "E1", f"owner {person.pseudonym}", 3],               # the mart pseudonym
            ["r2", "E2", "contact ANN.LEE@example.com left", 4],        # the email, other case
            ["r2", "E3", "trainer ann lee", 5],                         # the name
            ["r2", "E4", "annalee@example.com", 6],                     # someone else
        ])
        con.execute("INSERT INTO marts.mart_x VALUES ('U0000042')")
        changes = plan_history(con, person, person.names, {"mart_x_history"})
        assert [(c.step.table, c.step.rows_deleted) for c in changes] == [("marts.mart_x_history", 4)]
        for change in changes:
            for sql, _ in change.statements:
                con.execute(sql)
        assert sorted(n for (n,) in con.execute("SELECT n FROM marts.mart_x_history").fetchall()) == [2, 6]
        assert con.execute("SELECT count(*) FROM marts.mart_x").fetchone()[0] == 1


def test_suppression_drops_person_rows_and_redacts_mentions(tmp_path, monkeypatch):
    import pandas as pd

    from connectors.readers import MalformedRow
    from connectors.suppression import Suppression, append_registry, email_hash, id_hash

    monkeypatch.setenv("PW_PII_HASH_KEY", "test-key")
    monkeypatch.setenv("PW_ERASURE_REGISTRY", str(tmp_path / "erasures.jsonl"))
    assert Suppression.for_entity("prm", "portal_activity") is None  # nobody erased: the loader does nothing
    append_registry({"erasure_id": "e1", "email_hash": email_hash("ann.lee@example.com"),
                     "id_hashes": [id_hash("lms", "user", "U7")]})
    events = pd.DataFrame({
        "event_id": ["1", "2"], "partner_id": ["P-1", "P-1"], "user_email": [" Ann.Lee@Example.com", "bo@example.com"],
        "event_type": ["login", "login"], "content_id": [None, None], "ip_address": ["1.2.3.4", "5.6.7.8"],
        "occurred_at": ["2026-01-01", "2026-01-02"], "_source_line": [1, 2],
    })
    malformed = [MalformedRow(3, "json_parse", '{"user_email": "ann.lee@example.com", '),
                 MalformedRow(4, "json_parse", '{"user_email": "bo@example.com", ')]
    kept, kept_malformed, dropped = Suppression.for_entity("prm", "portal_activity").apply(events, malformed)
    assert len(kept) == 2 and dropped == 1 and [m.line for m in kept_malformed] == [4]
    assert kept.loc[0, "user_email"] == "erased_0@example.com" and pd.isna(kept.loc[0, "ip_address"])
    assert kept.loc[1, "user_email"] == "bo@example.com" and kept.loc[1, "ip_address"] == "5.6.7.8"
    enrollments = pd.DataFrame({"enrollment_id": ["a", "b"], "user_id": ["U7", "U8"], "course_id": ["C", "C"],
                                "status": ["completed"] * 2, "score": [None] * 2, "enrolled_at": ["2026-01-01"] * 2,
                                "completed_at": [None] * 2, "_source_line": [1, 2]})
    kept, _, dropped = Suppression.for_entity("lms", "enrollment").apply(enrollments, [])
    assert list(kept["enrollment_id"]) == ["b"] and dropped == 1


def test_a_backfill_after_the_erasure_passes_and_does_not_bring_the_person_back(erased, tmp_path, monkeypatch):
    """The real backfill (Dagster job, fresh working file, blocking row-accounting checks) over the whole landing
    archive, into a warehouse of its own: it succeeds, and neither its working nor its published file holds the
    person."""
    from orchestration.cli import main

    for name, value in {"PW_WAREHOUSE_PATH": tmp_path / "warehouse" / "pw.duckdb",
                        "PW_PUBLISHED_PATH": tmp_path / "published" / "pw.duckdb",
                        "DAGSTER_HOME": tmp_path / "dagster",
                        "PW_AS_OF_DATE": AS_OF.isoformat(), "PW_FILES_UNTIL": AS_OF.isoformat(), "PW_PUBLISH": "1"}.items():
        monkeypatch.setenv(name, str(value))  # restored afterwards (backfill sets the last three itself)
    assert main(["backfill", "--from", AS_OF.isoformat(), "--to", AS_OF.isoformat()]) == 0
    settings = Settings.from_env()
    for path in (settings.warehouse_path, settings.published):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM marts.partner_360").fetchone()[0] == len(erased["before"]["partner_360"])
            assert con.execute("SELECT sum(rows_suppressed) FROM ops.loaded_files").fetchone()[0] > 0
            assert _hits_in_duckdb(con, _terms(erased["person"])) == {}, path


def test_rewriting_the_landing_files_removes_the_person_and_keeps_them_loaded_once(erased, tmp_path, monkeypatch):
    """PW_ERASE_LANDING=1: the CSV / JSON-lines files holding the person are rewritten as the loader would load
    them, and ops.loaded_files takes their new hashes: a reload finds no new file, a fresh load finds no person."""
    from connectors.loader import load_all
    from erasure import Person, rewrite_landing

    settings, person = erased["settings"], erased["person"]
    landing = tmp_path / "landing"
    shutil.copytree(settings.landing_dir, landing, ignore=shutil.ignore_patterns("_ground_truth"))
    working = tmp_path / "warehouse" / "pw.duckdb"
    working.parent.mkdir()
    shutil.copy(settings.warehouse_path, working)
    copy = replace(settings, landing_dir=landing, warehouse_path=working, duckdb_temp_dir=tmp_path / "tmp")

    def holders() -> list[str]:
        found = []
        for path in sorted(p for p in landing.rglob("*") if p.is_file() and p.suffix in (".csv", ".jsonl")):
            data = path.read_bytes()
            texts = [data.decode("utf-8", errors="replace").lower(), data.decode("cp1252", errors="replace").lower()]
            if any(person["email"] in t or person["full_name"].lower() in t for t in texts):
                found.append(path.relative_to(landing).as_posix())
        return found

    assert any(h.startswith("lms/user/") for h in holders()) and any(h.startswith("prm/") for h in holders())
    with duckdb.connect(str(working)) as con:
        steps = rewrite_landing(copy, con, Person(person["email"], ids={("lms", "user"): {person["user_id"]}}))
    rewritten = {s.table.split("/")[1] for s in steps}
    assert {"user", "enrollment", "certification", "partner", "portal_activity"} <= rewritten
    assert holders() == []
    assert all(s.rows_deleted + s.rows_redacted > 0 for s in steps)

    # The rewritten files are the delivered ones as far as the loader is concerned: nothing new to load.
    reports = load_all(copy)
    assert sum(len(r.files) for r in reports) == 0
    # A fresh load without any suppression list: the person is not in the archive any more.
    monkeypatch.setenv("PW_ERASURE_REGISTRY", str(tmp_path / "no-erasures.jsonl"))
    fresh = replace(copy, warehouse_path=tmp_path / "fresh" / "pw.duckdb")
    load_all(fresh)
    with duckdb.connect(str(fresh.warehouse_path), read_only=True) as con:
        assert _hits_in_duckdb(con, _terms(person)) == {}
        assert con.execute("SELECT coalesce(sum(rows_suppressed), 0) FROM ops.loaded_files").fetchone()[0] == 0
        before, deleted = erased["before"]["counts"], {s.table: s.rows_deleted for s in erased["report"].steps}
        for table in (*PERSON_TABLES, *MENTION_TABLES):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == before[table] - deleted.get(table, 0), table


def test_secrets_are_owner_only_and_reach_no_other_file(erased):
    """The key and the erasure list: mode 0600 in a 0700 folder; their bytes in no file outside that folder, the
    DuckDB files and Parquet exports searched through SQL (they are compressed) and as bytes."""
    import stat

    root, secrets_dir = erased["root"], erased["root"] / "secrets"
    key_file, registry = secrets_dir / "key", secrets_dir / "erasures.jsonl"
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700
    for path in (key_file, registry):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    key = key_file.read_text().strip()
    hashes = [value for line in registry.read_text().splitlines() for name, value in json.loads(line).items()
              if name.endswith("hash") or name.endswith("hashes")]
    secrets = [key, *(h for value in hashes for h in (value if isinstance(value, list) else [value]))]
    assert len(key) == 64 and len(secrets) > 1
    holding = [str(path.relative_to(root)) for path in sorted(root.rglob("*"))
               if path.is_file() and path.parent != secrets_dir and path.relative_to(root).parts[0] != "landing"
               and any(s.encode() in path.read_bytes() for s in secrets)]
    settings = erased["settings"]
    for database in (settings.warehouse_path, settings.published):
        with duckdb.connect(str(database), read_only=True) as con:
            holding += [f"{database.name}:{t}" for t in _hits_in_duckdb(con, secrets)]
    holding += list(_hits_in_parquet(settings.published.parent, secrets))
    assert holding == []


def test_an_empty_or_lost_key_file_is_an_error_not_a_new_key(tmp_path):
    from warehouse.privacy import KeyFileError, pii_hash_key

    key_file = tmp_path / "secrets" / "key"
    settings = Settings(pii_key_file=key_file, pii_hash_key=None)
    first = pii_hash_key(settings)
    assert pii_hash_key(settings) == first and len(first) == 64
    key_file.write_text("")
    with pytest.raises(KeyFileError, match="is empty"):
        pii_hash_key(settings)
    key_file.unlink()
    (tmp_path / "secrets" / "erasures.jsonl").write_text('{"email_hash": "00"}\n')
    with pytest.raises(KeyFileError, match="erasure list"):
        pii_hash_key(settings)
    assert not key_file.exists(), "no new key was written"
