"""The dbt project as Dagster assets (dagster-dbt). dbt sources map onto the raw-table asset keys, so the
lineage runs from each extract entity through staging to the marts, and dbt tests appear as asset checks."""

import sys
from collections.abc import Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from data_contracts import CONTRACTS
from orchestration.ingest import raw_asset_key
from orchestration.run_health import claim_run
from orchestration.run_log import record_model_runs
from settings import Settings, patched_environ
from warehouse import dbt as warehouse_dbt
from warehouse import runner
from warehouse.connection import connect, writer_lock
from warehouse.faults import fault_point
from warehouse.ops import ensure_ops_schema

# Built from the facts warehouse.dbt holds, so dagster-dbt and every other dbt call read the same project and target.
dbt_project = DbtProject(project_dir=warehouse_dbt.DBT_PROJECT_DIR, profiles_dir=warehouse_dbt.DBT_PROJECT_DIR,
                         target_path=warehouse_dbt.target_dir(Settings.from_env()))
dbt_project.prepare_if_dev()  # only under `dagster dev`; `make` targets parse the project beforehand


class PartnerWarehouseTranslator(DagsterDbtTranslator):
    """dbt sources of the contracts are the raw-table assets (`raw/<system>/<entity>`), and their dbt tests are asset
    checks on those assets. Both come from `get_asset_key`, which dagster-dbt also uses for the events of tests it
    cannot attach to a check: keyed here, nothing ever lands on a key without a definition (the UI's phantom
    `crm/account` "external assets" were test results on dagster-dbt's default source keys)."""

    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        props = dbt_resource_props
        if props["resource_type"] == "source" and (props["source_name"], props["name"]) in CONTRACTS:
            return raw_asset_key(props["source_name"], props["name"])
        return super().get_asset_key(props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec  # not an asset of this multi-asset: only its key (a dependency, a check's target) is used
        return spec.replace_attributes(group_name=_layer(props))


def _layer(props: Mapping[str, Any]) -> str:
    """Asset group from the model's folder: staging, intermediate, marts (seeds: reference)."""
    if props["resource_type"] == "seed":
        return "reference"
    fqn = props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "dbt"


def manifest_path() -> Path:
    return warehouse_dbt.manifest_path(Settings.from_env())


@dbt_assets(
    manifest=manifest_path(),
    dagster_dbt_translator=PartnerWarehouseTranslator(),
    project=dbt_project,
)
def partner_warehouse_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    claim_run(context)
    settings = Settings.from_env()
    if settings.dbt_runner == "session":
        yield from _session_build(context, settings)
        return
    # dagster-dbt starts dbt with this process's environment: the settings' one, for this invocation only.
    with writer_lock(settings), patched_environ(warehouse_dbt.dbt_environment(settings, base={})):
        invocation = dbt.cli(list(warehouse_dbt.BUILD_ARGS), context=context, raise_on_error=False)
        for number, event in enumerate(invocation.stream(), start=1):
            yield event
            if number == runner.FAULT_AFTER_MODELS:
                fault_point("dbt.building")  # fault tests: dbt has built some models and goes on
        _record_results(settings, context.run.run_id, invocation)
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed: see the failed models and tests in ops.model_runs and the dbt log above.",
            metadata={"failed": dg.MetadataValue.json(_failed_nodes(invocation))},
        )


def _session_build(context: dg.AssetExecutionContext, settings: Settings):
    """The same build through warehouse.runner (PW_DBT_RUNNER=session): dbt compiles, one DuckDB connection runs.

    Its results become the events dagster-dbt makes of `dbt build`'s (one materialization per model and seed, one
    check result per test, same keys and metadata: dagster-dbt's own event class builds them) and ops.model_runs."""
    manifest = warehouse_dbt.load_manifest(settings)
    translator = PartnerWarehouseTranslator()
    selected = _selected_unique_ids(context, manifest, translator)
    with writer_lock(settings):
        with connect(settings) as con:
            rows_loaded = _rows_loaded(con, context.run.run_id)
        if not rows_loaded:
            print("nothing new arrived: rebuilding only the models that depend on the as-of date (and any model "
                  "not yet built from the data it reads)", file=sys.stderr, flush=True)
        # A whole-project run rebuilds only what its new data and the date touch (a subset: what was asked).
        results, _ = runner.build(settings, lambda: connect(settings), selected=selected,
                                  changed_only=selected is None)
        with connect(settings) as con:
            record_model_runs(con, context.run.run_id, {"results": [r.as_run_result() for r in results]})
    kinds = [r.resource_type for r in results]
    every_model = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    context.log.info(f"session runner: {kinds.count('model')} of {every_model} models rebuilt, "
                     f"{kinds.count('test')} tests run")
    # Dagster wants a multi-asset's outputs in dependency order: the results and the kept models, interleaved.
    by_id = {r.unique_id: r for r in results}
    for uid in _dependency_order(manifest):
        if uid in by_id:
            event = DbtCoreCliEventMessage(raw_event=_raw_event(by_id[uid]), event_history_metadata={})
            yield from event.to_default_asset_events(manifest=manifest, dagster_dbt_translator=translator,
                                                     context=context, project=dbt_project)
        elif manifest["nodes"][uid]["resource_type"] == "model" and (selected is None or uid in selected):
            yield _kept_output(context, manifest, translator, uid)
    failed = [r.unique_id for r in results if r.status in ("error", "fail")]
    if failed:
        raise dg.Failure(
            description="dbt build (session runner) failed: see the failed models and tests in ops.model_runs.",
            metadata={"failed": dg.MetadataValue.json(failed),
                      "errors": dg.MetadataValue.md("\n".join(f"- `{r.unique_id}`: {r.message[:500]}"
                                                              for r in results if r.status in ("error", "fail")))},
        )


def _dependency_order(manifest: Mapping[str, Any]) -> list[str]:
    nodes = manifest["nodes"]
    graph = {uid: {p for p in n["depends_on"].get("nodes", []) if p in nodes} for uid, n in nodes.items()}
    return list(TopologicalSorter(graph).static_order())


def _kept_output(context: dg.AssetExecutionContext, manifest: Mapping[str, Any], translator: DagsterDbtTranslator,
                 uid: str) -> dg.Output:
    """The output of a model the night kept (nothing it reads changed, so its table is what a rebuild would give):
    without it Dagster would skip what depends on it, the publish included."""
    key = translator.get_asset_spec(manifest, uid, dbt_project).key
    return dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                     metadata={"rebuilt": False, "why": "nothing it reads changed since its last build"})


def _rows_loaded(con, run_id: str) -> int:
    """Rows this run's loads added to the raw tables (ops.load_runs; 0 also when the loads were not part of it)."""
    ensure_ops_schema(con)
    return con.execute("SELECT coalesce(sum(rows_loaded), 0) FROM ops.load_runs WHERE run_id = ?", [run_id]).fetchone()[0]


RESULT_EVENTS = {"seed": "LogSeedResult", "model": "LogModelResult", "test": "LogTestResult"}


def _raw_event(result: runner.NodeResult) -> dict:
    """The structured log line dbt writes when a node finishes, as dagster-dbt reads it."""
    return {
        "info": {"name": RESULT_EVENTS[result.resource_type], "msg": result.message,
                 "invocation_id": result.invocation_id},
        "data": {"node_info": {"unique_id": result.unique_id, "node_status": result.status,
                               "node_started_at": result.started_at.isoformat(),
                               "node_finished_at": result.finished_at.isoformat()},
                 "status": result.status, "num_failures": result.failures, "execution_time": result.seconds},
    }


def _selected_unique_ids(context: dg.AssetExecutionContext, manifest: Mapping[str, Any],
                         translator: DagsterDbtTranslator) -> set[str] | None:
    """None when every asset and check is selected; else the seeds and models of the selected assets and the
    tests of the selected checks (a test with no check: when all the models it reads are selected)."""
    assets_def = context.assets_def
    if set(context.selected_asset_keys) >= set(assets_def.keys):  # the whole project (the job leaves no check out)
        return None
    keys, checks = set(context.selected_asset_keys), set(context.selected_asset_check_keys)
    selected = {uid for uid, props in manifest["nodes"].items() if props["resource_type"] in ("seed", "model")
                and translator.get_asset_spec(manifest, uid, dbt_project).key in keys}
    for uid, props in manifest["nodes"].items():
        if props["resource_type"] != "test":
            continue
        check = get_asset_check_key_for_test(manifest, translator, uid, project=dbt_project)
        parents = {p for p in props["depends_on"]["nodes"] if p in manifest["nodes"]}
        if (check in checks) if check is not None else (parents and parents <= selected):
            selected.add(uid)
    return selected


def _record_results(settings: Settings, run_id: str, invocation) -> None:
    """Per-model results into ops.model_runs (dbt has closed the file by now: keep_open is false)."""
    try:
        run_results = invocation.get_artifact("run_results.json")
    except FileNotFoundError:
        return
    with connect(settings) as con:
        record_model_runs(con, run_id, run_results)


def _failed_nodes(invocation) -> list[str]:
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except FileNotFoundError:
        return []
    return [r["unique_id"] for r in results if r.get("status") in ("error", "fail")]


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(warehouse_dbt.DBT_PROJECT_DIR),
                          dbt_executable=str(warehouse_dbt.dbt_executable()))
