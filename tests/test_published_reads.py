"""Readers in a long-lived process (the Dagster code server, a notebook, the audit after a publish) see the build
published last: DuckDB shares one database instance per file among a process's connections, so a plain
`duckdb.connect(path)` opened while an older connection is still open reads the replaced version (issue 15)."""

from __future__ import annotations

import os

import duckdb
import pytest

from warehouse.connection import read_published


def _build(path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(f"CREATE TABLE marts.partner_360 AS SELECT {value} AS build")
        con.execute("CREATE VIEW marts.latest AS SELECT build FROM marts.partner_360")


def test_a_reader_opened_after_a_publish_sees_the_new_build(tmp_path):
    published = tmp_path / "pw.duckdb"
    _build(tmp_path / "first.duckdb", 1)
    os.replace(tmp_path / "first.duckdb", published)
    old = duckdb.connect(str(published), read_only=True)  # an analyst's session that stays open
    _build(tmp_path / "second.duckdb", 2)
    os.replace(tmp_path / "second.duckdb", published)  # the publish: an atomic rename over the file
    plain = duckdb.connect(str(published), read_only=True)
    assert plain.execute("SELECT build FROM marts.partner_360").fetchone() == (1,), "DuckDB's cache changed"
    plain.close()
    fresh = read_published(published)
    try:
        assert fresh.execute("SELECT build FROM marts.partner_360").fetchone() == (2,)
        assert fresh.execute("SELECT build FROM marts.latest").fetchone() == (2,)  # views resolve in its catalog
        with pytest.raises(duckdb.Error):
            fresh.execute("CREATE TABLE marts.x AS SELECT 1")  # read-only
    finally:
        fresh.close()
    assert old.execute("SELECT build FROM marts.partner_360").fetchone() == (1,)  # the open session keeps its own
    old.close()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(duckdb.IOException, match="no warehouse file"):
        read_published(tmp_path / "missing.duckdb")
