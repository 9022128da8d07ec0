"""`.env.example` and the docs' configuration table, generated from `Settings` so they cannot drift from it.

    python -m settings --write    # rewrite .env.example and every table between the markers below
    python -m settings --check    # exit 1 if either is out of date (tests/test_settings.py checks the same)

The table lives between `<!-- settings-table:start -->` and `<!-- settings-table:end -->` in README.md or a
file under docs/ (wherever the operations docs keep it).
"""

from __future__ import annotations

import re
from pathlib import Path

from settings import PROJECT_ROOT, variables

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
TABLE_START, TABLE_END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
TABLE = re.compile(re.escape(TABLE_START) + r"\n.*?" + re.escape(TABLE_END), re.DOTALL)


def env_example() -> str:
    lines = ["# partner-warehouse configuration, generated from settings/__init__.py (`python -m settings --write`).",
             "# Every variable is optional: unset or empty takes the default shown; relative paths are from the repo root."]
    for variable, default, description in variables():
        value = f'"{default}"' if " " in default else default
        lines += ["", f"# {description}", f"{variable}={value}"]
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{v}` | {f'`{d}`' if d else '(unset)'} | {text.replace('|', '/').replace('<', '&lt;')} |" for v, d, text in variables()]
    return "\n".join(rows)


def doc_files() -> list[Path]:
    """The docs that hold a configuration table (README.md, docs/*.md)."""
    candidates = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    return [p for p in candidates if p.exists() and TABLE_START in p.read_text(encoding="utf-8")]


def with_table(text: str) -> str:
    return TABLE.sub(lambda _: f"{TABLE_START}\n{markdown_table()}\n{TABLE_END}", text)


def stale() -> list[Path]:
    """The generated files that differ from what Settings declares."""
    found = [] if ENV_EXAMPLE.exists() and ENV_EXAMPLE.read_text(encoding="utf-8") == env_example() else [ENV_EXAMPLE]
    found += [p for p in doc_files() if with_table(p.read_text(encoding="utf-8")) != p.read_text(encoding="utf-8")]
    return found


def write() -> list[Path]:
    ENV_EXAMPLE.write_text(env_example(), encoding="utf-8")
    for path in doc_files():
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return [ENV_EXAMPLE, *doc_files()]
