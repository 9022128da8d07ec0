"""Pandera data contracts: one module per source system, each exporting CONTRACTS.

The registry is built by discovering the modules, so adding a system means adding one module here.
"""

from __future__ import annotations

import importlib
import pkgutil

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
