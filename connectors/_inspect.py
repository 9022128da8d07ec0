"""`python -m connectors inspect FILE`: what the loader would make of one export, without writing anything.

The file is read by the loader's own code (`EntityLoader`: the same reader, header matching, mapping and contract)
against an in-memory DuckDB, so the counts per rule are the ones a real load would record; no warehouse file,
ops row or landing file is written. Headers the mapping does not know get the closest canonical names with a
score (rapidfuzz), and the output ends with a mapping snippet ready to paste into `<PW_MAPPING_DIR>/<system>.yml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa
from rapidfuzz import fuzz, process

from connectors.base import SourceSystem
from connectors.errors import ExtractFileError
from connectors.flavors import is_tool_column
from connectors.formats import detect_format
from connectors.loader import EntityLoader, FileReport, file_sha256
from connectors.mapping import (
    SCHEMA_COMMENT,
    EntityMapping,
    HeaderPlan,
    NumberFormat,
    load_mapping,
    plan_headers,
    read_mapping,
)
from connectors.readers import LINE_COLUMN, read_batches
from connectors.registry import SOURCES
from data_contracts._fields import snake_case
from settings import Settings
from warehouse.raw import ensure_tables

PROPOSAL_CUTOFF = 50  # below this a "closest name" is noise, not a proposal
CONFIDENT_SCORE = 80  # the snippet maps a header only from this score; weaker proposals are commented out


@dataclass
class Proposal:
    column: str
    score: float


@dataclass
class DryRun:
    """What one load of the file would record."""

    report: FileReport
    rejection: ExtractFileError | None = None
    examples: dict[str, tuple] = field(default_factory=dict)  # rule -> (line, column, value) of its first row
    bad_values: list[tuple[str, str, str, int]] = field(default_factory=list)  # (column, rule, value, rows)


@dataclass
class ValueProposals:
    """Mapping entries that would make quarantined values canonical: words, date formats, number separators."""

    words: dict[str, dict[str, str | None]] = field(default_factory=dict)  # column -> word -> code (None: no idea)
    date_formats: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (date|timestamp, format)
    number_format: dict[str, str] | None = None


@dataclass
class Inspection:
    file: str
    system: str
    entity: str
    guessed_from: str  # "arguments" | "path" | "headers"
    plan: HeaderPlan
    proposals: dict[str, list[Proposal]]  # unknown header -> closest columns
    confident: dict[str, str]  # unknown header -> the proposal the snippet maps it to
    current: DryRun  # with the mapping as it is
    proposed: DryRun | None = None  # with the snippet's entries added (None: it adds nothing)
    values: ValueProposals = field(default_factory=ValueProposals)

    @property
    def report(self) -> FileReport:
        return self.current.report

    @property
    def rejection(self) -> ExtractFileError | None:
        return self.current.rejection

    @property
    def examples(self) -> dict[str, tuple]:
        return self.current.examples


class InspectError(ValueError):
    """The file or the system/entity asked for cannot be inspected (no such file, unknown entity)."""


def inspect_file(
    path: Path, settings: Settings, system: str | None = None, entity: str | None = None, mapping: Path | None = None
) -> Inspection:
    path = Path(path)
    if not path.is_file():
        raise InspectError(f"{path}: no such file")
    source, entity, guessed_from = _which_entity(path, settings, system, entity)
    rules = read_mapping(mapping, source.name).entity(entity) if mapping else _rules(settings, source.name, entity)
    schema = source.contract(entity)
    plan = plan_headers(source, entity, _headers(path, source, settings), rules)
    proposals = propose_columns(schema, plan)
    confident = confident_columns(plan, proposals)
    inspection = Inspection(str(path), source.name, entity, guessed_from, plan, proposals, confident,
                            _dry_run(path, source, entity, settings, rules))
    # Value proposals need the columns mapped first: a second pass with the proposed columns finds them.
    with_columns = rules.model_copy(update={"columns": {**rules.columns, **confident}})
    first_pass = _dry_run(path, source, entity, settings, with_columns) if confident else inspection.current
    inspection.values = propose_values(schema, first_pass.bad_values)
    # A column the mapping already gives a format keeps it: its bad values are bad in that format, not another one.
    declared = {"date": rules.date_format, "timestamp": rules.timestamp_format}
    inspection.values.date_formats = {column: (kind, fmt) for column, (kind, fmt) in inspection.values.date_formats.items()
                                      if column not in rules.formats and not declared[kind]}
    if rules.number_format:
        inspection.values.number_format = None
    with_values = with_proposals(with_columns, inspection.values)
    if with_values != rules:
        inspection.proposed = (first_pass if with_values == with_columns
                               else _dry_run(path, source, entity, settings, with_values))
    return inspection


def with_proposals(rules: EntityMapping, values: ValueProposals) -> EntityMapping:
    """The mapping with the decided value proposals added (the user's own entries win)."""
    words = {column: {w: c for w, c in found.items() if c} for column, found in values.words.items()}
    merged = {column: {**words.get(column, {}), **rules.values.get(column, {})} for column in {*words, *rules.values}}
    update = {
        "values": {column: found for column, found in merged.items() if found},
        "formats": {**{column: fmt for column, (_, fmt) in values.date_formats.items()}, **rules.formats},
    }
    if values.number_format and rules.number_format is None:
        update["number_format"] = NumberFormat(**values.number_format)
    return rules.model_copy(update=update)


def _rules(settings: Settings, system: str, entity: str) -> EntityMapping:
    return load_mapping(settings, system).entity(entity)


# --- which system and entity ------------------------------------------------------------------------------------


def _which_entity(path: Path, settings: Settings, system: str | None, entity: str | None) -> tuple[SourceSystem, str, str]:
    if system and system not in SOURCES:
        raise InspectError(f"unknown system {system!r}; known: {', '.join(SOURCES)}")
    if system and entity:
        if entity not in SOURCES[system].entities:
            raise InspectError(f"{system} has no entity {entity!r}; known: {', '.join(SOURCES[system].entities)}")
        return SOURCES[system], entity, "arguments"
    from_path = _from_path(path, system)
    if from_path and (entity is None or from_path[1] == entity):
        return SOURCES[from_path[0]], from_path[1], "path"
    return (*_from_headers(path, settings, system, entity), "headers")


def _from_path(path: Path, system: str | None) -> tuple[str, str] | None:
    """`.../<system>/<entity>/<file>` (sub-folders below the entity allowed), as in the landing zone."""
    parts = path.resolve().parts
    for index in range(len(parts) - 2, 0, -1):
        name, child = parts[index - 1], parts[index]
        if name in SOURCES and (system is None or name == system) and child in SOURCES[name].entities:
            return name, child
    return None


def _from_headers(path: Path, settings: Settings, system: str | None, entity: str | None) -> tuple[SourceSystem, str]:
    """The entity whose columns the file's headers match best (most headers, then most required columns)."""
    scores = []
    for source in SOURCES.values():
        if system and source.name != system:
            continue
        try:
            headers = _headers(path, source, settings)
        except ExtractFileError:
            continue  # not readable in this system's format
        for name in source.entities:
            if entity and name != entity:
                continue
            plan = plan_headers(source, name, headers, _rules(settings, source.name, name))
            required = [c for c, col in source.contract(name).columns.items() if col.metadata.get("required")]
            covered = sum(c in plan.renames.values() for c in required) / max(len(required), 1)
            scores.append((len(plan.renames), covered, source, name))
    scores.sort(key=lambda s: (s[0], s[1]), reverse=True)
    if not scores or scores[0][0] == 0:
        raise InspectError(f"{path}: no header matches a known entity; say which with --system and --entity")
    return scores[0][2], scores[0][3]


def _headers(path: Path, source: SourceSystem, settings: Settings) -> list[str]:
    """The file's headers, without an ELT tool's own columns (the loader recognizes those: never a proposal)."""
    names: dict[str, None] = {}
    fmt = detect_format(path, str(path), source.legacy_encoding)
    for batch in read_batches(path, str(path), fmt, settings.batch_rows):
        names.update(dict.fromkeys(n for n in batch.table.column_names if n != LINE_COLUMN and not is_tool_column(n)))
        if fmt.kind not in ("jsonl", "json"):
            break  # one header for the whole file; JSON lines may add keys further down
    return list(names)


# --- proposals ---------------------------------------------------------------------------------------------------


def _words(name: str) -> str:
    return snake_case(name).replace("_", " ")


def propose_columns(schema: pa.DataFrameSchema, plan: HeaderPlan, limit: int = 3) -> dict[str, list[Proposal]]:
    """For each unknown header, the closest columns not yet mapped, compared by canonical name, export name and
    its snake_case form (word by word, any case)."""
    free = [name for name in schema.columns if name not in plan.renames.values()]
    choices = {}
    for name in free:
        export = schema.columns[name].metadata["export"]
        for alias in {name, export, snake_case(export)}:
            choices[f"{name}\t{alias}"] = _words(alias)
    proposals = {}
    for header in plan.unknown:
        best: dict[str, float] = {}
        for key, words in choices.items():
            column, score = key.split("\t")[0], similarity(_words(header), words)
            if score >= PROPOSAL_CUTOFF:
                best[column] = max(best.get(column, 0), score)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
        proposals[header] = [Proposal(column, round(score)) for column, score in ranked]
    return proposals


def similarity(header: str, name: str) -> float:
    """0-100. WRatio alone rates a short name found inside a long one too high (`region c` in
    `deal registration id c`: 86); averaging with the word-order-blind full ratio keeps such partial hits low."""
    return (fuzz.WRatio(header, name) + fuzz.token_sort_ratio(header, name)) / 2


def confident_columns(plan: HeaderPlan, proposals: dict[str, list[Proposal]]) -> dict[str, str]:
    """Unknown header -> its best proposal from CONFIDENT_SCORE on, one header per column, in file order."""
    chosen: dict[str, str] = {}
    for header in plan.unknown:
        free = [p for p in proposals.get(header) or [] if p.column not in chosen.values()]
        if free and free[0].score >= CONFIDENT_SCORE:
            chosen[header] = free[0].column
    return chosen


DATE_FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y", "%m/%d/%y", "%d.%m.%y",
                "%Y%m%d", "%d %b %Y", "%b %d, %Y", "%d-%b-%Y"]
TIME_SUFFIXES = [" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"]
NUMBER_FORMS = [  # (regex of a well-formed value, the mapping's number_format)
    (r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+,\d+$", {"decimal": ",", "thousands": "."}),
    (r"^[+-]?\d{1,3}( \d{3})+(,\d+)?$", {"decimal": ",", "thousands": " "}),
    (r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", {"decimal": ".", "thousands": ","}),
    (r"^[+-]?\d{1,3}('\d{3})+(\.\d+)?$", {"decimal": ".", "thousands": "'"}),
]


def propose_values(schema: pa.DataFrameSchema, bad_values: list[tuple[str, str, str, int]]) -> ValueProposals:
    """From the quarantined values: the closest code for unknown words, the date format that reads the most
    values of a date column, the number separators the values are written with."""
    proposals = ValueProposals()
    by_rule: dict[tuple[str, str], list[str]] = {}
    for column, rule, value, _ in bad_values:
        if column and value is not None:
            by_rule.setdefault((column, rule), []).append(value)
    for (column, rule), values in by_rule.items():
        meta = schema.columns[column].metadata if column in schema.columns else {}
        if rule in ("allowed_values", "is_boolean"):
            codes = list(meta.get("allowed") or ["true", "false"])
            proposals.words[column] = {value: _closest_code(value, codes) for value in values}
        elif rule in ("is_iso_date", "is_iso_timestamp"):
            kind = "timestamp" if rule == "is_iso_timestamp" else "date"
            if fmt := _best_date_format(values, with_time=kind == "timestamp"):
                proposals.date_formats[column] = (kind, fmt)
        elif rule in ("is_number", "is_integer") and proposals.number_format is None:
            proposals.number_format = next(
                (form for pattern, form in NUMBER_FORMS if any(re.match(pattern, v.strip()) for v in values)), None)
    return proposals


# Yes/no words of common export languages: proposals only, a mapping applies nothing the user did not write.
BOOLEAN_WORDS = {
    "true": ["ja", "oui", "si", "sí", "sim", "tak", "wahr", "vrai", "on", "x", "checked"],
    "false": ["nein", "non", "não", "nao", "nie", "falsch", "faux", "off", "unchecked"],
}


def _closest_code(value: str, codes: list[str]) -> str | None:
    word = value.strip().lower()
    if codes == ["true", "false"]:
        return next((code for code, words in BOOLEAN_WORDS.items() if word in words), None)
    best = process.extractOne(value.strip().lower(), {c: c.lower() for c in codes}, scorer=fuzz.WRatio, score_cutoff=60)
    return best[2] if best else None


def _best_date_format(values: list[str], with_time: bool) -> str | None:
    candidates = [d + t for d in DATE_FORMATS for t in TIME_SUFFIXES] + DATE_FORMATS if with_time else DATE_FORMATS
    text = pd.Series(values, dtype="string").str.strip()
    parsed = {fmt: int(pd.to_datetime(text, format=fmt, errors="coerce").notna().sum()) for fmt in candidates}
    fmt, count = max(parsed.items(), key=lambda item: item[1])  # ties: the first listed (day before month)
    return fmt if count else None


# --- the dry run ------------------------------------------------------------------------------------------------


def _dry_run(path: Path, source: SourceSystem, entity: str, settings: Settings, rules: EntityMapping) -> DryRun:
    """The loader's own batch loop (`EntityLoader._load_rows`: reader, mapping, contract, typed insert) against an
    in-memory DuckDB, so the counts are those a load would record and nothing reaches a file."""
    with duckdb.connect(":memory:") as con:
        ensure_tables(con)
        con.execute("SET TimeZone = 'UTC'")
        loader = EntityLoader(source, entity, settings, con)
        loader.mapping = rules
        run = DryRun(FileReport(str(path), "loaded", file_sha256(path), path.stat().st_size))
        try:
            loader._load_rows(path, run.report)
        except ExtractFileError as error:
            run.rejection = error
        for rule, line, column, value in con.execute(
            "SELECT rule, min(source_line), arg_min(column_name, source_line), arg_min(offending_value, source_line) "
            "FROM ops.quarantine GROUP BY rule"
        ).fetchall():
            run.examples[rule] = (line, column, value)
        run.bad_values = con.execute(
            "SELECT column_name, rule, offending_value, count(*) FROM ops.quarantine WHERE column_name IS NOT NULL "
            "GROUP BY ALL ORDER BY count(*) DESC, offending_value LIMIT 200"
        ).fetchall()
    return run


# --- output -------------------------------------------------------------------------------------------------------


def render(inspection: Inspection) -> str:
    plan = inspection.plan
    lines = [
        f"File      {inspection.file}",
        f"Entity    {inspection.system}.{inspection.entity} (from the {inspection.guessed_from})",
        "",
        "Columns",
    ]
    width = max([len(h) for h in [*plan.renames, *plan.passthrough, *plan.unknown]] + [10]) + 2
    for header, column in plan.renames.items():
        lines.append(f"  {header:<{width}} -> {column}  ({plan.how[header]})")
    for header in plan.passthrough:
        lines.append(f"  {header:<{width}} -> extra_fields  (passthrough)")
    for header in plan.unknown:
        closest = ", ".join(f"{p.column} {p.score:.0f}" for p in inspection.proposals.get(header, [])) or "none close"
        lines.append(f"  {header:<{width}} ?  unknown, not loaded; closest: {closest}")
    lines += ["", "Rows, with the mapping as it is", *_rows(inspection.current)]
    if inspection.proposed is not None:
        lines += ["", "Rows, with the mapping snippet below", *_rows(inspection.proposed)]
    lines += ["", f"Mapping snippet for <PW_MAPPING_DIR>/{inspection.system}.yml (merge it with what the file has):", "",
              snippet(inspection)]
    return "\n".join(lines)


def _rows(run: DryRun) -> list[str]:
    report = run.report
    lines = [
        f"  read {report.rows_read:,}  would load {report.rows_loaded:,}  would quarantine {report.rows_quarantined:,}"
        + (f"  (suppressed, erased people: {report.rows_suppressed:,})" if report.rows_suppressed else "")
    ]
    if report.cleaned:
        lines.append(f"  {report.cleanup_note()}")
    for rule, count in sorted(report.rules.items(), key=lambda item: -item[1]):
        line, column, value = run.examples.get(rule, (None, None, None))
        lines.append(f"  {rule:<20} {count:>7,}  first: line {line}, column {column}, value {value!r}")
    if run.rejection is not None:
        lines.append(f"  the whole file would be REJECTED: {run.rejection}")
    return lines


def snippet(inspection: Inspection) -> str:
    """A mapping for what the file needs: confident proposals as entries, the rest as comments to decide."""
    proposals, values = inspection.proposals, inspection.values
    undecided = [h for h in inspection.plan.unknown if h not in inspection.confident]
    out = [SCHEMA_COMMENT, "entities:", f"  {inspection.entity}:"]
    if not (inspection.confident or undecided or values.words or values.date_formats or values.number_format):
        return "\n".join([*out, "    columns: {}  # nothing to propose"])
    out.append("    columns:" if inspection.confident else "    columns: {}")
    for header, column in inspection.confident.items():
        out.append(f"      {_yaml(header)}: {column}  # score {proposals[header][0].score:.0f}")
    for header in undecided:
        hint = f"closest {proposals[header][0].column} {proposals[header][0].score:.0f}" if proposals.get(header) else "no close column"
        out.append(f"      # {_yaml(header)}: ?  ({hint})")
    if values.words:
        out.append("    values:")
        for column, words in values.words.items():
            out.append(f"      {column}:" + ("" if any(words.values()) else " {}"))
            out += [f"        {_yaml(word)}: {_yaml(code)}" if code else f"        # {_yaml(word)}: ?  (no close code)"
                    for word, code in words.items()]
    formats = set(values.date_formats.values())
    if len(formats) == 1:
        kind, fmt = formats.pop()
        out.append(f'    {kind}_format: "{fmt}"')
    elif formats:
        out.append("    formats:")
        out += [f'      {column}: "{fmt}"' for column, (_, fmt) in values.date_formats.items()]
    if values.number_format:
        out.append(f'    number_format: {{decimal: "{values.number_format["decimal"]}", '
                   f'thousands: "{values.number_format["thousands"]}"}}')
    if undecided:
        out.append("    # passthrough:  # or keep them, as JSON in staging's extra_fields")
        out += [f"    #   - {_yaml(h)}" for h in undecided]
    return "\n".join(out)


def _yaml(text: str) -> str:
    plain = text and text[0].isalpha() and all(ch.isalnum() or ch in " _-." for ch in text) and text == text.strip()
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
