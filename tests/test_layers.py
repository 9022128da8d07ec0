"""The package layering holds: no import circle, no import from a lower package up to a higher one.

The contracts are in pyproject.toml ([tool.importlinter]); `make lint` runs the same command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from settings import PROJECT_ROOT


def test_packages_import_only_the_packages_below_them():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "0 broken" in result.stdout
