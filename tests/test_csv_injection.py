"""No executable cell in any CSV written for people (issue 15, CSV injection): partner names that a spreadsheet
would run as formulas reach findings.csv, scorecard.csv and the scorecard index.csv neutralized (a leading single
quote, as OWASP recommends), while the warehouse, the Parquet files and the JSON keep the verbatim name."""

from __future__ import annotations

import csv
import json
import shutil

import duckdb
import pandas as pd
import pytest

from audit.people_csv import FORMULA_STARTS, NUMBER, neutralized, write_frame, write_rows
from tests.conftest import AS_OF

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "@SUM(A1:A9)", "-2+3", "\tx=1", "\r=cmd"]


def _executable(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)


def test_the_writer_neutralizes_text_and_leaves_numbers(tmp_path):
    assert [neutralized(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert [neutralized(v) for v in ("-12.5", "+3", "-1e5", -7, 2.5, None, "Acme", "a=b")] == \
        ["-12.5", "+3", "-1e5", -7, 2.5, None, "Acme", "a=b"]
    write_rows(tmp_path / "a.csv", ["name", "amount"], [[p, -1.5] for p in PAYLOADS])
    write_frame(pd.DataFrame({"name": PAYLOADS, "amount": [-1.5] * len(PAYLOADS)}), tmp_path / "b.csv")
    for name in ("a.csv", "b.csv"):
        with open(tmp_path / name, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        assert [r[0] for r in rows] == ["'" + p for p in PAYLOADS] and {r[1] for r in rows} == {"-1.5"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory, pipeline):
    """The session's published warehouse copied, its partners renamed to the payloads, then `python -m audit` and
    `python -m scorecards` on it, as a channel manager runs them."""
    from audit.__main__ import main as audit_main
    from scorecards.__main__ import main as scorecards_main

    _, settings = pipeline
    root = tmp_path_factory.mktemp("csv_injection")
    warehouse = root / settings.published.name
    shutil.copy(settings.published, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        ids = [r[0] for r in con.execute("SELECT partner_id FROM marts.partner_360 ORDER BY partner_id").fetchall()]
        renamed = dict(zip(ids, PAYLOADS))
        for partner_id, name in renamed.items():
            for table in ("marts.partner_360", "marts.dim_partner"):
                con.execute(f"UPDATE {table} SET partner_name = ? WHERE partner_id = ?", [name, partner_id])
    quarter = f"{AS_OF.year}-Q{(AS_OF.month - 1) // 3 + 1}"
    assert audit_main(["--warehouse", str(warehouse), "--out", str(root / "audit"), "--quarter", quarter,
                       "--no-expectations"]) == 0
    assert scorecards_main(["--warehouse", str(warehouse), "--out", str(root / "scorecards"), "--quiet",
                            "--no-check", *(a for pid in renamed for a in ("--partner", pid))]) == 0
    return root, renamed


def test_no_csv_for_people_holds_an_executable_cell(reports):
    root, renamed = reports
    files = sorted(root.rglob("*.csv"))
    names = {p.name for p in files}
    assert {"findings.csv", "scorecard.csv", "index.csv"} <= names
    found = set()
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                assert not any(_executable(cell) for cell in row), (path, row)
                found |= {cell[1:] for cell in row if cell[1:] in renamed.values()}
    assert found == set(renamed.values()), "the renamed partners did not reach the CSV files"


def test_the_json_and_parquet_keep_the_verbatim_name(reports):
    root, renamed = reports
    for partner_id, name in renamed.items():
        card = json.loads((root / "scorecards" / partner_id / "scorecard.json").read_text(encoding="utf-8"))
        assert card["partner"]["partner_name"] == name
    findings = pd.concat(pd.read_parquet(p) for p in root.rglob("findings.parquet"))
    assert set(findings.partner_name.dropna()) & set(renamed.values())
