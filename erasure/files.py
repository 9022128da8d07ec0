"""Files beside the warehouse that could still hold the person: Dagster's run storage and compute logs, dbt's
artifacts and log, the reports, DuckDB spill files and leftovers of killed runs.

By design none of them holds a value of a file (error texts name line, column and rule; reports and metadata hold
counts and partner-level figures), so normally nothing is found. The erasure still searches them byte by byte,
because a debug log, an older version's error text or a killed run's leftovers would otherwise keep the person for
ever. What it does with a file that holds them:
- a Dagster run whose event log holds them is deleted (Dagster cannot edit a stored event; ops.load_runs keeps the
  run's counts), its compute logs with it, and every SQLite file of the instance is vacuumed (free pages keep bytes);
- a text log (`*.log`, compute logs) loses the lines that hold them;
- any other file (dbt artifacts, spill files, leftovers, a report) is deleted: the next build, `make audit` or
  `make scorecards` writes it again without the person.
DuckDB and Parquet files are compressed (a byte search proves nothing there): the SQL check covers them.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from erasure.person import Person
from erasure.report import Step
from settings import Settings
from warehouse.dbt import log_dir, target_dir
from warehouse.leftovers import clean_leftovers

# Record ids shorter than this are not searched as bytes: "1042" occurs in any file by chance.
MIN_ID_LENGTH = 6
CHECKED_BY_SQL = {".duckdb", ".parquet"}
TEXT_LOGS = {".log", ".out", ".err"}


def search_terms(person: Person, names: set[str]) -> list[bytes]:
    """The person's email, erased names, pseudonyms and long record ids, lowercased, as written raw and as JSON
    writes them (non-ASCII escaped: Dagster and dbt store JSON)."""
    terms = {person.email, *person.pseudonyms, *(n.lower() for n in names),
             *(i.lower() for i in person.all_ids() if len(i) >= MIN_ID_LENGTH)}
    forms = set()
    for term in filter(None, terms):
        forms.add(term.encode())
        forms.add(json.dumps(term)[1:-1].lower().encode())
    return sorted(forms)


def searched_files(settings: Settings) -> list[Path]:
    """Every file the project writes besides the landing zone (the archive, rewritten only on request) and the
    DuckDB / Parquet files. Folders the project owns are searched whole; in folders a user may share (the
    warehouse's and the published file's, the DuckDB temp folder) only the project's own names."""
    owned = [settings.dagster_home, target_dir(settings), log_dir(settings), settings.reports_dir]
    found: dict[Path, None] = {}
    for folder in owned:
        found.update(dict.fromkeys(folder.rglob("*") if folder.exists() else []))
    for file in (settings.warehouse_path, settings.published):
        folder = file.parent
        for pattern in (f"{file.name}*", f".{file.name}*", ".compact-*", "parquet", ".parquet*", "parquet_versions"):
            for match in folder.glob(pattern) if folder.exists() else []:
                found.update(dict.fromkeys([match, *(match.rglob("*") if match.is_dir() else [])]))
    if settings.duckdb_temp_dir.exists():
        found.update(dict.fromkeys(settings.duckdb_temp_dir.glob("duckdb_temp*")))
    landing = settings.landing_dir.resolve()
    return [path for path in found
            if path.is_file() and not path.is_symlink() and path.suffix not in CHECKED_BY_SQL
            and not path.resolve().is_relative_to(landing)]


def holds(path: Path, terms: list[bytes]) -> bool:
    try:
        data = path.read_bytes().lower()
    except OSError:
        return False
    return any(term in data for term in terms)


def files_holding(settings: Settings, terms: list[bytes]) -> list[Path]:
    return [path for path in searched_files(settings) if holds(path, terms)]


def _dagster_runs_holding(settings: Settings, terms: list[bytes]) -> int:
    """Delete the Dagster runs whose stored events hold a term; returns how many."""
    if not (settings.dagster_home / "dagster.yaml").exists():
        return 0
    from dagster import DagsterInstance
    from dagster_shared.serdes import serialize_value

    deleted = 0
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for run_id in instance.get_run_ids():
            events = serialize_value(instance.all_logs(run_id)).lower().encode()
            if any(term in events for term in terms):
                instance.delete_run(run_id)
                shutil.rmtree(settings.dagster_home / "storage" / run_id, ignore_errors=True)
                deleted += 1
    return deleted


def _vacuum(database: Path) -> None:
    with sqlite3.connect(database) as con:
        con.execute("VACUUM")


def _drop_lines(path: Path, terms: list[bytes]) -> None:
    kept = [line for line in path.read_bytes().splitlines(keepends=True)
            if not any(term in line.lower() for term in terms)]
    path.write_bytes(b"".join(kept))


def scrub_files(settings: Settings, person: Person, names: set[str]) -> list[Step]:
    """Remove the person from every file searched (see the module docstring); one Step per kind of file."""
    # A killed run's copy may hold the person: leftovers go whatever they hold (the caller holds the writer lock).
    leftovers = len(clean_leftovers(settings))
    terms = search_terms(person, names)
    runs = _dagster_runs_holding(settings, terms)
    if runs and settings.dagster_home.exists():
        for database in settings.dagster_home.rglob("*.db"):
            _vacuum(database)
    logs, removed = 0, leftovers
    for path in files_holding(settings, terms):
        if path.suffix == ".db" and path.is_relative_to(settings.dagster_home.resolve()):
            continue  # reported by the final check if vacuuming did not clear it
        if path.suffix in TEXT_LOGS:
            _drop_lines(path, terms)
            logs += 1
        else:
            path.unlink()
            removed += 1
    return [Step("files", "dagster runs", "delete", rows_deleted=runs, detail="runs whose event log held the person"),
            Step("files", "logs", "redact", rows_redacted=logs, detail="lines holding the person removed"),
            Step("files", "artifacts, spill files, leftovers", "remove_files", rows_deleted=removed,
                 detail="leftovers of killed runs and files holding the person deleted; the next build "
                 "writes them again")]


def check_no_file_holds(settings: Settings, person: Person, names: set[str]) -> None:
    """The last check: raise, naming the files (never the person), if a searched file still holds them."""
    left = files_holding(settings, search_terms(person, names))
    if left:
        raise RuntimeError(f"the person is still in these files after the erasure: {[str(p) for p in left]}")
