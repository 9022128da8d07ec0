"""The code location loads the way `make dev` (`dg dev`, configured by [tool.dg] in pyproject.toml) loads it, under
the name partner_warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def _run(command: list[str], tmp_path: Path) -> str:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(BIN.parent),
        "DAGSTER_HOME": str(tmp_path),
    }
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def test_the_code_location_loads_as_dagster_dev_loads_it(pipeline, tmp_path):
    # `pipeline` has parsed the dbt project, which the definitions read.
    assert "All definitions loaded successfully" in _run([str(BIN / "dg"), "check", "defs"], tmp_path)
    # Without -m, dagster reads [tool.dagster]: the same module, and the location's name.
    output = _run([str(BIN / "dagster"), "definitions", "validate"], tmp_path)
    assert "Validation successful for code location partner_warehouse" in output
