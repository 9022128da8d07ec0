"""Write one scorecard per partner from the published warehouse (opened read-only):
<out>/<partner_id>/scorecard.html (self-contained, inline SVG charts), scorecard.json and scorecard.csv (the same
numbers), plus a vendor index (<out>/index.html, index.csv) that names every partner and stays outside the partner
folders. Each scorecard holds only that partner's own figures and approximate percentiles of its tier's other
partners (none when fewer than 10, or when they would reveal a peer)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from scorecards.data import WarehouseNotReady, load
from scorecards.isolation import check_folder
from scorecards.render import write_all
from settings import Settings
from warehouse.connection import read_published

EPILOG = """examples:
  python -m scorecards                                        every partner into reports/scorecards/
  python -m scorecards --partner <partner_id> --out /tmp/sc   one partner
  make scorecards PARTNER=<partner_id>

peer rule: peers = the other partners of the same current tier; only p25 / median / p75 (rounded to 2 significant
figures, marked approximate), only when at least 10 peers have a value, only those from which no peer's value can be
worked out, never of counts; the partner's position is told against the shown quartiles.
After writing, every file is checked for other partners' names, ids, domains and exact figures (exit 1 on a leak)."""


def default_out() -> Path:
    return Settings.from_env().reports_dir / "scorecards"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scorecards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: $PW_REPORTS_DIR/scorecards, else reports/scorecards)")
    parser.add_argument("--partner", action="append", metavar="ID", dest="partners",
                        help="write only this partner_id (repeatable; default: every partner)")
    parser.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="refuse unless the published warehouse describes this day (its as_of_date); "
                        "rebuild with PW_AS_OF_DATE=... to get another day")
    parser.add_argument("--warehouse", type=Path, help="DuckDB file to read (default: the published warehouse)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip the isolation check (no other partner's name, ids, domain or figures in a file)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)

    published = args.warehouse or Settings.from_env().published
    if not published.exists():
        print(f"no published warehouse at {published}: run `make run` first", file=sys.stderr)
        return 2
    out = args.out or default_out()
    con = read_published(published)
    try:
        data = load(con)
    except WarehouseNotReady as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        con.close()
    if args.as_of and args.as_of != data.as_of_date:
        print(f"the published warehouse describes {data.as_of_date}, not {args.as_of}: rebuild it with "
              f"PW_AS_OF_DATE={args.as_of} (make backfill FROM={args.as_of} TO={args.as_of}) first", file=sys.stderr)
        return 2

    def progress(n: int, total: int, partner_id: str) -> None:
        if not args.quiet and (n == total or n % 25 == 0 or n == 1):
            print(f"  {n}/{total} scorecards written (last: {partner_id})", flush=True)

    print(f"scorecards as of {data.as_of_date} from {published} -> {out}")
    try:
        result = write_all(data, out, args.partners, progress=progress)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    print(f"{len(result.partners)} partners, {result.files} files in {result.seconds:.1f}s; "
          f"peer statistics reported on {result.peer_groups_reported}")
    if not args.no_check:
        leaks = check_folder(out, data, result.partners, result.scorecards)
        if leaks:
            for leak in leaks[:20]:
                print(f"LEAK {leak}", file=sys.stderr)
            print(f"isolation check FAILED: {len(leaks)} leak(s)", file=sys.stderr)
            return 1
        print(f"isolation check passed: no other partner's name, ids, domain or figures in {3 * len(result.partners)} files")
    print(f"index (vendor only): {result.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
