"""Finding the person: every raw row whose email column holds the address gives their record ids and names."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from connectors.suppression import PERSON_ENTITIES, email_columns, personal_columns
from data_contracts import CONTRACTS
from erasure.sql import matches_email, raw_tables
from warehouse.privacy import normalize_identifier, pseudonymize
from warehouse.raw import raw_table_name


@dataclass
class Person:
    email: str  # normalized (trimmed, lowercased)
    names: set[str] = field(default_factory=set)  # full names as delivered
    ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # person entity -> record ids

    @property
    def pseudonym(self) -> str:
        return pseudonymize(self.email)

    @property
    def pseudonyms(self) -> list[str]:
        """What the marts hold instead of the person: the pseudonym of the email and of each of their record ids
        (learner_key = pseudonym of the LMS user id, hashed lead ids)."""
        return [self.pseudonym, *sorted(pseudonymize(i) for i in self.all_ids())]

    def all_ids(self) -> set[str]:
        return {i for ids in self.ids.values() for i in ids}


def _is_name(schema, column: str) -> bool:
    category = (schema.columns[column].metadata or {}).get("pii")
    return category == "person_name" or (category is True and column.endswith("name"))


def find_person(con: duckdb.DuckDBPyConnection, email: str) -> Person:
    """The person behind `email` in the raw layer (any table with an email column, trimmed, case-insensitive)."""
    person = Person(normalize_identifier(email))
    existing = raw_tables(con)
    for (system, entity), schema in CONTRACTS.items():
        table = raw_table_name(system, entity)
        if table not in existing:
            continue
        for column in email_columns(schema):
            names = [c for c in personal_columns(schema, column) if _is_name(schema, c)]
            id_column = PERSON_ENTITIES.get((system, entity))
            selected = [f'"{id_column}"' if id_column else "NULL", *(f'"{n}"' for n in names)]
            for row in con.execute(
                f"SELECT {', '.join(selected)} FROM {table} WHERE {matches_email(column)}", {"email": person.email}
            ).fetchall():
                if id_column:
                    person.ids.setdefault((system, entity), set()).add(row[0])
                full = " ".join(str(v).strip() for v in row[1:] if v is not None and str(v).strip())
                if full:
                    person.names.add(full)
    return person
