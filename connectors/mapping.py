"""The user's source mapping: one optional YAML file per system (`<PW_MAPPING_DIR>/<system>.yml`) that says how
their exports differ from the canonical raw columns (headers, value words, date and number formats, default
currency, custom fields to keep). docs/mapping.md documents every key.

The mapping is applied to the text columns BEFORE the contract validates them, and produces the canonical text
forms (ISO dates, `1234.50`, canonical codes). A value that does not parse in the declared form is left as it
is, so the contract quarantines it with its original value: a mapping can never make a bad value pass.

    python -m connectors.mapping --write-schema   # (re)write config/sources/source-mapping.schema.json
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from rapidfuzz import process

from connectors.base import SourceSystem, header_key
from data_contracts import CONTRACTS
from data_contracts._fields import FALSE_VALUES, TRUE_VALUES
from data_contracts._sql import PARSES, has_control_characters
from settings import PROJECT_ROOT, Settings

SCHEMA_FILE = "source-mapping.schema.json"
SCHEMA_PATH = PROJECT_ROOT / "config" / "sources" / SCHEMA_FILE
SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
EXTRA_FIELDS_COLUMN = "_extra_fields"
EXAMPLE_SUFFIX = ".example.yml"  # documentation beside the real files, never read by the loader


class MappingError(ValueError):
    """A mapping file that cannot be used: names the file and the line of every problem."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]):
        self.path, self.problems = path, problems
        lines = [f"{path}{f' line {line}' if line else ''}: {message}" for line, message in problems]
        super().__init__("\n".join(lines))


def _text(value):
    # YAML is read without type guessing (every scalar is text), so `T`, `yes`, `01` stay what the user wrote.
    return value if not isinstance(value, (int, float, bool)) else str(value).lower()


# Editors read `true`/`1` as YAML booleans and numbers: the schema accepts them where the loader reads text.
Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": ["string", "boolean", "number"]})]


def _empty_is(default):
    # `columns:` with nothing under it (every entry commented out) reads as an empty text: the same as leaving it out.
    return BeforeValidator(lambda value: default() if value == "" else value)


class NumberFormat(BaseModel):
    """How the export writes numbers, e.g. `1.234,50`: decimal `,` and thousands `.`."""

    model_config = ConfigDict(extra="forbid")
    decimal: Annotated[str, Field(pattern=r"^[.,]$", description="the decimal separator: `.` or `,`")] = "."
    thousands: Annotated[
        str, Field(pattern=r"^[., '\u00a0]?$", description="the digit-group separator, e.g. `.`, `,`, `'`, a space; empty for none")
    ] = ""


class EntityMapping(BaseModel):
    """How one entity's export differs from the canonical raw columns."""

    model_config = ConfigDict(extra="forbid")
    columns: Annotated[dict[Text, Text], _empty_is(dict)] = Field(
        default_factory=dict,
        description="your header -> canonical raw column (the built-in aliases still apply to the other headers)")
    values: Annotated[dict[Text, dict[Text, Text]], _empty_is(dict)] = Field(
        default_factory=dict,
        description="per canonical column: your word -> the canonical code (matched ignoring case and blanks)")
    date_format: Text | None = Field(None, description="strptime format of every date column, e.g. `%d/%m/%Y`")
    timestamp_format: Text | None = Field(
        None, description="strptime format of every timestamp column, e.g. `%d/%m/%Y %H:%M`")
    formats: Annotated[dict[Text, Text], _empty_is(dict)] = Field(
        default_factory=dict, description="per canonical date/timestamp column: its own strptime format")
    number_format: NumberFormat | None = Field(None, description="separators of the number and integer columns")
    default_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="ISO 4217 code written into an empty currency column")
    passthrough: Annotated[list[Text], _empty_is(list)] = Field(
        default_factory=list,
        description="headers (glob patterns such as `*__c`, any case) kept as JSON in `_extra_fields` / staging "
        "`extra_fields`")


class SourceMapping(BaseModel):
    """A source mapping file: `<PW_MAPPING_DIR>/<system>.yml`."""

    model_config = ConfigDict(extra="forbid", title="partner-warehouse source mapping")
    entities: Annotated[dict[Text, EntityMapping], _empty_is(dict)] = Field(
        default_factory=dict, description="per entity of the system (the landing folder name): its mapping")

    def entity(self, name: str) -> EntityMapping:
        return self.entities.get(name) or EntityMapping()


# --- reading a mapping file ----------------------------------------------------------------------------------


def mapping_path(settings: Settings, system: str) -> Path:
    return settings.mapping_dir / f"{system}.yml"


def load_mapping(settings: Settings, system: str) -> SourceMapping:
    """The system's mapping, empty when it has no file; MappingError (file and line) when it is wrong."""
    path = mapping_path(settings, system)
    return read_mapping(path, system) if path.is_file() else SourceMapping()


def check_mapping_dir(settings: Settings, systems: list[str]) -> dict[str, SourceMapping]:
    """Every mapping file of the folder, validated before any loading; a `*.yml` that names no system is an
    error (a typo must not silently leave an export unmapped)."""
    mappings = {}
    if settings.mapping_dir.is_dir():
        for path in sorted(settings.mapping_dir.glob("*.yml")):
            if path.name.endswith(EXAMPLE_SUFFIX):
                continue
            if path.stem not in systems:
                raise MappingError(path, [(None, f"no source system {path.stem!r}; the file name must be one of: "
                                                 f"{', '.join(f'{s}.yml' for s in systems)}")])
            mappings[path.stem] = read_mapping(path, path.stem)
    return mappings


def read_mapping(path: Path, system: str) -> SourceMapping:
    text = path.read_text(encoding="utf-8")
    loader = yaml.BaseLoader(text)  # every scalar stays text: no YAML 1.1 booleans (`no` -> False) or octals
    try:
        node = loader.get_single_node()
        problems = _duplicate_keys(node)
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise MappingError(path, [(mark.line + 1 if mark else None, f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise MappingError(path, problems)
    if data in ("", None):
        data = {}
    try:
        mapping = SourceMapping.model_validate(data)
    except ValidationError as error:
        raise MappingError(path, [
            (_line_of(node, e["loc"]), f"{_dotted(e['loc'])}: {e['msg']}") for e in error.errors()
        ]) from None
    problems = [(_line_of(node, loc), f"{_dotted(loc)}: {message}") for loc, message in _semantic_problems(mapping, system)]
    if problems:
        raise MappingError(path, problems)
    return mapping


def _dotted(loc) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _line_of(node: yaml.Node | None, loc) -> int | None:
    """The 1-based line of a pydantic error location in the YAML tree: the deepest key found on the path."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if part == "[key]":
            return line
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str]]:
    if isinstance(node, yaml.SequenceNode):
        return [p for child in node.value for p in _duplicate_keys(child)]
    if not isinstance(node, yaml.MappingNode):
        return []
    problems, seen = [], set()
    for key, value in node.value:
        if key.value in seen:
            problems.append((key.start_mark.line + 1, f"key {key.value!r} appears twice"))
        seen.add(key.value)
        problems.extend(_duplicate_keys(value))
    return problems


def _semantic_problems(mapping: SourceMapping, system: str) -> list[tuple[tuple, str]]:
    """What the JSON Schema cannot know: the system's entities and each entity's columns and codes."""
    entities = sorted(entity for sys_name, entity in CONTRACTS if sys_name == system)
    problems = []
    for entity, rules in mapping.entities.items():
        if entity not in entities:
            problems.append((("entities", entity), f"{system} has no entity {entity!r}{_did_you_mean(entity, entities)}"))
            continue
        problems.extend((("entities", entity, *loc), message)
                        for loc, message in _entity_problems(CONTRACTS[(system, entity)], rules))
    return problems


def _entity_problems(schema: pa.DataFrameSchema, rules: EntityMapping) -> list[tuple[tuple, str]]:
    name = schema.name
    canonical = list(schema.columns)
    problems = []

    def unknown_column(loc: tuple, column: str) -> bool:
        if column in schema.columns:
            return False
        problems.append((loc, f"{name} has no column {column!r}{_did_you_mean(column, canonical)}"))
        return True

    for header, column in rules.columns.items():
        unknown_column(("columns", header), column)
    for column, words in rules.values.items():
        if unknown_column(("values", column), column):
            continue
        codes = _codes(schema.columns[column])
        for word, code in words.items():
            if codes is not None and code.strip().lower() not in {c.lower() for c in codes}:
                problems.append((("values", column, word),
                                 f"{code!r} is not a code of {name}.{column}; one of: {', '.join(codes)}"))
    for column in rules.formats:
        if unknown_column(("formats", column), column):
            continue
        if _logical_type(schema, column) not in ("date", "timestamp"):
            problems.append((("formats", column), f"{name}.{column} is not a date or timestamp column"))
    for key in ("date_format", "timestamp_format"):
        if getattr(rules, key) is not None and (problem := _format_problem(getattr(rules, key))):
            problems.append(((key,), problem))
    problems.extend((("formats", column), problem)
                    for column, fmt in rules.formats.items() if (problem := _format_problem(fmt)))
    if rules.number_format and rules.number_format.decimal == rules.number_format.thousands:
        problems.append((("number_format",), "decimal and thousands separators must differ"))
    if rules.default_currency and not currency_columns(schema):
        problems.append((("default_currency",), f"{name} has no currency column"))
    return problems


def _codes(column: pa.Column) -> list[str] | None:
    meta = column.metadata or {}
    if meta.get("logical_type") == "boolean":
        return list(TRUE_VALUES + FALSE_VALUES)
    return meta.get("allowed")


def _logical_type(schema: pa.DataFrameSchema, column: str) -> str:
    return (schema.columns[column].metadata or {}).get("logical_type", "string")


def _format_problem(fmt: str) -> str | None:
    if "%" not in fmt:
        return f"{fmt!r} is not a strptime format (e.g. %d/%m/%Y)"
    sample = datetime(2026, 8, 15, 13, 45, 30)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as error:
        return f"{fmt!r} is not a usable strptime format ({error})"
    return None


def _did_you_mean(name: str, choices: list[str]) -> str:
    best = process.extractOne(name, choices, score_cutoff=60)
    return f"; did you mean {best[0]!r}?" if best else f"; known: {', '.join(choices)}"


def currency_columns(schema: pa.DataFrameSchema) -> list[str]:
    return [name for name in schema.columns if "currency" in name]


# --- applying a mapping ------------------------------------------------------------------------------------------


@dataclass
class HeaderPlan:
    """What becomes of each header of a file: renamed to a canonical column, passed through, or unknown."""

    renames: dict[str, str] = field(default_factory=dict)  # header -> canonical column
    how: dict[str, str] = field(default_factory=dict)  # header -> "mapping file" | "built-in name"
    passthrough: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def plan_headers(source: SourceSystem, entity: str, headers: list[str], rules: EntityMapping) -> HeaderPlan:
    """The mapping file's `columns` first, then the built-in names; a header neither maps is passed through
    when a `passthrough` pattern matches it, else it is unknown (schema drift)."""
    renames, unknown = source.map_headers(entity, headers, rules.columns)
    user_headers = {header_key(h) for h in rules.columns}
    plan = HeaderPlan(renames, {h: "mapping file" if header_key(h) in user_headers else "built-in name" for h in renames})
    patterns = [p.casefold() for p in rules.passthrough]
    for header in unknown:
        target = plan.passthrough if any(fnmatch.fnmatchcase(header.casefold(), p) for p in patterns) else plan.unknown
        target.append(header)
    return plan


def apply_values(columns: dict[str, pa_arrow.ChunkedArray], schema: pa.DataFrameSchema, rules: EntityMapping) -> dict:
    """The canonical text columns with the mapping's value words, formats and default currency applied."""
    mapped = dict(columns)
    for name, words in rules.values.items():
        mapped[name] = _map_words(mapped[name], words)
    for name in schema.columns:
        logical_type = _logical_type(schema, name)
        fmt = rules.formats.get(name) or {"date": rules.date_format, "timestamp": rules.timestamp_format}.get(logical_type)
        if fmt:
            mapped[name] = _reformat_dates(mapped[name], fmt, logical_type)
        if rules.number_format and logical_type in ("number", "integer"):
            mapped[name] = _canonical_numbers(mapped[name], rules.number_format)
    if rules.default_currency:
        for name in currency_columns(schema):
            mapped[name] = _fill_empty(mapped[name], rules.default_currency)
    return mapped


def _map_words(column, words: dict[str, str]):
    keys = pa_arrow.array([word.strip().lower() for word in words], pa_arrow.string())
    codes = pa_arrow.array(list(words.values()), pa_arrow.string())
    normalized = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    position = pc.index_in(normalized, value_set=keys)
    return pc.coalesce(pc.take(codes, position), column)


def _reformat_dates(column, fmt: str, logical_type: str):
    text = column.to_pandas()
    parsed = pd.to_datetime(text.str.strip(), format=fmt, errors="coerce", utc="%z" in fmt)
    if logical_type == "date":
        iso = parsed.dt.strftime("%Y-%m-%d")
    else:
        iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S" + (".%f" if "%f" in fmt else "") + ("+00:00" if "%z" in fmt else ""))
    # A value that does not parse in the declared format stays as it is: the contract quarantines it as written.
    return pa_arrow.array(iso.where(parsed.notna(), text), pa_arrow.string())


def _canonical_numbers(column, number_format: NumberFormat):
    decimal, thousands = re.escape(number_format.decimal), re.escape(number_format.thousands)
    grouped = rf"\d{{1,3}}(?:{thousands}\d{{3}})+|" if thousands else ""
    well_formed = rf"^[+-]?(?:{grouped}\d+)(?:{decimal}\d+)?$"
    trimmed = pc.utf8_trim_whitespace(column)
    canonical = trimmed
    if number_format.thousands:
        canonical = pc.replace_substring(canonical, number_format.thousands, "")
    canonical = pc.replace_substring(canonical, number_format.decimal, ".")
    return pc.if_else(pc.fill_null(pc.match_substring_regex(trimmed, well_formed), False), canonical, column)


def _fill_empty(column, value: str):
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)
    return pc.if_else(empty, value, column)


def extra_fields(table: pa_arrow.Table, headers: list[str]) -> tuple[pa_arrow.Array, pa_arrow.Array | None]:
    """One JSON object text per row with the passed-through headers and their values (NULL when there are none), and
    per row whether control characters were removed from one of its text values (None when none was): as from
    every free-text column, so the JSON keeps no NUL, BEL or ESC for a reader to trip over; TAB, LF and CR stay."""
    if not headers:
        return pa_arrow.nulls(table.num_rows, pa_arrow.string()), None
    # Positional names: a header may hold any character; its text goes into the SQL only as a quoted literal.
    values = table.select(headers).rename_columns([f"c{i}" for i in range(len(headers))])
    text = [i for i, column in enumerate(values.columns) if pa_arrow.types.is_string(column.type)]
    cleaned = {i: PARSES["without_control_characters"](f"c{i}") for i in text}
    pairs = ", ".join(f"'{header.replace(chr(39), chr(39) * 2)}', {cleaned.get(i, f'c{i}')}"
                      for i, header in enumerate(headers))
    dirty = " OR ".join(has_control_characters(f"c{i}") for i in text) or "false"
    with duckdb.connect() as con:
        con.register("passthrough", values)
        table = con.sql(f"SELECT json_object({pairs})::VARCHAR AS j, coalesce({dirty}, false) AS d "
                        "FROM passthrough").to_arrow_table()
    flags = table.column("d").combine_chunks()
    return table.column("j").combine_chunks(), flags if pc.any(flags).as_py() else None


# --- JSON Schema -------------------------------------------------------------------------------------------------


def render_schema() -> str:
    schema = SourceMapping.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$comment"] = "Generated by `python -m connectors.mapping --write-schema`; do not edit by hand."
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.mapping", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-schema", action="store_true", help=f"write {SCHEMA_PATH.relative_to(PROJECT_ROOT)}")
    parser.add_argument("--check-schema", action="store_true", help="exit 1 when the committed schema is stale")
    args = parser.parse_args(argv)
    if args.write_schema:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
        return 0
    if args.check_schema:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.is_file() else ""
        return 0 if current == render_schema() else 1
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
