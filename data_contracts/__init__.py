"""Pandera data contracts: one module per source system, each exporting CONTRACTS and declaring its source facts
(`PEOPLE`, `PARTNER_RECORD`: see data_contracts._sources).

The registry is built by discovering the modules, so adding a system means adding one module here.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import NamedTuple

import pandera.pandas as pa

from data_contracts._sources import PartnerRecord, Person, check_declarations


class SourceDeclarations(NamedTuple):
    """What one system's contract module declares beside its contracts (see data_contracts._sources)."""

    people: list[Person]
    partner_record: PartnerRecord | None


def _modules():
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module_info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{module_info.name}")


def _discover() -> tuple[dict[tuple[str, str], pa.DataFrameSchema], dict[str, SourceDeclarations]]:
    registry: dict[tuple[str, str], pa.DataFrameSchema] = {}
    declarations: dict[str, SourceDeclarations] = {}
    problems: list[str] = []
    for module in _modules():
        schemas = {schema.metadata["entity"]: schema for schema in module.CONTRACTS}
        system = module.CONTRACTS[0].metadata["system"]
        registry.update({(system, entity): schema for entity, schema in schemas.items()})
        declared = SourceDeclarations(list(getattr(module, "PEOPLE", [])), getattr(module, "PARTNER_RECORD", None))
        problems += check_declarations(system, schemas, *declared)
        declarations[system] = declared
    if problems:
        raise ValueError("invalid source declarations:\n  " + "\n  ".join(problems))
    return registry, declarations


CONTRACTS: dict[tuple[str, str], pa.DataFrameSchema]
DECLARATIONS: dict[str, SourceDeclarations]
CONTRACTS, DECLARATIONS = _discover()


def person_entities() -> dict[tuple[str, str], str]:
    """(system, entity) -> the raw column holding the person's id, for every entity whose rows are people."""
    return {(system, p.entity): p.id_column for system, d in DECLARATIONS.items() for p in d.people}


def dependent_entities() -> dict[tuple[str, str], tuple[tuple[str, str], str]]:
    """(system, entity) -> ((system, person entity), column holding the person's id): a person's own records."""
    return {
        (system, entity): ((system, p.entity), column)
        for system, d in DECLARATIONS.items() for p in d.people for entity, column in p.records.items()
    }


def partner_records() -> dict[str, PartnerRecord]:
    """System -> its partner record, in identity preference order (the system of record first)."""
    found = {system: d.partner_record for system, d in DECLARATIONS.items() if d.partner_record}
    return dict(sorted(found.items(), key=lambda item: (item[1].identity_rank, item[0])))


def get_contract(system: str, entity: str) -> pa.DataFrameSchema:
    try:
        return CONTRACTS[(system, entity)]
    except KeyError:
        raise KeyError(f"no data contract for {system}/{entity}; known: {sorted(CONTRACTS)}") from None


def systems() -> list[str]:
    return sorted({system for system, _ in CONTRACTS})


class PiiColumn(NamedTuple):
    system: str
    entity: str
    column: str
    category: str  # a key of data_contracts._fields.PII_CATEGORIES

    @property
    def raw_table(self) -> str:
        return f"raw_{self.system}.{self.entity}"


def pii_columns() -> list[PiiColumn]:
    """Every raw column classified as personal data in its contract, with its category (the one list)."""
    return [
        PiiColumn(system, entity, name, column.metadata["pii"])
        for (system, entity), schema in sorted(CONTRACTS.items())
        for name, column in schema.columns.items()
        if (column.metadata or {}).get("pii")
    ]
