"""The dbt macros that tell models which source systems exist, rendered from the source declarations.

dbt must know every `ref()` while it parses, before it can read a table, so the models that span all systems
(identity resolution, `dim_partner`, completeness) loop over these macros instead of naming the systems:

    source_systems()            every system with a contract, in identity preference order, then by name
    partner_record_sources()    per system with a PARTNER_RECORD: its staging model and identity columns
    completeness_tables()       per system, entity -> record id column of every staging model with a one-column key
                                (its `at_most_one_row_per_key` test in the staging models yml)
    default_field_impact_weights()  the identity fields of a partner record the field_impact_weights seed does not
                                list yet, so a new source is measured from its first night

Written by `python -m data_contracts._dbt --write` (with the sources yml) to dbt_project/macros/_generated/.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from data_contracts import CONTRACTS, partner_records
from data_contracts._sources import EXTERNAL_ID_KEYS, PartnerRecord

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STAGING_DIR = PROJECT_ROOT / "dbt_project" / "models" / "staging"
REGISTRY_PATH = PROJECT_ROOT / "dbt_project" / "macros" / "_generated" / "source_registry.sql"
WEIGHTS_SEED = PROJECT_ROOT / "seeds" / "field_impact_weights.csv"
DEFAULT_IDENTITY_WEIGHT = 3  # what the seed gives every identity field

HEADER = """\
{#-
    Generated from the source declarations (PEOPLE, PARTNER_RECORD in data_contracts/<system>.py), the staging
    models yml and seeds/field_impact_weights.csv by `python -m data_contracts._dbt --write`: do not edit by hand.
    tests/test_dbt_sources_sync.py fails when this file and the declarations disagree.
-#}
"""


def _literal(value) -> str:
    """A Jinja literal of a str / bool / None / list / dict value (SQL expressions keep their quotes)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_literal(v) for v in value) + "]"


def _block(value: dict) -> str:
    """A dict literal with one key a line (the partner record entries are too long for one)."""
    items = ",\n".join(f"            {_literal(k)}: {_literal(v)}" for k, v in value.items())
    return "{\n" + items + "\n        }"


def _macro(name: str, doc: str, value_lines: list[str]) -> str:
    body = ",\n".join(f"        {line}" for line in value_lines)
    value = "[\n" + body + "\n    ]" if value_lines else "[]"
    return f"\n{{#- {doc} -#}}\n{{% macro {name}() -%}}\n    {{{{ return({value}) }}}}\n{{%- endmacro %}}\n"


def systems_in_order() -> list[str]:
    ranked = list(partner_records())
    return ranked + sorted({system for system, _ in CONTRACTS} - set(ranked))


def _partner_source(system: str, record: PartnerRecord) -> dict:
    null = None
    return {
        "system": system,
        "model": record.staging_model(system),
        "record_id": record.record_id,
        "name": record.name,
        "country": record.country,
        "website": record.website,
        "updated_at": record.updated_at,
        "external_ids": {key: record.external_ids.get(key, null) for key in EXTERNAL_ID_KEYS},
        "unverified_ids": list(record.unverified_ids),
        "scope": record.scope,
        "where": record.where,
        "flags_partners": record.flags_partners,
        "vendor_domain_is_internal": record.vendor_domain_is_internal,
    }


def staging_keys() -> dict[str, dict[str, str]]:
    """System -> entity -> record id column, for every staging model of a contract with a one-column key test."""
    keys: dict[str, dict[str, str]] = {}
    for system in systems_in_order():
        for path in sorted((STAGING_DIR / system).glob("_*__models.yml")):
            for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
                entity = model["name"].removeprefix(f"stg_{system}__")
                column = _one_column_key(model)
                if (system, entity) in CONTRACTS and column:
                    keys.setdefault(system, {})[entity] = column
    return {system: dict(sorted(entities.items(), key=lambda e: _contract_order(system, e[0])))
            for system, entities in keys.items()}


def _contract_order(system: str, entity: str) -> int:
    return [e for s, e in CONTRACTS if s == system].index(entity)


# The generic tests that declare a model's grain, and their argument naming the key columns.
KEY_TESTS = {"row_rules": "unique_key", "at_most_one_row_per_key": "key_columns"}


def _one_column_key(model: dict) -> str | None:
    for test in model.get("data_tests") or []:
        for name, argument in KEY_TESTS.items():
            if isinstance(test, dict) and name in test:
                body = test[name] or {}
                columns = body.get("arguments", body).get(argument) or []
                if len(columns) == 1:
                    return columns[0]
    return None


def default_weights() -> list[dict]:
    """Identity fields of partner records that have no row at all in the field_impact_weights seed."""
    with open(WEIGHTS_SEED, newline="", encoding="utf-8") as handle:
        weighted = {(row["source_system"], row["table_name"]) for row in csv.DictReader(handle)}
    rows = []
    for system, record in partner_records().items():
        if (system, record.entity) in weighted:
            continue
        plain_ids = [e for e in record.external_ids.values() if e.isidentifier()]
        for field_name in dict.fromkeys([*plain_ids, record.name, "web_domain", record.country]):
            rows.append({"source_system": system, "table_name": record.entity, "field_name": field_name,
                         "impact_area": "identity", "impact_weight": DEFAULT_IDENTITY_WEIGHT, "is_profile_field": True})
    return rows


def render_registry() -> str:
    parts = [HEADER]
    parts.append(_macro("source_systems", "Every source system, in identity preference order, then by name.",
                        [_literal(s) for s in systems_in_order()]))
    parts.append(_macro(
        "partner_record_sources",
        "Per system with a partner record, in identity preference order: its staging model and identity columns.",
        [_block(_partner_source(s, r)) for s, r in partner_records().items()],
    ))
    tables = staging_keys()
    parts.append(
        "\n{#- System -> staging entity -> record id column (completeness measures these tables). -#}\n"
        "{% macro completeness_tables() -%}\n    {{ return({\n"
        + ",\n".join(f"        {_literal(s)}: {_literal(e)}" for s, e in tables.items())
        + "\n    }) }}\n{%- endmacro %}\n"
    )
    parts.append(_macro("default_field_impact_weights",
                        "Identity fields of partner records the field_impact_weights seed does not list yet.",
                        [_literal(row) for row in default_weights()]))
    return "".join(parts)
