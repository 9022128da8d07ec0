"""The registry of source systems: every module in `connectors/` that defines `SOURCE`.

Adding a system means adding `connectors/<system>.py` (and its contract and staging models); nothing here.
"""

from __future__ import annotations

import importlib
import pkgutil

import connectors
from connectors.base import SourceSystem


def _discover() -> dict[str, SourceSystem]:
    sources: dict[str, SourceSystem] = {}
    for module_info in pkgutil.iter_modules(connectors.__path__):
        if module_info.ispkg or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"connectors.{module_info.name}")
        source = getattr(module, "SOURCE", None)
        if isinstance(source, SourceSystem):
            sources[source.name] = source
    return dict(sorted(sources.items()))


SOURCES: dict[str, SourceSystem] = _discover()


def get_source(name: str) -> SourceSystem:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source system {name!r}; known: {sorted(SOURCES)}") from None
