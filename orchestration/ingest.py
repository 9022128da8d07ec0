"""Raw-table assets, one per source entity, generated from the connector registry.

Each asset loads the new extract files of its entity through the contract and reports what happened as
metadata and asset checks: whether every row is accounted for (blocking), how many rows were quarantined (a
warning that data owners should look at) and which files were rejected whole (an error, not blocking: one bad
file does not stop the other systems' data; strict mode, PW_STRICT=1, stops the publish instead).
"""


import sys
import time

import dagster as dg

from connectors.base import SourceSystem
from connectors.loader import EntityReport, load_entity
from connectors.registry import SOURCES
from orchestration.run_health import claim_run
from orchestration.run_log import record_load_run
from settings import Settings
from warehouse.connection import connect, writer_lock

ROWS_ACCOUNTED = "rows_accounted"
NO_QUARANTINE = "no_quarantined_rows"
NO_REJECTED = "no_rejected_files"


def raw_asset_key(system: str, entity: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, entity])


def _metadata(report: EntityReport) -> dict:
    files = [
        {
            "file": f.file,
            "status": f.status,
            "rows_read": f.rows_read,
            "rows_loaded": f.rows_loaded,
            "rows_quarantined": f.rows_quarantined,
            "duplicate_of": f.duplicate_of or "",
            # How the reader read the file (decided per file, connectors.formats).
            "file_format": f.file_format or "",
            "encoding": f.encoding or "",
            "delimiter": f.delimiter or "",
            # Schema drift: headers the mapping does not know, contract columns the file does not have.
            "unknown_columns": f.ignored_columns,
            "missing_columns": f.missing_columns,
            # Rows loaded with control characters removed, per column (ops.load_cleanups).
            "control_characters_removed": dict(f.cleaned),
        }
        for f in report.files
    ]
    return {
        "files_new": len(report.files),
        "files_already_loaded": report.skipped_files,
        "rows_read": report.total("rows_read"),
        "rows_loaded": report.total("rows_loaded"),
        "rows_quarantined": report.total("rows_quarantined"),
        "rows_suppressed": report.total("rows_suppressed"),
        "quarantine_rules": dg.MetadataValue.json(dict(report.rules)),
        "files": dg.MetadataValue.json(files),
        "files_rejected": len(report.rejected),
        "rejected_files": dg.MetadataValue.json([e.as_dict() for e in report.rejected]),
        # Not settled (may still be being copied in): left for the next run, not rejected.
        "files_waiting": dg.MetadataValue.json([w.note for w in report.waiting]),
    }


def _accounting_check(report: EntityReport, key: dg.AssetKey) -> dg.AssetCheckResult:
    # Suppressed: rows of people erased on request (connectors.suppression), dropped by the loader and counted.
    unbalanced = [f.file for f in report.files
                  if f.rows_read != f.rows_loaded + f.rows_quarantined + f.rows_suppressed]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=ROWS_ACCOUNTED,
        passed=not unbalanced,
        metadata={"unbalanced_files": dg.MetadataValue.json(unbalanced)},
    )


def _quarantine_check(report: EntityReport, key: dg.AssetKey) -> dg.AssetCheckResult:
    quarantined = report.total("rows_quarantined")
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=NO_QUARANTINE,
        passed=quarantined == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows_quarantined": quarantined, "rules": dg.MetadataValue.json(dict(report.rules))},
    )


def _rejection_check(report: EntityReport, key: dg.AssetKey) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=NO_REJECTED,
        passed=not report.rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(str(e) for e in report.rejected) or None,
        metadata={"rejected_files": dg.MetadataValue.json([e.as_dict() for e in report.rejected])},
    )


def build_raw_asset(source: SourceSystem, entity: str) -> dg.AssetsDefinition:
    key = raw_asset_key(source.name, entity)
    contract = source.contract(entity)

    @dg.asset(
        key=key,
        group_name=source.name,
        kinds={"duckdb"},  # the file formats are decided per file: see the `files` metadata
        description=f"{contract.description} Raw table raw_{source.name}.{entity}, loaded through its data contract.",
        check_specs=[
            dg.AssetCheckSpec(ROWS_ACCOUNTED, asset=key, blocking=True,
                              description="Every row read is either loaded or quarantined."),
            dg.AssetCheckSpec(NO_QUARANTINE, asset=key,
                              description="No row of the new files broke the data contract."),
            dg.AssetCheckSpec(NO_REJECTED, asset=key,
                              description="No new file was rejected whole (unreadable, truncated, a required "
                                          "column missing, too many rows breaking the contract)."),
        ],
    )
    def _raw_entity(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        claim_run(context)
        settings = Settings.from_env()
        started = time.perf_counter()
        with writer_lock(settings), connect(settings) as con:
            try:
                report = load_entity(source, entity, settings, con)
            except Exception as error:
                record_load_run(con, context.run.run_id, source.name, entity, time.perf_counter() - started, error=str(error))
                raise
            record_load_run(con, context.run.run_id, source.name, entity, time.perf_counter() - started, report)
        print(
            f"  loaded {source.name}.{entity}: {len(report.files)} new file(s), {report.total('rows_loaded'):,} rows, "
            f"{report.total('rows_quarantined'):,} quarantined",
            file=sys.stderr,
        )
        for file in report.files:
            context.log.info(
                f"{file.file}: {file.status}, read {file.rows_read}, loaded {file.rows_loaded}, "
                f"quarantined {file.rows_quarantined} in {file.seconds:.2f}s"
                + (f"; {file.cleanup_note()}" if file.cleaned else "")
            )
        for error in report.rejected:
            print(f"  REJECTED {error}", file=sys.stderr)
            context.log.error(f"rejected whole, nothing of it loaded: {error}")
        for waiting in report.waiting:
            print(f"  WAITING {waiting.note}", file=sys.stderr)
            context.log.warning(waiting.note)
        for note in report.undone_notes():
            print(f"  UNDONE {note}", file=sys.stderr)
            context.log.warning(note)
        return dg.MaterializeResult(
            metadata=_metadata(report),
            check_results=[_accounting_check(report, key), _quarantine_check(report, key),
                           _rejection_check(report, key)],
        )

    return _raw_entity


def raw_assets() -> list[dg.AssetsDefinition]:
    return [build_raw_asset(source, entity) for source in SOURCES.values() for entity in source.entities]


QUARANTINE_KEY = dg.AssetKey(["ops", "quarantine"])


def quarantine_spec() -> dg.AssetSpec:
    """ops.quarantine, which dbt reads as a source (completeness): written by every raw-table load, so it has no
    asset of its own. Declared, it shows in the UI as what it is rather than as an undefined upstream key."""
    return dg.AssetSpec(
        QUARANTINE_KEY,
        group_name="ops",
        kinds={"duckdb"},
        description="Rows the data contracts rejected (file, line, column, rule, value, whole row), written by the "
                    "raw-table loads. Holds personal data: kept in the working file only.",
    )


LOADED_FILES_KEY = dg.AssetKey(["ops", "loaded_files"])


def loaded_files_spec() -> dg.AssetSpec:
    """ops.loaded_files, which dbt reads as a source (the audit's source-file findings): like ops.quarantine, written
    by every raw-table load."""
    return dg.AssetSpec(
        LOADED_FILES_KEY,
        group_name="ops",
        kinds={"duckdb"},
        description="One row per extract file each load saw: loaded, duplicate or rejected whole (rule, line, "
                    "reason), how it was read (format, encoding, delimiter) and its schema drift (unknown headers, "
                    "missing contract columns). No personal values.",
    )
