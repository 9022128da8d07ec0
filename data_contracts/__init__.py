"""Pandera data contracts: one module per source system, each exporting CONTRACTS.

The registry is built by discovering the modules, so adding a system means adding one module here.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import NamedTuple

import pandera.pandas as pa


def _discover() -> dict[tuple[str, str], pa.DataFrameSchema]:
    registry: dict[tuple[str, str], pa.DataFrameSchema] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for schema in module.CONTRACTS:
            meta = schema.metadata
            registry[(meta["system"], meta["entity"])] = schema
    return registry


CONTRACTS: dict[tuple[str, str], pa.DataFrameSchema] = _discover()


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
