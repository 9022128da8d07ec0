"""Configuration from environment variables, with defaults that work on a fresh clone.

Dagster, the loaders and dbt (through profiles.yml) all read the same variables, so there is one warehouse
path and one set of DuckDB limits. `.env.example` lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var, default)
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    duckdb_memory_limit: str
    duckdb_threads: int
    duckdb_temp_dir: Path
    max_failure_rate: float
    batch_rows: int
    published_path: Path | None = None
    files_until: str | None = None  # YYYY-MM-DD: load only files delivered up to this day (backfills)
    # Publish raw_*, staging and ops.quarantine too. Off by default: they hold personal data, and readers (BI tools)
    # need only the pseudonymized intermediate and mart layers.
    publish_pii_layers: bool = False

    @property
    def published(self) -> Path:
        """The file readers open. The pipeline writes `warehouse_path` and copies it here when a build passes."""
        path = self.published_path or self.warehouse_path.parent.parent / "published" / self.warehouse_path.name
        if path.stem != self.warehouse_path.stem:
            # DuckDB names a database after its file, and dbt's views refer to that name: a copy under another
            # name would hold views that no longer resolve.
            raise ValueError(
                f"PW_PUBLISHED_PATH ({path.name}) must have the same file name as PW_WAREHOUSE_PATH "
                f"({self.warehouse_path.name}); put it in another folder instead"
            )
        if path.resolve() == self.warehouse_path.resolve():
            raise ValueError("PW_PUBLISHED_PATH must differ from PW_WAREHOUSE_PATH (readers must not open the working file)")
        return path

    @property
    def parquet_dir(self) -> Path:
        """Marts exported as Parquet, one folder per mart (a stable link to the latest published export)."""
        return self.published.parent / "parquet"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            landing_dir=_path("PW_LANDING_DIR", "data/landing"),
            warehouse_path=_path("PW_WAREHOUSE_PATH", "data/warehouse/partner_warehouse.duckdb"),
            duckdb_memory_limit=os.environ.get("PW_DUCKDB_MEMORY_LIMIT", "4GB"),
            duckdb_threads=int(os.environ.get("PW_DUCKDB_THREADS", "2")),
            duckdb_temp_dir=_path("PW_DUCKDB_TEMP_DIR", "data/tmp"),
            max_failure_rate=float(os.environ.get("PW_MAX_FAILURE_RATE", "0.2")),
            batch_rows=int(os.environ.get("PW_BATCH_ROWS", "50000")),
            published_path=_path("PW_PUBLISHED_PATH", "") if os.environ.get("PW_PUBLISHED_PATH") else None,
            files_until=os.environ.get("PW_FILES_UNTIL") or None,
            publish_pii_layers=os.environ.get("PW_PUBLISH_PII_LAYERS", "0").strip().lower() in ("1", "true", "yes"),
        )

    def duckdb_config(self) -> dict[str, str]:
        return {
            "memory_limit": self.duckdb_memory_limit,
            "threads": str(self.duckdb_threads),
            "temp_directory": str(self.duckdb_temp_dir),
        }
