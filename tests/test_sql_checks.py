"""The contracts' checks run two ways: pandera on pandas (the definition) and compiled to DuckDB SQL (what the loader
runs, data_contracts._sql). Both must fail exactly the same (row, column, rule) on values real systems send."""

from __future__ import annotations

import duckdb
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pytest

from data_contracts import CONTRACTS
from data_contracts._fields import contract, field
from data_contracts._sql import (
    UNIQUE_KEY_RULE,
    cleaned_select,
    column_checks,
    quoted,
    repeated_key_column,
    repeats_earlier_row,
    typed_expression,
)

BLANKS = [None, "", " ", "  ", "\t", "\n", "\xa0", "\u3000", "\u2028", "\u200b", "\v"]
NUMBERS = [
    "0", "1", "-1", "+1", "007", "1e5", "1E+5", "1e-5", ".5", "1.", "-.5", "1.5", "100", "100.0", "100.0001", "101",
    "-0.0001", "1e999", "-1e999", "99999999999999999999", "١٢", "١", "٣.٥", "１２", "1,5", "1 000", "1_000", " 1",
    "1 ", "1\n", "nan", "NaN", "inf", "-inf", "0x10", "e5", "1e", "1.2.3", "--1", "+-1", "٠٠٠٠٠٠٠٠٠",
]
DATES = [
    "2026-02-03", "2024-02-29", "2023-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-2-3", "26-02-03",
    "0000-01-01", "0001-01-01", "9999-12-31", "2026-02-03\n", " 2026-02-03", "2026-02-03 ", "２０２６-02-03",
    "٢٠٢٦-٠٢-٠٣", "2026/02/03", "20260203", "2026-W05-2", "03.02.2026",
]
TIMESTAMPS = [
    "2026-02-03T10:00", "2026-02-03 10:00", "2026-02-03T10:00:59", "2026-02-03T10:00:00Z", "2026-02-03T10:00Z",
    "2026-02-03T10:00:00+05:30", "2026-02-03T10:00:00+0530", "2026-02-03T10:00:00-08:00", "2026-02-03T10:00:00+05",
    "2026-02-03T10:00:00.1", "2026-02-03T10:00:00.123456", "2026-02-03T10:00:00.123456789Z",
    "2026-02-03T10:00:00.Z", "2026-02-03T10:00:00,5", "2026-02-03Z", "2026-02-03+05:30", "2026-02-03t10:00",
    "2026-02-03T10:00z", "2026-02-03T24:00", "2026-02-03T23:60", "2026-02-03T23:59:60", "2026-02-30T10:00",
    "0000-01-01T00:00", "9999-12-31T23:59:59Z", "2026-02-03T10:00+24:00", "2026-02-03T10:00-00:60",
    "2026-02-03T10", "2026-02-03T1:00", "2026-02-03T10:00:00 +05:30", "2026-02-03T10:00:00Z\n", "1700000000",
]
BOOLEANS = [
    "true", "false", "TRUE ", " False", "Yes", "NO", "y", "N", "t", "F", "1", "0", "\xa0yes\u3000", "yes\t",
    "maybe", "yes!", "01", "-1", "on", "off", "ｙｅｓ", "tru e",
]
TEXT = [
    "abc", "0011a000003XYZQ", "0011a000003XYZQAAA", "0011a000003XYZ", "0011a000003XYZQ ", "0011a000003XYZQAA",
    "0011a000003XYZQ\n", "0011a000003XYZ_", "0011a000003XYZé", "123456789", "12345678", "1234567890",
    "١٢٣٤٥٦٧٨٩", "123456789\n", "12.000", "12.", "12.0.0", "2026-05", "2026-13", "2026-5", "a@b.co", "a@b",
    "a b@c.de", "a\vb@c.de", "a\xa0b@c.de", "ü@ß.de", "a@@b.de", "@b.de", "a@b.de\n", "İ", "ı", "K",
]
# C0 controls (TAB, LF, CR are text) and DEL: removed from free text, an identifier or e-mail holding one quarantined.
CONTROL = [
    "\x00", "a\x00b", "\x00\x07\x1b\x7f", " \x00 ", "Acme\x1b[0m", "x\x7f", "\x0c", "a\x0cb", "a\x1fb", "a\tb\r\nc",
    "a\x00@b.de", "0011a000003XYZQ\x00", "12\x00", "2026-02-03\x00", "\x00true", "Partner\x07", "a\x80b", "a\x85b",
]


def adversarial_values(schema: pa.DataFrameSchema) -> list[str | None]:
    """Every adversarial value, plus each allowed code of the contract written the ways people type it."""
    codes = [c for column in schema.columns.values() for c in (column.metadata.get("allowed") or [])]
    typed_codes = [v for c in codes for v in (c, c.upper(), c.lower(), f" {c}\t", f"\xa0{c.swapcase()}", c + "x",
                                                   c.upper().replace("I", "\u0130"))]
    return BLANKS + NUMBERS + DATES + TIMESTAMPS + BOOLEANS + TEXT + CONTROL + typed_codes + ["Elite", "Unknown code"]


def batch(schema: pa.DataFrameSchema) -> pa_arrow.Table:
    """Every contract column holds every value (one per row), and the last rows repeat earlier rows' keys."""
    values = adversarial_values(schema)
    repeated = [0, 3, 0, len(values) - 1]  # an all-null key (row 0) repeats nothing; the first occurrence wins
    rows = values + [values[i] for i in repeated]
    return pa_arrow.table({name: pa_arrow.array(rows, pa_arrow.string()) for name in schema.columns})


def pandera_failures(schema: pa.DataFrameSchema, table: pa_arrow.Table) -> set[tuple[int, str, str]]:
    try:
        schema.validate(table.to_pandas(), lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        unique = cases["check"] == "multiple_fields_uniqueness"
        found = {(int(i), c, str(r)) for i, c, r in cases.loc[~unique, ["index", "column", "check"]].itertuples(False)}
        # pandera names every key column (with a value) of a repeated key; the quarantine names the first of them
        first = cases[unique].assign(order=lambda f: f["column"].map(schema.unique.index)).sort_values("order")
        return found | {(int(i), c, UNIQUE_KEY_RULE) for i, c in first.drop_duplicates("index")[["index", "column"]]
                        .itertuples(False)}
    return set()


def cleaned_batch(schema: pa.DataFrameSchema, table: pa_arrow.Table) -> duckdb.DuckDBPyConnection:
    """A connection holding `batch`: the table as the loader's checks see it (parsers applied, `cleaned_select`)."""
    con = duckdb.connect()
    con.register("text_batch", table.append_column("_row", pa_arrow.array(range(table.num_rows))))
    con.execute(f"CREATE TABLE batch AS {cleaned_select(schema, [*table.column_names, '_row'], 'text_batch')}")
    return con


def sql_failures(schema: pa.DataFrameSchema, table: pa_arrow.Table) -> set[tuple[int, str, str]]:
    con = cleaned_batch(schema, table)
    found = set()
    for check in column_checks(schema):
        found |= {(row, check.column, check.rule) for (row,) in
                  con.execute(f"SELECT _row FROM batch WHERE {check.fails}").fetchall()}
    repeats = repeats_earlier_row(schema, "_row")
    rows = table.to_pylist()
    found |= {(row, repeated_key_column(schema, rows[row]), UNIQUE_KEY_RULE) for (row,) in
              con.execute(f"SELECT _row FROM (SELECT _row, {repeats} AS r FROM batch) WHERE r").fetchall()}
    return found


@pytest.mark.parametrize("system_entity", sorted(CONTRACTS), ids="/".join)
def test_sql_checks_fail_exactly_what_pandera_fails(system_entity):
    schema = CONTRACTS[system_entity]
    table = batch(schema)
    expected = pandera_failures(schema, table)
    assert {rule for _, _, rule in expected} >= {"not_nullable", UNIQUE_KEY_RULE}  # the values do break rules
    found = sql_failures(schema, table)
    values = table.column(0).to_pylist()
    differences = sorted((row, values[row], column, rule, "pandera only" if (row, column, rule) in expected else "sql only")
                         for row, column, rule in expected ^ found)
    assert not differences, differences[:20]


@pytest.mark.parametrize("system_entity", sorted(CONTRACTS), ids="/".join)
def test_sql_stores_exactly_the_values_pandera_parses(system_entity):
    """What the loader inserts (the SQL cleaning) is what the pandera definition's parsers return, value for value."""
    schema = CONTRACTS[system_entity]
    table = batch(schema)
    parsed = _parsed(schema, table)
    con = cleaned_batch(schema, table)
    names = list(schema.columns)
    stored = con.execute(f"SELECT {', '.join(quoted(n) for n in names)} FROM batch ORDER BY _row").fetchall()
    expected = [tuple(None if pd.isna(v) else v for v in row) for row in parsed[names].itertuples(index=False)]
    differences = [(row, a, b) for row, (a, b) in enumerate(zip(expected, stored)) if a != b]
    assert not differences, differences[:5]
    cleaned = [c for c, column in schema.columns.items() if column.metadata["control_characters"] == "remove"]
    if cleaned:  # the values do have control characters to remove
        assert parsed[cleaned[0]].tolist().count("ab") >= 1


def _parsed(schema: pa.DataFrameSchema, table: pa_arrow.Table) -> pd.DataFrame:
    """The batch after pandera's parsers: what validation returns, whatever rows it reports as failing."""
    try:
        return schema.validate(table.to_pandas(), lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.data


@pytest.mark.parametrize("system_entity", sorted(CONTRACTS), ids="/".join)
def test_every_value_that_passes_its_format_check_casts(system_entity):
    """A value the contract accepts converts to its logical type (only an integer beyond BIGINT is left to the
    loader's cast check, which quarantines it as cast_integer)."""
    schema = CONTRACTS[system_entity]
    table = batch(schema)
    failures = pandera_failures(schema, table)
    con = duckdb.connect()
    con.register("batch", table.append_column("_row", pa_arrow.array(range(table.num_rows))))
    for name, column in schema.columns.items():
        typed = typed_expression(name, column.metadata["logical_type"])
        if typed == quoted(name):
            continue
        uncast = {row for (row,) in con.execute(
            f"SELECT _row FROM batch WHERE {quoted(name)} IS NOT NULL AND {typed} IS NULL").fetchall()}
        accepted = {row for row in range(table.num_rows) if not any(f[0] == row and f[1] == name for f in failures)}
        values = {table.column(name)[row].as_py() for row in uncast & accepted}
        assert values <= {"99999999999999999999"}, (name, values)


def test_arabic_indic_and_fullwidth_digits_are_not_numbers_nor_dates():
    schema = contract("t", "t", [field("n", "number"), field("d", "date")], key=["n"])
    table = pa_arrow.table({"n": ["١٢", "１２", "12"], "d": ["٢٠٢٦-٠٢-٠٣", "２０２６-02-03", "2026-02-03"]})
    assert pandera_failures(schema, table) == sql_failures(schema, table) == {
        (0, "n", "is_number"), (1, "n", "is_number"), (0, "d", "is_iso_date"), (1, "d", "is_iso_date")}


def test_a_pattern_with_backslash_s_is_refused_as_the_engines_disagree_on_it():
    schema = contract("t", "t", [field("v", pattern=r"^\S+$")], key=["v"])
    with pytest.raises(ValueError, match="white-space class"):
        column_checks(schema)


def test_a_check_without_sql_is_refused():
    column = field("v")
    column = column.set_checks([pa.Check(lambda s: s.str.len() < 5, name="is_short")])
    with pytest.raises(ValueError, match="no SQL for check 'is_short'"):
        column_checks(contract("t", "t", [column], key=["v"]))
