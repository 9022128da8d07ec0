"""Load one raw entity: find new extract files, validate every batch against the contract, write valid rows
to `raw_<system>.<entity>` and invalid ones to `ops.quarantine`; each file is loaded whole or not at all.

Validation runs inside DuckDB: the contract's checks compiled to SQL (`data_contracts._sql`, from the pandera
schema, which stays the one definition) are evaluated over the batch's Arrow table in one pass, with the key
check and the typed casts; valid rows are inserted from there, only failing rows are read back into Python.

Invariant: for every file, rows read = rows loaded + rows quarantined + rows suppressed (rows of people erased
on request, `connectors.suppression`; zero unless someone was erased). A file whose share of bad rows is
above the threshold, or that cannot be read, is rejected whole: what was written of it is deleted again (nothing
of it is loaded), it is recorded in `ops.loaded_files` as 'failed' with its rule and line, and the load goes on with
the next file. A rejected file is tried again on the next run, so a fixed re-delivery loads. Any other error
(a bug, a full disk) still stops the load.

Which files are read is `connectors.landing`'s decision: a file that may still be being copied in is left for the
next run (status 'waiting', with a note), and so is one that changed while it was being loaded (its rows deleted
again); a link leaving the landing zone is rejected unread. A file at a path already loaded that has since
grown, its start byte-identical to what was loaded (an append, or a copy that was loaded half-way), is rejected:
the rows loaded stay, none is loaded twice, and none of the added ones is guessed at.

Each batch is its own transaction, not the whole file: DuckDB keeps an open transaction's writes in memory, so a
file-long transaction grew with the file (a 200 MB CSV needed 3x the memory of a 20 MB one). While a file is being
written it is marked in `ops.loading_files`; the mark goes in the same transaction as the file's record. A file
rejected or changed half-way has its rows deleted again; a load killed half-way leaves the mark, and the next
writer deletes that file's rows before anything reads them (`warehouse.raw.undo_unfinished_loads`).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from connectors.base import SourceSystem
from connectors.errors import ExtractFileError
from connectors.flavors import flavor_columns
from connectors.formats import detect_format
from connectors.landing import Waiting, inside, outside_error
from connectors.mapping import (
    EXTRA_FIELDS_COLUMN,
    apply_values,
    check_mapping_dir,
    extra_fields,
    load_mapping,
    plan_headers,
)
from connectors.readers import LINE_COLUMN, Batch, MalformedRow, read_batches
from connectors.suppression import Suppression
from data_contracts._fields import CLEANUP_RULE, LOAD_COLUMNS, RULE_MESSAGES, required_columns
from data_contracts._sql import (
    UNIQUE_KEY_RULE,
    cleaned_columns,
    cleaned_select,
    column_checks,
    literal,
    quoted,
    repeated_key_column,
    repeats_earlier_row,
    typed_expression,
)
from settings import Settings
from warehouse.connection import transaction
from warehouse.faults import fault_point
from warehouse.raw import (
    delete_file_rows,
    ensure_tables,
    mark_loading,
    raw_table_name,
    undo_unfinished_loads,
    unmark_loading,
)

ROW_COLUMN = "_row"  # a row's position in its batch
TYPED_PREFIX = "_typed_"  # a column's value as its logical type, beside its text
EXTRA_CLEANED = "_extra_fields_cleaned"  # a row whose passed-through values had control characters removed
# Bytes of the control characters data_contracts._fields.CONTROL_CHARACTERS removes (C0 but TAB, LF, CR; DEL).
CONTROL_BYTES = np.zeros(256, dtype=bool)
CONTROL_BYTES[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True
QUARANTINE_COLUMNS = [
    "load_id", "system", "entity", "source_file", "source_line", "column_name", "rule", "message",
    "offending_value", "row_json", "quarantined_at",
]


@dataclass
class FileReport:
    file: str
    status: str  # loaded | duplicate | failed
    sha256: str
    bytes: int
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_suppressed: int = 0  # rows of erased people: dropped, never loaded nor quarantined
    rules: Counter = field(default_factory=Counter)
    cleaned: Counter = field(default_factory=Counter)  # column -> rows loaded with control characters removed
    ignored_columns: list[str] = field(default_factory=list)  # headers the mapping does not know (schema drift)
    missing_columns: list[str] = field(default_factory=list)  # contract columns the file does not have
    file_format: str | None = None  # how the reader read this file: csv | jsonl | json | parquet | xlsx
    encoding: str | None = None  # text files: the encoding used (detected or declared)
    delimiter: str | None = None  # delimited text files: the field separator used
    duplicate_of: str | None = None
    seconds: float = 0.0
    error: str | None = None
    found_columns: set[str] = field(default_factory=set, repr=False)  # contract columns seen in any batch so far

    def cleanup_note(self) -> str:
        """The file's cleanups as the run output shows them, '' when none."""
        if not self.cleaned:
            return ""
        columns = ", ".join(f"{column} {rows:,}" for column, rows in sorted(self.cleaned.items()))
        return f"control characters removed (rows per column): {columns}"


@dataclass
class EntityReport:
    system: str
    entity: str
    files: list[FileReport] = field(default_factory=list)
    skipped_files: int = 0  # already loaded by an earlier run
    rejected: list[ExtractFileError] = field(default_factory=list)  # files rejected whole, nothing of them loaded
    waiting: list[Waiting] = field(default_factory=list)  # not settled (may still be being written): the next run
    # (entity, file, raw rows deleted) of files a killed load had begun: deleted, so the file loads again whole
    undone: list[tuple[str, str, int]] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def undone_notes(self) -> list[str]:
        return [f"{file}: a killed load had written {rows:,} of its rows; deleted, the file loads again whole"
                for _, file, rows in self.undone]

    @property
    def rules(self) -> Counter:
        return sum((f.rules for f in self.files), Counter())


def file_sha256(path: Path, size: int | None = None) -> str:
    """The SHA-256 of the file, or of its first `size` bytes."""
    digest, left = hashlib.sha256(), float("inf") if size is None else size
    with open(path, "rb") as handle:
        while left > 0 and (chunk := handle.read(int(min(1 << 20, left)))):
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


class FileChanged(Exception):
    """The file changed while it was being loaded: it was still being written."""


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


class EntityLoader:
    def __init__(self, source: SourceSystem, entity: str, settings: Settings, con: duckdb.DuckDBPyConnection):
        self.source, self.entity, self.settings, self.con = source, entity, settings, con
        self.schema: pa.DataFrameSchema = source.contract(entity)
        self.table = raw_table_name(source.name, entity)
        self.load_id = uuid.uuid4().hex
        self.loaded_at = datetime.now(UTC)
        self.suppression = Suppression.for_entity(source.name, entity)
        self.mapping = load_mapping(settings, source.name).entity(entity)
        self.checks = column_checks(self.schema)
        self.cleaned_columns = list(cleaned_columns(self.schema))
        self.repeat_sql = repeats_earlier_row(self.schema, ROW_COLUMN)
        self.typed = {name: typed_expression(name, column.metadata["logical_type"])
                      for name, column in self.schema.columns.items()}

    # --- orchestration of one run --------------------------------------------------------------------

    def run(self, tables_ready: bool = False) -> EntityReport:
        """Load the entity's new files. `tables_ready`: the caller made the ops and raw tables on this connection."""
        report = EntityReport(self.source.name, self.entity)
        if not tables_ready:
            ensure_tables(self.con)
        self.con.execute("SET TimeZone = 'UTC'")
        report.undone = undo_unfinished_loads(self.con, self.source.name, self.entity)
        found = self.source.discover(self.settings.landing_dir, self.entity, self.settings.files_until,
                                     self.settings.landing_settle_seconds)
        for error in found.refused:
            self._reject(error, report)
        for waiting in found.waiting:
            self._wait(waiting, report)
        for path in found.ready:
            try:
                file_report = self._load_file_whole_or_not_at_all(path)
            except ExtractFileError as error:
                self._reject(error, report)
                continue
            except FileChanged as changed:
                self._wait(Waiting(path, self._relative(path), str(changed)), report)
                continue
            if file_report is None:
                report.skipped_files += 1
            else:
                report.files.append(file_report)
                fault_point("load.between_files")  # fault tests: this file committed, the next not begun
        return report

    def _reject(self, error: ExtractFileError, report: EntityReport) -> None:
        self._record_failure(error)
        report.rejected.append(error)

    def _wait(self, waiting: Waiting, report: EntityReport) -> None:
        self._record_waiting(waiting)
        report.waiting.append(waiting)

    def _load_file_whole_or_not_at_all(self, path: Path) -> FileReport | None:
        """One file: a rejected file leaves no row behind, and the files before it stay loaded."""
        try:
            return self._load_file(path)
        except BaseException:
            delete_file_rows(self.con, self.source.name, self.entity, self.load_id, self._relative(path))
            raise

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.settings.landing_dir).as_posix()

    def _load_file(self, path: Path) -> FileReport | None:
        started = time.perf_counter()
        name = self._relative(path)
        if not inside(path, self.settings.landing_dir):
            raise outside_error(path, self.settings.landing_dir)  # a link swapped since the landing zone was listed
        signature = _signature(path)
        sha = file_sha256(path)
        previous = self.con.execute(
            "SELECT source_file FROM ops.loaded_files WHERE content_sha256 = ? AND status IN ('loaded', 'duplicate') "
            "ORDER BY source_file = ? DESC, loaded_at LIMIT 1",
            [sha, name],
        ).fetchone()
        if previous and previous[0] == name:
            return None  # this very file was loaded by an earlier run: reruns are idempotent
        self._refuse_if_grown(path, name, signature[0])
        report = FileReport(name, "loaded", sha, signature[0])
        if previous:
            report.status, report.duplicate_of = "duplicate", previous[0]
        else:
            self._load_rows(path, report)
        if _signature(path) != signature:
            # Written to while read: what was read may be a prefix. The transaction is rolled back; the next run
            # reads the file once it is settled.
            raise FileChanged("changed while it was being loaded; nothing of it was kept")
        report.seconds = time.perf_counter() - started
        fault_point("load.in_file")  # fault tests: the file's rows written, its record not
        with transaction(self.con):
            self._record_file(report)
            unmark_loading(self.con, self.load_id, name)
        return report

    def _refuse_if_grown(self, path: Path, name: str, size: int) -> None:
        """A file at a path loaded before, now longer and starting with exactly the bytes loaded then, is the same
        delivery grown (still being copied when it was loaded, or appended to). Loading it would load the first
        rows twice; loading only the added bytes would trust a tail that has no header and may start mid-record
        (and is impossible for Parquet or Excel). So it is refused, saying what was loaded."""
        loaded = self.con.execute(
            "SELECT content_sha256, bytes, rows_read, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM ops.loaded_files "
            "WHERE source_file = ? AND status IN ('loaded', 'duplicate') AND bytes < ? ORDER BY loaded_at DESC",
            [name, size],
        ).fetchall()
        for sha, loaded_bytes, rows, at in loaded:
            if loaded_bytes and file_sha256(path, loaded_bytes) == sha:
                raise ExtractFileError(
                    name, "grown_after_load",
                    f"the file grew after it was loaded: its first {loaded_bytes:,} bytes"
                    f"{f' ({rows:,} rows)' if rows else ''} were loaded on {at} UTC and stay loaded; nothing of the "
                    f"{size - loaded_bytes:,} bytes added was loaded, so no row is loaded twice. Deliver the added "
                    "rows as a new file and move this one out of the landing zone",
                )

    def _load_rows(self, path: Path, report: FileReport) -> None:
        self._start_file_keys()
        fmt = detect_format(path, report.file, self.source.legacy_encoding, self._is_entity_header)
        report.file_format, report.encoding, report.delimiter = fmt.kind, fmt.encoding, fmt.delimiter
        for number, batch in enumerate(read_batches(path, report.file, fmt, self.settings.batch_rows)):
            with transaction(self.con):
                if number == 0:  # the mark commits with the file's first rows (a commit costs an fsync)
                    mark_loading(self.con, self.source.name, self.entity, self.load_id, report.file)
                self._load_batch(batch, report)
            fault_point("load.batch_committed")  # fault tests: a batch of the file committed, the file not recorded
        self._check_failure_rate(report)

    def _is_entity_header(self, headers: list[str]) -> bool:
        """Whether a header row (of one sheet among several) has every required column of this entity."""
        renames, _ = self.source.map_headers(self.entity, headers)
        return bool(renames) and set(required_columns(self.schema)) <= set(renames.values())

    # --- one batch -------------------------------------------------------------------------------------

    def _load_batch(self, batch: Batch, report: FileReport) -> None:
        table = self._canonical_table(batch.table, report)
        report.rows_read += table.num_rows + len(batch.malformed)
        malformed = batch.malformed
        if self.suppression is not None:
            frame, malformed, suppressed = self.suppression.apply(table.to_pandas(), malformed)
            table = pa_arrow.Table.from_pandas(frame, schema=table.schema, preserve_index=False)
            report.rows_suppressed += suppressed
        quarantine = [self._malformed_rows(report.file, malformed)]
        if table.num_rows:
            quarantine.append(self._check_and_insert(table, report))
        quarantine = [q for q in quarantine if len(q)]
        if quarantine:
            quarantined = pd.concat(quarantine, ignore_index=True)
            self._insert_quarantine(quarantined)
            report.rules.update(quarantined["rule"].tolist())
            report.rows_quarantined += quarantined["source_line"].nunique()
        report.rows_loaded = report.rows_read - report.rows_quarantined - report.rows_suppressed

    def _canonical_table(self, table: pa_arrow.Table, report: FileReport) -> pa_arrow.Table:
        """The batch with canonical column names and the user's mapping applied (value words, date and number
        formats, default currency: `connectors.mapping`), passed-through headers as JSON in `_extra_fields`."""
        headers = [n for n in table.column_names if n != LINE_COLUMN]
        flavors, tool_headers = flavor_columns(table, headers)  # ELT tools' metadata columns are not drift
        headers = [h for h in headers if h not in tool_headers]
        plan = plan_headers(self.source, self.entity, headers, self.mapping)
        renames = plan.renames
        for name in plan.unknown:
            if name not in report.ignored_columns:
                report.ignored_columns.append(name)
        # Schema drift: contract columns this file does not have (JSON lines may lack a column in one batch only,
        # so a column counts as missing when no batch so far had it).
        found = set(renames.values()) | report.found_columns
        report.found_columns = found
        report.missing_columns = [c for c in self.schema.columns if c not in found]
        missing_required = [c for c in required_columns(self.schema) if c not in renames.values()]
        if missing_required and (table.num_rows or report.file_format not in ("jsonl", "json")):
            exports = [self.schema.columns[c].metadata["export"] for c in missing_required]
            raise ExtractFileError(
                report.file,
                "required_column",
                f"missing required column(s) {', '.join(exports)}; the file has: {', '.join(headers)}",
                1 if report.file_format == "csv" else None,
            )
        columns = {}
        for header, canonical in renames.items():
            columns[canonical] = table.column(header)
        for name in self.schema.columns:
            if name not in columns:
                columns[name] = pa_arrow.nulls(table.num_rows, pa_arrow.string())
        columns = apply_values(columns, self.schema, self.mapping)
        columns[EXTRA_FIELDS_COLUMN], extra_cleaned = extra_fields(table, plan.passthrough)
        if extra_cleaned is not None:
            columns[EXTRA_CLEANED] = extra_cleaned  # counted for the rows loaded (`_count_cleaned`), then dropped
        columns.update(flavors)
        columns[LINE_COLUMN] = table.column(LINE_COLUMN)
        return pa_arrow.table(columns)

    # --- keys across the batches of one file ------------------------------------------------------------

    def _start_file_keys(self) -> None:
        """The contract's key (+ version) of every row of this file read so far, in a temp table (a large file
        does not have to fit in memory): the first row with a key wins across batches too. Each key is held as the
        128-bit MD5 of its values as a JSON list (exact: NULL and 'NULL' differ, nulls are equal), 16 bytes a row
        whatever the key's length; two different keys share an MD5 with a chance of about n^2 / 2^129."""
        if self.schema.unique:
            self.con.execute("CREATE OR REPLACE TEMP TABLE _file_keys (_key UHUGEINT)")

    def _key_digest(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return f"md5_number(to_json([{', '.join(prefix + quoted(k) for k in self.schema.unique)}]))"

    def _seen_in_earlier_batch(self) -> tuple[str, str]:
        """(a CTE of the keys of the batch `b` an earlier batch had, the SQL true for a row whose key is one of
        them). In two steps so that DuckDB builds its hash table on the batch and only scans the file's keys: `key
        IN (SELECT _key FROM _file_keys)` alone builds it on every key of the file so far, once per batch."""
        if not self.schema.unique:
            return "", "false"
        digest = self._key_digest("b")
        return (f", _repeats AS (SELECT _key FROM _file_keys WHERE _key IN (SELECT {digest} FROM b))",
                f"{digest} IN (SELECT _key FROM _repeats)")

    # --- one pass in DuckDB: checks, keys, casts, insert ---------------------------------------------------

    def _check_and_insert(self, table: pa_arrow.Table, report: FileReport) -> pd.DataFrame:
        """Validate the batch inside DuckDB (the contract compiled to SQL, `data_contracts._sql`), insert the valid
        rows typed, and return the quarantine rows of the others: contract failures (as pandera reports them: one
        per row and rule, on the first column that breaks it), keys an earlier row of the file had, cast failures."""
        file = report.file
        self.con.register("_batch_text", table.append_column(ROW_COLUMN, pa_arrow.array(range(table.num_rows))))
        dirty = self._columns_with_control_characters(table)
        # The checked batch is held as Arrow in this process, not as a temp table: a table dropped inside a
        # transaction keeps its storage until the commit.
        checked = self.con.sql(self._checked_select(table.column_names, dirty)).to_arrow_table()
        self.con.unregister("_batch_text")
        self.con.register("_checked", checked)
        bad = self.con.execute(
            f"SELECT {ROW_COLUMN}, _failed, _seen, _cast_error FROM _checked "
            f"WHERE _failed <> '' OR _seen OR _cast_error IS NOT NULL ORDER BY {ROW_COLUMN}"
        ).fetchall()
        if self.schema.unique:
            self.con.execute(f"INSERT INTO _file_keys SELECT {self._key_digest()} FROM _checked")
        self._insert_valid(table.column_names, file)
        if dirty or EXTRA_CLEANED in table.column_names:
            self._count_cleaned(report, EXTRA_CLEANED in table.column_names)
        self.con.unregister("_checked")
        return self._quarantine_rows(file, table, bad)

    def _columns_with_control_characters(self, table: pa_arrow.Table) -> set[str]:
        """The free-text columns of the batch that may hold a control character, by a scan of their Arrow bytes:
        the common batch has none and then costs no SQL pass at all. UTF-8 puts no byte below 0x80 inside another
        character, so none hides; a byte of a value sliced away only costs a pass that changes nothing."""
        found = set()
        for name in self.cleaned_columns:
            for chunk in table.column(name).chunks:
                data = chunk.buffers()[2] if chunk.type == pa_arrow.string() else None
                if data is None and chunk.null_count < len(chunk):
                    found.add(name)  # not plain UTF-8 text (never so from the readers): cleaned by SQL to be sure
                elif data is not None and CONTROL_BYTES[np.frombuffer(data, np.uint8)].any():
                    found.add(name)
        return found

    def _checked_select(self, columns: list[str], dirty: set[str]) -> str:
        """Every row with `_failed` (the ids of the checks it breaks, comma-separated, '' when none), `_seen` (its key
        was in an earlier batch) and `_cast_error` (the first column DuckDB cannot convert), typed columns beside."""
        failing = [f"CASE WHEN {check.fails} THEN '{i}' END" for i, check in enumerate(self.checks)]
        if self.repeat_sql:
            failing.insert(0, f"CASE WHEN {self.repeat_sql} THEN 'u' END")
        failed = f"concat_ws(',', {', '.join(failing)})" if failing else "''"
        typed = ", ".join(f"{expr} AS {quoted(TYPED_PREFIX + name)}" for name, expr in self.typed.items())
        cast_errors = [
            f"CASE WHEN {quoted(name)} IS NOT NULL AND {quoted(TYPED_PREFIX + name)} IS NULL THEN {literal(name)} END"
            for name, expr in self.typed.items() if expr != quoted(name)
        ]
        cast_error = f"coalesce({', '.join(cast_errors)})" if cast_errors else "NULL"
        repeats, seen = self._seen_in_earlier_batch()
        return (
            f"WITH b AS ({cleaned_select(self.schema, [*columns, ROW_COLUMN], '_batch_text', dirty)}){repeats} "
            f"SELECT *, {cast_error} AS _cast_error FROM ("
            f"SELECT *, {failed} AS _failed, {seen} AS _seen, {typed} FROM b)"
        )

    def _count_cleaned(self, report: FileReport, extra: bool) -> None:
        """Rows loaded with control characters removed, per column (the quarantine keeps a bad row's raw text)."""
        loaded = "_failed = '' AND NOT _seen AND _cast_error IS NULL"
        for cleaned, rows in self.con.execute(
            f"SELECT _cleaned, count(*) FROM _checked WHERE _cleaned <> '' AND {loaded} GROUP BY _cleaned"
        ).fetchall():
            report.cleaned.update(dict.fromkeys(cleaned.split(","), rows))
        if extra:
            [(rows,)] = self.con.execute(f"SELECT count(*) FROM _checked WHERE {EXTRA_CLEANED} AND {loaded}").fetchall()
            if rows:
                report.cleaned[EXTRA_FIELDS_COLUMN] += rows

    def _insert_valid(self, columns: list[str], file: str) -> None:
        loaded = {"_source_file": "?", "_source_line": LINE_COLUMN, "_load_id": "?", "_loaded_at": "?"}
        # The ELT tool's metadata: a value DuckDB cannot read is left null rather than costing the row.
        loaded.update({c: f"TRY_CAST({quoted(c)} AS {t})" if c in columns else "NULL"
                       for c, t in LOAD_COLUMNS.items() if c not in loaded})
        values = {name: quoted(TYPED_PREFIX + name) for name in self.typed} | loaded
        self.con.execute(
            f"INSERT INTO {self.table} ({', '.join(quoted(n) for n in values)}) "
            f"SELECT {', '.join(values.values())} FROM _checked "
            "WHERE _failed = '' AND NOT _seen AND _cast_error IS NULL",
            [file, self.load_id, self.loaded_at],
        )

    def _quarantine_rows(self, file: str, table: pa_arrow.Table, bad: list[tuple]) -> pd.DataFrame:
        """One quarantine row per (row, rule) broken; only the bad rows are read back into Python."""
        if not bad:
            return self._quarantine_frame(file, [], [], [], [], [])
        rows = table.take([row for row, *_ in bad]).to_pandas()
        lines = rows[LINE_COLUMN].tolist()
        records = rows.drop(columns=[LINE_COLUMN, EXTRA_CLEANED], errors="ignore").to_dict("records")
        findings = []  # (row position in `rows`, column, rule)
        for position, (_, failed, seen, cast_error) in enumerate(bad):
            if failed:
                findings += [(position, column, rule) for column, rule in self._first_per_rule(failed, records[position])]
            elif seen:
                findings.append((position, self.schema.unique[0], UNIQUE_KEY_RULE))
            else:
                findings.append((position, cast_error, f"cast_{self.schema.columns[cast_error].metadata['logical_type']}"))
        return self._quarantine_frame(
            file,
            [lines[p] for p, _, _ in findings],
            [column for _, column, _ in findings],
            [rule for _, _, rule in findings],
            [records[p][column] for p, column, _ in findings],
            [_row_json(records[p]) for p, _, _ in findings],
        )

    def _first_per_rule(self, failed: str, record: dict) -> list[tuple[str, str]]:
        """(column, rule) of the checks a row breaks, one per rule: a repeated key on the key's first column with a
        value, a rule broken on several columns on the first of them (as the pandera path always reported it)."""
        found: dict[str, str] = {}
        for check_id in failed.split(","):
            if check_id == "u":
                column, rule = repeated_key_column(self.schema, record), UNIQUE_KEY_RULE
            else:
                column, rule, _ = self.checks[int(check_id)]
            found.setdefault(rule, column)
        return [(column, rule) for rule, column in found.items()]

    # --- quarantine rows ----------------------------------------------------------------------------------

    def _quarantine_frame(self, file: str, lines, columns, rules, values, rows_json) -> pd.DataFrame:
        count = len(lines)
        return pd.DataFrame(
            {
                "load_id": [self.load_id] * count,
                "system": [self.source.name] * count,
                "entity": [self.entity] * count,
                "source_file": [file] * count,
                "source_line": list(lines),
                "column_name": list(columns),
                "rule": list(rules),
                "message": [RULE_MESSAGES.get(r, r) for r in rules],
                "offending_value": [None if pd.isna(v) else str(v) for v in values],
                "row_json": list(rows_json),
                "quarantined_at": [self.loaded_at] * count,
            },
            columns=QUARANTINE_COLUMNS,
        )

    def _malformed_rows(self, file: str, malformed: list[MalformedRow]) -> pd.DataFrame:
        return self._quarantine_frame(
            file,
            [m.line for m in malformed],
            [None] * len(malformed),
            [m.rule for m in malformed],
            [m.text[:500] for m in malformed],
            [json.dumps({"_raw_text": m.text}, ensure_ascii=False) for m in malformed],
        )

    def _insert_quarantine(self, quarantined: pd.DataFrame) -> None:
        self.con.register("_quarantine_batch", pa_arrow.Table.from_pandas(quarantined, preserve_index=False))
        self.con.execute(f"INSERT INTO ops.quarantine ({', '.join(QUARANTINE_COLUMNS)}) SELECT * FROM _quarantine_batch")
        self.con.unregister("_quarantine_batch")

    # --- bookkeeping ------------------------------------------------------------------------------------

    def _check_failure_rate(self, report: FileReport) -> None:
        if report.rows_read == 0:
            return
        rate = report.rows_quarantined / report.rows_read
        if rate > self.settings.max_failure_rate:
            rule, count = report.rules.most_common(1)[0]
            # The offending value stays in the quarantine (which erasure handles): this text goes into the ops
            # tables and Dagster's event log, so it names the line and column only.
            first = self.con.execute(
                "SELECT source_line, column_name FROM ops.quarantine "
                "WHERE load_id = ? AND source_file = ? AND rule = ? ORDER BY source_line LIMIT 1",
                [self.load_id, report.file, rule],
            ).fetchone()
            line, column = first if first else (None, None)
            on_column = f" on column {column}" if column else ""
            raise ExtractFileError(
                report.file,
                rule,
                f"{rate:.1%} of {report.rows_read:,} rows break the contract (threshold "
                f"{self.settings.max_failure_rate:.0%}); most frequent: {rule} ({count:,} rows), first at line "
                f"{line}{on_column}. Nothing from this file was loaded.",
                line,
                column,
            )

    def _record_file(self, report: FileReport) -> None:
        self.con.execute(
            "INSERT INTO ops.loaded_files (load_id, system, entity, source_file, content_sha256, status, duplicate_of, "
            "rows_read, rows_loaded, rows_quarantined, rows_suppressed, bytes, seconds, loaded_at, file_format, encoding, "
            "delimiter, unknown_columns, missing_columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.load_id, self.source.name, self.entity, report.file, report.sha256, report.status,
                report.duplicate_of, report.rows_read, report.rows_loaded, report.rows_quarantined,
                report.rows_suppressed, report.bytes, report.seconds, self.loaded_at, report.file_format,
                report.encoding, report.delimiter, json.dumps(report.ignored_columns),
                json.dumps(report.missing_columns),
            ],
        )
        for column, rows in sorted(report.cleaned.items()):
            self.con.execute(
                "INSERT INTO ops.load_cleanups (load_id, system, entity, source_file, column_name, rule, rows, "
                "cleaned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [self.load_id, self.source.name, self.entity, report.file, column, CLEANUP_RULE, rows, self.loaded_at],
            )

    def _record_waiting(self, waiting: Waiting) -> None:
        """A file left for the next run: a note, not a rejection (nothing is wrong with it yet)."""
        self.con.execute(
            "INSERT INTO ops.loaded_files (load_id, system, entity, source_file, status, note, loaded_at) "
            "VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
            [self.load_id, self.source.name, self.entity, waiting.file, waiting.note, self.loaded_at],
        )

    def _record_failure(self, error: ExtractFileError) -> None:
        """A rejected file, after its rollback: recorded on its own, so it stays even though nothing else of it did."""
        self.con.execute(
            "INSERT INTO ops.loaded_files (load_id, system, entity, source_file, status, error, error_rule, error_line, "
            "loaded_at) VALUES (?, ?, ?, ?, 'failed', ?, ?, ?, ?)",
            [self.load_id, self.source.name, self.entity, error.file, str(error), error.rule, error.line,
             self.loaded_at],
        )


def _row_json(record: dict) -> str:
    return json.dumps({k: (None if pd.isna(v) else v) for k, v in record.items()}, ensure_ascii=False, default=str)


def load_entity(source: SourceSystem, entity: str, settings: Settings, con: duckdb.DuckDBPyConnection,
                tables_ready: bool = False) -> EntityReport:
    return EntityLoader(source, entity, settings, con).run(tables_ready)


def load_all(settings: Settings, systems: list[str] | None = None, progress=None) -> list[EntityReport]:
    """Load every entity of the given systems (all by default), one after the other, in one process."""
    from connectors.registry import SOURCES
    from warehouse.connection import connect, writer_lock

    check_mapping_dir(settings, list(SOURCES))  # a wrong mapping file stops the load before any file is read
    reports = []
    with writer_lock(settings), connect(settings) as con:
        ensure_tables(con)  # once, not per entity: ~40 ms of DDL and catalog reads each time
        for source in SOURCES.values():
            if systems and source.name not in systems:
                continue
            for entity in source.entities:
                report = load_entity(source, entity, settings, con, tables_ready=True)
                reports.append(report)
                if progress:
                    progress(report)
    return reports
