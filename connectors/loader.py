"""Load one raw entity: find new extract files, validate every batch against the contract, write valid rows
to `raw_<system>.<entity>` and invalid ones to `ops.quarantine`, one transaction per file.

Invariant: for every file, rows read = rows loaded + rows quarantined + rows suppressed (rows of people erased
on request, `connectors.suppression`; zero unless someone was erased). A file whose share of bad rows is
above the threshold, or that cannot be read, is rejected whole: its transaction is rolled back (nothing of it
is loaded), it is recorded in `ops.loaded_files` as 'failed' with its rule and line, and the load goes on with
the next file. A rejected file is tried again on the next run, so a fixed re-delivery loads. Any other error
(a bug, a full disk) still stops the load.
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
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from connectors.base import SourceSystem
from connectors.errors import ExtractFileError
from connectors.flavors import flavor_columns
from connectors.formats import detect_format
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
from data_contracts._fields import FALSE_VALUES, LOAD_COLUMNS, RULE_MESSAGES, TRUE_VALUES, required_columns
from settings import Settings
from warehouse.raw import ensure_tables, raw_table_name

PANDERA_RULES = {"multiple_fields_uniqueness": "unique_key"}
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
    ignored_columns: list[str] = field(default_factory=list)  # headers the mapping does not know (schema drift)
    missing_columns: list[str] = field(default_factory=list)  # contract columns the file does not have
    file_format: str | None = None  # how the reader read this file: csv | jsonl | json | parquet | xlsx
    encoding: str | None = None  # text files: the encoding used (detected or declared)
    delimiter: str | None = None  # delimited text files: the field separator used
    duplicate_of: str | None = None
    seconds: float = 0.0
    error: str | None = None
    found_columns: set[str] = field(default_factory=set, repr=False)  # contract columns seen in any batch so far


@dataclass
class EntityReport:
    system: str
    entity: str
    files: list[FileReport] = field(default_factory=list)
    skipped_files: int = 0  # already loaded by an earlier run
    rejected: list[ExtractFileError] = field(default_factory=list)  # files rejected whole, nothing of them loaded

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    @property
    def rules(self) -> Counter:
        return sum((f.rules for f in self.files), Counter())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class EntityLoader:
    def __init__(self, source: SourceSystem, entity: str, settings: Settings, con: duckdb.DuckDBPyConnection):
        self.source, self.entity, self.settings, self.con = source, entity, settings, con
        self.schema: pa.DataFrameSchema = source.contract(entity)
        self.table = raw_table_name(source.name, entity)
        self.load_id = uuid.uuid4().hex
        self.loaded_at = datetime.now(UTC)
        self.suppression = Suppression.for_entity(source.name, entity)
        self.mapping = load_mapping(settings, source.name).entity(entity)

    # --- orchestration of one run --------------------------------------------------------------------

    def run(self) -> EntityReport:
        report = EntityReport(self.source.name, self.entity)
        ensure_tables(self.con)
        self.con.execute("SET TimeZone = 'UTC'")
        for path in self.source.extract_files(self.settings.landing_dir, self.entity, self.settings.files_until):
            try:
                file_report = self._load_file_in_transaction(path)
            except ExtractFileError as error:
                self._record_failure(error)
                report.rejected.append(error)
                continue
            if file_report is None:
                report.skipped_files += 1
            else:
                report.files.append(file_report)
        return report

    def _load_file_in_transaction(self, path: Path) -> FileReport | None:
        """One file, all or nothing: a rejected file leaves no row behind, and the files before it stay loaded."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            file_report = self._load_file(path)
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
        return file_report

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.settings.landing_dir).as_posix()

    def _load_file(self, path: Path) -> FileReport | None:
        started = time.perf_counter()
        name = self._relative(path)
        sha = file_sha256(path)
        previous = self.con.execute(
            "SELECT source_file FROM ops.loaded_files WHERE content_sha256 = ? AND status IN ('loaded', 'duplicate') "
            "ORDER BY source_file = ? DESC, loaded_at LIMIT 1",
            [sha, name],
        ).fetchone()
        if previous and previous[0] == name:
            return None  # this very file was loaded by an earlier run: reruns are idempotent
        report = FileReport(name, "loaded", sha, path.stat().st_size)
        if previous:
            report.status, report.duplicate_of = "duplicate", previous[0]
        else:
            self._load_rows(path, report)
        report.seconds = time.perf_counter() - started
        self._record_file(report)
        return report

    def _load_rows(self, path: Path, report: FileReport) -> None:
        self._start_file_keys()
        fmt = detect_format(path, report.file, self.source.legacy_encoding, self._is_entity_header)
        report.file_format, report.encoding, report.delimiter = fmt.kind, fmt.encoding, fmt.delimiter
        for batch in read_batches(path, report.file, fmt, self.settings.batch_rows):
            self._load_batch(batch, report)
        self._check_failure_rate(report)

    def _is_entity_header(self, headers: list[str]) -> bool:
        """Whether a header row (of one sheet among several) has every required column of this entity."""
        renames, _ = self.source.map_headers(self.entity, headers)
        return bool(renames) and set(required_columns(self.schema)) <= set(renames.values())

    # --- one batch -------------------------------------------------------------------------------------

    def _load_batch(self, batch: Batch, report: FileReport) -> None:
        frame = self._canonical_frame(batch.table, report)
        report.rows_read += len(frame) + len(batch.malformed)
        malformed = batch.malformed
        if self.suppression is not None:
            frame, malformed, suppressed = self.suppression.apply(frame, malformed)
            report.rows_suppressed += suppressed
        failures = self._validate(frame)
        quarantine = [self._malformed_rows(report.file, malformed)]
        bad_index = failures.index.unique() if failures is not None else pd.Index([])
        if failures is not None:
            quarantine.append(self._contract_failures(report.file, frame, failures))
        good = frame.drop(index=bad_index)
        good, repeated = self._split_repeated_keys(frame, good)
        if len(repeated):
            quarantine.append(self._repeated_key_rows(report.file, repeated))
        cast_failures = self._insert_valid(good, report.file)
        if len(cast_failures):
            quarantine.append(cast_failures)
        quarantined = pd.concat([q for q in quarantine if len(q)], ignore_index=True) if any(len(q) for q in quarantine) else None
        if quarantined is not None:
            self._insert_quarantine(quarantined)
            report.rules.update(quarantined["rule"].tolist())
            lines = quarantined["source_line"].nunique()
            report.rows_quarantined += lines
        report.rows_loaded = report.rows_read - report.rows_quarantined - report.rows_suppressed

    def _canonical_frame(self, table: pa_arrow.Table, report: FileReport) -> pd.DataFrame:
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
        columns[EXTRA_FIELDS_COLUMN] = extra_fields(table, plan.passthrough)
        columns.update(flavors)
        columns[LINE_COLUMN] = table.column(LINE_COLUMN)
        frame = pa_arrow.table(columns).to_pandas()
        return frame.set_index(pd.RangeIndex(len(frame)))

    # --- keys across the batches of one file ------------------------------------------------------------

    def _start_file_keys(self) -> None:
        """The contract's key (+ version) of every row of this file read so far, in a temp table (a large file
        does not have to fit in memory): pandera checks uniqueness within one batch only."""
        columns = ", ".join(f'"{c}" VARCHAR' for c in self.schema.unique or [])
        if columns:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _file_keys ({columns})")

    def _split_repeated_keys(self, batch: pd.DataFrame, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """`good` without the rows whose key an earlier batch of the file already had, and those rows. Every row of
        the batch is then remembered, valid or not, as pandera counts every row within a batch."""
        keys = list(self.schema.unique or [])
        if not keys or batch.empty:
            return good, good.iloc[0:0]
        repeated = good.iloc[self._positions_seen_before(good[keys])] if not good.empty else good.iloc[0:0]
        self.con.register("_batch_keys", _text_table(batch[keys]))
        self.con.execute("INSERT INTO _file_keys SELECT * FROM _batch_keys")
        self.con.unregister("_batch_keys")
        return good.drop(index=repeated.index), repeated

    def _positions_seen_before(self, keys: pd.DataFrame) -> list[int]:
        self.con.register("_batch_keys", _text_table(keys.assign(_position=range(len(keys)))))
        same_key = " AND ".join(f'b."{k}" IS NOT DISTINCT FROM s."{k}"' for k in keys.columns)
        positions = self.con.execute(
            f"SELECT _position FROM _batch_keys b WHERE EXISTS (SELECT 1 FROM _file_keys s WHERE {same_key}) "
            "ORDER BY _position"
        ).fetchall()
        self.con.unregister("_batch_keys")
        return [position for (position,) in positions]

    def _repeated_key_rows(self, file: str, repeated: pd.DataFrame) -> pd.DataFrame:
        column = list(self.schema.unique)[0]  # as pandera reports a repeated key: once, on its first column
        return self._quarantine_frame(
            file,
            repeated[LINE_COLUMN].tolist(),
            [column] * len(repeated),
            ["unique_key"] * len(repeated),
            repeated[column].tolist(),
            [_row_json(record) for record in repeated.drop(columns=[LINE_COLUMN]).to_dict("records")],
        )

    def _validate(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        if frame.empty:
            return None
        try:
            self.schema.validate(frame[list(self.schema.columns)], lazy=True)
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            cases = cases[cases["index"].notna()].copy()
            cases["index"] = cases["index"].astype("int64")
            cases["rule"] = cases["check"].map(lambda c: PANDERA_RULES.get(str(c), str(c)))
            # A repeated key is reported once per key column: keep one finding per row.
            cases = cases.drop_duplicates(subset=["index", "rule"], keep="first")
            return cases.set_index("index")
        return None

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

    def _contract_failures(self, file: str, frame: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
        rows = frame.loc[failures.index]
        return self._quarantine_frame(
            file,
            rows[LINE_COLUMN].tolist(),
            failures["column"].tolist(),
            failures["rule"].tolist(),
            failures["failure_case"].tolist(),
            [_row_json(record) for record in rows.drop(columns=[LINE_COLUMN]).to_dict("records")],
        )

    def _insert_quarantine(self, quarantined: pd.DataFrame) -> None:
        self.con.register("_quarantine_batch", pa_arrow.Table.from_pandas(quarantined, preserve_index=False))
        self.con.execute(f"INSERT INTO ops.quarantine ({', '.join(QUARANTINE_COLUMNS)}) SELECT * FROM _quarantine_batch")
        self.con.unregister("_quarantine_batch")

    # --- typed insert ---------------------------------------------------------------------------------

    def _insert_valid(self, good: pd.DataFrame, file: str) -> pd.DataFrame:
        """Insert rows typed by the contract; rows DuckDB still cannot convert come back for quarantine."""
        if good.empty:
            return good.iloc[0:0]
        self.con.register("_valid_batch", pa_arrow.Table.from_pandas(good, preserve_index=False))
        typed = {name: _typed_expression(name, col.metadata["logical_type"]) for name, col in self.schema.columns.items()}
        failed_checks = [
            f"CASE WHEN \"{name}\" IS NOT NULL AND {expr} IS NULL THEN '{name}' END"
            for name, expr in typed.items()
            if expr != f'"{name}"'
        ]
        cast_error = f"coalesce({', '.join(failed_checks)})" if failed_checks else "NULL"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _typed_batch AS SELECT *, {cast_error} AS _cast_error FROM _valid_batch"
        )
        self.con.unregister("_valid_batch")
        loaded = {"_source_file": "?", "_source_line": LINE_COLUMN, "_load_id": "?", "_loaded_at": "?"}
        # The ELT tool's metadata: a value DuckDB cannot read is left null rather than costing the row.
        loaded.update({c: f'TRY_CAST("{c}" AS {t})' if c in good.columns else "NULL"
                       for c, t in LOAD_COLUMNS.items() if c not in loaded})
        select = ", ".join(f"{expr} AS \"{name}\"" for name, expr in {**typed, **loaded}.items())
        columns = ", ".join(f'"{n}"' for n in {**typed, **loaded})
        self.con.execute(
            f"INSERT INTO {self.table} ({columns}) SELECT {select} FROM _typed_batch WHERE _cast_error IS NULL",
            [file, self.load_id, self.loaded_at],
        )
        rejected = self.con.execute("SELECT * FROM _typed_batch WHERE _cast_error IS NOT NULL").df()
        self.con.execute("DROP TABLE _typed_batch")
        if rejected.empty:
            return rejected.iloc[0:0]
        columns = rejected["_cast_error"].tolist()
        return self._quarantine_frame(
            file,
            rejected[LINE_COLUMN].tolist(),
            columns,
            [f"cast_{self.schema.columns[c].metadata['logical_type']}" for c in columns],
            [rejected.at[i, c] for i, c in zip(rejected.index, columns)],
            [_row_json(r) for r in rejected.drop(columns=[LINE_COLUMN, "_cast_error"]).to_dict("records")],
        )

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


def _text_table(frame: pd.DataFrame) -> pa_arrow.Table:
    """Key columns as text (an all-null column too), the type of `_file_keys`."""
    table = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    return table.cast(pa_arrow.schema([
        pa_arrow.field(f.name, pa_arrow.int64() if f.name == "_position" else pa_arrow.string()) for f in table.schema
    ]))


def _typed_expression(name: str, logical_type: str) -> str:
    column = f'"{name}"'
    if logical_type == "boolean":
        truthy = ", ".join(f"'{v}'" for v in TRUE_VALUES)
        falsy = ", ".join(f"'{v}'" for v in FALSE_VALUES)
        return f"(CASE WHEN lower(trim({column})) IN ({truthy}) THEN true WHEN lower(trim({column})) IN ({falsy}) THEN false END)"
    sql_types = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMPTZ"}
    if logical_type in sql_types:
        return f"TRY_CAST(trim({column}) AS {sql_types[logical_type]})"
    return column


def load_entity(source: SourceSystem, entity: str, settings: Settings, con: duckdb.DuckDBPyConnection) -> EntityReport:
    return EntityLoader(source, entity, settings, con).run()


def load_all(settings: Settings, systems: list[str] | None = None, progress=None) -> list[EntityReport]:
    """Load every entity of the given systems (all by default), one after the other, in one process."""
    from connectors.registry import SOURCES
    from warehouse.connection import connect, writer_lock

    check_mapping_dir(settings, list(SOURCES))  # a wrong mapping file stops the load before any file is read
    reports = []
    with writer_lock(settings), connect(settings) as con:
        for source in SOURCES.values():
            if systems and source.name not in systems:
                continue
            for entity in source.entities:
                report = load_entity(source, entity, settings, con)
                reports.append(report)
                if progress:
                    progress(report)
    return reports
