"""`python -m settings`: print .env.example; `--write` regenerates it and the docs' table; `--check` verifies."""

from __future__ import annotations

import argparse
import sys

from settings import docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m settings", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite .env.example and the docs' configuration table")
    action.add_argument("--check", action="store_true", help="exit 1 if .env.example or the table is out of date")
    args = parser.parse_args(argv)
    if args.write:
        for path in docs.write():
            print(f"wrote {path}")
        return 0
    if args.check:
        stale = docs.stale()
        for path in stale:
            print(f"{path} is out of date: run `python -m settings --write`", file=sys.stderr)
        return 1 if stale else 0
    print(docs.env_example(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
