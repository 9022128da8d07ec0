"""Erasure requests: remove one person, identified by an email address, from every layer of the warehouse.

    python -m orchestration.cli erase --email someone@example.com --reason "ticket 123" [--dry-run]

Under the writer lock, in this order:
1. find every raw row whose email column (any table, trimmed, case-insensitive) holds the address, and collect the
   person's record ids and names from them;
2. add the person to the suppression list (`connectors.suppression`, outside the warehouse file: hashes only), so
   that no later load or backfill of the landing archive brings them back;
3. in one transaction: delete every version of the rows that ARE the person and of their own records (LMS
   enrolments and certifications, campaign memberships), set the person's columns to NULL on business rows that
   MENTION them (partner contact fields, portal events; the email keeps only its domain), delete their rows from ops.quarantine, purge them from
   the incremental history marts (which a build appends to and never rebuilds), and write ops.erasure_log;
4. rebuild every other dbt model and run the tests (`dbt build --full-refresh`, so any incremental model is rebuilt too;
   same as-of date as the last build; history models excluded, so no snapshot is added), then check that no
   table or view still holds the email, the pseudonym or a name of the person;
5. compact the working file (deleted rows can survive in DuckDB's free blocks), publish it (atomic replace of the
   published file and a new Parquet export) and delete every older Parquet export.

The landing files are not rewritten unless PW_ERASE_LANDING=1 (CSV and JSON lines only): they are the immutable
record of what was delivered (README, "Erasure requests"). The log never holds the email, a name or a pseudonym:
counts per table only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors.privacy import normalize_identifier, pseudonymize
from connectors.settings import PROJECT_ROOT, Settings
from connectors.suppression import (
    DEPENDENT_ENTITIES,
    PERSON_ENTITIES,
    append_registry,
    email_columns,
    email_hash,
    id_hash,
    personal_columns,
    redacted_email,
    registry_path,
)
from connectors.warehouse import connect, ensure_tables, raw_table_name, writer_lock
from data_contracts import CONTRACTS

ERASURE_LOG_DDL = """CREATE TABLE IF NOT EXISTS ops.erasure_log (
    erasure_id VARCHAR, requested_at TIMESTAMP WITH TIME ZONE, completed_at TIMESTAMP WITH TIME ZONE,
    reason VARCHAR, layer VARCHAR, table_name VARCHAR, action VARCHAR, rows_deleted BIGINT, rows_redacted BIGINT,
    detail VARCHAR)"""



@dataclass
class Person:
    email: str  # normalized (trimmed, lowercased)
    names: set[str] = field(default_factory=set)  # full names as delivered
    ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # person entity -> record ids

    @property
    def pseudonym(self) -> str:
        return pseudonymize(self.email)

    @property
    def pseudonyms(self) -> list[str]:
        """What the marts hold instead of the person: the pseudonym of the email and of each of their record ids
        (learner_key = pseudonym of the LMS user id, hashed lead ids)."""
        return [self.pseudonym, *sorted(pseudonymize(i) for i in self.all_ids())]

    def all_ids(self) -> set[str]:
        return {i for ids in self.ids.values() for i in ids}


@dataclass
class Step:
    layer: str
    table: str
    action: str  # delete | redact | rebuild | publish | remove_files | suppress
    rows_deleted: int = 0
    rows_redacted: int = 0
    detail: str = ""


@dataclass
class ErasureReport:
    erasure_id: str
    dry_run: bool
    steps: list[Step]
    seconds: float = 0.0

    def table(self) -> str:
        lines = [f"{'layer':<10} {'table':<44} {'action':<13} {'deleted':>8} {'redacted':>9}  detail"]
        for s in self.steps:
            lines.append(f"{s.layer:<10} {s.table:<44} {s.action:<13} {s.rows_deleted:>8} {s.rows_redacted:>9}  {s.detail}")
        verb = "would change (dry run, nothing written)" if self.dry_run else "changed"
        lines.append(f"erasure {self.erasure_id}: {verb}; {self.seconds:.1f}s")
        return "\n".join(lines)


# --- finding the person -------------------------------------------------------------------------------------

def _raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\'"
    ).fetchall()}


def _matches(column: str) -> str:
    return f'lower(trim("{column}")) = $email'


def _is_name(schema, column: str) -> bool:
    category = (schema.columns[column].metadata or {}).get("pii")
    return category == "person_name" or (category is True and column.endswith("name"))


def find_person(con: duckdb.DuckDBPyConnection, email: str) -> Person:
    person = Person(normalize_identifier(email))
    existing = _raw_tables(con)
    for (system, entity), schema in CONTRACTS.items():
        table = raw_table_name(system, entity)
        if table not in existing:
            continue
        for column in email_columns(schema):
            personal = personal_columns(schema, column)
            names = [c for c in personal if _is_name(schema, c)]
            id_column = PERSON_ENTITIES.get((system, entity))
            selected = [f'"{id_column}"' if id_column else "NULL", *(f'"{n}"' for n in names)]
            for row in con.execute(
                f"SELECT {', '.join(selected)} FROM {table} WHERE {_matches(column)}", {"email": person.email}
            ).fetchall():
                if id_column:
                    person.ids.setdefault((system, entity), set()).add(row[0])
                full = " ".join(str(v).strip() for v in row[1:] if v is not None and str(v).strip())
                if full:
                    person.names.add(full)
    return person


# --- the plan: what every table loses ---------------------------------------------------------------------

@dataclass
class Change:
    step: Step
    statements: list[tuple[str, dict]]


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """Execute with the named parameters the statement uses (DuckDB refuses unused ones)."""
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(sql, used) if used else con.execute(sql)


def _in_list(values: set[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")" if values else "(NULL)"


def plan_raw(con: duckdb.DuckDBPyConnection, person: Person) -> list[Change]:
    changes = []
    params = {"email": person.email}
    existing = _raw_tables(con)
    for (system, entity), schema in CONTRACTS.items():
        table = raw_table_name(system, entity)
        if table not in existing:
            continue
        emails = email_columns(schema)
        if (system, entity) in PERSON_ENTITIES:
            id_column = PERSON_ENTITIES[(system, entity)]
            ids = person.ids.get((system, entity), set())
            where = " OR ".join([*(_matches(c) for c in emails), f'"{id_column}" IN {_in_list(ids)}'])
            action = "delete"
        elif (system, entity) in DEPENDENT_ENTITIES:
            owner, column = DEPENDENT_ENTITIES[(system, entity)]
            where = f'"{column}" IN {_in_list(person.ids.get(owner, set()))}'
            action = "delete"
        elif emails:
            where = " OR ".join(_matches(c) for c in emails)
            action = "redact"
        else:
            continue
        rows = _run(con, f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
        if not rows:
            continue
        if action == "delete":
            statements = [(f"DELETE FROM {table} WHERE {where}", params)]
            step = Step("raw", table, action, rows_deleted=rows, detail="every version")
        else:
            statements = []
            redacted = {**params, "redacted": redacted_email(person.email)}
            for column in emails:
                sets = ", ".join([f'"{column}" = $redacted', *(f'"{c}" = NULL' for c in personal_columns(schema, column)[1:])])
                statements.append((f"UPDATE {table} SET {sets} WHERE {_matches(column)}", redacted))
            cleared = sorted({c for col in emails for c in personal_columns(schema, col)[1:]})
            step = Step("raw", table, action, rows_redacted=rows,
                        detail="email -> erased_N@domain; NULL: " + ", ".join(cleared))
        changes.append(Change(step, statements))
    return changes


def plan_quarantine(con: duckdb.DuckDBPyConnection, person: Person) -> list[Change]:
    """Quarantined rows hold the whole bad row as JSON: drop those of the person (email anywhere in the row or the
    offending value; for person and dependent entities also the person's id)."""
    conditions = ["contains(lower(coalesce(row_json, '')), $email)", "contains(lower(coalesce(offending_value, '')), $email)"]
    for (system, entity), id_column in PERSON_ENTITIES.items():
        ids = person.ids.get((system, entity), set())
        if ids:
            conditions.append(f"(system = '{system}' AND entity = '{entity}' AND "
                              f"json_extract_string(row_json, '$.{id_column}') IN {_in_list(ids)})")
    for (system, entity), (owner, column) in DEPENDENT_ENTITIES.items():
        ids = person.ids.get(owner, set())
        if ids:
            conditions.append(f"(system = '{system}' AND entity = '{entity}' AND "
                              f"json_extract_string(row_json, '$.{column}') IN {_in_list(ids)})")
    where = " OR ".join(conditions)
    params = {"email": person.email}
    rows = _run(con, f"SELECT count(*) FROM ops.quarantine WHERE {where}", params).fetchone()[0]
    if not rows:
        return []
    return [Change(Step("ops", "ops.quarantine", "delete", rows_deleted=rows, detail="bad rows of the person (row JSON)"),
                   [(f"DELETE FROM ops.quarantine WHERE {where}", params)])]


def history_models() -> set[str]:
    """Models dbt appends to and never rebuilds (incremental with full_refresh=false, e.g. mart_*_history), from
    dbt's manifest (parsed first if missing). They are purged here and left out of the rebuild."""
    import json

    manifest = next((m for m in (_target_path() / "manifest.json", PROJECT_ROOT / "dbt_project/target/manifest.json")
                     if m.exists()), None)
    if manifest is None:
        from orchestration.cli import parse_dbt_project

        parse_dbt_project(Settings.from_env())
        manifest = next(m for m in (_target_path() / "manifest.json", PROJECT_ROOT / "dbt_project/target/manifest.json")
                        if m.exists())
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        n.get("alias") or n["name"] for n in nodes
        if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
        and n["config"].get("full_refresh") is False
    }


def _history_tables(con: duckdb.DuckDBPyConnection, models: set[str]) -> list[str]:
    tables = con.execute(
        "SELECT table_schema || '.' || table_name, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT LIKE 'raw\\_%' ESCAPE '\\' AND table_schema <> 'ops'"
    ).fetchall()
    return sorted(q for q, name in tables if name in models)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".", 1)
    return [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()]


def terms_condition(columns: list[str], substrings: list[str], exact: set[str] = frozenset()) -> str | None:
    """SQL condition true on a row holding one of `substrings` (case-insensitive) or exactly one of `exact` in any
    column (every column cast to text)."""
    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    parts = []
    for column in columns:
        text = f'lower(CAST("{column}" AS VARCHAR))'
        parts += [f"contains({text}, {quoted(t.lower())})" for t in substrings]
        if exact:
            parts.append(f'CAST("{column}" AS VARCHAR) IN {_in_list(set(exact))}')
    return " OR ".join(parts) if parts else None


def trace_condition(con: duckdb.DuckDBPyConnection, table: str, person: Person, names: set[str],
                    exact: set[str] = frozenset()) -> str | None:
    """Rows of `table` holding the email, a pseudonym or one of `names` (substrings), or one of `exact`."""
    return terms_condition(_columns(con, table), [person.email, *person.pseudonyms, *names], exact)


def plan_history(con: duckdb.DuckDBPyConnection, person: Person, names: set[str], models: set[str]) -> list[Change]:
    changes = []
    for table in _history_tables(con, models):
        where = trace_condition(con, table, person, names, person.all_ids())
        rows = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0] if where else 0
        if rows:
            changes.append(Change(Step("marts", table, "delete", rows_deleted=rows, detail="history snapshots"),
                                  [(f"DELETE FROM {table} WHERE {where}", {})]))
    return changes


def find_traces(con: duckdb.DuckDBPyConnection, person: Person, names: set[str] | None = None) -> dict[str, int]:
    """Every table and view (all schemas) with rows still holding the email, a pseudonym or one of `names`."""
    names = person.names if names is None else names
    found = {}
    for schema, table in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall():
        qualified = f'"{schema}"."{table}"'
        where = trace_condition(con, f"{schema}.{table}", person, names)
        if where:
            rows = con.execute(f"SELECT count(*) FROM {qualified} WHERE {where}").fetchone()[0]
            if rows:
                found[f"{schema}.{table}"] = rows
    return found


def namesakes(con: duckdb.DuckDBPyConnection, person: Person) -> set[str]:
    """Names of the person that raw rows still hold after the erasure: other people's (namesakes) or business data
    (a company named after someone). They are neither purged from history nor reported as leftovers."""
    held = set()
    for table in sorted(_raw_tables(con)):
        columns = _columns(con, table)
        for full in person.names - held:
            if con.execute(f"SELECT count(*) FROM {table} WHERE {terms_condition(columns, [full])}").fetchone()[0]:
                held.add(full)
    return held


# --- rebuild, compact, publish --------------------------------------------------------------------------------

def _target_path() -> Path:
    value = os.environ.get("DBT_TARGET_PATH")
    return Path(value) if value else PROJECT_ROOT / "dbt_project" / "target"


def _last_as_of_date(settings: Settings) -> str | None:
    with connect(settings, read_only=True) as con:
        try:
            return str(con.execute("SELECT max(as_of_date) FROM marts.mart_completeness").fetchone()[0] or "") or None
        except duckdb.CatalogException:
            return None


def rebuild_dbt(settings: Settings, history: set[str]) -> None:
    """`dbt build --full-refresh` of everything but the history models, as of the last build's date (PW_AS_OF_DATE
    wins). Full refresh: should a model become incremental, it must lose the erased rows too."""
    from orchestration.dbt_env import dbt_command, dbt_environment

    env = {**os.environ, **dbt_environment(settings)}
    as_of = os.environ.get("PW_AS_OF_DATE") or _last_as_of_date(settings)
    if as_of:
        env["PW_AS_OF_DATE"] = as_of
    command = dbt_command("build", "--full-refresh", "--exclude-resource-type", "unit_test",
                          *(["--exclude", *sorted(history)] if history else []), "--quiet")
    done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"dbt build failed after the erasure (the raw layer is already erased; fix and rerun "
                           f"`erase` or the nightly build):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")


def compact(settings: Settings) -> None:
    """Rewrite the working file: DuckDB reuses freed blocks but does not wipe them, so deleted rows could still be
    read from the file's bytes. COPY FROM DATABASE writes live data only; the copy keeps the file name (views)."""
    working = settings.warehouse_path
    folder = working.parent / f".compact-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    copy = folder / working.name
    try:
        con = duckdb.connect(config=settings.duckdb_config())
        try:
            con.execute(f"ATTACH '{working}' AS source (READ_ONLY)")
            con.execute(f"ATTACH '{copy}' AS target")
            con.execute("COPY FROM DATABASE source TO target")
            con.execute("DETACH target")
        finally:
            con.close()
        os.replace(copy, working)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _parquet_versions(settings: Settings) -> Path:
    return settings.parquet_dir.parent / "parquet_versions"


def remove_old_copies(settings: Settings) -> int:
    """Delete every Parquet export but the one just published, and stray copies of the published file."""
    link = settings.parquet_dir
    versions = _parquet_versions(settings)
    current = link.resolve() if link.exists() else None
    removed = 0
    if versions.exists():
        for old in versions.iterdir():
            if old.resolve() != current:
                shutil.rmtree(old, ignore_errors=True)
                removed += 1
    published = settings.published
    for stray in [*published.parent.glob(f".{published.name}.*.incoming"), *link.parent.glob(".parquet.*")]:
        stray.unlink(missing_ok=True)
    return removed


# --- the landing archive (only with PW_ERASE_LANDING=1) -------------------------------------------------------

LANDING_VAR = "PW_ERASE_LANDING"


def _outcomes(suppression, source, entity: str, headers: list[str], records: list[dict]) -> list[dict | None]:
    """Per record (keyed by the file's own headers): None to drop it, else the record, redacted if it mentions
    the person (the same decision the loader takes, `Suppression.decide`)."""
    import pandas as pd

    if not records:
        return []
    renames, _ = source.map_headers(entity, headers)
    frame = pd.DataFrame([{c: (None if r.get(h) is None else str(r.get(h))) for h, c in renames.items()} for r in records],
                         columns=list(suppression.schema.columns), dtype=object)
    drop, redact = suppression.decide(frame)
    header_of = {c: h for h, c in renames.items()}
    result: list[dict | None] = []
    for index, record in enumerate(records):
        hits = [column for column, mask in redact.items() if mask.iloc[index]]
        if drop.iloc[index]:
            result.append(None)
            continue
        if hits:
            record = dict(record)
            for column in hits:
                record[header_of[column]] = redacted_email(str(record[header_of[column]]))
                for personal in personal_columns(suppression.schema, column)[1:]:
                    if personal in header_of:
                        record[header_of[personal]] = None
        result.append(record)
    return result


def _fates(suppression, source, entity: str, headers: list[str], rows: list[tuple[str, dict | None]]):
    """For each delivered row (its text, and its record or None when it does not parse), in order: "drop", "keep",
    or the redacted record to write instead. A row that does not parse (the loader quarantines it as such) is kept
    unless its text mentions the person."""
    records = [record for _, record in rows if record is not None]
    outcomes = iter(_outcomes(suppression, source, entity, headers, records))
    for text, record in rows:
        if record is None:
            yield "drop" if suppression._text_mentions(text) else "keep"
            continue
        new = next(outcomes)
        yield "drop" if new is None else "keep" if new == record else new


def _rewrite_jsonl(path: Path, suppression, source, entity: str) -> tuple[str, int, int]:
    import json

    lines = path.read_text(encoding=source.file_format.encoding or "utf-8").splitlines(keepends=True)
    rows = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        rows.append((line, value if isinstance(value, dict) else None))
    headers = list(dict.fromkeys(h for _, record in rows if record is not None for h in record))
    out, dropped, redacted = [], 0, 0
    for line, fate in zip(lines, _fates(suppression, source, entity, headers, rows)):
        if fate == "drop":
            dropped += 1
        elif fate == "keep":
            out.append(line)
        else:
            redacted += 1
            out.append(json.dumps(fate, ensure_ascii=False) + ("\n" if line.endswith("\n") else ""))
    return "".join(out), dropped, redacted


def _rewrite_csv(path: Path, suppression, source, entity: str) -> tuple[str, int, int]:
    import csv
    import io

    raw = path.read_bytes()
    encoding = source.file_format.encoding or "utf-8"
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig" if bom else encoding)
    newline = "\r\n" if "\r\n" in text[:10000] else "\n"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    if not parsed:
        return text, 0, 0
    headers, body = parsed[0], parsed[1:]
    # A row with the wrong field count does not parse (quarantined as such by the loader).
    rows = [(",".join(row), dict(zip(headers, row)) if len(row) == len(headers) else None) for row in body]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(headers)
    dropped = redacted = 0
    for row, fate in zip(body, _fates(suppression, source, entity, headers, rows)):
        if fate == "drop":
            dropped += 1
        elif fate == "keep":
            writer.writerow(row)
        else:
            redacted += 1
            writer.writerow(["" if fate[h] is None else fate[h] for h in headers])
    return buffer.getvalue(), dropped, redacted


def rewrite_landing(settings: Settings, con: duckdb.DuckDBPyConnection, person: Person) -> list[Step]:
    """Rewrite the CSV and JSON-lines extract files that hold the person: their rows dropped, mentions redacted
    (as the loader would). `ops.loaded_files` takes the new content hash, so the rewritten files are not loaded
    again as new deliveries. Parquet files are left as delivered (the suppression list still applies to them)."""
    import hashlib

    from connectors.registry import SOURCES
    from connectors.suppression import Suppression

    steps = []
    for source in SOURCES.values():
        rewrite = {"jsonl": _rewrite_jsonl, "csv": _rewrite_csv}.get(source.file_format.kind)
        for entity in source.entities:
            suppression = Suppression.for_person(source.name, entity, person.email, person.ids)
            for path in source.extract_files(settings.landing_dir, entity):
                if rewrite is None:
                    continue
                text, dropped, redacted = rewrite(path, suppression, source, entity)
                if not dropped and not redacted:
                    continue
                encoding = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else (source.file_format.encoding or "utf-8")
                data = text.encode(encoding)
                temporary = path.with_name(f".{path.name}.erasure")
                temporary.write_bytes(data)
                os.replace(temporary, path)
                relative = path.relative_to(settings.landing_dir).as_posix()
                con.execute("UPDATE ops.loaded_files SET content_sha256 = ?, bytes = ? WHERE source_file = ?",
                            [hashlib.sha256(data).hexdigest(), len(data), relative])
                steps.append(Step("landing", relative, "rewrite", rows_deleted=dropped, rows_redacted=redacted,
                                  detail=f"{LANDING_VAR}=1"))
    return steps


# --- the request --------------------------------------------------------------------------------------------

def erase(settings: Settings, email: str, reason: str | None = None, dry_run: bool = False,
          publish_result: bool = True, log=print) -> ErasureReport:
    """Erase the person behind `email` (see the module docstring); `dry_run` only counts, read-only."""
    started = time.perf_counter()
    requested_at = datetime.now(UTC)
    erasure_id = uuid.uuid4().hex
    normalized = normalize_identifier(email or "")
    if "@" not in normalized:
        raise ValueError("--email must be an email address")
    if reason and (normalized in reason.lower()):
        raise ValueError("--reason must not contain the email address (the log keeps the reason)")
    with writer_lock(settings):
        with connect(settings, read_only=dry_run) as con:
            if not dry_run:
                ensure_tables(con)
            person = find_person(con, normalized)
            if reason and any(n.lower() in reason.lower() for n in person.names):
                raise ValueError("--reason must not contain the person's name (the log keeps the reason)")
            changes = [*plan_raw(con, person), *plan_quarantine(con, person)]
            history_names = history_models()
            if dry_run:
                changes += plan_history(con, person, person.names, history_names)
                report = ErasureReport(erasure_id, True, [c.step for c in changes])
                report.seconds = time.perf_counter() - started
                return report
            append_registry({
                "erasure_id": erasure_id, "requested_at": requested_at.isoformat(),
                "email_hash": email_hash(normalized),
                "id_hashes": sorted(id_hash(s, e, i) for (s, e), ids in person.ids.items() for i in ids),
            })
            log(f"[erase {erasure_id[:8]}] suppression registered in {registry_path()}")
            con.execute("BEGIN TRANSACTION")
            try:
                for change in changes:
                    for sql, params in change.statements:
                        _run(con, sql, params)
                kept_names = person.names - namesakes(con, person)
                history = plan_history(con, person, kept_names, history_names)
                for change in history:
                    for sql, params in change.statements:
                        _run(con, sql, params)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            landing = []
            if os.environ.get(LANDING_VAR) == "1":
                log(f"[erase {erasure_id[:8]}] {LANDING_VAR}=1: rewriting the landing files that hold the person")
                landing = rewrite_landing(settings, con, person)
        steps = [c.step for c in [*changes, *history]]
        steps[:0] = landing or [Step("landing", str(settings.landing_dir.name), "suppress",
                                     detail="files not rewritten; later loads drop/redact the person")]
        log(f"[erase {erasure_id[:8]}] raw/ops/history erased; dbt build ...")
        rebuild_dbt(settings, history_names)
        steps.append(Step("dbt", "staging, intermediate, marts", "rebuild",
                          detail="dbt build --full-refresh; history models excluded"))
        with connect(settings) as con:
            leftovers = find_traces(con, person, kept_names)
            if leftovers:
                raise RuntimeError(f"erasure {erasure_id}: the person is still in {sorted(leftovers)} after the rebuild")
            con.execute(ERASURE_LOG_DDL)
            completed_at = datetime.now(UTC)
            published = publish_result and os.environ.get("PW_PUBLISH", "1") != "0"
            if published:
                versions = _parquet_versions(settings)
                old = len(list(versions.iterdir())) if versions.exists() else 0
                steps.append(Step("published", settings.published.name, "publish", detail="published file replaced"))
                steps.append(Step("parquet", versions.name, "remove_files",
                                  detail=f"new export; {old} older export(s) deleted"))
            for s in steps:
                con.execute("INSERT INTO ops.erasure_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [erasure_id, requested_at, completed_at, reason, s.layer, s.table, s.action,
                             s.rows_deleted, s.rows_redacted, s.detail])
            con.execute("CHECKPOINT")
        compact(settings)
        if published:
            from orchestration.publish import publish

            publish(settings, f"erasure-{erasure_id}")
            remove_old_copies(settings)
    report = ErasureReport(erasure_id, False, steps)
    report.seconds = time.perf_counter() - started
    return report
