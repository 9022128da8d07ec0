"""Load one raw entity: find new extract files, validate every batch against the contract, write valid rows
to `raw_<system>.<entity>` and invalid ones to `ops.quarantine`, all in one transaction.

Invariant: for every file, rows read = rows loaded + rows quarantined + rows suppressed (rows of people erased
on request, `connectors.suppression`; zero unless someone was erased). A file whose share of bad rows is
above the threshold, or that cannot be read, raises `ExtractFileError` and nothing of the run is kept.
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
from connectors.readers import LINE_COLUMN, Batch, MalformedRow, check_csv_complete, read_batches
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


@dataclass
class EntityReport:
    system: str
    entity: str
    files: list[FileReport] = field(default_factory=list)
    skipped_files: int = 0  # already loaded by an earlier run

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

    # --- orchestration of one run --------------------------------------------------------------------

    def run(self) -> EntityReport:
        report = EntityReport(self.source.name, self.entity)
        ensure_tables(self.con)
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("BEGIN TRANSACTION")
        try:
            for path in self.source.extract_files(self.settings.landing_dir, self.entity, self.settings.files_until):
                file_report = self._load_file(path)
                if file_report is None:
                    report.skipped_files += 1
                else:
                    report.files.append(file_report)
            self.con.execute("COMMIT")
        except ExtractFileError as error:
            self.con.execute("ROLLBACK")
            self._record_failure(error)
            raise
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return report

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
        malformed_seen: list[MalformedRow] = []
        for batch in read_batches(path, report.file, self.source.file_format, self.settings.batch_rows):
            malformed_seen.extend(batch.malformed)
            if self.source.file_format.kind == "csv":
                check_csv_complete(path, report.file, malformed_seen)
            self._load_batch(batch, report)
        self._check_failure_rate(report)

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
        headers = [n for n in table.column_names if n != LINE_COLUMN]
        flavors, tool_headers = flavor_columns(table, headers)  # ELT tools' metadata columns are not drift
        headers = [h for h in headers if h not in tool_headers]
        renames, ignored = self.source.map_headers(self.entity, headers)
        for name in ignored:
            if name not in report.ignored_columns:
                report.ignored_columns.append(name)
        missing_required = [c for c in required_columns(self.schema) if c not in renames.values()]
        if missing_required and (table.num_rows or self.source.file_format.kind != "jsonl"):
            exports = [self.schema.columns[c].metadata["export"] for c in missing_required]
            raise ExtractFileError(
                report.file,
                "required_column",
                f"missing required column(s) {', '.join(exports)}; the file has: {', '.join(headers)}",
                1 if self.source.file_format.kind == "csv" else None,
            )
        columns = {}
        for header, canonical in renames.items():
            columns[canonical] = table.column(header)
        for name in self.schema.columns:
            if name not in columns:
                columns[name] = pa_arrow.nulls(table.num_rows, pa_arrow.string())
        columns.update(flavors)
        columns[LINE_COLUMN] = table.column(LINE_COLUMN)
        frame = pa_arrow.table(columns).to_pandas()
        return frame.set_index(pd.RangeIndex(len(frame)))

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
            first = self.con.execute(
                "SELECT source_line, column_name, offending_value FROM ops.quarantine "
                "WHERE load_id = ? AND source_file = ? AND rule = ? ORDER BY source_line LIMIT 1",
                [self.load_id, report.file, rule],
            ).fetchone()
            line, column, value = first if first else (None, None, None)
            raise ExtractFileError(
                report.file,
                rule,
                f"{rate:.1%} of {report.rows_read:,} rows break the contract (threshold "
                f"{self.settings.max_failure_rate:.0%}); most frequent: {rule} ({count:,} rows), first on column "
                f"{column!r} value {value!r}. Nothing from this file was loaded.",
                line,
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
        self.con.execute(
            "INSERT INTO ops.loaded_files (load_id, system, entity, source_file, status, error, error_rule, error_line, "
            "loaded_at) VALUES (?, ?, ?, ?, 'failed', ?, ?, ?, ?)",
            [self.load_id, self.source.name, self.entity, error.file, str(error), error.rule, error.line,
             self.loaded_at],
        )


def _row_json(record: dict) -> str:
    return json.dumps({k: (None if pd.isna(v) else v) for k, v in record.items()}, ensure_ascii=False, default=str)


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
