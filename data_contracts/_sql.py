"""The contracts' checks compiled to DuckDB SQL, so the loader validates a batch inside the engine.

The pandera schema stays the one definition: every check of a column (`data_contracts._fields.field`) has its SQL
twin here, built from the same column metadata and patterns, and `column_checks` refuses a check it has no SQL for.
Each expression is true when a value breaks the rule; a NULL value passes every rule but `not_nullable`, as in
pandera. A column's parsers (control characters removed from free text) run before its checks, in both (their SQL
twins: `PARSES`). tests/test_sql_checks.py runs both on the same adversarial values and asserts the same failures
and the same stored values.

Only portable SQL is used (regexp_full_match, regexp_replace, TRY_CAST, lower, IN), so the checks can be compiled for
Spark later with the same structure.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandera.pandas as pa

from data_contracts._fields import (
    CONTROL_CHARACTERS,
    DATE_RE,
    FALSE_VALUES,
    INTEGER_RE,
    NUMBER_RE,
    TIMESTAMP_RE,
    TRUE_VALUES,
    WHITESPACE,
)

UNIQUE_KEY_RULE = "unique_key"  # pandera's multiple_fields_uniqueness, as the quarantine names it
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMPTZ"}


class ColumnCheck(NamedTuple):
    column: str
    rule: str
    fails: str  # SQL, true when the column's value breaks the rule


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_BLANK = f"[{WHITESPACE}]"  # literal characters in a class mean the same in RE2 and Python


def _stripped(column: str) -> str:
    # regexp_replace, not trim(column, characters): that trim costs ~1 µs a value with 29 characters, this 0.15
    return f"regexp_replace({column}, {literal(f'^{_BLANK}+|{_BLANK}+$')}, '', 'g')"


def _matches(column: str, pattern: str) -> str:
    if re.search(r"\\[sS]", pattern):
        # RE2's \s lacks \v, Python's (even ASCII) has it: the two engines would disagree on a vertical tab.
        raise ValueError(f"pattern {pattern!r}: write the white-space class out ([ \\t\\n\\r\\f\\v]) instead of \\s")
    return f"regexp_full_match({column}, {literal(pattern)})"


def _one_of(column: str, words) -> str:
    return f"lower({_stripped(column)}) IN ({', '.join(literal(w) for w in words)})"


def _calendar_date(column: str) -> str:
    # DuckDB reads year 0000 as 1 BC; Python's date (the pandera side) starts at year 1, as every real system does.
    return f"(TRY_CAST(left({column}, 10) AS DATE) IS NOT NULL AND NOT starts_with({column}, '0000'))"


def _within_bounds(column: str, meta: dict) -> str:
    number = f"TRY_CAST({column} AS DOUBLE)"
    bounds = [f"{number} >= {meta['minimum']!r}" if meta["minimum"] is not None else None,
              f"{number} <= {meta['maximum']!r}" if meta["maximum"] is not None else None]
    return f"(NOT {_matches(column, NUMBER_RE)} OR ({' AND '.join(b for b in bounds if b)}))"


def has_control_characters(column: str) -> str:
    return f"regexp_matches({column}, {literal(CONTROL_CHARACTERS)})"


# check name -> SQL that is true when a (non-null) value passes it
PASSES = {
    "control_character": lambda c, meta: f"NOT {has_control_characters(c)}",
    "not_blank": lambda c, meta: f"NOT regexp_full_match({c}, {literal(_BLANK + '*')})",
    "is_integer": lambda c, meta: _matches(c, INTEGER_RE),
    "is_number": lambda c, meta: _matches(c, NUMBER_RE),
    "is_iso_date": lambda c, meta: f"({_matches(c, DATE_RE)} AND {_calendar_date(c)})",
    "is_iso_timestamp": lambda c, meta: f"({_matches(c, TIMESTAMP_RE)} AND {_calendar_date(c)})",
    "is_boolean": lambda c, meta: _one_of(c, TRUE_VALUES + FALSE_VALUES),
    "allowed_values": lambda c, meta: _one_of(c, [a.lower() for a in meta["allowed"]]),
    "matches_pattern": lambda c, meta: _matches(c, meta["pattern"]),
    "value_range": _within_bounds,
}


# parser name -> SQL of the value it returns (the twin of `data_contracts._fields.without_control_characters`)
PARSES = {
    "without_control_characters": lambda c: (
        f"(CASE WHEN {has_control_characters(c)} "
        f"THEN nullif(regexp_replace({c}, {literal(CONTROL_CHARACTERS)}, '', 'g'), '') ELSE {c} END)"),
}


def cleaned_columns(schema: pa.DataFrameSchema) -> dict[str, str]:
    """Column -> SQL of its value as the checks see it and the raw table stores it: its pandera parsers in SQL;
    a parser it has no SQL for is refused, as a check is."""
    cleaned = {}
    for name, column in schema.columns.items():
        for parser in column.parsers:
            if parser.name not in PARSES:
                raise ValueError(f"{schema.name}.{name}: no SQL for parser {parser.name!r} (add it to PARSES)")
            cleaned[name] = PARSES[parser.name](cleaned.get(name, quoted(name)))
    return cleaned


def cleaned_select(schema: pa.DataFrameSchema, columns: list[str], source: str, only: set[str] | None = None) -> str:
    """`source`'s rows with its `columns` as the checks see them (`cleaned_columns`) and `_cleaned`: the columns whose
    value had control characters removed, comma-separated ('' when none), to count them. `only`: the columns that
    may hold some (the parser leaves a value without any as it is, so the others need no pass)."""
    cleaned = {c: sql for c, sql in cleaned_columns(schema).items() if only is None or c in only}
    values = ", ".join(f"{cleaned[c]} AS {quoted(c)}" if c in cleaned else quoted(c) for c in columns)
    flags = [f"CASE WHEN {has_control_characters(quoted(c))} THEN {literal(c)} END" for c in cleaned if c in columns]
    marks = f"concat_ws(',', {', '.join(flags)})" if flags else "''"
    return f"SELECT {values}, {marks} AS _cleaned FROM {source}"


def column_checks(schema: pa.DataFrameSchema) -> list[ColumnCheck]:
    """Every column's rules as SQL, in the order pandera reports them: columns in contract order, the null check
    first, then the column's checks in order."""
    checks = []
    for name, column in schema.columns.items():
        sql_name = quoted(name)
        if not column.nullable:
            checks.append(ColumnCheck(name, "not_nullable", f"{sql_name} IS NULL"))
        for check in column.checks:
            if check.name not in PASSES:
                raise ValueError(f"{schema.name}.{name}: no SQL for check {check.name!r} (add it to PASSES)")
            passes = PASSES[check.name](sql_name, column.metadata)
            checks.append(ColumnCheck(name, check.name, f"({sql_name} IS NOT NULL AND NOT coalesce({passes}, false))"))
    return checks


def repeats_earlier_row(schema: pa.DataFrameSchema, row_order: str) -> str | None:
    """SQL true for a row whose key (+ version) an earlier row of the same batch has, as pandera's `unique` with
    report_duplicates='exclude_first' finds it: the first occurrence is kept, nulls are equal, an all-null key
    repeats nothing."""
    if not schema.unique:
        return None
    keys = [quoted(k) for k in schema.unique]
    any_value = " OR ".join(f"{k} IS NOT NULL" for k in keys)
    return f"(({any_value}) AND row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY {row_order}) > 1)"


def repeated_key_column(schema: pa.DataFrameSchema, values: dict) -> str:
    """The column a repeated key is reported on: pandera names each key column that has a value, the quarantine
    keeps the first of them."""
    return next(k for k in schema.unique if values.get(k) is not None)


def typed_expression(name: str, logical_type: str) -> str:
    """A validated text value as its logical type; NULL where DuckDB still cannot read it (a cast failure)."""
    column = quoted(name)
    if logical_type == "boolean":
        return (f"(CASE WHEN {_one_of(column, TRUE_VALUES)} THEN true "
                f"WHEN {_one_of(column, FALSE_VALUES)} THEN false END)")
    if logical_type in SQL_TYPES:
        return f"TRY_CAST({_stripped(column)} AS {SQL_TYPES[logical_type]})"
    return column
