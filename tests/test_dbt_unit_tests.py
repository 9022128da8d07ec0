"""dbt `unit_tests:` (attribution, tier gap, certification status, completeness...) on hand-written inputs.

The nightly build leaves them out (they test SQL logic, not the night's data); CI runs them here, against
the warehouse the session built, so their parent relations exist."""

from __future__ import annotations

from warehouse.dbt import run_dbt


def test_every_dbt_unit_test_passes(pipeline, tmp_path):
    _, settings = pipeline
    result = run_dbt(settings, "test", "--select", "test_type:unit", "--target-path", str(tmp_path / "target"),
                     "--log-path", str(tmp_path / "logs"), timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
    summary = [line for line in result.stdout.splitlines() if "PASS=" in line][-1]
    passed = int(summary.split("PASS=")[1].split()[0])
    assert passed >= 10 and "ERROR=0" in summary
