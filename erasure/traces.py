"""Where the person still is: rows holding their email, a pseudonym or a name (the check after the rebuild)."""

from __future__ import annotations

import duckdb

from erasure.person import Person
from erasure.sql import columns, raw_tables, terms_condition


def trace_condition(con: duckdb.DuckDBPyConnection, table: str, person: Person, names: set[str],
                    exact: set[str] = frozenset()) -> str | None:
    """Rows of `table` holding the email, a pseudonym or one of `names` (substrings), or one of `exact`."""
    return terms_condition(columns(con, table), [person.email, *person.pseudonyms, *names], exact)


def find_traces(con: duckdb.DuckDBPyConnection, person: Person, names: set[str] | None = None) -> dict[str, int]:
    """Every table and view (all schemas) with rows still holding the email, a pseudonym or one of `names`."""
    names = person.names if names is None else names
    found = {}
    for schema, table in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall():
        where = trace_condition(con, f"{schema}.{table}", person, names)
        if where:
            rows = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {where}').fetchone()[0]
            if rows:
                found[f"{schema}.{table}"] = rows
    return found


def namesakes(con: duckdb.DuckDBPyConnection, person: Person) -> set[str]:
    """Names of the person that raw rows still hold after the erasure: other people's (namesakes) or business data
    (a company named after someone). They are neither purged from history nor reported as leftovers."""
    held = set()
    for table in sorted(raw_tables(con)):
        table_columns = columns(con, table)
        for full in person.names - held:
            if con.execute(f"SELECT count(*) FROM {table} WHERE {terms_condition(table_columns, [full])}").fetchone()[0]:
                held.add(full)
    return held
