"""Command line: python -m sample --partners 2000 --seed 7 --out data/demo/landing [--as-of 2026-11-24]."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from sample.generator import generate


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    from settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m sample",
        description="Generate one night of partner-warehouse source extracts (CRM, PRM, LMS, marketing, finance) "
                    "with known dirt, plus _ground_truth/ground_truth.json describing every planted problem.",
        epilog="Deterministic: the same --partners, --seed and --as-of give byte-identical files. "
               "Volumes scale linearly (~140 records per partner); memory stays bounded (chunks of partners). "
               "Files of the same night are overwritten; other files under --out are left alone.",
    )
    parser.add_argument("--partners", type=int, default=300, help="number of partners (default: 300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument("--out", default=str(Settings.from_env().landing_dir),
                        help="landing directory to write into (default: $PW_LANDING_DIR, else the demo's data/demo/landing)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=Settings.from_env().as_of_date,
                        metavar="YYYY-MM-DD",
                        help="the night's date: main extracts are dated the day before, deltas this day "
                             "(default: $PW_AS_OF_DATE, the day dbt builds for, else today)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.partners < 1:
        parser.error("--partners must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    summary = generate(args.out, partners=args.partners, seed=args.seed, as_of=args.as_of, progress=not args.quiet)
    print(json.dumps({k: v for k, v in summary.items() if k != "files"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
