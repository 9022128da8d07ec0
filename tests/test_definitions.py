"""The code location loads the way `make dev` (dagster dev -m orchestration.definitions) loads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from settings import PROJECT_ROOT


def test_the_code_location_loads_as_dagster_dev_loads_it(pipeline, tmp_path):
    # `pipeline` has parsed the dbt project, which the definitions read.
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(tmp_path),
    }
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "Validation successful" in result.stdout + result.stderr
