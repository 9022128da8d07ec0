"""The dbt project as Dagster assets (dagster-dbt). dbt sources map onto the raw-table asset keys, so the
lineage runs from each extract entity through staging to the marts, and dbt tests appear as asset checks."""


import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from connectors.settings import Settings
from orchestration.dbt_env import DBT_PROJECT_DIR, dbt_command, dbt_environment
from orchestration.ingest import raw_asset_key

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()  # only under `dagster dev`; `make` targets parse the project beforehand


class PartnerWarehouseTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=raw_asset_key(props["source_name"], props["name"]))
        return spec.replace_attributes(group_name=_layer(props))


def _layer(props: Mapping[str, Any]) -> str:
    """Asset group from the model's folder: staging, intermediate, marts (seeds: reference)."""
    if props["resource_type"] == "seed":
        return "reference"
    fqn = props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "dbt"


def manifest_path() -> Path:
    path = dbt_project.manifest_path
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: parse the dbt project first (`make manifest`, or "
            "`dbt parse --project-dir dbt_project --profiles-dir dbt_project`)."
        )
    return path


@dbt_assets(
    manifest=manifest_path(),
    dagster_dbt_translator=PartnerWarehouseTranslator(),
    project=dbt_project,
    pool="warehouse_writer",
)
def partner_warehouse_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    os.environ.update(dbt_environment(Settings.from_env()))
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    # The venv's dbt, whether or not the venv is activated (make calls .venv/bin/python directly).
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_command()[0])
