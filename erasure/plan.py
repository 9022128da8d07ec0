"""The plan: what every raw table, ops.quarantine and the history marts lose, as counted steps and statements.

Rows that ARE the person (PERSON_ENTITIES) and their own records (DEPENDENT_ENTITIES) are deleted, every version;
rows that only MENTION them have the email redacted to its domain and the person's other columns set to NULL.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from connectors.suppression import DEPENDENT_ENTITIES, PERSON_ENTITIES, email_columns, personal_columns, redacted_email
from data_contracts import CONTRACTS
from data_contracts._fields import CONTROL_CHARACTERS
from data_contracts._sql import literal
from erasure.person import Person
from erasure.report import Step
from erasure.sql import in_list, matches_email, raw_tables, run
from erasure.traces import trace_condition
from warehouse.raw import raw_table_name


@dataclass
class Change:
    step: Step
    statements: list[tuple[str, dict]]

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        for sql, params in self.statements:
            run(con, sql, params)


def _raw_change(con: duckdb.DuckDBPyConnection, person: Person, system: str, entity: str) -> Change | None:
    table, schema = raw_table_name(system, entity), CONTRACTS[(system, entity)]
    params = {"email": person.email}
    emails = email_columns(schema)
    if (system, entity) in PERSON_ENTITIES:
        id_column = PERSON_ENTITIES[(system, entity)]
        ids = person.ids.get((system, entity), set())
        where = " OR ".join([*(matches_email(c) for c in emails), f'"{id_column}" IN {in_list(ids)}'])
        action = "delete"
    elif (system, entity) in DEPENDENT_ENTITIES:
        owner, column = DEPENDENT_ENTITIES[(system, entity)]
        where = f'"{column}" IN {in_list(person.ids.get(owner, set()))}'
        action = "delete"
    elif emails:
        where = " OR ".join(matches_email(c) for c in emails)
        action = "redact"
    else:
        return None
    rows = run(con, f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    if not rows:
        return None
    if action == "delete":
        return Change(Step("raw", table, action, rows_deleted=rows, detail="every version"),
                      [(f"DELETE FROM {table} WHERE {where}", params)])
    statements = []
    redacted = {**params, "redacted": redacted_email(person.email)}
    for column in emails:
        sets = ", ".join([f'"{column}" = $redacted', *(f'"{c}" = NULL' for c in personal_columns(schema, column)[1:])])
        statements.append((f"UPDATE {table} SET {sets} WHERE {matches_email(column)}", redacted))
    cleared = sorted({c for col in emails for c in personal_columns(schema, col)[1:]})
    return Change(Step("raw", table, action, rows_redacted=rows, detail="email -> erased_N@domain; NULL: " + ", ".join(cleared)),
                  statements)


def plan_raw(con: duckdb.DuckDBPyConnection, person: Person) -> list[Change]:
    existing = raw_tables(con)
    changes = [_raw_change(con, person, system, entity) for system, entity in CONTRACTS
               if raw_table_name(system, entity) in existing]
    return [c for c in changes if c is not None]


def plan_quarantine(con: duckdb.DuckDBPyConnection, person: Person) -> list[Change]:
    """Quarantined rows hold the whole bad row as JSON: drop those of the person (email anywhere in the row or the
    offending value; for person and dependent entities also the person's id)."""
    conditions = ["contains(lower(coalesce(row_json, '')), $email)", "contains(lower(coalesce(offending_value, '')), $email)"]
    # A row quarantined for a control character in an e-mail column (`jose\x00@...`) is the person's too.
    conditions += [_email_in_row_json(c) for c in sorted({c for schema in CONTRACTS.values() for c in email_columns(schema)})]
    for (system, entity), id_column in PERSON_ENTITIES.items():
        ids = person.ids.get((system, entity), set())
        if ids:
            conditions.append(f"(system = '{system}' AND entity = '{entity}' AND "
                              f"json_extract_string(row_json, '$.{id_column}') IN {in_list(ids)})")
    for (system, entity), (owner, column) in DEPENDENT_ENTITIES.items():
        ids = person.ids.get(owner, set())
        if ids:
            conditions.append(f"(system = '{system}' AND entity = '{entity}' AND "
                              f"json_extract_string(row_json, '$.{column}') IN {in_list(ids)})")
    where = " OR ".join(conditions)
    params = {"email": person.email}
    rows = run(con, f"SELECT count(*) FROM ops.quarantine WHERE {where}", params).fetchone()[0]
    if not rows:
        return []
    return [Change(Step("ops", "ops.quarantine", "delete", rows_deleted=rows, detail="bad rows of the person (row JSON)"),
                   [(f"DELETE FROM ops.quarantine WHERE {where}", params)])]


def _email_in_row_json(column: str) -> str:
    """SQL: the quarantined row's `column` is the person's email once control characters are removed."""
    value = f"coalesce(json_extract_string(row_json, {literal('$.' + column)}), '')"
    return f"contains(lower(regexp_replace({value}, {literal(CONTROL_CHARACTERS)}, '', 'g')), $email)"


def _history_tables(con: duckdb.DuckDBPyConnection, models: set[str]) -> list[str]:
    tables = con.execute(
        "SELECT table_schema || '.' || table_name, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT LIKE 'raw\\_%' ESCAPE '\\' AND table_schema <> 'ops'"
    ).fetchall()
    return sorted(q for q, name in tables if name in models)


def plan_history(con: duckdb.DuckDBPyConnection, person: Person, names: set[str], models: set[str]) -> list[Change]:
    """The history marts (`models`: dbt appends to them and never rebuilds them) lose the person's snapshot rows."""
    changes = []
    for table in _history_tables(con, models):
        where = trace_condition(con, table, person, names, person.all_ids())
        rows = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0] if where else 0
        if rows:
            changes.append(Change(Step("marts", table, "delete", rows_deleted=rows, detail="history snapshots"),
                                  [(f"DELETE FROM {table} WHERE {where}", {})]))
    return changes
