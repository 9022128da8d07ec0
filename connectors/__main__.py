"""Load extracts without Dagster: `python -m connectors [--system crm ...]` (what each raw asset does), and look at
one export before loading it: `python -m connectors inspect FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connectors.errors import ExtractFileError
from connectors.loader import EntityReport, load_all
from connectors.mapping import MappingError
from connectors.registry import SOURCES
from settings import Settings

INSPECT_EXAMPLE = """\
example:
  python -m connectors inspect ~/Downloads/partners_export.csv --system prm --entity partner

  Reads the file as the loader would (same reader, header matching, source mapping and contract), prints what
  becomes of each column (with the closest canonical names for unknown headers, scored 0-100), how many rows
  would be loaded and quarantined per rule, and a mapping snippet for <PW_MAPPING_DIR>/<system>.yml.
  Writes nothing. Without --system/--entity they are taken from the path (.../<system>/<entity>/FILE) or from
  the entity whose columns the headers match best.
"""


def _progress(report: EntityReport) -> None:
    print(
        f"{report.system + '.' + report.entity:<30} files new {len(report.files):>3} (already loaded {report.skipped_files})  "
        f"read {report.total('rows_read'):>9,}  loaded {report.total('rows_loaded'):>9,}  "
        f"quarantined {report.total('rows_quarantined'):>7,}",
        file=sys.stderr,
    )
    for file in report.files:
        if file.cleaned:
            print(f"  CLEANED {file.file}: {file.cleanup_note()}", file=sys.stderr)
    for error in report.rejected:
        print(f"  REJECTED {error}", file=sys.stderr)
    for waiting in report.waiting:
        print(f"  WAITING {waiting.note}", file=sys.stderr)
    for note in report.undone_notes():
        print(f"  UNDONE {note}", file=sys.stderr)


def _load(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        reports = load_all(settings, args.system, progress=_progress)
    except MappingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 1 if any(report.rejected for report in reports) else 0  # the other files loaded; these did not


def _inspect(args: argparse.Namespace) -> int:
    from connectors._inspect import InspectError, inspect_file, render

    try:
        inspection = inspect_file(args.file, Settings.from_env(), args.system, args.entity, args.mapping)
    except (InspectError, MappingError, ExtractFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(render(inspection))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connectors",
        description="Load new extract files from the landing zone into the raw tables, through the data contracts. "
        "`python -m connectors inspect FILE` looks at one export first, without loading it.",
    )
    parser.add_argument("--system", action="append", choices=sorted(SOURCES), help="only this system (repeatable)")
    commands = parser.add_subparsers(dest="command", metavar="{inspect}")
    inspect = commands.add_parser(
        "inspect", help="what the loader would make of one file (writes nothing)", epilog=INSPECT_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Dry-run one export through the loader: column decisions, proposals, counts per rule.",
    )
    inspect.add_argument("file", type=Path, help="the export file (anywhere, not only in the landing zone)")
    inspect.add_argument("--system", choices=sorted(SOURCES), help="the source system (default: guessed)")
    inspect.add_argument("--entity", help="the entity, e.g. partner (default: guessed)")
    inspect.add_argument("--mapping", type=Path, help="this mapping file instead of <PW_MAPPING_DIR>/<system>.yml")
    args = parser.parse_args(argv)
    return _inspect(args) if args.command == "inspect" else _load(args)


if __name__ == "__main__":
    sys.exit(main())
