"""`python -m warehouse.sqllint [--fix] [sqlfluff args]`: sqlfluff (dbt templater, rules in .sqlfluff) over the
dbt project: `lint`, or `fix` with `--fix`.

sqlfluff's dbt templater compiles every model against a warehouse: `is_incremental()` looks for the history tables
and two completeness models read a seed while compiling. So it compiles against a throwaway warehouse holding only
the seeds, with a dummy pseudonymization key: linting needs no build and never touches the real warehouse or key.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from settings import PROJECT_ROOT, Settings
from warehouse.dbt import dbt_environment, run_dbt


def lint_settings(folder: Path) -> Settings:
    return Settings.from_env({"PW_WAREHOUSE_PATH": str(folder / "lint.duckdb"), "PW_DUCKDB_TEMP_DIR": str(folder),
                              "PW_PII_HASH_KEY": "lint", "DBT_TARGET_PATH": str(folder / "target")})


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verb = "fix" if "--fix" in args else "lint"
    args = [arg for arg in args if arg != "--fix"]
    with tempfile.TemporaryDirectory(prefix="pw-sqllint-") as tmp:
        settings = lint_settings(Path(tmp))
        seeded = run_dbt(settings, "--quiet", "seed", "--log-path", str(Path(tmp) / "logs"))
        if seeded.returncode != 0:
            print(seeded.stdout + seeded.stderr, file=sys.stderr)
            return seeded.returncode
        sqlfluff = Path(sys.executable).parent / "sqlfluff"
        command = [str(sqlfluff), verb, *(args or ["dbt_project"])]
        return subprocess.run(command, env=dbt_environment(settings), cwd=PROJECT_ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main())
