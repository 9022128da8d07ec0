"""dbt-duckdb plugin that hands the pseudonymization key to dbt without writing it into compiled SQL.

Declared in dbt_project/profiles.yml (`plugins: [{module: warehouse.dbt_privacy_plugin}]`). dbt-duckdb opens
one DuckDB connection per run and one cursor per thread (each cursor is its own DuckDB client context, and DuckDB
variables belong to a client context), so the key is set as the variable `pw_pii_hash_key` on the connection and
again on every cursor. The `pseudonymize` macro (dbt_project/macros/privacy/pseudonymize.sql) reads it with
`getvariable('pw_pii_hash_key')`: target/ holds only the variable's name.

The key is `warehouse.privacy.pii_hash_key()`: PW_PII_HASH_KEY (warehouse/dbt.py passes it to every
dbt subprocess), else the key file, so a dbt command typed by hand uses the same key as the pipeline.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from warehouse.privacy import pii_hash_key

VARIABLE = "pw_pii_hash_key"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._key = pii_hash_key()

    def _set_key(self, conn) -> None:
        # A prepared parameter: the key is not part of any SQL text (nor of DuckDB's query log).
        conn.execute(f"SET VARIABLE {VARIABLE} = ?", [self._key])

    def configure_connection(self, conn) -> None:
        self._set_key(conn)

    def configure_cursor(self, cursor) -> None:
        self._set_key(cursor)
