"""What the CLI prints when there is nothing to show yet, and the sample it writes following PW_AS_OF_DATE."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

from settings import PROJECT_ROOT
from tests.conftest import settings_for


def test_summary_without_a_warehouse_says_what_to_run(tmp_path):
    env = {**os.environ, "PW_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "pw.duckdb"),
           "PW_LANDING_DIR": str(tmp_path / "landing")}
    for command in ("summary", "status"):
        result = subprocess.run([sys.executable, "-m", "orchestration.cli", command], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "No warehouse yet" in result.stdout and "make run" in result.stdout
    assert not (tmp_path / "warehouse").exists(), "asking must not create an empty warehouse"


def test_the_sample_follows_pw_as_of_date(tmp_path):
    """The sample describes the night dbt builds for (PW_AS_OF_DATE), so the README's recipe reproduces it."""
    from orchestration.cli import write_sample
    from settings import Settings

    assert Settings.from_env({"PW_AS_OF_DATE": "2026-11-24"}).as_of_date == date(2026, 11, 24)
    settings = settings_for(tmp_path, tmp_path / "landing", as_of_date=date(2026, 11, 24))
    write_sample(settings, partners=2, seed=3)
    truth = json.loads((settings.landing_dir / "_ground_truth" / "ground_truth.json").read_text())
    assert truth["as_of"] == "2026-11-24"
