"""What every source-system connector declares, and the shared logic to find and map its extract files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandera.pandas as pa

from connectors.readers import FileFormat
from data_contracts import CONTRACTS
from data_contracts._fields import snake_case

EXTENSIONS = {"csv": (".csv", ".txt"), "jsonl": (".jsonl", ".json", ".ndjson"), "parquet": (".parquet", ".pq")}


def _header_key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True)
class SourceSystem:
    """A source system: its name (the landing folder), file format and extra header aliases.

    Headers are matched case-insensitively against the canonical raw name, the export name in the contract,
    and the snake_case form of the export name (what Fivetran/Airbyte syncs deliver: `StageName` ->
    `stage_name`, `Foo__c` -> `foo_c`), plus `extra_aliases` for names a system is known to use. The tools' own
    metadata columns (`_fivetran_synced`, `_airbyte_extracted_at`, ...) are no contract's: connectors/flavors.py
    recognizes them on every system before headers are mapped.
    """

    name: str
    file_format: FileFormat
    description: str = ""
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
                mapping[_header_key(alias)] = name
        mapping.update({_header_key(alias): name for alias, name in self.extra_aliases.items()})
        return mapping

    def map_headers(self, entity: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """(file header -> canonical name, headers that match no contract column)."""
        known = self.header_map(entity)
        renames, ignored, taken = {}, [], set()
        for header in headers:
            canonical = known.get(_header_key(header))
            if canonical is None or canonical in taken:
                ignored.append(header)
            else:
                renames[header] = canonical
                taken.add(canonical)
        return renames, ignored

    def entity_dir(self, landing_dir: Path, entity: str) -> Path:
        return landing_dir / self.name / entity

    def extract_files(self, landing_dir: Path, entity: str, until: date | None = None) -> list[Path]:
        """Extract files of one entity, in name order (file names carry the extract date); with `until`
        (a date), only the files of that day or earlier (backfills replay the archive day by day)."""
        folder = self.entity_dir(landing_dir, entity)
        if not folder.is_dir():
            return []
        suffixes = EXTENSIONS[self.file_format.kind]
        return sorted(
            path
            for path in folder.rglob("*")
            if path.is_file()
            and path.suffix.lower() in suffixes
            and not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
            and (until is None or extract_date(path) <= until)
        )


def extract_date(path: Path) -> date:
    """The day an extract describes: the first YYYYMMDD in its name, else the file's modification day."""
    for digits in re.findall(r"(?<!\d)(\d{8})(?!\d)", path.name):
        try:
            return datetime.strptime(digits, "%Y%m%d").date()
        except ValueError:
            continue
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
