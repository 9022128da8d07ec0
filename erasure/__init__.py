"""Erasure requests: remove one person, identified by an email address, from every layer of the warehouse.

    python -m orchestration.cli erase --email someone@example.com --reason "ticket 123" [--dry-run]
    (or `erasure.erase(settings, email, ...)`)

Under the writer lock, in this order:
1. find every raw row whose email column (any table, trimmed, case-insensitive) holds the address, and collect the
   person's record ids and names from them;
2. add the person to the suppression list (`connectors.suppression`, outside the warehouse file: hashes only), so
   that no later load or backfill of the landing archive brings them back;
3. in one transaction: delete every version of the rows that ARE the person and of their own records (LMS
   enrolments and certifications, campaign memberships), set the person's columns to NULL on business rows that
   MENTION them (partner contact fields, portal events; the email keeps only its domain), delete their rows from ops.quarantine, purge them from
   the incremental history marts (which a build appends to and never rebuilds), and write ops.erasure_log;
4. rebuild every other dbt model and run the tests (`dbt build --full-refresh`, so any incremental model is rebuilt too;
   same as-of date as the last build; history models excluded, so no snapshot is added), then check that no
   table or view still holds the email, the pseudonym or a name of the person;
5. compact the working file (deleted rows can survive in DuckDB's free blocks), publish it (atomic replace of the
   published file and a new Parquet export) and delete every older Parquet export;
6. search every other file the project writes (Dagster's run storage and compute logs, dbt's artifacts and log, the
   reports, spill files, leftovers of killed runs) for the person's bytes: runs, lines and files holding them are
   removed before the rebuild (`files`), and the erasure fails, naming the files, if any still does at the end.

The landing files are not rewritten unless PW_ERASE_LANDING=1 (CSV and JSON lines only): they are the immutable
record of what was delivered (README, "Erasure requests"). The log never holds the email, a name or a pseudonym:
counts per table only.

The package, by concern: `person` (find them), `plan` (what each table loses), `traces` (where they still are),
`rebuild` (dbt, compaction, old copies), `files` (files beside the warehouse), `landing` (the archive rewrite),
`report` (the steps and ops.erasure_log).
It imports nothing of `orchestration`: the CLI calls it, not the other way round.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from connectors.suppression import append_registry, email_hash, id_hash, registry_path
from erasure.files import check_no_file_holds, scrub_files
from erasure.landing import rewrite_landing
from erasure.person import Person, find_person
from erasure.plan import Change, plan_history, plan_quarantine, plan_raw
from erasure.rebuild import compact, history_models, rebuild_dbt, remove_old_copies
from erasure.report import ErasureReport, Step, write_log
from erasure.traces import find_traces, namesakes
from settings import Settings
from warehouse.connection import connect, writer_lock
from warehouse.parquet_export import recorded_versions
from warehouse.privacy import normalize_identifier
from warehouse.publish import parquet_versions, publish
from warehouse.raw import ensure_tables, undo_unfinished_loads

__all__ = ["ErasureReport", "Person", "Step", "erase", "history_models", "plan_history", "rewrite_landing"]


def _checked_email(email: str, reason: str | None) -> str:
    normalized = normalize_identifier(email or "")
    if "@" not in normalized:
        raise ValueError("--email must be an email address")
    if reason and (normalized in reason.lower()):
        raise ValueError("--reason must not contain the email address (the log keeps the reason)")
    return normalized


def _register_suppression(erasure_id: str, requested_at: datetime, person: Person) -> None:
    append_registry({
        "erasure_id": erasure_id, "requested_at": requested_at.isoformat(),
        "email_hash": email_hash(person.email),
        "id_hashes": sorted(id_hash(s, e, i) for (s, e), ids in person.ids.items() for i in ids),
    })


def _apply_in_one_transaction(con, person: Person, changes: list[Change], history_names: set[str]):
    """Raw, quarantine and history deletes together; returns (history changes, names kept out of the checks)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for change in changes:
            change.apply(con)
        kept_names = person.names - namesakes(con, person)
        history = plan_history(con, person, kept_names, history_names)
        for change in history:
            change.apply(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return history, kept_names


def erase(settings: Settings, email: str, reason: str | None = None, dry_run: bool = False,
          publish_result: bool = True, log=print) -> ErasureReport:
    """Erase the person behind `email` (see the module docstring); `dry_run` only counts, read-only."""
    started = time.perf_counter()
    requested_at = datetime.now(UTC)
    erasure_id = uuid.uuid4().hex
    normalized = _checked_email(email, reason)
    with writer_lock(settings):
        with connect(settings, read_only=dry_run) as con:
            if not dry_run:
                ensure_tables(con)
                undo_unfinished_loads(con)  # a killed load's half-written file: not erased, deleted
            person = find_person(con, normalized)
            if reason and any(n.lower() in reason.lower() for n in person.names):
                raise ValueError("--reason must not contain the person's name (the log keeps the reason)")
            changes = [*plan_raw(con, person), *plan_quarantine(con, person)]
            history_names = history_models(settings)
            if dry_run:
                changes += plan_history(con, person, person.names, history_names)
                return ErasureReport(erasure_id, True, [c.step for c in changes], time.perf_counter() - started)
            _register_suppression(erasure_id, requested_at, person)
            log(f"[erase {erasure_id[:8]}] suppression registered in {registry_path()}")
            history, kept_names = _apply_in_one_transaction(con, person, changes, history_names)
            landing = []
            if settings.erase_landing:
                log(f"[erase {erasure_id[:8]}] {Settings.variable('erase_landing')}=1: rewriting the landing files "
                    "that hold the person")
                landing = rewrite_landing(settings, con, person)
        steps = [c.step for c in [*changes, *history]]
        steps[:0] = landing or [Step("landing", str(settings.landing_dir.name), "suppress",
                                     detail="files not rewritten; later loads drop/redact the person")]
        # Before the rebuild: what dbt then writes (artifacts, log) is searched again at the end.
        steps += scrub_files(settings, person, kept_names)
        log(f"[erase {erasure_id[:8]}] raw/ops/history erased; dbt build ...")
        rebuild_dbt(settings, history_names)
        steps.append(Step("dbt", "staging, intermediate, marts", "rebuild",
                          detail="dbt build --full-refresh; history models excluded"))
        published = publish_result and settings.publish
        with connect(settings) as con:
            leftovers = find_traces(con, person, kept_names)
            if leftovers:
                raise RuntimeError(f"erasure {erasure_id}: the person is still in {sorted(leftovers)} after the rebuild")
            if published:
                steps += _publish_steps(settings)
            ensure_tables(con)
            write_log(con, erasure_id, requested_at, datetime.now(UTC), reason, steps)
            con.execute("CHECKPOINT")
        compact(settings)
        if published:
            publish(settings, f"erasure-{erasure_id}")
            remove_old_copies(settings)
        check_no_file_holds(settings, person, kept_names)
    return ErasureReport(erasure_id, False, steps, time.perf_counter() - started)


def _publish_steps(settings: Settings) -> list[Step]:
    """The steps publishing will take (logged before: the published copy must hold its own erasure's log)."""
    versions = parquet_versions(settings)
    old = len(recorded_versions(settings))
    return [Step("published", settings.published.name, "publish", detail="published file replaced"),
            Step("parquet", versions.name, "remove_files", detail=f"new export; {old} older export(s) deleted")]
