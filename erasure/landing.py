"""Rewriting the landing archive (only with PW_ERASE_LANDING=1): the CSV and JSON-lines files that hold the person,
their rows dropped and mentions redacted, as the loader would load them.

The files are read with the loader's own reader (`connectors.readers.read_batches`) and each row is decided by the
loader's own rule (`Suppression.decide`), so what is dropped here is what a load would drop. Writing back keeps the
file's format: JSON lines keep every untouched line byte for byte; CSV is written again with the csv module.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from connectors.base import SourceSystem
from connectors.formats import FileFormat, detect_format
from connectors.readers import LINE_COLUMN, read_batches
from connectors.registry import SOURCES
from connectors.suppression import Suppression, personal_columns, redacted_email
from erasure.person import Person
from erasure.report import Step
from settings import Settings

BOM = b"\xef\xbb\xbf"


@dataclass
class Fates:
    """Per line of a file (the reader's `_source_line`): rows to drop, and rows whose email columns are redacted."""

    drop: set[int] = field(default_factory=set)
    redact: dict[int, list[str]] = field(default_factory=dict)  # line -> canonical email columns that are the person's


def decide(path: Path, fmt: FileFormat, source: SourceSystem, entity: str, suppression: Suppression,
           batch_rows: int) -> Fates:
    """What the loader would do with every row of `path`: a row that does not parse (quarantined as such) is
    dropped only if its text mentions the person."""
    fates = Fates()
    display = path.name
    for batch in read_batches(path, display, fmt, batch_rows):
        fates.drop |= {m.line for m in batch.malformed if suppression._text_mentions(m.text)}
        if not batch.table.num_rows:
            continue
        renames, _ = source.map_headers(entity, [n for n in batch.table.column_names if n != LINE_COLUMN])
        data = batch.table.to_pydict()
        frame = pd.DataFrame({canonical: data[header] for header, canonical in renames.items()},
                             columns=list(suppression.schema.columns), dtype=object)
        drop, redact = suppression.decide(frame)
        lines = data[LINE_COLUMN]
        fates.drop |= {lines[i] for i in drop[drop].index}
        for column, mask in redact.items():
            for i in mask[mask & ~drop].index:
                fates.redact.setdefault(lines[i], []).append(column)
    return fates


def _redact(record: dict, columns: list[str], header_of: dict[str, str], suppression: Suppression) -> dict:
    """The record (keyed by the file's headers) with the person's email columns and their personal columns blanked."""
    record = dict(record)
    for column in columns:
        record[header_of[column]] = redacted_email(str(record[header_of[column]]))
        for personal in personal_columns(suppression.schema, column)[1:]:
            if personal in header_of:
                record[header_of[personal]] = None
    return record


def rewrite_jsonl(path: Path, fmt: FileFormat, source: SourceSystem, entity: str, fates: Fates,
                  suppression: Suppression) -> tuple[bytes, int, int]:
    """(new content, rows dropped, rows redacted). Untouched lines are kept as delivered."""
    encoding = "utf-8" if fmt.encoding in (None, "utf-8-sig") else fmt.codec  # rewritten lines carry no BOM
    out, dropped, redacted = [], 0, 0
    for number, raw in enumerate(path.read_bytes().splitlines(keepends=True), start=1):
        if number in fates.drop:
            dropped += 1
        elif number in fates.redact:
            redacted += 1
            record = json.loads(raw.decode(encoding))
            header_of = {c: h for h, c in source.map_headers(entity, list(record))[0].items()}
            line = json.dumps(_redact(record, fates.redact[number], header_of, suppression), ensure_ascii=False)
            out.append((line + ("\n" if raw.endswith(b"\n") else "")).encode(encoding))
        else:
            out.append(raw)
    return b"".join(out), dropped, redacted


def rewrite_csv(path: Path, fmt: FileFormat, source: SourceSystem, entity: str, fates: Fates,
                suppression: Suppression) -> tuple[bytes, int, int]:
    """(new content, rows dropped, rows redacted). The reader numbers records from 2 (the header is line 1)."""
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(BOM) else (fmt.codec or "utf-8")
    text = raw.decode(encoding)
    newline = "\r\n" if "\r\n" in text[:10000] else "\n"
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter))
    if not parsed:
        return raw, 0, 0
    headers, body = parsed[0], parsed[1:]
    header_of = {c: h for h, c in source.map_headers(entity, headers)[0].items()}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator=newline)
    writer.writerow(headers)
    dropped = redacted = 0
    for number, row in enumerate(body, start=2):
        if number in fates.drop:
            dropped += 1
        elif number in fates.redact:
            redacted += 1
            record = _redact(dict(zip(headers, row)), fates.redact[number], header_of, suppression)
            writer.writerow(["" if record[h] is None else record[h] for h in headers])
        else:
            writer.writerow(row)
    return buffer.getvalue().encode(encoding), dropped, redacted


REWRITERS = {"jsonl": rewrite_jsonl, "csv": rewrite_csv}


def _replace_file(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.erasure")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def rewrite_landing(settings: Settings, con: duckdb.DuckDBPyConnection, person: Person) -> list[Step]:
    """Rewrite the CSV and JSON-lines extract files that hold the person: their rows dropped, mentions redacted
    (as the loader would). `ops.loaded_files` takes the new content hash, so the rewritten files are not loaded
    again as new deliveries. Parquet files are left as delivered (the suppression list still applies to them)."""
    steps = []
    variable = Settings.variable("erase_landing")
    for source in SOURCES.values():
        for entity in source.entities:
            suppression = Suppression.for_person(source.name, entity, person.email, person.ids)
            # The loader's own discovery: links leaving the landing zone are never read nor written, and a file still
            # being copied in is not rewritten under its writer (the suppression list drops the person's rows when
            # it loads).
            found = source.discover(settings.landing_dir, entity, settle_seconds=settings.landing_settle_seconds)
            steps += [Step("landing", w.file, "skip", detail="not settled (being written): suppressed when loaded")
                      for w in found.waiting]
            steps += [Step("landing", e.file, "skip", detail="a link leaving the landing zone: not read")
                      for e in found.refused]
            for path in found.ready:
                fmt = detect_format(path, path.name, source.legacy_encoding)
                rewrite = REWRITERS.get(fmt.kind)  # the format is the file's own, as the loader reads it
                if rewrite is None:
                    continue
                fates = decide(path, fmt, source, entity, suppression, settings.batch_rows)
                if not fates.drop and not fates.redact:
                    continue
                data, dropped, redacted = rewrite(path, fmt, source, entity, fates, suppression)
                _replace_file(path.resolve(), data)  # a link inside the landing zone: its target holds the bytes
                relative = path.relative_to(settings.landing_dir).as_posix()
                con.execute("UPDATE ops.loaded_files SET content_sha256 = ?, bytes = ? WHERE source_file = ?",
                            [hashlib.sha256(data).hexdigest(), len(data), relative])
                steps.append(Step("landing", relative, "rewrite", rows_deleted=dropped, rows_redacted=redacted,
                                  detail=f"{variable}=1"))
    return steps
