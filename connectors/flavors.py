"""Metadata columns that ELT tools add to the tables they land, recognized on every system and entity.

A file landed by Fivetran or Airbyte carries the source's columns plus the tool's own (`_fivetran_synced`,
`_airbyte_extracted_at`, ...). They are not schema drift: the ones that say something about the row (deleted in
the source, when it was read, which history version it is) become tool-neutral load columns
(data_contracts/_fields.py LOAD_COLUMNS), so staging needs no tool-specific SQL; the others (surrogate keys,
sync ids) are recognized and dropped.

Column names as the tools document them: Fivetran "System Columns and Tables" and history mode; Airbyte
"Airbyte metadata fields" (Destinations V2 and the older `_airbyte_ab_id`/`_airbyte_emitted_at`) and the CDC
columns (`_ab_cdc_*`).
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from data_contracts._fields import TRUE_VALUES

# Tool column -> (load column, how its value is read). "flag": a true/false value; "set": true when the column
# holds any value (a CDC deletion timestamp marks a deleted row); "timestamp": kept as text, typed at insert.
TOOL_COLUMNS: dict[str, tuple[str, str]] = {
    "_fivetran_deleted": ("_source_deleted", "flag"),
    "_fivetran_synced": ("_source_synced_at", "timestamp"),
    "_fivetran_start": ("_source_valid_from", "timestamp"),
    "_fivetran_end": ("_source_valid_to", "timestamp"),
    "_fivetran_active": ("_source_active", "flag"),
    "_ab_cdc_deleted_at": ("_source_deleted", "set"),
    "_airbyte_extracted_at": ("_source_synced_at", "timestamp"),
    "_airbyte_emitted_at": ("_source_synced_at", "timestamp"),  # Airbyte before Destinations V2
}

# Recognized, carried nowhere: they identify syncs or tool-made rows, not anything about the source record.
IGNORED_TOOL_COLUMNS = re.compile(
    r"^(_fivetran_(id|index)|_airbyte_(raw_id|ab_id|generation_id|loaded_at|normalized_at|meta|.+_hashid)"
    r"|_ab_cdc_(updated_at|lsn|cursor|log_pos|log_file|event_serial_no))$"
)


def _key(header: str) -> str:
    return header.strip().casefold()


def is_tool_column(header: str) -> bool:
    return _key(header) in TOOL_COLUMNS or IGNORED_TOOL_COLUMNS.match(_key(header)) is not None


def _as_flag(column: pa.ChunkedArray, how: str) -> pa.ChunkedArray:
    text = pc.utf8_lower(pc.utf8_trim_whitespace(column.cast(pa.string())))
    if how == "set":
        return pc.and_kleene(pc.is_valid(text), pc.not_equal(text, ""))
    return pc.if_else(pc.equal(text, ""), None, pc.is_in(text, pa.array(TRUE_VALUES)))


def flavor_columns(table: pa.Table, headers: list[str]) -> tuple[dict[str, pa.ChunkedArray], list[str]]:
    """(load column -> values for every row, the file's tool headers).

    Only the load columns the file's tool columns fill are returned (a file exported by hand gets none, and its
    quarantined rows look as before): booleans for the flags, text for the timestamps (the loader types them
    at insert). Two tool columns for one load column (both `_fivetran_deleted` and `_ab_cdc_deleted_at`)
    combine: deleted if either says so; the first timestamp given."""
    tool_headers = [h for h in headers if is_tool_column(h)]
    columns: dict[str, pa.ChunkedArray] = {}
    for header in tool_headers:
        if _key(header) not in TOOL_COLUMNS:
            continue
        load_column, how = TOOL_COLUMNS[_key(header)]
        values = table.column(header)
        values = _as_flag(values, how) if how in ("flag", "set") else values.cast(pa.string())
        if load_column in columns:
            earlier = columns[load_column]
            values = pc.or_kleene(earlier, values) if how in ("flag", "set") else pc.coalesce(earlier, values)
        columns[load_column] = values
    return columns, tool_headers
