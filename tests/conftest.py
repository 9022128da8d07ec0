"""Shared fixtures: a small generated sample (real files on disk) and settings pointing at temp folders."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from connectors.settings import Settings

AS_OF = date(2026, 11, 24)
SAMPLE_PARTNERS = 80
SAMPLE_SEED = 11


def settings_for(root: Path, landing: Path, **overrides) -> Settings:
    base = Settings(
        landing_dir=landing,
        warehouse_path=root / "warehouse" / "partner_warehouse.duckdb",
        duckdb_memory_limit="1GB",
        duckdb_threads=2,
        duckdb_temp_dir=root / "tmp",
        max_failure_rate=0.2,
        batch_rows=5000,
    )
    return replace(base, **overrides)


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    """The default-shaped sample, generated once per test session. Treat as read-only: copy to mutate."""
    from connectors.sample import generate

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
