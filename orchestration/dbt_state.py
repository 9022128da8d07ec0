"""Whether tonight's dbt build may be incremental, or must rebuild every incremental model in full.

Staging models are incremental: a night re-ranks only the records that received a new version. That is only
correct while the code and the reference data that produced the existing rows are unchanged, so the build
remembers a fingerprint of the dbt project (models, macros, dbt_project.yml, seeds) in `ops.dbt_builds` and runs
`--full-refresh` when it differs from the last successful build's — or when PW_DBT_FULL_REFRESH=1 asks for it
(after raw rows were changed in place, e.g. by an erasure). History models keep `full_refresh=false`.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

import duckdb

from connectors.settings import PROJECT_ROOT
from orchestration.dbt_env import DBT_PROJECT_DIR

FULL_REFRESH_VAR = "PW_DBT_FULL_REFRESH"
FINGERPRINTED = [DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "dbt_project.yml",
                 PROJECT_ROOT / "seeds"]

DDL = """CREATE TABLE IF NOT EXISTS ops.dbt_builds (
    run_id VARCHAR, finished_at TIMESTAMPTZ, project_fingerprint VARCHAR, full_refresh BOOLEAN, succeeded BOOLEAN
)"""


def project_fingerprint() -> str:
    """A hash of every file that shapes the models' output (paths and contents)."""
    digest = hashlib.sha256()
    for root in FINGERPRINTED:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def full_refresh_reason(con: duckdb.DuckDBPyConnection, fingerprint: str) -> str | None:
    """Why this build must be a full refresh, or None when an incremental build is correct."""
    if os.environ.get(FULL_REFRESH_VAR, "").strip() in ("1", "true", "yes"):
        return f"{FULL_REFRESH_VAR} is set"
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(DDL)
    last = con.execute(
        "SELECT project_fingerprint FROM ops.dbt_builds WHERE succeeded ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    if last is None:
        return "first build of this warehouse"
    if last[0] != fingerprint:
        return "models, macros or seeds changed since the last successful build"
    return None


def record_build(con: duckdb.DuckDBPyConnection, run_id: str, fingerprint: str, full_refresh: bool,
                 succeeded: bool) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(DDL)
    con.execute("INSERT INTO ops.dbt_builds VALUES (?, ?, ?, ?, ?)",
                [run_id, datetime.now(UTC), fingerprint, full_refresh, succeeded])

