"""What every source-system connector declares, and the shared logic to find and map its extract files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandera.pandas as pa

from connectors.landing import Discovery, discover
from data_contracts import CONTRACTS
from data_contracts._fields import snake_case


def header_key(name: str) -> str:
    """A header as matched: BOM dropped, blanks collapsed, any case."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True)
class SourceSystem:
    """A source system: its name (the landing folder), its legacy text encoding and extra header aliases.

    A system has no file format: each file is read in the format and encoding it is in (`connectors.formats`).
    `legacy_encoding` is the encoding the system is known to write when a text file is not UTF-8 (tried
    before any guess).

    Headers are matched case-insensitively against the canonical raw name, the export name in the contract,
    and the snake_case form of the export name (what Fivetran/Airbyte syncs deliver: `StageName` ->
    `stage_name`, `Foo__c` -> `foo_c`), plus `extra_aliases` for names a system is known to use. The tools' own
    metadata columns (`_fivetran_synced`, `_airbyte_extracted_at`, ...) are no contract's: connectors/flavors.py
    recognizes them on every system before headers are mapped.
    """

    name: str
    description: str = ""
    legacy_encoding: str | None = None
    extra_aliases: dict[str, str] = field(default_factory=dict)

    @property
    def entities(self) -> list[str]:
        return sorted(entity for system, entity in CONTRACTS if system == self.name)

    def contract(self, entity: str) -> pa.DataFrameSchema:
        return CONTRACTS[(self.name, entity)]

    def header_map(self, entity: str) -> dict[str, str]:
        """Normalized header name -> canonical column name."""
        mapping: dict[str, str] = {}
        for name, column in self.contract(entity).columns.items():
            export = column.metadata["export"]
            for alias in (name, export, snake_case(export)):
                mapping[header_key(alias)] = name
        mapping.update({header_key(alias): name for alias, name in self.extra_aliases.items()})
        return mapping

    def map_headers(
        self, entity: str, headers: list[str], user_columns: dict[str, str] | None = None
    ) -> tuple[dict[str, str], list[str]]:
        """(file header -> canonical name, headers that match no contract column).

        `user_columns` (the mapping file's header -> canonical name) is matched first, so a user's own header
        wins over a built-in alias of the same column; each canonical column takes the first header that claims it."""
        user = {header_key(alias): name for alias, name in (user_columns or {}).items()}
        known = self.header_map(entity)
        claims = {h: user.get(header_key(h)) for h in headers}
        taken = {c for c in claims.values() if c}
        renames, ignored = {}, []
        for header in headers:
            canonical = claims[header] or known.get(header_key(header))
            if canonical is None or (canonical in taken and not claims[header]) or canonical in renames.values():
                ignored.append(header)
            else:
                renames[header] = canonical
        return renames, ignored

    def entity_dir(self, landing_dir: Path, entity: str) -> Path:
        return landing_dir / self.name / entity

    def discover(self, landing_dir: Path, entity: str, until: date | None = None, settle_seconds: float = 0) -> Discovery:
        """The entity's extract files, in any format, in path order (file names carry the extract date): those ready
        to load, those not settled yet (`settle_seconds`: may still be being copied in) and the links refused for
        leaving the landing zone (`connectors.landing`). With `until` (a date), only the files of that day or earlier
        (backfills replay the archive day by day)."""
        found = discover(landing_dir, self.entity_dir(landing_dir, entity), settle_seconds)
        if until is not None:
            found.ready = [p for p in found.ready if extract_date(p) <= until]
            found.waiting = [w for w in found.waiting if extract_date(w.path) <= until]
        return found

    def extract_files(self, landing_dir: Path, entity: str, until: date | None = None, settle_seconds: float = 0) -> list[Path]:
        """The files of `discover` that are ready to load."""
        return self.discover(landing_dir, entity, until, settle_seconds).ready


def extract_date(path: Path) -> date:
    """The day an extract describes: the first YYYYMMDD in its name, else the file's modification day."""
    for digits in re.findall(r"(?<!\d)(\d{8})(?!\d)", path.name):
        try:
            return datetime.strptime(digits, "%Y%m%d").date()
        except ValueError:
            continue
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
