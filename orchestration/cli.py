"""`partner-warehouse` command line: build the warehouse end to end and print what happened.

    python -m orchestration.cli run            # build from PW_LANDING_DIR; unset: the bundled demo (generated once)
    python -m orchestration.cli run --no-sample   # the demo too must already hold extracts
    python -m orchestration.cli summary        # what the warehouse holds now
    python -m orchestration.cli status         # the last runs and what failed
    python -m orchestration.cli docs [--no-serve] [--port 8080]   # dbt docs of the working warehouse
    python -m orchestration.cli backfill --from 2026-11-01 --to 2026-11-24
    python -m orchestration.cli erase --email someone@example.com --reason "request 42" [--dry-run]

run, backfill and erase hold the warehouse's writer lock for the whole command (exit 3: another build held it for
PW_LOCK_TIMEOUT_SECONDS) and first mark failed the Dagster runs a killed process left STARTED (run_health); run exits
4 when the working file is damaged, saying how to rebuild it (docs/operations.md, "Killed runs").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from settings import Settings, SettingsError, patched_environ
from warehouse.dbt import DbtFailed, parse_if_changed

DAGSTER_YAML_HEADER = "# Written by partner-warehouse"
DAGSTER_YAML = DAGSTER_YAML_HEADER + """ (rewritten while this line is first: remove it to keep your own edits).
# One writer at a time: DuckDB allows a single writing process.
concurrency:
  runs:
    tag_concurrency_limits:
      - key: "partner_warehouse/writer"
        limit: 1
# A run whose process died stays STARTED and holds the writer slot above: the daemon (`dagster dev`,
# `dagster-daemon run`) fails it. Without the daemon, every CLI command and sensor/schedule tick does
# (orchestration/run_health.py).
run_monitoring:
  enabled: true
  start_timeout_seconds: 300
  cancel_timeout_seconds: 300
  max_runtime_seconds: {max_runtime}
  poll_interval_seconds: 60
telemetry:
  enabled: false
# Dagster's SQLite event log keeping its databases open (orchestration/dagster_storage.py): ~5x less time per event.
event_log_storage:
  module: orchestration.dagster_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: "{event_log_dir}"
"""


def ensure_dagster_home(settings: Settings | None = None) -> Path:
    settings = settings or Settings.from_env()
    home = settings.dagster_home
    os.environ["DAGSTER_HOME"] = str(home)  # where DagsterInstance.get() and `dagster dev` look
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = DAGSTER_YAML.format(max_runtime=settings.run_max_runtime_seconds,
                                 event_log_dir=home / "history" / "runs")  # Dagster's default place
    # Ours (first line) and older or other settings: rewritten. A file the user wrote is theirs.
    if not config.exists() or (config.read_text().startswith(DAGSTER_YAML_HEADER) and config.read_text() != wanted):
        config.write_text(wanted)
    return home


def fail_dead_runs(settings: Settings) -> None:
    """Before any writing command: runs left STARTED by a killed process are marked failed (run_health)."""
    ensure_dagster_home(settings)
    from dagster import DagsterInstance

    from orchestration.run_health import fail_dead_runs as fail

    with DagsterInstance.get() as instance:
        fail(instance, log=lambda line: print(line, file=sys.stderr, flush=True))


BUSY = """Another build holds the warehouse's writer lock ({error}): nothing was loaded or built by this command.
It waited PW_LOCK_TIMEOUT_SECONDS={timeout:.0f}s. Run it again once the other build has finished (`status`)."""
BUSY_EXIT = 3


def lock_whole_command(stack: ExitStack, settings: Settings) -> bool:
    """Take the writer lock for a whole command (its steps take it again), released when `stack` closes: a second run
    started meanwhile waits for the first to end (or says BUSY and stops), instead of interleaving its steps with
    the first one's. Then fail the runs a killed process left behind. False (after saying why): not taken."""
    from warehouse.connection import writer_lock

    try:
        stack.enter_context(writer_lock(settings))
    except TimeoutError as error:
        print(BUSY.format(error=error, timeout=settings.lock_timeout_seconds), file=sys.stderr)
        return False
    fail_dead_runs(settings)
    return True


def landing_is_empty(settings: Settings) -> bool:
    from connectors.registry import SOURCES

    return not any(source.extract_files(settings.landing_dir, e) for source in SOURCES.values() for e in source.entities)


def write_sample(settings: Settings, partners: int, seed: int) -> None:
    from sample import generate

    # The night the sample describes is the day dbt builds for (PW_AS_OF_DATE), else today: a sample dated today
    # built as of another day would put its deliveries in that day's future.
    as_of = settings.as_of_date
    print(f"Writing a sample of {partners} partners (seed {seed}) into {settings.landing_dir}, "
          f"as of {(as_of or date.today()).isoformat()}.")
    generate(settings.landing_dir, partners=partners, seed=seed, as_of=as_of)


LANDING_MISSING = """\
PW_LANDING_DIR={path}: no such folder. Nothing was built.
Check the path (relative paths are from the repository root), create the folder your exports land in
(<landing>/<system>/<entity>/<file>), or unset PW_LANDING_DIR to build the bundled demo."""

LANDING_EMPTY = """\
The landing zone {path} holds no extract files (expected <landing>/<system>/<entity>/<file>, e.g. crm/account/...
for the systems {systems}). Nothing was built, and no sample was written there.
Put your exports there, or `make sample` to write the bundled sample into it on purpose, or unset PW_LANDING_DIR
to build the demo."""


def prepare_landing(settings: Settings, sample: bool, partners: int, seed: int) -> int | None:
    """None when there is something to build; else the exit code, after saying why not.

    Only the demo folder (PW_LANDING_DIR unset) is ever filled with the bundled sample: a landing zone the user
    configured holds their data, and invented partners there would be built and published as theirs."""
    if not settings.uses_demo_landing and not settings.landing_dir.is_dir():
        print(LANDING_MISSING.format(path=settings.landing_dir), file=sys.stderr)
        return 2
    from connectors.registry import SOURCES

    if settings.uses_demo_landing:
        print(f"PW_LANDING_DIR is unset: building the bundled demo from {settings.landing_dir}.")
        if sample and landing_is_empty(settings):
            write_sample(settings, partners, seed)
    if landing_is_empty(settings):
        print(LANDING_EMPTY.format(path=settings.landing_dir, systems=", ".join(SOURCES)), file=sys.stderr)
        return 1
    return None


def execute_build(settings: Settings, log_level: str):
    """Parse dbt (if the project changed), then run the build_warehouse job in this process, recorded in DAGSTER_HOME.

    The job's assets read their settings from the environment (as they do under `dagster dev`), so the job runs
    with the environment of `settings` (a backfill day's), restored afterwards."""
    ensure_dagster_home(settings)
    from audit.expectations import prewarm

    prewarm()  # the job's last step validates with great-expectations: imported while dbt parses and DuckDB loads
    print("Parsing the dbt project (unless it has not changed since the last parse)...", file=sys.stderr)
    try:
        parse_if_changed(settings)
    except DbtFailed as error:  # a model or yml the user edited: dbt's message is the whole story
        raise SystemExit(f"{error}\nNothing was loaded or built; the published warehouse was not touched.") from None
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.run_health import process_tags

    job = defs.resolve_job_def("build_warehouse")
    print(f"Materializing every asset of job '{job.name}' into {settings.warehouse_path} ...", file=sys.stderr)
    with patched_environ(settings.to_env(), settings.unset_variables()), DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=process_tags(),  # how the next start knows whether this run's process is still alive
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )


def mappings_are_valid(settings: Settings) -> bool:
    """The user's source mapping files, checked before any work: a bad key names its file and line at once, not
    minutes later in one raw asset's failure."""
    from connectors.mapping import MappingError, check_mapping_dir
    from connectors.registry import SOURCES

    try:
        check_mapping_dir(settings, list(SOURCES))
    except MappingError as error:
        print(f"error in a source mapping file:\n{error}", file=sys.stderr)
        return False
    return True


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not mappings_are_valid(settings):
        return 2
    stop = prepare_landing(settings, args.sample, args.partners, args.seed)
    if stop is not None:
        return stop
    from warehouse.publish import recover_killed_runs

    started = time.perf_counter()
    with ExitStack() as stack:
        if not lock_whole_command(stack, settings):
            return BUSY_EXIT
        restore_killed_backfill(settings)
        recover_killed_runs(settings)  # under the lock: no running run's files are taken for leftovers
        if working_file_is_damaged(settings):
            return DAMAGED_EXIT
        result = execute_build(settings, args.log_level)
    print_run_summary(result, settings, time.perf_counter() - started)
    return 0 if result.success else 1


DAMAGED = """The working warehouse {path} is damaged; DuckDB says: {damage}
Nothing was loaded or built. The published warehouse {published} was not touched and still serves readers.
Rebuild the working file from the landing archive (the damaged file is set aside, history snapshots are carried
over from the published warehouse, and the result is published):
    python -m orchestration.cli backfill --from {day} --to {day}
(or `make backfill FROM={day} TO={day}`)."""
DAMAGED_EXIT = 4


def working_file_is_damaged(settings: Settings) -> bool:
    """Say so, and how to recover, when the working file does not read back (warehouse.integrity)."""
    from warehouse.integrity import damage

    found = damage(settings)
    if found is None:
        return False
    day = (settings.as_of_date or date.today()).isoformat()
    print(DAMAGED.format(path=settings.warehouse_path, damage=found, published=settings.published, day=day),
          file=sys.stderr)
    return True


def backfill(args: argparse.Namespace) -> int:
    """Rebuild a past date range from the landing archive, one day at a time, into a fresh working file.

    Day D sees only the files dated D or earlier (PW_FILES_UNTIL) and computes time-based metrics as of D
    (PW_AS_OF_DATE), so history tables get one snapshot per day. Only the last day is published. If a day
    fails, the previous working warehouse is put back and the published one was never touched."""
    settings = Settings.from_env()
    if not settings.uses_demo_landing and not settings.landing_dir.is_dir():
        print(LANDING_MISSING.format(path=settings.landing_dir), file=sys.stderr)
        return 2
    days = [args.start + timedelta(days=n) for n in range((args.end - args.start).days + 1)]
    if not days:
        raise SystemExit("--to must not be before --from")
    with ExitStack() as stack:
        if not lock_whole_command(stack, settings):
            return BUSY_EXIT
        return backfill_days(settings, days, args.log_level)


def saved_before_backfill(settings: Settings) -> Path:
    """Where a backfill keeps the working file it replaces until its last day has passed."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".before-backfill")


def _move_database(source: Path, target: Path) -> None:
    """Rename a DuckDB file together with its write-ahead log (a killed run's uncommitted-to-file changes): a
    WAL left at the old name would be replayed into whatever file is created there next."""
    os.replace(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        os.replace(wal, Path(f"{target}.wal"))


def restore_killed_backfill(settings: Settings) -> bool:
    """A backfill killed before its end leaves the real working file set aside and a partial one in its place:
    put the real one back (the backfill is to be run again), so no night builds on the partial file."""
    saved = saved_before_backfill(settings)
    if not saved.exists():
        return False
    working = settings.warehouse_path
    for partial in (working, Path(f"{working}.wal")):
        partial.unlink(missing_ok=True)
    _move_database(saved, working)
    print(f"A backfill was stopped before its end: {working} is restored as it was before it "
          "(run the backfill again).", file=sys.stderr)
    return True


def backfill_days(settings: Settings, days: list[date], log_level: str) -> int:
    working = settings.warehouse_path
    saved = saved_before_backfill(settings)
    restore_killed_backfill(settings)
    if working.exists():
        _move_database(working, saved)
        try:
            kept = carry_history_from_readable(settings, saved, days[0], days[-1])
        except BaseException:
            working.unlink(missing_ok=True)
            _move_database(saved, working)  # as it was: nothing built yet
            raise
        print(f"[backfill] kept {kept} history snapshot row(s) from outside {days[0]}..{days[-1]}", file=sys.stderr)
    for number, day in enumerate(days, start=1):
        day_settings = replace(settings, as_of_date=day, files_until=day, publish=day == days[-1])
        print(f"[backfill] day {number}/{len(days)}: {day} ...", file=sys.stderr, flush=True)
        result = execute_build(day_settings, log_level)
        if not result.success:
            print(f"[backfill] {day} failed; the working warehouse is restored and nothing was published.")
            working.unlink(missing_ok=True)
            if saved.exists():
                _move_database(saved, working)
            return 1
    saved.unlink(missing_ok=True)
    print(f"[backfill] rebuilt {len(days)} day(s), {days[0]} to {days[-1]}; published as of {days[-1]}.")
    return 0


def carry_history_from_readable(settings: Settings, saved: Path, start: date, end: date) -> int:
    """`carry_history` from the working file before the backfill, or, when that file is damaged (the backfill is how
    a damaged working file is rebuilt), from the published warehouse, the last build that passed."""
    from warehouse.integrity import damage

    found = damage(settings, saved)
    if found is None:
        return carry_history(settings, saved, start, end)
    source = settings.published
    print(f"[backfill] {saved} is damaged ({found}); history snapshots are carried over from {source}",
          file=sys.stderr)
    return carry_history(settings, source, start, end) if source.exists() else 0


def carry_history(settings: Settings, saved: Path, start: date, end: date) -> int:
    """Copy the history models' snapshots dated outside start..end from the warehouse before the backfill into the
    fresh working file: history cannot be rebuilt from the landing archive (a snapshot is what a build saw), so a
    past quarter's audit keeps its numbers; the days backfilled get their snapshots again. Returns the rows kept."""
    import duckdb

    from warehouse.connection import connect
    from warehouse.dbt import history_relations

    kept = 0
    with connect(settings) as con:
        con.execute(f"ATTACH '{saved}' AS before_backfill (READ_ONLY)")
        try:
            for schema, table in history_relations(settings):
                source = f'before_backfill."{schema}"."{table}"'
                try:
                    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                    con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM {source} '
                                "WHERE as_of_date NOT BETWEEN ? AND ?", [start, end])
                except duckdb.CatalogException:
                    continue  # the warehouse before the backfill had no such history yet
                kept += con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        finally:
            con.execute("DETACH before_backfill")
    return kept


def print_run_summary(result, settings: Settings, seconds: float) -> None:
    from orchestration.summary import run_summary

    print(run_summary(result, settings, seconds))


def summary(args: argparse.Namespace) -> int:
    from orchestration.summary import warehouse_summary

    print(warehouse_summary(Settings.from_env()))
    return 0


def docs(args: argparse.Namespace) -> int:
    """dbt's documentation site for the working warehouse: `dbt docs generate`, then `dbt docs serve`.

    dbt resolves a relative warehouse path from the folder it starts in, so a hand-typed `dbt docs generate` from
    the repository root opens (and creates) the wrong file; the absolute paths of dbt_environment() avoid that."""
    import subprocess

    from settings import PROJECT_ROOT
    from warehouse.dbt import dbt_command, dbt_environment, target_dir

    settings = Settings.from_env()
    if not settings.warehouse_path.exists():
        from orchestration.summary import NO_WAREHOUSE

        print(NO_WAREHOUSE.format(path=settings.warehouse_path, landing=settings.landing_dir), file=sys.stderr)
        return 1
    env = dbt_environment(settings)
    subprocess.run(dbt_command("docs", "generate", "--quiet"), check=True, env=env, cwd=PROJECT_ROOT)
    print(f"dbt docs written to {target_dir(settings)} (index.html, catalog.json).", file=sys.stderr)
    if not args.serve:
        return 0
    print(f"Serving them at http://localhost:{args.port} (Ctrl-C stops).", file=sys.stderr)
    command = dbt_command("docs", "serve", "--port", str(args.port), "--no-browser")
    try:
        return subprocess.run(command, env=env, cwd=PROJECT_ROOT).returncode
    except KeyboardInterrupt:
        return 0


def status(args: argparse.Namespace) -> int:
    from orchestration.summary import status_report

    settings = Settings.from_env()
    print(status_report(settings, args.runs))
    print_dagster_runs(settings, args.runs)
    return 0


def print_dagster_runs(settings: Settings, runs: int) -> None:
    """Dagster's side of the last runs: the ones that did not succeed (killed, failed, still running)."""
    if not (settings.dagster_home / "dagster.yaml").exists():
        return
    ensure_dagster_home(settings)
    from dagster import DagsterInstance

    from orchestration.run_health import unfinished_runs_report

    with DagsterInstance.get() as instance:
        lines = unfinished_runs_report(instance, runs)
    if lines:
        print("\nDagster runs of the last " + str(runs) + " that did not succeed:\n" + "\n".join(lines))


def erase(args: argparse.Namespace) -> int:
    from erasure import erase as erase_person

    settings = Settings.from_env()
    try:
        with ExitStack() as stack:
            if not lock_whole_command(stack, settings):
                return BUSY_EXIT
            report = erase_person(settings, args.email, reason=args.reason, dry_run=args.dry_run,
                                  log=lambda line: print(line, file=sys.stderr, flush=True))
    except ValueError as error:
        print(f"erase: {error}", file=sys.stderr)
        return 2
    print(report.table())
    return 0


def erase_help() -> str:
    """ERASE_HELP with the person entities the contracts declare."""
    from data_contracts import dependent_entities, person_entities

    return ERASE_HELP.format(people=", ".join(f"{s}.{e}" for s, e in person_entities()),
                             records=", ".join(f"{s}.{e}" for s, e in dependent_entities()))


ERASE_HELP = """\
Remove one person (identified by an email address, trimmed, any case) from every layer of the warehouse.

Rows that ARE the person ({people}; every delivered version) are deleted, and so are
the person's own records linked by their id ({records}), as each contract declares (PEOPLE).
Business rows that only MENTION the person (a partner's contact fields, portal events) are kept: the email
becomes erased_0@<its domain> (partner matching uses the company domain) and the person's other columns (name,
IP address) are set to NULL. The person's rows in ops.quarantine and in the history marts are deleted; dbt
rebuilds every other model (--full-refresh); the compacted working file is published and older Parquet exports
are deleted. --dry-run prints the rows per table and changes nothing.
ops.erasure_log records when, why and how many rows per table, never the email, a name or a pseudonym.

The landing archive is not rewritten (it is the record of what was delivered): the person is added to a
suppression list (PW_ERASURE_REGISTRY, default erasures.jsonl beside the pseudonymization key; keyed hashes
only), and every later load or backfill drops or redacts their rows and counts them as rows_suppressed.
PW_ERASE_LANDING=1 also rewrites the CSV / JSON-lines landing files that hold the person (Parquet: never)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partner-warehouse",
        description="Build the partner 360 warehouse: load extracts through data contracts, then run dbt.",
        epilog="Configuration comes from environment variables (PW_LANDING_DIR, PW_WAREHOUSE_PATH, "
        "PW_DUCKDB_MEMORY_LIMIT, ...): `python -m settings` lists them all, as .env.example does.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="build the whole warehouse (all Dagster assets)")
    run_parser.add_argument("--no-sample", dest="sample", action="store_false",
                            help="do not generate the demo when PW_LANDING_DIR is unset and the demo folder is "
                                 "empty (a configured landing zone never gets a sample)")
    run_parser.add_argument("--partners", type=int, default=300, help="size of the demo sample (default 300)")
    run_parser.add_argument("--seed", type=int, default=7, help="seed of the demo sample (default 7)")
    run_parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                            help="Dagster console log level (default WARNING: progress lines and the summary only)")
    run_parser.set_defaults(func=run)
    summary_parser = commands.add_parser("summary", help="print what the warehouse holds")
    summary_parser.set_defaults(func=summary)
    backfill_parser = commands.add_parser(
        "backfill", help="rebuild a past date range from the landing archive, day by day (fresh working file)")
    backfill_parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    backfill_parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="last day, YYYY-MM-DD")
    backfill_parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    backfill_parser.set_defaults(func=backfill)
    docs_parser = commands.add_parser("docs", help="dbt docs of the working warehouse: generate, then serve")
    docs_parser.add_argument("--no-serve", dest="serve", action="store_false", help="generate only")
    docs_parser.add_argument("--port", type=int, default=8080, help="port of `dbt docs serve` (default 8080)")
    docs_parser.set_defaults(func=docs)
    status_parser = commands.add_parser("status", help="the last runs and what failed")
    status_parser.add_argument("--runs", type=int, default=5, help="how many runs to show (default 5)")
    status_parser.set_defaults(func=status)
    erase_parser = commands.add_parser("erase", help="erasure request: remove one person from every layer",
                                       description=erase_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    erase_parser.add_argument("--email", required=True, help="the person's email address")
    erase_parser.add_argument("--reason", help="why (a ticket number; never the person's email or name)")
    erase_parser.add_argument("--dry-run", action="store_true", help="report the rows per table, change nothing")
    erase_parser.set_defaults(func=erase)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 2 on a malformed setting, before any work, naming the variable and the form it should have."""
    try:
        Settings.from_env()
    except SettingsError as error:
        print(f"partner-warehouse: configuration error: {error}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
