"""Which files of the landing zone may be read: the one discovery the loader, the erasure, the sensor and the status
use (through `SourceSystem.discover`).

- **Complete files only.** A file still being copied in must not load: its prefix may end on a line and look like
  a whole file. A file is *settled* when its modification time is at least `PW_LANDING_SETTLE_SECONDS` old (any
  write moves the mtime, so an old mtime means size and mtime have not changed since), or when a completion marker
  (`_SUCCESS`, what Hadoop's FileOutputCommitter, Spark, Databricks and AWS Glue write once a job's output is
  complete) lies in its folder or a folder above it, up to the entity folder, and was written after the file. A file
  that is not settled is left for the next run with a note, never rejected. In-progress names (`.part`, `.tmp`,
  `.crdownload`, `._COPYING_` ...: `connectors.formats.IN_PROGRESS_SUFFIXES`) never load.
- **Inside the landing zone only.** A symbolic link (to a file or a folder) whose target resolves outside the
  landing zone is refused, naming the link: its target is neither opened nor listed, so nothing of it can reach a
  table, a message or a log. Links that stay inside the landing zone are followed (a folder once, so a loop ends).
- Hidden and `_`-prefixed names (`.crc`, `_SUCCESS`, `_temporary/`) and sidecars (checksums, markers) are not
  extracts.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.errors import ExtractFileError
from connectors.formats import is_extract_file

# Files whose presence says "everything beside me is complete" (Hadoop/Spark `_SUCCESS`).
COMPLETION_MARKERS = ("_SUCCESS",)
OUTSIDE_RULE = "symlink_outside"


@dataclass(frozen=True)
class Waiting:
    """A file not loaded yet because it may still be being written."""

    path: Path
    file: str  # its path under the landing zone
    reason: str

    @property
    def note(self) -> str:
        return f"{self.file}: not settled ({self.reason}), left for the next run"


@dataclass
class Discovery:
    ready: list[Path] = field(default_factory=list)  # complete extract files, in path order
    waiting: list[Waiting] = field(default_factory=list)
    refused: list[ExtractFileError] = field(default_factory=list)  # links leaving the landing zone


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, every link in it followed, is within `root` (resolved). Reads no file content."""
    return path.resolve().is_relative_to(root.resolve())


def outside_error(link: Path, landing_dir: Path) -> ExtractFileError:
    # The target is neither named nor looked at (not even whether it is a folder): it is outside what the project
    # may read, and its path could itself be telling.
    return ExtractFileError(
        link.relative_to(landing_dir).as_posix(), OUTSIDE_RULE,
        "a symbolic link whose target is outside the landing zone: refused, nothing of its target is read; "
        "copy the file (or folder) into the landing zone instead",
    )


def discover(landing_dir: Path, folder: Path, settle_seconds: float, now: float | None = None) -> Discovery:
    """The extract files under `folder` (an entity folder of `landing_dir`): ready, waiting and refused."""
    found = Discovery()
    if not folder.is_dir() and not folder.is_symlink():
        return found
    if not inside(folder, landing_dir):
        found.refused.append(outside_error(_first_link(folder, landing_dir), landing_dir))
        return found
    now = time.time() if now is None else now
    for path in _walk(folder, landing_dir, found):
        waiting = _unsettled_reason(path, folder, settle_seconds, now)
        if waiting:
            found.waiting.append(Waiting(path, path.relative_to(landing_dir).as_posix(), waiting))
        else:
            found.ready.append(path)
    return found


def _walk(folder: Path, landing_dir: Path, found: Discovery) -> list[Path]:
    """Extract files under `folder`, in path order; links leaving the landing zone go to `found.refused`."""
    files, pending, visited = [], [folder], set()
    while pending:
        current = pending.pop()
        real = current.resolve()
        if real in visited:
            continue  # a link back to a folder already listed
        visited.add(real)
        for entry in os.scandir(current):
            path = Path(entry.path)
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_symlink() and not inside(path, landing_dir):
                found.refused.append(outside_error(path, landing_dir))
            elif entry.is_dir():
                pending.append(path)
            elif entry.is_file() and is_extract_file(path):
                files.append(path)
    found.refused.sort(key=lambda error: error.file)
    return sorted(files)


def _first_link(folder: Path, landing_dir: Path) -> Path:
    """The outermost folder between the landing zone and `folder` that is a link (what to name in the refusal)."""
    for parent in reversed(folder.relative_to(landing_dir).parents):
        candidate = landing_dir / parent
        if candidate != landing_dir and candidate.is_symlink():
            return candidate
    return folder


def _unsettled_reason(path: Path, folder: Path, settle_seconds: float, now: float) -> str | None:
    """Why `path` may still be being written, or None when it is settled."""
    if settle_seconds <= 0:
        return None
    modified = path.stat().st_mtime
    age = now - modified
    if age >= settle_seconds or _marked_complete(path, folder, modified):
        return None
    return f"modified {max(age, 0):.0f} s ago, less than PW_LANDING_SETTLE_SECONDS={settle_seconds:g}, and no _SUCCESS marker"


def _marked_complete(path: Path, folder: Path, modified: float) -> bool:
    """A completion marker written after the file, in its folder or one above it up to the entity folder. A file
    that changed after the marker (a folder reused for a later delivery) is not covered by it."""
    current = path.parent
    while True:
        for name in COMPLETION_MARKERS:
            marker = current / name
            if marker.is_file() and marker.stat().st_mtime >= modified:
                return True
        if current == folder or folder not in current.parents:
            return False
        current = current.parent
