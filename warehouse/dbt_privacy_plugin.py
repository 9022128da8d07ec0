"""dbt-duckdb plugin that hands the pseudonymization key to dbt without writing it into compiled SQL.

Declared in dbt_project/profiles.yml (`plugins: [{module: warehouse.dbt_privacy_plugin}]`). dbt-duckdb opens
one DuckDB connection per run and one cursor per thread (each cursor is its own DuckDB client context, and DuckDB
variables belong to a client context), so the key is set as the variable `pw_pii_hash_key` on the connection and
again on every cursor. The `pseudonymize` macro (dbt_project/macros/privacy/pseudonymize.sql) reads it with
`getvariable('pw_pii_hash_key')`: target/ holds only the variable's name.

The key is `warehouse.privacy.pii_hash_key()`: PW_PII_HASH_KEY (warehouse/dbt.py passes it to every
dbt subprocess), else the key file, so a dbt command typed by hand uses the same key as the pipeline.

The plugin also holds the warehouse's writer lock for the dbt process (`warehouse.connection.child_writer_lock`):
shared with the run that started dbt, or taken whole by a dbt command typed by hand; dbt run inside the process
that holds the lock (warehouse.dbt.invoke_dbt) takes none.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from settings import Settings
from warehouse.connection import child_writer_lock, holds_writer_lock
from warehouse.faults import fault_point
from warehouse.privacy import pii_hash_key

VARIABLE = "pw_pii_hash_key"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._key = pii_hash_key()
        # Before dbt opens the warehouse: this dbt holds the writer lock (shared with the run that started it) until
        # it exits, so a run killed while its dbt goes on writing is followed by a run that waits for this dbt.
        settings = Settings.from_env()
        # Run inside the process that holds the lock (warehouse.dbt.invoke_dbt): that process's lock covers it.
        self._lock = None if holds_writer_lock(settings) else child_writer_lock(settings)
        self._opened_before = False

    def _set_key(self, conn) -> None:
        # A prepared parameter: the key is not part of any SQL text (nor of DuckDB's query log).
        conn.execute(f"SET VARIABLE {VARIABLE} = ?", [self._key])

    def configure_connection(self, conn) -> None:
        self._set_key(conn)
        if not self._opened_before:  # dbt-duckdb reopens the file whenever no node holds it: pause once
            self._opened_before = True
            fault_point("dbt.connected")  # fault tests: this dbt has the warehouse open

    def configure_cursor(self, cursor) -> None:
        self._set_key(cursor)
