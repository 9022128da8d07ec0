"""The sample's system modules: every module of `sample/` that defines `SYSTEM`, discovered as
`connectors/registry.py` discovers connectors, so adding a system to the sample means adding `sample/<system>.py`.

A system module declares:
    SYSTEM, LAYOUT, file_stem(entity)     its name, how its files look and are named
    GENERATION_ORDER                      generated after modules with a lower number: a module may read the records
                                          they put in `chunk.shared` (the CRM's customers, the PRM's MDF requests)
    ENTITIES, REVISE, OLDER               per-chunk entity generators, and the revisions delta and late files carry
    GLOBAL_ENTITIES (optional)            entities that belong to no partner, made once per run (the CRM's users)
    DELTAS (optional, default False)      the system also delivers a morning delta file of its versioned entities
    partner_id(world, number)             the id the system gives partner `number`
    duplicate_partner_id(world) (opt.)    the id of a planted duplicate of a partner's record in that system
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

from data_contracts import partner_records


def _discover() -> tuple[ModuleType, ...]:
    found = []
    for module_info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module_info.ispkg or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"sample.{module_info.name}")
        if isinstance(getattr(module, "SYSTEM", None), str):
            found.append(module)
    return tuple(sorted(found, key=lambda m: (m.GENERATION_ORDER, m.SYSTEM)))


MODULES: tuple[ModuleType, ...] = _discover()
SYSTEM_MODULES: dict[str, ModuleType] = {m.SYSTEM: m for m in MODULES}
GLOBAL = {(m.SYSTEM, entity): make for m in MODULES for entity, make in getattr(m, "GLOBAL_ENTITIES", ())}
DELTA_SYSTEMS = frozenset(m.SYSTEM for m in MODULES if getattr(m, "DELTAS", False))
# Systems a partner's record may be planted twice in, in identity preference order (the draw depends on the order).
DUPLICATE_SYSTEMS = tuple(s for s in partner_records() if hasattr(SYSTEM_MODULES.get(s), "duplicate_partner_id"))
