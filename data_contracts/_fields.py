"""Building blocks for the raw-table contracts.

Extract files arrive as text, and one bad value must cost one row, not the whole file. So every raw column
is validated as a *string* with format checks (is it a number, an ISO date, an allowed code?) and only the
rows that pass are converted to the column's logical type by the loader. The logical type, the export name
a source system uses for the column and whether it holds personal data live in the pandera column metadata,
so the pandera schema stays the one definition of a raw table (DDL, dbt sources and docs derive from it).
The loader runs these checks compiled to DuckDB SQL (`data_contracts._sql`), so each check here is written to mean
exactly what its SQL twin means: whole-value, ASCII patterns, dates parsed by the calendar (tests/test_sql_checks.py).

Personal data is classified here, once: `pii=<category>` (one of `PII_CATEGORIES`) on every column that holds
personal data, and `not_pii=<reason>` on a column that looks personal by its name or content but is not (a company
name, a company mail domain). `data_contracts.pii_columns()` lists them; docs/privacy.md's list, the dbt
sources yml and tests/test_privacy_pii.py read that list.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pandera.pandas as pa

LOGICAL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
}

# Load metadata the loader adds to every raw row, so every mart row can be traced to its file and line (the raw
# tables' DDL, warehouse/raw.py, and the dbt sources yml, data_contracts/_dbt.py, both add them).
LOAD_COLUMNS = {
    "_source_file": "VARCHAR",  # path relative to the landing zone
    "_source_line": "BIGINT",  # 1-based line (header = line 1) for text files; 1-based row for Parquet
    "_load_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
    # The headers the user's source mapping passes through (custom fields), as one JSON object text; NULL when none.
    "_extra_fields": "VARCHAR",
    # What an ELT tool that landed the file says about the row, under tool-neutral names (connectors/flavors.py
    # maps Fivetran's and Airbyte's columns to them); null for files exported by hand.
    "_source_deleted": "BOOLEAN",  # deleted in the source system (soft delete / CDC delete)
    "_source_synced_at": "TIMESTAMP WITH TIME ZONE",  # when the tool read the row from the source
    "_source_valid_from": "TIMESTAMP WITH TIME ZONE",  # history mode: this version valid from ...
    "_source_valid_to": "TIMESTAMP WITH TIME ZONE",  # ... until (Fivetran: 9999-12-31 while current)
    "_source_active": "BOOLEAN",  # history mode: this version is the current one
}

# Formats are written with ASCII classes ([0-9], never \d or \s) and matched against the whole value: the loader
# runs the same patterns in DuckDB (RE2: \d and \s are ASCII there, Python's are Unicode; data_contracts._sql),
# and an Arabic-Indic digit or a trailing newline is not a number a warehouse can read.
NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
INTEGER_RE = r"^[+-]?[0-9]+$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# A date, or a date and a time (T or space, seconds and fractions optional) with an optional offset (Z, +05:30, +0530).
TIMESTAMP_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$"
)
EMAIL_RE = r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+\.[^@ \t\n\r\f\v]+$"
# What Python's str.strip() removes (Unicode white space, none above U+3000); the SQL checks strip the same.
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# C0 control characters but TAB, LF and CR (text may hold those: a quoted note spanning lines), and DEL. No real
# value holds one: they come from a binary field copied into text, a terminal colour code (ESC), a C string's end
# (NUL). Postgres refuses U+0000 in text outright and Excel's XML cannot hold any of them, so a NUL loaded here
# would break the next system to read the value. Written with escapes that RE2 (DuckDB) and Python read the same.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Column names that say the column holds an identifier or a reference to one (`id`, `partner_id`, `Deal_Registration
# _Id__c` as `deal_registration_id_c`, `external_ref`, the `certification_code` a course and a certificate join on):
# a value matched exactly, where removing a character could make two records one.
IDENTIFIER_NAME = r"^(id|.+_id|.+_id_c|.+_ref|.+_code)$"
# What a control character costs, by column (`field`'s `control_characters` metadata):
CONTROL_CHARACTER_POLICIES = {
    "remove": "free text and codes: the characters are removed on load (a value left empty is NULL) and the rows "
              "are counted per file and column in ops.load_cleanups (rule control_characters_removed)",
    "quarantine": "identifiers, keys and e-mail addresses: the row is quarantined (rule control_character), as "
                  "its exact value, which a join or an erasure matches on, is unknown",
}
CLEANUP_RULE = "control_characters_removed"
TRUE_VALUES = ("true", "1", "yes", "y", "t")
FALSE_VALUES = ("false", "0", "no", "n", "f")


# What kind of personal data a column holds. Raw, ops.quarantine and staging keep these columns readable (for
# operations); intermediate models and marts carry only pseudonyms of them (`pseudonymize` macro) or drop them.
PII_CATEGORIES = {
    "email": "e-mail address of a person",
    "person_name": "first, last or full name of a person",
    "phone": "telephone number of a person",
    "ip_address": "IP address of a person's device",
    "free_text": "free text that can describe a person (notes, comments)",
    "job_title": "a person's job title (identifying together with the employer)",
    "person_identifier": "a source system's id of a person record (a user, a learner, a lead), or a reference to one",
}


def full_match(values: pd.Series, pattern: str) -> pd.Series:
    """Whether each whole value matches, with ASCII classes as in RE2 (see NUMBER_RE)."""
    return values.astype(object).str.fullmatch(pattern, flags=re.ASCII).astype(bool)


def _is_calendar_date(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])  # year 1-9999, real months and days (no 2026-02-30)
    except ValueError:
        return False
    return True


def _is_date(values: pd.Series) -> pd.Series:
    return full_match(values, DATE_RE) & values.map(_is_calendar_date).astype(bool)


def _is_timestamp(values: pd.Series) -> pd.Series:
    return full_match(values, TIMESTAMP_RE) & values.map(_is_calendar_date).astype(bool)


def normalized_code(values: pd.Series) -> pd.Series:
    """A code as staging compares it: blanks around it removed, lower case by the simple Unicode mapping SQL's lower()
    uses (Python's full mapping turns the Turkish capital İ into two characters; SQL into a plain i)."""
    return values.str.strip().str.replace("\u0130", "i", regex=False).str.lower()


def _is_boolean(values: pd.Series) -> pd.Series:
    return normalized_code(values).isin(TRUE_VALUES + FALSE_VALUES)


def has_control_characters(values: pd.Series) -> pd.Series:
    return values.astype(object).str.contains(CONTROL_CHARACTERS, regex=True).fillna(False).astype(bool)


def without_control_characters(values: pd.Series) -> pd.Series:
    """Free text without its control characters; a value that was nothing else is null, as an empty cell is (a
    value without any is left as it is, so the loader may skip a column that has none)."""
    had = has_control_characters(values)
    cleaned = values.astype(object).where(~had, values.astype(object).str.replace(CONTROL_CHARACTERS, "", regex=True))
    return cleaned.mask(had & (cleaned == ""))


CONTROL_CHARACTER_CHECK = pa.Check(lambda s: ~has_control_characters(s), name="control_character")


def _exact(column: pa.Column) -> pa.Column:
    """A free-text column made exact (a key): its control characters quarantine the row instead of being removed."""
    if column.metadata["control_characters"] != "remove":
        return column
    exact = column.set_checks([CONTROL_CHARACTER_CHECK, *column.checks])
    exact.parsers = []
    exact.metadata = {**column.metadata, "control_characters": "quarantine"}
    return exact


def control_character_policy(name: str, logical_type: str, pattern: str | None, pii: str | None) -> str | None:
    """`remove` for free text, `quarantine` for a value matched exactly; None for a typed column (a control
    character fails its format check: `1\x00` is no integer)."""
    if logical_type != "string":
        return None
    exact = pattern is not None or pii in ("email", "person_identifier") or re.match(IDENTIFIER_NAME, name)
    return "quarantine" if exact else "remove"


FORMAT_CHECKS = {
    "integer": pa.Check(lambda s: full_match(s, INTEGER_RE), name="is_integer"),
    "number": pa.Check(lambda s: full_match(s, NUMBER_RE), name="is_number"),
    "date": pa.Check(_is_date, name="is_iso_date"),
    "timestamp": pa.Check(_is_timestamp, name="is_iso_timestamp"),
    "boolean": pa.Check(_is_boolean, name="is_boolean"),
}

# Rule names as they appear in the quarantine table, with the sentence an operator reads.
RULE_MESSAGES = {
    "not_nullable": "required value is missing",
    "is_integer": "value is not an integer",
    "is_number": "value is not a number",
    "is_iso_date": "value is not a date in YYYY-MM-DD form",
    "is_iso_timestamp": "value is not an ISO 8601 timestamp",
    "is_boolean": "value is not true/false",
    "allowed_values": "value is not one of the allowed codes",
    "matches_pattern": "value does not have the expected format",
    "value_range": "value is out of the allowed range",
    "unique_key": "key (and version) repeats an earlier row of the same file",
    "field_count": "row has a different number of fields than the header",
    "unterminated_quote": "a quoted value on this line is never closed (the lines after it are read on their own)",
    "header": "the file has no header line",
    "json_parse": "line is not a valid JSON object",
    "not_blank": "required value is blank",
    "required_column": "a required column is missing from the file",
    "truncated": "the file ends in the middle of a record",
    "encoding": "no text encoding (UTF-8, the system's legacy encoding, a detected one) decodes the file",
    "unreadable": "the file cannot be read in the format its signature or extension says",
    "csv_parse": "the file is not well-formed CSV",
    "control_character": "an identifier, key or e-mail address holds a control character (NUL, BEL, ESC, DEL...): "
                         "its exact value is unknown",
}

# What an unknown code (a value outside a column's `allowed` list) costs its row. A real system has its own words
# (a PRM's "Elite" tier, its own status words): losing a partner's whole row for a descriptive word is worse
# than keeping it with the word uncoded, so "flag" is the default; "quarantine" is for a code the row's numbers
# cannot be used without (which amounts of a registration, an MDF request or an accrual count).
UNKNOWN_CODE_POLICIES = {
    "flag": "the row loads; staging keeps the raw text, the canonical code is NULL and int_quality__record_flags "
            "counts it (rule unknown_code)",
    "quarantine": "the row is quarantined (rule allowed_values): without a known code its amounts cannot be used",
}


def _numeric_range_check(minimum: float | None, maximum: float | None) -> pa.Check:
    def within_bounds(values: pd.Series) -> pd.Series:
        # Only values in number form are compared: the others are reported by the format check, not twice.
        numbers = values.where(full_match(values, NUMBER_RE)).astype(float)
        within = pd.Series(True, index=values.index)
        if minimum is not None:
            within &= numbers >= minimum
        if maximum is not None:
            within &= numbers <= maximum
        return numbers.isna() | within

    return pa.Check(within_bounds, name="value_range")


def field(
    name: str,
    logical_type: str = "string",
    *,
    required: bool = False,
    allowed: list[str] | None = None,
    unknown_code: str = "flag",
    pattern: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    pii: str | None = None,
    not_pii: str | None = None,
    export: str | None = None,
    description: str = "",
) -> pa.Column:
    """One raw column: text validated against its logical type and business rules.

    `pii`: the personal-data category (a key of `PII_CATEGORIES`) of a column that holds personal data.
    `not_pii`: why a column that looks personal (by name or content) is not, e.g. "company name".
    `allowed`: the canonical codes (staging maps a value to one of them, dbt tests and docs list them);
    `unknown_code`: what a value outside them costs (`UNKNOWN_CODE_POLICIES`, docs/data-quality.md).
    A text column's control characters are removed or quarantine the row (`CONTROL_CHARACTER_POLICIES`): by the
    column's kind, `control_character_policy`."""
    if logical_type not in LOGICAL_TYPES:
        raise ValueError(f"{name}: unknown logical type {logical_type!r}")
    if pii is not None and pii not in PII_CATEGORIES:
        raise ValueError(f"{name}: pii must be one of {sorted(PII_CATEGORIES)}, not {pii!r}")
    if pii is not None and not_pii:
        raise ValueError(f"{name}: a column is either pii or not_pii")
    if unknown_code not in UNKNOWN_CODE_POLICIES:
        raise ValueError(f"{name}: unknown_code must be one of {sorted(UNKNOWN_CODE_POLICIES)}, not {unknown_code!r}")
    checks: list[pa.Check] = []
    parsers: list[pa.Parser] = []
    control_characters = control_character_policy(name, logical_type, pattern, pii)
    if control_characters == "remove":  # before every check, as the loader's SQL pass cleans before it checks
        parsers.append(pa.Parser(without_control_characters))
    if control_characters == "quarantine":
        checks.append(CONTROL_CHARACTER_CHECK)
    if required:
        checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, name="not_blank"))
    if logical_type in FORMAT_CHECKS:
        checks.append(FORMAT_CHECKS[logical_type])
    if allowed is not None and unknown_code == "quarantine":
        # Case and surrounding blanks are normalized in staging; the contract rejects unknown codes only.
        allowed_lower = [a.lower() for a in allowed]
        checks.append(
            pa.Check(
                lambda s, allowed_lower=allowed_lower: normalized_code(s).isin(allowed_lower),
                name="allowed_values",
            )
        )
    if pattern is not None:
        checks.append(pa.Check(lambda s, pattern=pattern: full_match(s, pattern), name="matches_pattern"))
    if minimum is not None or maximum is not None:
        checks.append(_numeric_range_check(minimum, maximum))
    return pa.Column(
        str,
        checks=checks,
        parsers=parsers,
        nullable=not required,
        required=False,  # a missing optional column is filled with nulls by the loader
        name=name,
        description=description,
        metadata={
            "logical_type": logical_type,
            "pii": pii,
            "not_pii": not_pii,
            "export": export or name,
            "required": required,
            "allowed": allowed,
            "unknown_code": unknown_code if allowed is not None else None,
            "pattern": pattern,
            "minimum": minimum,
            "maximum": maximum,
            "control_characters": control_characters,
        },
    )


def email(name: str, **kwargs) -> pa.Column:
    return field(name, pattern=EMAIL_RE, pii="email", **kwargs)


def contract(
    system: str,
    entity: str,
    columns: list[pa.Column],
    *,
    key: list[str],
    version: str | None = None,
    description: str = "",
) -> pa.DataFrameSchema:
    """A raw entity's contract. `key` (+ `version`, the last-modified column) is unique within a batch."""
    unique_cols = key + ([version] if version else [])
    # A key is matched exactly whatever its name: removing a character from one could make two records one.
    columns = [_exact(c) if c.name in unique_cols else c for c in columns]
    return pa.DataFrameSchema(
        {c.name: c for c in columns},
        unique=unique_cols,
        report_duplicates="exclude_first",
        strict=False,
        name=f"{system}.{entity}",
        description=description,
        metadata={"system": system, "entity": entity, "key": key, "version": version},
    )


def column_meta(schema: pa.DataFrameSchema, name: str) -> dict:
    return schema.columns[name].metadata or {}


def pii_category(schema: pa.DataFrameSchema, name: str) -> str | None:
    """The personal-data category of a raw column, None when it holds no personal data."""
    return column_meta(schema, name).get("pii")


def required_columns(schema: pa.DataFrameSchema) -> list[str]:
    return [n for n, c in schema.columns.items() if (c.metadata or {}).get("required")]


def snake_case(name: str) -> str:
    """Salesforce API name -> the snake_case a Fivetran/Airbyte sync uses (`StageName` -> `stage_name`)."""
    name = re.sub(r"__c$", "_c", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
