"""`python -m audit --quarter 2026-Q4`: write reports/audit-2026-Q4/ from the published warehouse."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from audit.data import NoSnapshotError
from audit.quarter import Quarter
from audit.report import generate
from settings import Settings


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m audit", description=__doc__)
    parser.add_argument("--quarter", help="YYYY-Qn (default: the quarter of PW_AS_OF_DATE, else of today)")
    parser.add_argument("--out", default=str(settings.reports_dir),
                        help="reports folder (default: PW_REPORTS_DIR, else reports/)")
    parser.add_argument("--warehouse", help="DuckDB file to read (default: the published warehouse)")
    parser.add_argument("--no-expectations", action="store_true", help="skip the great-expectations suite")
    args = parser.parse_args(argv)

    if args.quarter:
        quarter = Quarter.parse(args.quarter)
    else:
        quarter = Quarter.of(settings.as_of_date or date.today())
    published = Path(args.warehouse) if args.warehouse else settings.published
    if not published.exists():
        print(f"no published warehouse at {published}: run `make run` first", file=sys.stderr)
        return 2
    try:
        result = generate(published, quarter, Path(args.out), expectations=not args.no_expectations)
    except NoSnapshotError as error:
        print(error, file=sys.stderr)
        return 2
    print(json.dumps(result.headline, indent=2))
    print(f"report: {result.folder / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
