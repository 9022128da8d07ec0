"""The dbt project as Dagster assets (dagster-dbt). dbt sources map onto the raw-table asset keys, so the
lineage runs from each extract entity through staging to the marts, and dbt tests appear as asset checks."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from data_contracts import CONTRACTS
from orchestration.ingest import raw_asset_key
from orchestration.run_log import record_model_runs
from settings import Settings, patched_environ
from warehouse import dbt as warehouse_dbt
from warehouse.connection import connect, writer_lock

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
    settings = Settings.from_env()
    # dagster-dbt starts dbt with this process's environment: the settings' one, for this invocation only.
    with writer_lock(settings), patched_environ(warehouse_dbt.dbt_environment(settings, base={})):
        invocation = dbt.cli(list(warehouse_dbt.BUILD_ARGS), context=context, raise_on_error=False)
        yield from invocation.stream()
        _record_results(settings, context.run.run_id, invocation)
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed: see the failed models and tests in ops.model_runs and the dbt log above.",
            metadata={"failed": dg.MetadataValue.json(_failed_nodes(invocation))},
        )


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
