"""How dbt is invoked outside Dagster (parse before the definitions load, tests, benchmarks)."""

from __future__ import annotations

import sys
from pathlib import Path

from connectors.settings import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Absolute paths for dbt, so dbt and Python agree on one warehouse file whatever the working folder."""
    return {
        "PW_WAREHOUSE_PATH": str(settings.warehouse_path),
        "PW_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "PW_DUCKDB_THREADS": str(settings.duckdb_threads),
        "PW_DUCKDB_TEMP_DIR": str(settings.duckdb_temp_dir),
    }


def dbt_command(*args: str) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
