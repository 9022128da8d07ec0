"""How dbt is invoked outside Dagster (parse before the definitions load, tests, benchmarks)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from connectors.privacy import KEY_VAR, pii_hash_key
from connectors.settings import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Absolute paths for dbt, so dbt and Python agree on one warehouse file whatever the working folder, and
    the pseudonymization key (PW_PII_HASH_KEY, else the key file, created on first use), so that dbt's pseudonyms
    are the ones `connectors.privacy.pseudonymize` computes. dbt-duckdb's plugin (orchestration.dbt_privacy_plugin)
    hands it to DuckDB as a variable; it is not written into compiled SQL."""
    # dbt imports the profile's plugin (orchestration.dbt_privacy_plugin) from this repository: importable without
    # the editable install too.
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    python_path = os.pathsep.join(paths if str(PROJECT_ROOT) in paths else [str(PROJECT_ROOT), *paths])
    return {
        KEY_VAR: pii_hash_key(),
        "PYTHONPATH": python_path,
        "PW_WAREHOUSE_PATH": str(settings.warehouse_path),
        "PW_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "PW_DUCKDB_THREADS": str(settings.duckdb_threads),
        "PW_DUCKDB_TEMP_DIR": str(settings.duckdb_temp_dir),
    }


def dbt_command(*args: str) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
