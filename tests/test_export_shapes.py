"""The same data in three shapes per system loads into the same raw rows (#13).

The rows the sample-shaped extracts load (every valid row of every entity of every system) are written again
as a tool would land them (Fivetran: snake_case headers, its system columns, typed Parquet) and as a user's own
export would look (their own headers, day-first dates, decimal commas, 'T'/'F' flags, their own words for codes,
in Excel for some systems and semicolon-separated Windows-1252 CSV for the others, with a mapping file). Every shape
must load every row, quarantine none, and give raw tables equal to the sample-shaped load's, value for value.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from connectors.loader import load_all
from connectors.registry import SOURCES
from data_contracts import CONTRACTS
from data_contracts._fields import snake_case
from tests.conftest import settings_for

EXCEL_SYSTEMS = {"prm", "lms"}  # the user's own exports of these systems are workbooks; the others CSV


def _canonical_rows(con: duckdb.DuckDBPyConnection, system: str, entity: str) -> pa.Table:
    """The entity's raw rows, contract columns only (typed as loaded), in a stable order."""
    columns = list(CONTRACTS[(system, entity)].columns)
    select = ", ".join(f'"{c}"' for c in columns)
    return con.sql(f"SELECT {select} FROM raw_{system}.{entity} ORDER BY ALL").to_arrow_table()


@pytest.fixture(scope="module")
def sample_load(tmp_path_factory, sample_landing):
    root = tmp_path_factory.mktemp("shapes_sample")
    settings = settings_for(root, sample_landing)
    load_all(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    rows = {key: _canonical_rows(con, *key) for key in CONTRACTS}
    con.close()
    assert sum(r.num_rows for r in rows.values()) > 1000
    return rows


# --- Fivetran: snake_case API names, _fivetran_synced / _fivetran_deleted, typed Parquet --------------------------


def _write_fivetran(landing: Path, system: str, entity: str, rows: pa.Table) -> None:
    schema = CONTRACTS[(system, entity)]
    table = rows.rename_columns([snake_case(schema.columns[name].metadata["export"]) for name in rows.column_names])
    table = table.append_column("_fivetran_synced", pa.array([datetime(2026, 11, 24, 3, 0)] * len(rows), pa.timestamp("us", tz="UTC")))
    table = table.append_column("_fivetran_deleted", pa.array([False] * len(rows)))
    folder = landing / system / entity
    folder.mkdir(parents=True)
    pq.write_table(table, folder / f"{entity}_20261124.parquet")


# --- A user's own export: their headers and forms, with a mapping file ------------------------------------------


def _user_header(name: str) -> str:
    return "Their " + name.replace("_", " ").title()


def _user_value(value, logical_type: str):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if logical_type == "date":
        return value.strftime("%d/%m/%Y")
    if logical_type == "timestamp":
        return pd.Timestamp(value).tz_convert("UTC").strftime("%d/%m/%Y %H:%M:%S")
    if logical_type == "number":
        return format(float(value), ",").replace(",", "_").replace(".", ",").replace("_", ".")
    if logical_type == "boolean":
        return "T" if value else "F"
    if logical_type == "integer":
        return str(int(value))
    return str(value)


def _user_frame(system: str, entity: str, rows: pa.Table) -> tuple[pd.DataFrame, dict]:
    schema = CONTRACTS[(system, entity)]
    frame, values = pd.DataFrame(), {}
    for name, column in schema.columns.items():
        meta = column.metadata
        texts = [_user_value(v, meta["logical_type"]) for v in rows.column(name).to_pylist()]
        if meta.get("allowed"):
            # Their own words for our codes: "Gold" -> "Gold (theirs)".
            words = {code: f"{code} (theirs)" for code in meta["allowed"]}
            values[name] = {word: code for code, word in words.items()}
            texts = [words.get(t, t) if t is not None else None for t in texts]
        frame[_user_header(name)] = texts
    mapping = {
        "columns": {_user_header(name): name for name in schema.columns},
        "values": values,
        "date_format": "%d/%m/%Y",
        "timestamp_format": "%d/%m/%Y %H:%M:%S",
        "number_format": {"decimal": ",", "thousands": "."},
    }
    return frame, mapping


def _write_user(landing: Path, mapping_dir: Path, system: str, entities: dict[str, pa.Table]) -> None:
    mapping = {"entities": {}}
    for entity, rows in entities.items():
        frame, mapping["entities"][entity] = _user_frame(system, entity, rows)
        folder = landing / system / entity
        folder.mkdir(parents=True)
        if system in EXCEL_SYSTEMS:
            frame.to_excel(folder / f"{entity} export 20261124.xlsx", index=False, sheet_name="Export")
        else:
            path = folder / f"{entity}-export-20261124.csv"
            try:  # what Excel's "CSV" saves on a Western-European Windows, when the text fits in it
                frame.to_csv(path, sep=";", index=False, encoding="cp1252")
            except UnicodeEncodeError:
                frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    mapping_dir.mkdir(parents=True, exist_ok=True)
    (mapping_dir / f"{system}.yml").write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False))


def _load_shape(root: Path, landing: Path, **overrides) -> dict:
    settings = settings_for(root, landing, **overrides)
    reports = load_all(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    rows = {key: _canonical_rows(con, *key) for key in CONTRACTS}
    quarantined = con.execute("SELECT system, entity, rule, count(*) FROM ops.quarantine GROUP BY ALL").fetchall()
    formats = dict(con.execute("SELECT source_file, file_format || '/' || coalesce(encoding, '') FROM ops.loaded_files").fetchall())
    con.close()
    return {"rows": rows, "quarantined": quarantined, "formats": formats, "reports": reports}


def _assert_same_rows(expected: dict, loaded: dict) -> None:
    for key, rows in expected.items():
        got = loaded["rows"][key]
        assert got.num_rows == rows.num_rows, f"{key}: {got.num_rows} rows loaded, {rows.num_rows} expected"
        pd.testing.assert_frame_equal(got.to_pandas(), rows.to_pandas(), check_dtype=False, obj=f"raw_{key[0]}.{key[1]}")


def test_fivetran_landed_parquet_loads_the_same_rows(tmp_path, sample_load):
    landing = tmp_path / "landing"
    for (system, entity), rows in sample_load.items():
        _write_fivetran(landing, system, entity, rows)
    loaded = _load_shape(tmp_path, landing)
    assert loaded["quarantined"] == []
    assert set(loaded["formats"].values()) == {"parquet/"}
    _assert_same_rows(sample_load, loaded)


def test_users_own_exports_with_mapping_files_load_the_same_rows(tmp_path, sample_load):
    landing, mapping_dir = tmp_path / "landing", tmp_path / "mappings"
    for system in SOURCES:
        entities = {entity: rows for (s, entity), rows in sample_load.items() if s == system}
        # Windows-1252 cannot hold every name (Japanese): those systems' user exports are workbooks.
        _write_user(landing, mapping_dir, system, entities)
    loaded = _load_shape(tmp_path, landing, mapping_dir=mapping_dir)
    assert loaded["quarantined"] == []
    kinds = {value.split("/")[0] for value in loaded["formats"].values()}
    assert kinds == {"xlsx", "csv"}
    _assert_same_rows(sample_load, loaded)
