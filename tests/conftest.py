"""Shared fixtures: a small generated sample (real files on disk) and settings pointing at temp folders."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from settings import Settings

AS_OF = date(2026, 11, 24)
SAMPLE_PARTNERS = 80
SAMPLE_SEED = 11
# Tests write extract files and load them at once: no settle wait (tests/test_landing_safety.py sets one where it
# tests it). Set in the environment so that every Settings.from_env() and every CLI subprocess sees it too.
os.environ.setdefault("PW_LANDING_SETTLE_SECONDS", "0")
# Under pytest-xdist (`make test`) each worker process writes dbt's artifacts (manifest, compiled project, partial
# parse) into a folder of its own: two dbt commands writing one target folder at once would corrupt it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _WORKER_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "target" / f"xdist-{os.environ['PYTEST_XDIST_WORKER']}"
    os.environ.setdefault("DBT_TARGET_PATH", str(_WORKER_DIR))
    os.environ.setdefault("DBT_LOG_PATH", str(_WORKER_DIR / "logs"))


def settings_for(root: Path, landing: Path, **overrides) -> Settings:
    base = Settings(
        landing_dir=landing,
        warehouse_path=root / "warehouse" / "partner_warehouse.duckdb",
        duckdb_memory_limit="1GB",
        duckdb_threads=2,
        duckdb_temp_dir=root / "tmp",
        max_failure_rate=0.2,
        batch_rows=5000,
        landing_settle_seconds=0,
    )
    return replace(base, **overrides)


def cli_environment(root: Path, landing: Path, **variables: str) -> dict[str, str]:
    """The environment of a real `python -m orchestration.cli` run with everything it writes under `root`."""
    return {
        **os.environ,
        "PW_LANDING_DIR": str(landing),
        "PW_WAREHOUSE_PATH": str(root / "warehouse" / "pw.duckdb"),
        "PW_PUBLISHED_PATH": str(root / "published" / "pw.duckdb"),
        "PW_DUCKDB_TEMP_DIR": str(root / "tmp"),
        "PW_DUCKDB_MEMORY_LIMIT": "1GB",
        "PW_AS_OF_DATE": AS_OF.isoformat(),
        "DAGSTER_HOME": str(root / "dagster_home"),
        **variables,
    }


def copy_landing(sample: Path, destination: Path, systems: set[str]) -> Path:
    """A copy of the sample landing zone holding only `systems` (a user who has, say, no LMS)."""
    shutil.copytree(sample, destination, ignore=lambda folder, names: [
        name for name in names if Path(folder) == sample and name not in systems])
    return destination


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    """The default-shaped sample, generated once per test session. Treat as read-only: copy to mutate."""
    from sample import generate

    landing = tmp_path_factory.mktemp("sample") / "landing"
    generate(landing, partners=SAMPLE_PARTNERS, seed=SAMPLE_SEED, as_of=AS_OF)
    return landing


@pytest.fixture(scope="session")
def ground_truth(sample_landing) -> dict:
    return json.loads((sample_landing / "_ground_truth" / "ground_truth.json").read_text())


@pytest.fixture
def landing(tmp_path, sample_landing) -> Path:
    """A private copy of the sample landing zone that a test may change."""
    copy = tmp_path / "landing"
    shutil.copytree(sample_landing, copy)
    return copy


@pytest.fixture
def settings(tmp_path, landing) -> Settings:
    return settings_for(tmp_path, landing)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, sample_landing):
    """The whole warehouse built once per session by the real Dagster job (loads, then dbt build) on the
    sample. Returns (Dagster result, Settings). Tests must only read it."""
    from dagster import DagsterInstance

    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(sample_landing, root / "landing")
    patch = pytest.MonkeyPatch()
    patch.setenv("PW_LANDING_DIR", str(root / "landing"))
    patch.setenv("PW_WAREHOUSE_PATH", str(root / "warehouse" / "pw.duckdb"))
    patch.setenv("PW_PUBLISHED_PATH", str(root / "published" / "pw.duckdb"))
    patch.setenv("PW_DUCKDB_TEMP_DIR", str(root / "tmp"))
    patch.setenv("PW_DUCKDB_MEMORY_LIMIT", "1GB")
    patch.setenv("PW_AS_OF_DATE", AS_OF.isoformat())  # time-based metrics see the sample's own date
    # Tests check marts against raw and staging through the published file, so it keeps those layers here
    # (by default they stay in the working file: tests/test_operations.py checks that).
    patch.setenv("PW_PUBLISH_PII_LAYERS", "1")
    from warehouse.dbt import parse_project

    settings = Settings.from_env()
    parse_project(settings)
    from orchestration.definitions import defs

    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("build_warehouse").execute_in_process(
            instance=instance, raise_on_error=False
        )
    yield result, settings
    patch.undo()


@pytest.fixture(scope="session")
def warehouse(pipeline):
    """A read-only DuckDB connection to the warehouse the session built and published, as analysts open it
    (the working file stays free for steps that write, e.g. the dbt unit-test run)."""
    import duckdb

    _, settings = pipeline
    # Opened as a reader opens it (no settings): other readers in this process (the audit report) do the same,
    # and DuckDB refuses two connections to one file with different configurations.
    con = duckdb.connect(str(settings.published), read_only=True)
    yield con
    con.close()
