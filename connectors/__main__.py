"""Load extracts without Dagster: `python -m connectors [--system crm ...]` (what each raw asset does)."""

from __future__ import annotations

import argparse
import sys

from connectors.loader import EntityReport, load_all
from connectors.registry import SOURCES
from settings import Settings


def _progress(report: EntityReport) -> None:
    print(
        f"{report.system + '.' + report.entity:<30} files new {len(report.files):>3} (already loaded {report.skipped_files})  "
        f"read {report.total('rows_read'):>9,}  loaded {report.total('rows_loaded'):>9,}  "
        f"quarantined {report.total('rows_quarantined'):>7,}",
        file=sys.stderr,
    )
    for error in report.rejected:
        print(f"  REJECTED {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connectors",
        description="Load new extract files from the landing zone into the raw tables, through the data contracts.",
    )
    parser.add_argument("--system", action="append", choices=sorted(SOURCES), help="only this system (repeatable)")
    args = parser.parse_args(argv)
    reports = load_all(Settings.from_env(), args.system, progress=_progress)
    return 1 if any(report.rejected for report in reports) else 0  # the other files loaded; these did not


if __name__ == "__main__":
    sys.exit(main())
