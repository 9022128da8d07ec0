"""The dbt sources yml of every raw table, rendered from the pandera contracts.

The pandera schema is the one definition of a raw table; the dbt sources files
(`dbt_project/models/staging/<system>/_<system>__sources.yml`) are derived from it, as pudl does, so the raw
column list is never maintained by hand a second time. Staging models read the column metadata rendered here
(logical type, allowed codes) instead of repeating it.

    python -m data_contracts._dbt --write   # (re)write the sources files and the source registry macros
    python -m data_contracts._dbt --check   # exit 1 when a committed file differs from the contracts

The same command writes `dbt_project/macros/_generated/source_registry.sql` (data_contracts._dbt_registry): the
systems, their partner records and completeness tables, derived from the declarations beside each contract.

`tests/test_dbt_sources_sync.py` runs the check in the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandera.pandas as pa
import yaml

from data_contracts import CONTRACTS
from data_contracts._dbt_registry import REGISTRY_PATH, render_registry
from data_contracts._fields import LOAD_COLUMNS, LOGICAL_TYPES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STAGING_DIR = PROJECT_ROOT / "dbt_project" / "models" / "staging"

# Nightly extracts: a day late is a warning, three days an error.
FRESHNESS = {"warn_after": {"count": 36, "period": "hour"}, "error_after": {"count": 72, "period": "hour"}}
LOADED_AT_FIELD = "_loaded_at"

# Load metadata the connectors add to every raw row (data_contracts/_fields.py LOAD_COLUMNS), documented here.
LOAD_COLUMN_DOCS = {
    "_source_file": "Landing-zone path (relative) of the extract file the row was read from.",
    "_source_line": "1-based line of the row in its file (header = line 1) for text files; 1-based row for Parquet.",
    "_load_id": "Id of the load that wrote the row (ops.loaded_files.load_id).",
    "_loaded_at": "When the row was loaded into the warehouse; source freshness is measured on it.",
    "_extra_fields": "The row's passed-through fields (source mapping `passthrough`), a JSON object text; null when none.",
    "_source_deleted": "Deleted in the source, as the ELT tool that landed the file says (Fivetran _fivetran_deleted, "
    "Airbyte _ab_cdc_deleted_at set); null for files exported by hand. Staging drops deleted records.",
    "_source_synced_at": "When the ELT tool read the row (Fivetran _fivetran_synced, Airbyte _airbyte_extracted_at); "
    "orders versions of entities without a version column.",
    "_source_valid_from": "History mode (Fivetran _fivetran_start): when this version became current.",
    "_source_valid_to": "History mode (Fivetran _fivetran_end): when this version stopped being current.",
    "_source_active": "History mode (Fivetran _fivetran_active): this version is the current one.",
}

HEADER = (
    "# Generated from data_contracts/{system}.py by `python -m data_contracts._dbt --write`: do not edit by hand.\n"
    "# The pandera contract is the one definition of these raw tables; tests/test_dbt_sources_sync.py fails when\n"
    "# this file and the contracts disagree.\n"
)


class _IndentedDumper(yaml.SafeDumper):
    """Indents list items under their key, as the dbt docs and hand-written yml do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def sources_path(system: str) -> Path:
    return STAGING_DIR / system / f"_{system}__sources.yml"


def _load_columns() -> dict[str, str]:
    return LOAD_COLUMNS


def _column_description(name: str, column: pa.Column) -> str:
    meta = column.metadata or {}
    text = (column.description or "").strip() or name.replace("_", " ").capitalize() + "."
    if not text.endswith("."):
        text += "."
    notes = [text]
    if meta.get("export") and meta["export"] != name:
        notes.append(f"Export column `{meta['export']}`.")
    if meta.get("allowed"):
        notes.append("Allowed (any case): " + ", ".join(meta["allowed"]) + ".")
        notes.append("An unknown code quarantines the row." if meta.get("unknown_code") == "quarantine"
                     else "An unknown code loads, uncoded and flagged.")
    if meta.get("pii"):
        notes.append(f"Personal data ({meta['pii'].replace('_', ' ')}): pseudonymized or dropped after staging.")
    return " ".join(notes)


def _contract_column(name: str, column: pa.Column, key: list[str]) -> dict:
    meta = column.metadata or {}
    logical_type = meta.get("logical_type", "string")
    column_meta = {"logical_type": logical_type, "required": bool(meta.get("required")), "pii": meta.get("pii") or False}
    if meta.get("not_pii"):
        column_meta["not_pii"] = meta["not_pii"]
    if meta.get("export") and meta["export"] != name:
        column_meta["export"] = meta["export"]
    if meta.get("allowed"):
        column_meta["allowed"] = list(meta["allowed"])
        column_meta["unknown_code"] = meta.get("unknown_code") or "flag"
    if name in key:
        column_meta["is_key"] = True
    rendered: dict = {
        "name": name,
        "description": _column_description(name, column),
        "data_type": LOGICAL_TYPES[logical_type].lower(),
        "config": {"meta": column_meta},
    }
    # No `not_null` data test on required and key columns: the loader quarantines every row missing one
    # (data_contracts: rule not_nullable), so a raw table never holds such a null and a dbt test re-checking
    # it would cost a node per column every build for nothing (issue #14). `meta.required` still says which are.
    return rendered


def _load_column(name: str, sql_type: str) -> dict:
    return {
        "name": name,
        "description": LOAD_COLUMN_DOCS.get(name, "Load metadata added by the connectors."),
        "data_type": sql_type.lower(),
        "config": {"meta": {"load_metadata": True}},
    }


def _table(schema: pa.DataFrameSchema) -> dict:
    meta = schema.metadata
    key, version = list(meta["key"]), meta.get("version")
    description = (schema.description or "").strip()
    description += f" Append-only: one row per delivered row version. Key: {', '.join(key)}"
    description += f"; version: {version}." if version else "; no version column (the latest load wins)."
    columns = [_contract_column(name, column, key) for name, column in schema.columns.items()]
    columns += [_load_column(name, sql_type) for name, sql_type in _load_columns().items()]
    return {
        "name": meta["entity"],
        "description": description.strip(),
        "config": {"meta": {"contract": f"{meta['system']}.{meta['entity']}", "key": key, "version_column": version}},
        "columns": columns,
    }


def render_sources(system: str) -> str:
    """The sources yml of one system, as text."""
    schemas = [schema for (sys_name, _), schema in sorted(CONTRACTS.items()) if sys_name == system]
    if not schemas:
        raise KeyError(f"no contracts for system {system!r}")
    document = {
        "version": 2,
        "sources": [
            {
                "name": system,
                "description": (
                    f"Raw `{system}` extracts, one table per entity, as the connectors load them (valid rows only; "
                    f"invalid ones go to ops.quarantine). Contracts: data_contracts/{system}.py."
                ),
                # Re-pointable, as in fivetran's packages: `--vars '{raw_crm_schema: other_schema}'`.
                "schema": f"{{{{ var('raw_{system}_schema', 'raw_{system}') }}}}",
                "loader": "connectors",
                "config": {"loaded_at_field": LOADED_AT_FIELD, "freshness": FRESHNESS},
                "tables": [_table(schema) for schema in schemas],
            }
        ],
    }
    body = yaml.dump(
        document, Dumper=_IndentedDumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False
    )
    return HEADER.format(system=system) + body


def expected_files() -> dict[Path, str]:
    files = {sources_path(system): render_sources(system) for system in sorted({s for s, _ in CONTRACTS})}
    files[REGISTRY_PATH] = render_registry()
    return files


def differences() -> list[str]:
    """Human-readable list of sources files that are missing, stale or out of date."""
    expected = expected_files()
    problems = []
    for path, text in expected.items():
        rel = path.relative_to(PROJECT_ROOT)
        if not path.exists():
            problems.append(f"{rel}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{rel}: differs from the contracts and declarations")
    for path in sorted(STAGING_DIR.glob("*/_*__sources.yml")):
        if path not in expected:
            problems.append(f"{path.relative_to(PROJECT_ROOT)}: no contract defines this system any more")
    return problems


def write() -> list[Path]:
    written = []
    for path, text in expected_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the sources yml files and the registry macros")
    mode.add_argument("--check", action="store_true", help="exit 1 if a generated file differs")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            print(f"wrote {path.relative_to(PROJECT_ROOT)}")
        return 0
    problems = differences()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `python -m data_contracts._dbt --write` and commit the result", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
