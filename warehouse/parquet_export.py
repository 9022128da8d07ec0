"""The marts as Parquet, one folder per published build; the `parquet` link points to the latest.

A version is complete or absent: it is written into `parquet_versions/.<build>.incoming`, renamed to
`parquet_versions/<build>` only when every mart is written, then recorded in `parquet_versions/versions.json` (the
complete versions, oldest first; replaced atomically), then the `parquet` link is swapped to it. Pruning goes by
that list, never by modification time: the versions dropped leave the list first, then their folders are deleted.
So whatever a kill interrupts, every listed version is complete, and anything else in the folder (a temp folder,
a half-deleted version, a temp list) is a leftover that `warehouse.leftovers.clean_leftovers` removes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from settings import Settings
from warehouse.connection import read_published
from warehouse.faults import fault_point

EXPORTED_SCHEMAS = ("marts",)
VERSIONS_KEPT = 2
VERSIONS_FILE = "versions.json"
INCOMING_SUFFIX = ".incoming"
# Beside the `parquet` link: the new link, made there and renamed over the old one.
TEMP_LINK_PREFIX = ".parquet."


def parquet_versions(settings: Settings) -> Path:
    """The folder of Parquet exports, one per build; `settings.parquet_dir` links to the latest."""
    return settings.parquet_dir.parent / "parquet_versions"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mart_tables(con) -> list[tuple[str, str]]:
    """The tables exported, of the connection's current database only (a copy may be attached beside it)."""
    placeholders = ", ".join("?" for _ in EXPORTED_SCHEMAS)
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        f"AND table_schema IN ({placeholders}) AND table_type = 'BASE TABLE' ORDER BY 1, 2",
        list(EXPORTED_SCHEMAS),
    ).fetchall()


def linked_version(settings: Settings) -> str | None:
    """The name of the version the `parquet` link points to, if it points into the versions folder."""
    link = settings.parquet_dir
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target.name if target.parent == parquet_versions(settings).resolve() else None


def recorded_versions(settings: Settings) -> list[str]:
    """The complete versions, oldest first. A folder exported before the list existed: only the linked version
    counts (it was complete, the link was swapped to it after its export)."""
    versions = parquet_versions(settings)
    try:
        names = json.loads((versions / VERSIONS_FILE).read_text())
    except FileNotFoundError:
        linked = linked_version(settings)
        names = [linked] if linked else []
    return [name for name in names if (versions / name).is_dir()]


def _record_versions(settings: Settings, names: list[str]) -> None:
    versions = parquet_versions(settings)
    temporary = versions / f".{VERSIONS_FILE}.tmp"
    with open(temporary, "w") as handle:
        json.dump(names, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, versions / VERSIONS_FILE)
    fsync_dir(versions)


def _write_version(settings: Settings, build_id: str) -> None:
    """Export every mart of the published file into `<build>.incoming`, then rename it to `<build>`."""
    versions = parquet_versions(settings)
    incoming = versions / f".{build_id}{INCOMING_SUFFIX}"
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    with read_published(settings.published) as con:  # this process may hold an older version open
        for schema, table in mart_tables(con):
            folder = incoming / table
            folder.mkdir()
            con.execute(f"COPY \"{schema}\".\"{table}\" TO '{folder / 'data.parquet'}' (FORMAT parquet)")
    fault_point("parquet.before_rename")
    target = versions / build_id
    if target.exists():  # the same build published again (an erasure's republish): replace it whole
        shutil.rmtree(target)
    os.rename(incoming, target)
    fsync_dir(versions)


def _swap_link(settings: Settings, build_id: str) -> None:
    link = settings.parquet_dir
    temporary_link = link.with_name(f"{TEMP_LINK_PREFIX}{build_id}")
    temporary_link.unlink(missing_ok=True)
    os.symlink((parquet_versions(settings) / build_id).relative_to(link.parent), temporary_link)
    os.replace(temporary_link, link)


def remove_version(folder: Path) -> None:
    """Delete one version, mart by mart (a kill here leaves a partial folder: unlisted, so a leftover)."""
    for number, part in enumerate(sorted(folder.iterdir())):
        if part.is_dir() and not part.is_symlink():
            shutil.rmtree(part)
        else:
            part.unlink()
        if number == 0:
            fault_point("parquet.pruning")
    folder.rmdir()


def prune_versions(settings: Settings, keep: int = VERSIONS_KEPT) -> list[str]:
    """Keep the last `keep` recorded versions (and always the linked one); returns the names deleted."""
    recorded = recorded_versions(settings)
    kept = recorded[-keep:]
    linked = linked_version(settings)
    if linked in recorded and linked not in kept:
        kept = [name for name in recorded if name in {*kept, linked}]
    dropped = [name for name in recorded if name not in kept]
    _record_versions(settings, kept)  # first: a version half deleted below is no longer listed
    for name in dropped:
        remove_version(parquet_versions(settings) / name)
    return dropped


def export_parquet(settings: Settings, build_id: str) -> None:
    """Export the published build (see the module docstring): write, rename, record, swap the link, prune."""
    parquet_versions(settings).mkdir(parents=True, exist_ok=True)
    _write_version(settings, build_id)
    _record_versions(settings, [*(n for n in recorded_versions(settings) if n != build_id), build_id])
    _swap_link(settings, build_id)
    prune_versions(settings)
