"""The example queries of docs/analyst-guide.md are dbt analyses (dbt_project/analyses/*.sql): compiled by dbt and
run against the session's warehouse (the test sample: 80 partners, seed 11, as of 2026-11-24), their SQL and output in
the guide must be exactly what they give, so the guide cannot drift from the marts.

When a mart changes what an analysis returns (on purpose), regenerate the guide's sections and commit them:

    PW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_analyses.py

Every analysis ends its ORDER BY with a unique key (partner_id, certification_record_id): ties never reorder rows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from settings import PROJECT_ROOT

ANALYSES = PROJECT_ROOT / "dbt_project" / "analyses"
GUIDE = PROJECT_ROOT / "docs" / "analyst-guide.md"
UPDATE = os.environ.get("PW_UPDATE_SNAPSHOTS", "").strip().lower() in ("1", "true", "yes")
REF = re.compile(r"\{\{\s*ref\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}")


def analyses() -> list[Path]:
    """In the order of the number their first line gives them (`-- 1. Top partners ...`)."""
    def number(path: Path) -> int:
        match = re.match(r"--\s*(\d+)\.", path.read_text(encoding="utf-8"))
        return int(match.group(1)) if match else 10**6
    return sorted(ANALYSES.glob("*.sql"), key=lambda p: (number(p), p.name))


def shown_sql(path: Path) -> str:
    """The SQL as the guide shows it: what an analyst types against the published file (`marts.<model>`)."""
    return REF.sub(lambda m: f"marts.{m.group(1)}", path.read_text(encoding="utf-8").strip()) + ";"


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return str(value).replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def section(path: Path, columns: list[str], rows: list[tuple]) -> str:
    name = path.stem
    return "\n".join([
        f"<!-- analysis:{name}: generated from dbt_project/analyses/{path.name} by "
        "`PW_UPDATE_SNAPSHOTS=1 pytest tests/test_analyses.py`, do not edit -->",
        "```sql", shown_sql(path), "```", "",
        markdown_table(columns, rows),
        f"<!-- /analysis:{name} -->",
    ])


def _markers(name: str) -> re.Pattern:
    return re.compile(rf"<!-- analysis:{name}:.*?<!-- /analysis:{name} -->", re.S)


@pytest.fixture(scope="module")
def compiled(pipeline, tmp_path_factory) -> dict[str, str]:
    """`dbt compile` of the analyses, against the session's warehouse (its database name is in the compiled SQL)."""
    from warehouse.dbt import run_dbt

    _, settings = pipeline
    target = tmp_path_factory.mktemp("analyses-target")
    run_dbt(settings, "compile", "--quiet", "--select", "resource_type:analysis", "--target-path", str(target),
            check=True, timeout=600)
    folder = target / "compiled" / "partner_warehouse" / "analyses"
    return {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.sql")}


@pytest.fixture(scope="module")
def results(compiled, warehouse) -> dict[str, tuple[list[str], list[tuple]]]:
    out = {}
    for name, sql in compiled.items():
        relation = warehouse.sql(sql)
        out[name] = (relation.columns, relation.fetchall())
    return out


def test_every_analysis_compiles_and_returns_rows(compiled, results):
    assert {p.stem for p in analyses()} == compiled.keys() and len(compiled) >= 5
    empty = [name for name, (_, rows) in results.items() if not rows]
    assert not empty, f"analyses with no rows on the test sample: {empty}"


def test_the_shown_sql_gives_what_dbt_compiled(results, warehouse):
    """An analyst runs the guide's SQL (`marts.<model>`) on the published file: the same rows as the analysis."""
    for path in analyses():
        relation = warehouse.sql(shown_sql(path).rstrip(";"))
        assert (relation.columns, relation.fetchall()) == results[path.stem], path.name


def test_the_guide_shows_each_analysis_and_its_output(results):
    text = GUIDE.read_text(encoding="utf-8")
    expected = {p.stem: section(p, *results[p.stem]) for p in analyses()}
    if UPDATE:
        for name, block in expected.items():
            if _markers(name).search(text):
                text = _markers(name).sub(lambda _, block=block: block, text)
            else:  # a new analysis: appended to the guide, to be moved and explained by hand
                text = text.rstrip("\n") + "\n\n" + block + "\n"
        GUIDE.write_text(text, encoding="utf-8")
    stale = [name for name, block in expected.items() if block not in text]
    assert not stale, (
        f"docs/analyst-guide.md differs from the analyses {stale}: run "
        "`PW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_analyses.py` (or `make snapshots`)"
    )
    orphans = sorted(set(re.findall(r"<!-- analysis:([a-z0-9_]+):", text)) - expected.keys())
    assert not orphans, f"docs/analyst-guide.md shows analyses that no longer exist: {orphans}"
