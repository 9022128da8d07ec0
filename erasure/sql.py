"""SQL pieces every erasure step shares: quoting, named parameters, the tables and columns present."""

from __future__ import annotations

import duckdb


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """Execute with the named parameters the statement uses (DuckDB refuses unused ones)."""
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(sql, used) if used else con.execute(sql)


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_list(values: set[str]) -> str:
    return "(" + ", ".join(quoted(v) for v in sorted(values)) + ")" if values else "(NULL)"


def matches_email(column: str) -> str:
    """The column holds the person's address ($email: normalized), trimmed, in any case."""
    return f'lower(trim("{column}")) = $email'


def raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\'"
    ).fetchall()}


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".", 1)
    return [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()]


def terms_condition(columns: list[str], substrings: list[str], exact: set[str] = frozenset()) -> str | None:
    """SQL condition true on a row holding one of `substrings` (case-insensitive) or exactly one of `exact` in any
    column (every column cast to text)."""
    parts = []
    for column in columns:
        text = f'lower(CAST("{column}" AS VARCHAR))'
        parts += [f"contains({text}, {quoted(t.lower())})" for t in substrings]
        if exact:
            parts.append(f'CAST("{column}" AS VARCHAR) IN {in_list(set(exact))}')
    return " OR ".join(parts) if parts else None
