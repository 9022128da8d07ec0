"""The session runner: the compiled dbt project executed in ONE DuckDB connection, for the nightly path.

dbt stays the source of truth and the development tool: it parses and compiles the project (the SQL of every model
and test is dbt's own), and `dbt build` stays available (PW_DBT_RUNNER=dbt). What this module replaces is dbt's
per-node machinery (a thread, a cursor, introspection and logging per node: ~60 ms x ~600 nodes, plus starting dbt
twice), which on a small warehouse costs several times the SQL itself.

A run (`build`):
1. seeds: a seed whose file changed (its sha256, kept as the table's comment) is reloaded as dbt-duckdb loads it
   (`CREATE TABLE` with the seed's column_types, then `COPY ... FROM` the file); an unchanged seed is kept;
2. the compiled project (`compiled_manifest`): `dbt compile` once, reused while nothing that changes compiled SQL
   has changed (the key: project and seed files, dbt's environment, the raw tables' columns). The date and the run
   id are not part of it: the macro `run_value` reads them from the session variables `pw_as_of_date`, `pw_run_id`
   and `pw_run_started_at`, which this runner sets;
3. models and tests in dbt build's order (manifest `depends_on`, and a model waits for the tests of its parents):
   a table model is replaced inside a transaction (a failure leaves the previous table), an enforced contract
   creates the declared columns and constraints first, as dbt-duckdb does; an incremental model appends its new
   rows (new columns added first: on_schema_change append_new_columns); a test counts its failing rows and applies
   its severity and warn_if / error_if. A failed model or error test skips its descendants only, as dbt does.

A night (`changed_only`) runs only the stale models (`stale_models`: new rows upstream, the date, a failed last
build) and their descendants and tests.

Each node's result (`NodeResult`) has the fields of dbt's run_results.json, so ops.model_runs and the Dagster
events are built exactly as for `dbt build`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from settings import Settings
from warehouse.dbt import (
    CI_ONLY_TAG,
    DBT_PROJECT_DIR,
    DbtFailed,
    invoke_dbt,
    parse_if_changed,
    parsed_manifest,
    project_fingerprint,
    stamp_manifest,
    target_dir,
)
from warehouse.faults import fault_point
from warehouse.privacy import pii_hash_key

RUNNABLE = ("seed", "model", "test")


class CompileFailed(RuntimeError):
    pass


@dataclass
class NodeResult:
    """One node's outcome, as dbt's run_results.json records it."""

    unique_id: str
    status: str  # seeds/models: success, reused (seed unchanged), error, skipped; tests: pass, warn, fail, error, skipped
    started_at: datetime
    finished_at: datetime
    rows_affected: int | None = None
    failures: int | None = None
    message: str = ""
    invocation_id: str = ""  # the run's RunValues.run_id, as dbt stamps its results with its invocation id

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def as_run_result(self) -> dict:
        return {"unique_id": self.unique_id, "status": self.status, "execution_time": self.seconds,
                "adapter_response": {"rows_affected": self.rows_affected}, "failures": self.failures,
                "message": self.message}


@dataclass
class RunValues:
    """What `run_value` reads on DuckDB: the as-of date, this run's id and start (dbt: var, invocation_id, start)."""

    as_of_date: date
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    run_started_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None, microsecond=0))

    @classmethod
    def for_settings(cls, settings: Settings) -> RunValues:
        # dbt's default for var as_of_date is run_started_at's day, in UTC.
        return cls(as_of_date=settings.as_of_date or datetime.now(UTC).date())


# --- the compiled project ---------------------------------------------------------------------------------------


def cached_compile(settings: Settings, key: str) -> dict | None:
    """The compiled manifest of the last `dbt compile`, if it was compiled under this key."""
    folder = target_dir(settings) / "session"
    if (folder / "key").exists() and (folder / "key").read_text() == key and (folder / "manifest.json").exists():
        return json.loads((folder / "manifest.json").read_text())
    return None


def compile_project(settings: Settings, key: str) -> dict:
    """`dbt compile` of every model and test (unit tests and analyses are not nightly work); cached under `key`."""
    try:  # in this process, from the manifest this run parsed if it did (no second parse)
        invoke_dbt(settings, "compile", "--quiet", "--exclude", "resource_type:unit_test", "resource_type:analysis",
                   manifest=parsed_manifest(settings))
    except DbtFailed as error:
        raise CompileFailed(str(error)[-6000:]) from None
    folder = target_dir(settings) / "session"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target_dir(settings) / "manifest.json", folder / "manifest.json")
    stamp_manifest(settings)  # the compiled manifest is a parsed one too: the next run need not parse again
    (folder / "key").write_text(key)
    return json.loads((folder / "manifest.json").read_text())


def compile_key(settings: Settings, con: duckdb.DuckDBPyConnection) -> str:
    """A hash of everything compiled SQL depends on, apart from the run values (see the module's docstring)."""
    digest = hashlib.sha256(project_fingerprint(settings).encode())
    # Introspected while compiling: staging selects the raw columns that exist. Whether an incremental model's table
    # exists is not part of it: the history models compile alike either way (macro history_snapshot), and a compile
    # that reads a table since dropped is caught by `reads_missing_table`.
    digest.update(json.dumps(con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\' ORDER BY ALL").fetchall()).encode())
    return digest.hexdigest()


def reads_missing_table(con: duckdb.DuckDBPyConnection, compiled: Mapping) -> bool:
    """An incremental model compiled to read its own table (is_incremental() was true), which is not there now."""
    return any(n["config"].get("materialized") == "incremental" and n["relation_name"] in (n.get("compiled_code") or "")
               and not _exists(con, n) for n in compiled["nodes"].values() if n["resource_type"] == "model")


# --- running ------------------------------------------------------------------------------------------------------


def set_run_values(con: duckdb.DuckDBPyConnection, values: RunValues, settings: Settings) -> None:
    """The session variables of `run_value`, and the pseudonymization key as warehouse.dbt_privacy_plugin sets it
    (a prepared parameter: the key is in no SQL text)."""
    for name, value in (("pw_as_of_date", values.as_of_date), ("pw_run_id", values.run_id),
                        ("pw_run_started_at", values.run_started_at), ("pw_pii_hash_key", pii_hash_key(settings))):
        con.execute(f"SET VARIABLE {name} = ?", [value])


def build_graph(manifest: Mapping, selected: Iterable[str]) -> dict[str, set[str]]:
    """Each selected seed, model and test with the nodes it waits for, as dbt build orders them: its parents, and
    for a model, the tests of its parents whose every parent is upstream of it (so a failed test stops it)."""
    nodes = {uid: manifest["nodes"][uid] for uid in selected}
    parents = {uid: {p for p in n.get("depends_on", {}).get("nodes", []) if p in nodes} for uid, n in nodes.items()}
    ancestors: dict[str, set[str]] = {}

    def upstream(uid: str) -> set[str]:
        if uid not in ancestors:
            ancestors[uid] = set().union(*({p, *upstream(p)} for p in parents[uid]))
        return ancestors[uid]

    children: dict[str, set[str]] = {uid: set() for uid in nodes}
    for uid, ps in parents.items():
        for parent in ps:
            children[parent].add(uid)
    graph = {uid: set(ps) for uid, ps in parents.items()}
    for test, test_parents in parents.items():
        if nodes[test]["resource_type"] != "test" or not test_parents:
            continue
        for child in set().union(*(children[p] for p in test_parents)):
            if nodes[child]["resource_type"] != "test" and test_parents <= upstream(child):
                graph[child].add(test)
    return graph


def _skipped(uid: str, because: set[str]) -> NodeResult:
    now = datetime.now(UTC)
    return NodeResult(uid, "skipped", now, now, message=f"skipped: upstream {', '.join(sorted(because))} failed")


def _run_node(con: duckdb.DuckDBPyConnection, node: Mapping) -> NodeResult:
    started = datetime.now(UTC)
    kind = node["resource_type"]
    try:
        if kind == "seed":
            status, rows, failures, message = _run_seed(con, node)
        elif kind == "test":
            status, rows, failures, message = _run_test(con, node)
        else:
            status, rows, failures, message = _run_model(con, node)
    except duckdb.Error as error:
        _rollback(con)
        status, rows, failures, message = "error", None, None, f"{type(error).__name__}: {error}"
    return NodeResult(node["unique_id"], status, started, datetime.now(UTC), rows, failures, message)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open


def _run_seed(con: duckdb.DuckDBPyConnection, node: Mapping) -> tuple[str, int | None, None, str]:
    relation, path = node["relation_name"], seed_path(node)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    if _comment(con, node) == f"sha256:{checksum}":
        return "reused", None, None, "unchanged seed file: kept"
    types = node["config"].get("column_types") or {}
    header = path.read_text(encoding="utf-8").splitlines()[0]
    delimiter = node["config"].get("delimiter") or ","
    columns = [c.strip().strip('"') for c in header.split(delimiter)]
    missing = [c for c in columns if c not in types]
    if missing:
        raise duckdb.InvalidInputException(f"seed {path.name}: no column_types for {missing} (the runner needs them)")
    _ensure_schema(con, node)
    con.execute("BEGIN")
    con.execute(f"CREATE OR REPLACE TABLE {relation} ({', '.join(f'{_q(c)} {types[c]}' for c in columns)})")
    con.execute(f"COPY {relation} FROM '{path}' (FORMAT CSV, HEADER TRUE, DELIMITER '{delimiter}')")
    con.execute(f"COMMENT ON TABLE {relation} IS 'sha256:{checksum}'")
    con.execute("COMMIT")
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    return "success", rows, None, f"INSERT {rows}"


def seed_path(node: Mapping) -> Path:
    return (DBT_PROJECT_DIR / node["original_file_path"]).resolve()


def _comment(con: duckdb.DuckDBPyConnection, node: Mapping) -> str | None:
    row = con.execute("SELECT comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                      "AND table_name = ?", [node["database"], node["schema"], node["alias"]]).fetchone()
    return row[0] if row else None


def _exists(con: duckdb.DuckDBPyConnection, node: Mapping) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                       "AND table_name = ?", [node["database"], node["schema"], node["alias"]]).fetchone()[0] > 0


def _ensure_schema(con: duckdb.DuckDBPyConnection, node: Mapping) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(node['database'])}.{_q(node['schema'])}")


def _run_model(con: duckdb.DuckDBPyConnection, node: Mapping) -> tuple[str, int, None, str]:
    materialized = node["config"]["materialized"]
    _ensure_schema(con, node)
    con.execute("BEGIN")
    if materialized == "incremental" and _exists(con, node):
        rows = _append(con, node)
    elif materialized in ("table", "incremental"):
        rows = _create_table(con, node)
    else:
        raise duckdb.InvalidInputException(f"{node['unique_id']}: materialization {materialized!r} is not supported "
                                           "by the session runner (PW_DBT_RUNNER=dbt runs it)")
    con.execute("COMMIT")
    return "success", rows, None, f"OK {rows}"


def _create_table(con: duckdb.DuckDBPyConnection, node: Mapping) -> int:
    """dbt-duckdb's create_table_as: with an enforced contract, the declared columns and constraints, then insert."""
    relation, sql = node["relation_name"], node["compiled_code"]
    if not node["config"].get("contract", {}).get("enforced"):
        con.execute(f"CREATE OR REPLACE TABLE {relation} AS ({sql}\n)")
        _stamp_sql(con, node)
        return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    columns = list(node["columns"].values())
    _assert_columns_equivalent(con, node, [c["name"] for c in columns])
    definitions = [f"{_q(c['name'])} {c['data_type']}{_column_constraints(c)}" for c in columns]
    definitions += [_model_constraint(c) for c in node.get("constraints", [])]
    names = ", ".join(_q(c["name"]) for c in columns)
    con.execute(f"CREATE OR REPLACE TABLE {relation} ({', '.join(d for d in definitions if d)})")
    _stamp_sql(con, node)
    return con.execute(f"INSERT INTO {relation} ({names}) (SELECT {names} FROM ({sql}\n) AS model_subq)").fetchone()[0]


def sql_signature(node: Mapping) -> str:
    """What a table was built from (its compiled SQL and config), kept as the table's comment: a night rebuilds a
    model whose SQL changed since its table was built, and keeps the others even when the project was recompiled."""
    text = (node.get("compiled_code") or "") + json.dumps(node.get("config", {}), sort_keys=True, default=str)
    return "sql:" + hashlib.sha256(text.encode()).hexdigest()


def _stamp_sql(con: duckdb.DuckDBPyConnection, node: Mapping) -> None:
    con.execute(f"COMMENT ON TABLE {node['relation_name']} IS '{sql_signature(node)}'")


def _assert_columns_equivalent(con: duckdb.DuckDBPyConnection, node: Mapping, declared: list[str]) -> None:
    """dbt refuses a contracted model whose query's columns differ from the declared ones: so does the runner."""
    produced = [row[0] for row in con.execute(f"DESCRIBE ({node['compiled_code']}\n)").fetchall()]
    if sorted(c.lower() for c in produced) != sorted(c.lower() for c in declared):
        raise duckdb.InvalidInputException(
            f"{node['unique_id']}: contract columns {sorted(declared)} differ from the query's {sorted(produced)}")


def _column_constraints(column: Mapping) -> str:
    words = {"not_null": " NOT NULL", "unique": " UNIQUE", "primary_key": " PRIMARY KEY"}
    text = ""
    for constraint in column.get("constraints", []):
        if constraint["type"] in words:
            text += words[constraint["type"]]
        elif constraint["type"] == "check" and constraint.get("expression"):
            text += f" CHECK ({constraint['expression']})"
    return text


def _model_constraint(constraint: Mapping) -> str:
    columns = ", ".join(_q(c) for c in constraint.get("columns", []))
    if constraint["type"] == "primary_key":
        return f"PRIMARY KEY ({columns})"
    if constraint["type"] == "unique":
        return f"UNIQUE ({columns})"
    if constraint["type"] == "check" and constraint.get("expression"):
        return f"CHECK ({constraint['expression']})"
    return ""  # not_null has no model-level form; foreign keys are not enforced by dbt-duckdb either


def _append(con: duckdb.DuckDBPyConnection, node: Mapping) -> int:
    """dbt-duckdb's append strategy with on_schema_change append_new_columns: new columns first, then insert."""
    relation, sql = node["relation_name"], node["compiled_code"]
    existing = {row[0].lower() for row in con.execute(f"DESCRIBE {relation}").fetchall()}
    produced = con.execute(f"DESCRIBE ({sql}\n)").fetchall()
    if node["config"].get("on_schema_change") == "append_new_columns":
        for name, data_type, *_ in produced:
            if name.lower() not in existing:
                con.execute(f"ALTER TABLE {relation} ADD COLUMN {_q(name)} {data_type}")
    elif node["config"].get("on_schema_change") not in (None, "ignore"):
        raise duckdb.InvalidInputException(f"{node['unique_id']}: on_schema_change "
                                           f"{node['config']['on_schema_change']!r} is not supported by the runner")
    names = ", ".join(_q(name) for name, *_ in produced if name.lower() in existing
                      or node["config"].get("on_schema_change") == "append_new_columns")
    return con.execute(f"INSERT INTO {relation} ({names}) (SELECT {names} FROM ({sql}\n) AS model_subq)").fetchone()[0]


def _run_test(con: duckdb.DuckDBPyConnection, node: Mapping) -> tuple[str, None, int, str]:
    """dbt's get_test_sql: fail_calc over the failing rows, judged by warn_if / error_if and the severity."""
    config = node["config"]
    fail_calc = config.get("fail_calc") or "count(*)"
    limit = f"\nlimit {config['limit']}" if config.get("limit") is not None else ""
    failures, should_warn, should_error = con.execute(
        f"select {fail_calc} as failures, {fail_calc} {config.get('warn_if') or '!= 0'} as should_warn, "
        f"{fail_calc} {config.get('error_if') or '!= 0'} as should_error "
        f"from ({node['compiled_code']}{limit}\n) dbt_internal_test").fetchone()
    failures = int(failures or 0)
    if (config.get("severity") or "error").lower() == "error" and should_error:
        return "fail", None, failures, f"Got {failures} result{'s' if failures != 1 else ''}, configured to fail if {config.get('error_if')}"
    if should_warn:
        return "warn", None, failures, f"Got {failures} result{'s' if failures != 1 else ''}, configured to warn if {config.get('warn_if')}"
    return "pass", None, failures, ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- what a night rebuilds ----------------------------------------------------------------------------------------

RUN_VARIABLES = ("getvariable('pw_as_of_date')", "getvariable('pw_run_id')", "getvariable('pw_run_started_at')")


def run_value_models(compiled: Mapping) -> set[str]:
    """Models whose compiled SQL reads a run value (the as-of date, the run's id): they change every run."""
    return {uid for uid, n in compiled["nodes"].items() if n["resource_type"] == "model"
            and any(v in (n.get("compiled_code") or "") for v in RUN_VARIABLES)}


def stale_models(con: duckdb.DuckDBPyConnection, compiled: Mapping, reloaded_seeds: set[str]) -> set[str]:
    """The models a run must rebuild: those that never built (or their table is gone), those built before a source
    they read received rows or before a seed they read was reloaded, those that read a run value, and everything
    downstream of them. The rest are exactly as a full rebuild would leave them."""
    built = dict(con.execute("SELECT unique_id, max(finished_at) FROM ops.model_runs WHERE status = 'success' "
                             "GROUP BY 1").fetchall()) if _ops_table(con, "model_runs") else {}
    loaded = {(system, entity): at for system, entity, at in con.execute(
        "SELECT system, entity, max(loaded_at) FROM ops.loaded_files WHERE status = 'loaded' AND rows_loaded > 0 "
        "GROUP BY ALL").fetchall()} if _ops_table(con, "loaded_files") else {}
    sources = {uid: (s["source_name"], s["name"]) for uid, s in compiled.get("sources", {}).items()}
    nodes = compiled["nodes"]

    def changed_at(parent: str):
        return loaded.get(sources[parent]) if parent in sources else built.get(parent)

    # The load's own records (ops.loaded_files, ops.quarantine) change with every run, whatever arrived: what reads
    # them (the audit of source files, completeness) is rebuilt every night.
    ops_sources = {uid for uid, (system, _) in sources.items() if system == "ops"}
    changed = set(run_value_models(compiled))
    changed |= {uid for uid, node in nodes.items() if node["resource_type"] == "model"
                and ops_sources & set(node["depends_on"].get("nodes", []))}
    for uid, node in nodes.items():
        if node["resource_type"] != "model" or uid in changed:
            continue
        last, parents = built.get(uid), node["depends_on"].get("nodes", [])
        # A parent newer than the model: a source that received rows, a seed or model built (in an earlier run,
        # maybe one where this model failed) since the model last built.
        newer = last is None or any((changed_at(p) or last) > last for p in parents)
        # A table model's comment says what SQL built it (none: built by `dbt build`, or gone): another one rebuilds.
        built_from_other_sql = node["config"].get("materialized") == "table" and _comment(con, node) != sql_signature(node)
        if newer or reloaded_seeds & set(parents) or not _exists(con, node) or built_from_other_sql:
            changed.add(uid)
    return _with_descendants(changed, nodes)


def _with_descendants(roots: set[str], nodes: Mapping) -> set[str]:
    children: dict[str, set[str]] = {}
    for uid, node in nodes.items():
        if node["resource_type"] == "model":
            for parent in node["depends_on"].get("nodes", []):
                children.setdefault(parent, set()).add(uid)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _ops_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ops' AND table_name = ?",
                       [name]).fetchone()[0] > 0


def tests_of(compiled: Mapping, models: set[str]) -> set[str]:
    """The tests that read one of `models` (a relationships test reads two models: it runs if either changed)."""
    return {uid for uid, n in compiled["nodes"].items() if n["resource_type"] == "test"
            and models & set(n["depends_on"].get("nodes", []))}


# --- one call for the pipeline --------------------------------------------------------------------------------------


def build(settings: Settings, connect: Callable, selected: Iterable[str] | None = None,
          on_result: Callable[[NodeResult], None] = lambda result: None,
          values: RunValues | None = None, changed_only: bool = False) -> tuple[list[NodeResult], dict]:
    """Seeds, then the compiled project (`dbt compile` first when its key changed), each on a connection from
    `connect()`; `selected`: only these unique ids (default: every seed, model and test). A failed node skips
    its descendants (failed: a model's error, a test's error or fail, a skip). `changed_only`: of the selected
    models only the stale ones (`stale_models`) and their tests (a model whose compiled SQL changed is stale).
    Returns the results and the compiled manifest they ran from."""
    # Parsed for these settings (relation names hold the database, named after the warehouse file): not another
    # warehouse's manifest that manifest_path() may fall back to.
    manifest = json.loads(parse_if_changed(settings).read_text())
    values = values or RunValues.for_settings(settings)
    # As BUILD_ARGS: the tests of static seeds are CI's work, not a night's.
    wanted = {uid for uid, n in manifest["nodes"].items()
              if n["resource_type"] in RUNNABLE and CI_ONLY_TAG not in n.get("tags", [])}
    wanted &= set(selected) if selected is not None else wanted
    results: list[NodeResult] = []
    with connect() as con:
        set_run_values(con, values, settings)
        # Seeds first: compiling reads one (completeness_fields reads field_impact_weights).
        seeds = [uid for uid in wanted if manifest["nodes"][uid]["resource_type"] == "seed"]
        results += _run_nodes(con, manifest, seeds, build_graph(manifest, seeds), set(), values, on_result)
        key = compile_key(settings, con)
        compiled = cached_compile(settings, key)
        if compiled is not None and reads_missing_table(con, compiled):
            compiled = None
    compiled = compiled or compile_project(settings, key)
    stopped = {r.unique_id for r in results if r.status in STOPPING}
    with connect() as con:
        set_run_values(con, values, settings)
        if changed_only:
            reloaded = {r.unique_id for r in results if r.status == "success"}
            models = stale_models(con, compiled, reloaded) & wanted
            wanted = {uid for uid in wanted if compiled["nodes"][uid]["resource_type"] == "seed"} | models
            wanted |= tests_of(compiled, models | reloaded) & set(compiled["nodes"])
        graph = build_graph(compiled, wanted)
        rest = [uid for uid in TopologicalSorter(graph).static_order() if uid not in seeds]
        results += _run_nodes(con, compiled, rest, graph, stopped, values, on_result)
    return results, compiled


STOPPING = ("error", "fail", "skipped")


def _run_nodes(con: duckdb.DuckDBPyConnection, manifest: Mapping, order: Iterable[str], graph: Mapping[str, set[str]],
               stopped: set[str], values: RunValues, on_result: Callable[[NodeResult], None]) -> list[NodeResult]:
    results = []
    for uid in order:
        blocked = graph[uid] & stopped
        result = _skipped(uid, blocked) if blocked else _run_node(con, manifest["nodes"][uid])
        result.invocation_id = values.run_id
        if result.status in STOPPING:
            stopped.add(uid)
        results.append(result)
        on_result(result)
        if sum(r.resource_type == "model" for r in results) == FAULT_AFTER_MODELS and result.resource_type == "model":
            fault_point("dbt.building")  # fault tests: some models rebuilt, the rest not
    return results


FAULT_AFTER_MODELS = 3
