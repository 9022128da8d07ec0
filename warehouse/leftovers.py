"""Leftovers of killed runs: what a run writes on the way to a publish and removes when it gets there.

- `.<published name>.<build>.incoming` and its `.incoming.wal`: the copy being written beside the published file;
- `.parquet.<build>`: the new `parquet` link, made beside it and renamed over it;
- in `parquet_versions/`: anything its list does not record (`.<build>.incoming` exports, a version half deleted
  by a pruning, the list's temp file), see warehouse.parquet_export;
- `.compact-*` beside the working file: an erasure's compaction (erasure.rebuild.compact).

They can hold what the warehouse held, personal data included, so they must not stay: the start of a run, every
publish and every erasure call `clean_leftovers`. The caller holds the writer lock (warehouse.connection
`writer_lock`): a run that is still running holds it too, so its files in progress are never taken for leftovers.
This is the one list of these names; the erasure's file search (erasure.files) covers them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from settings import Settings
from warehouse.parquet_export import (
    TEMP_LINK_PREFIX,
    VERSIONS_FILE,
    linked_version,
    parquet_versions,
    recorded_versions,
)

COMPACT_PREFIX = ".compact-"


def incoming_copy(settings: Settings, build_id: str) -> Path:
    """Where a publish writes its copy before renaming it over the published file."""
    published = settings.published
    return published.with_name(f".{published.name}.{build_id}.incoming")


def leftovers(settings: Settings) -> list[Path]:
    """Every leftover of a killed run there is now (see the module docstring)."""
    published, link, working = settings.published, settings.parquet_dir, settings.warehouse_path
    globs = [(published.parent, f".{published.name}.*.incoming*"), (link.parent, f"{TEMP_LINK_PREFIX}*"),
             (working.parent, f"{COMPACT_PREFIX}*")]
    found = [path for folder, pattern in globs if folder.is_dir() for path in folder.glob(pattern)]
    versions = parquet_versions(settings)
    if versions.is_dir():
        kept = {VERSIONS_FILE, *recorded_versions(settings), linked_version(settings)}
        found += [path for path in versions.iterdir() if path.name not in kept]
    return sorted(set(found))


def clean_leftovers(settings: Settings) -> list[Path]:
    """Remove every leftover of a killed run; returns what was removed. The caller holds the writer lock."""
    removed = leftovers(settings)
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed
