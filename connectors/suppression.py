"""Erased people stay erased: which raw rows are a person, which mention one, and the suppression list the
loader applies so that a re-load or backfill of the landing archive never brings an erased person back.

Policy (docs/privacy.md, "Erasure requests"):
- rows that ARE the person (`PERSON_ENTITIES`: a CRM user, an LMS learner, a marketing lead) are dropped, every
  version of them, and so are the person's own records linked by the person's id (`DEPENDENT_ENTITIES`: LMS
  enrolments and certifications, campaign memberships);
- business rows that only MENTION the person (a partner's contact fields, a portal event) are kept: the email
  becomes `erased_0@<its domain>` (`redacted_email`: the company's mail domain stays, since partner identity
  resolution falls back on the contact's domain when a partner has no website) and the personal columns that go
  with it (a contact name, an IP address) are set to NULL.

The suppression list (`erasures.jsonl`, beside the pseudonymization key unless `PW_ERASURE_REGISTRY` says
otherwise) lives outside the warehouse file, so a backfill into a fresh working file still applies it. It holds
no email, name or mart pseudonym: only `sha256(key:erasure:<email>)` and `sha256(key:erasure:<table>:<id>)`,
a different purpose string than the mart pseudonym (`sha256(key:<email>)`), so the two cannot be joined.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from data_contracts import CONTRACTS, dependent_entities, person_entities
from data_contracts._fields import EMAIL_RE, without_control_characters
from settings import Settings
from warehouse.privacy import normalize_identifier, pii_hash_key, private_folder

PURPOSE = "erasure"

# Declared once, beside each source (`PEOPLE` in data_contracts/<system>.py); discovery refuses a contract whose key
# is a person identifier and that is not declared, so a new source's people cannot be missed.
# (system, entity) -> the column holding the person's id. One row version = one person.
PERSON_ENTITIES: dict[tuple[str, str], str] = person_entities()
# (system, entity) -> (person entity, column holding the person's id): the person's own records.
DEPENDENT_ENTITIES: dict[tuple[str, str], tuple[tuple[str, str], str]] = dependent_entities()

EMAIL_IN_TEXT = re.compile(r"[^@\s\"',;<>]+@[^@\s\"',;<>]+\.[^@\s\"',;<>]+")


def _is_pii(meta: dict) -> bool:
    return bool(meta.get("pii"))  # a boolean today; a category name ("email", "name", ...) stays truthy


def email_columns(schema: pa.DataFrameSchema) -> list[str]:
    """Columns holding an email address, from the contract (the email pattern, or an `email` PII category)."""
    return [
        name for name, col in schema.columns.items()
        if (col.metadata or {}).get("pattern") == EMAIL_RE or (col.metadata or {}).get("pii") == "email"
    ]


def personal_columns(schema: pa.DataFrameSchema, email_column: str) -> list[str]:
    """The email column and the personal columns that describe the same person on a row.

    With one email column on the table every personal column belongs to that person (a portal event's IP
    address); with several (a partner's primary contact and its channel manager) only those sharing the email
    column's prefix (`primary_contact_email` -> `primary_contact_name`)."""
    emails = email_columns(schema)
    prefix = email_column.removesuffix("email")
    # Ids of person records are not redacted here: rows linked by them are the person's own (DEPENDENT_ENTITIES).
    others = [
        n for n, c in schema.columns.items()
        if _is_pii(c.metadata or {}) and (c.metadata or {}).get("pii") != "person_identifier" and n not in emails
    ]
    if len(emails) > 1:
        others = [n for n in others if prefix and n.startswith(prefix)]
    return [email_column, *others]


def redacted_email(email: str) -> str:
    """What replaces the person's address on a row that mentions them: the domain only, behind a fixed local part
    whose last character differs from the person's, so the address is never a substring of it."""
    local, _, domain = normalize_identifier(email).rpartition("@")
    return f"erased_{'1' if local.endswith('0') else '0'}@{domain}"


def registry_path() -> Path:
    return Settings.from_env().erasure_registry_path


def erasure_hash(value: str, key: str | None = None) -> str:
    """`sha256(key:erasure:value)`: never equal to the mart pseudonym of the same value."""
    key = pii_hash_key() if key is None else key
    return hashlib.sha256(f"{key}:{PURPOSE}:{value}".encode()).hexdigest()


def email_hash(email: str, key: str | None = None) -> str:
    return erasure_hash(normalize_identifier(email), key)


def id_hash(system: str, entity: str, record_id: str, key: str | None = None) -> str:
    return erasure_hash(f"{system}.{entity}:{str(record_id).strip()}", key)


def read_registry(path: Path | None = None) -> list[dict]:
    path = path or registry_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def append_registry(entry: dict, path: Path | None = None) -> None:
    path = path or registry_path()
    private_folder(path.parent)
    # Owner-only like the key file: the hashes are keyed, but the list says how many people were erased and when.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass
class Suppression:
    """What the loader drops or redacts in one entity's batches (built only when someone was erased)."""

    system: str
    entity: str
    key: str
    email_hashes: set[str]
    id_hashes: set[str]
    schema: pa.DataFrameSchema = field(repr=False)

    @classmethod
    def for_entity(cls, system: str, entity: str) -> Suppression | None:
        entries = read_registry()
        if not entries:
            return None
        return cls(
            system, entity, pii_hash_key(),
            {e["email_hash"] for e in entries},
            {h for e in entries for h in e.get("id_hashes", [])},
            CONTRACTS[(system, entity)],
        )

    def _matches_email(self, values: pd.Series) -> pd.Series:
        present = values.notna() & (values.astype("string").str.strip() != "")
        hit = pd.Series(False, index=values.index)
        # Control characters removed: `jose\x00@...` (quarantined by the contract otherwise) is the erased person.
        cleaned = without_control_characters(values[present].astype(object))
        hit[present] = cleaned.map(lambda v: isinstance(v, str) and email_hash(v, self.key) in self.email_hashes)
        return hit

    def _matches_id(self, values: pd.Series, person: tuple[str, str]) -> pd.Series:
        present = values.notna()
        hit = pd.Series(False, index=values.index)
        hit[present] = values[present].map(lambda v: id_hash(*person, str(v), self.key) in self.id_hashes)
        return hit

    @classmethod
    def for_person(cls, system: str, entity: str, email: str, ids: dict[tuple[str, str], set[str]]) -> Suppression:
        """One person only (rewriting the landing files during their erasure)."""
        key = pii_hash_key()
        return cls(system, entity, key, {email_hash(email, key)},
                   {id_hash(s, e, i, key) for (s, e), values in ids.items() for i in values}, CONTRACTS[(system, entity)])

    def decide(self, frame: pd.DataFrame) -> tuple[pd.Series, dict[str, pd.Series]]:
        """(rows to drop, email column -> rows where that email is the person's and is to be redacted)."""
        table = (self.system, self.entity)
        drop = pd.Series(False, index=frame.index)
        redact: dict[str, pd.Series] = {}
        if table in PERSON_ENTITIES:
            for column in email_columns(self.schema):
                drop |= self._matches_email(frame[column])
            drop |= self._matches_id(frame[PERSON_ENTITIES[table]], table)
        elif table in DEPENDENT_ENTITIES:
            person, column = DEPENDENT_ENTITIES[table]
            drop |= self._matches_id(frame[column], person)
        else:
            for column in email_columns(self.schema):
                hit = self._matches_email(frame[column])
                if hit.any():
                    redact[column] = hit
        return drop, redact

    def apply(self, frame: pd.DataFrame, malformed: list) -> tuple[pd.DataFrame, list, int]:
        """(rows to validate, malformed rows to quarantine, number of rows dropped). Mentions are redacted."""
        kept_malformed = [m for m in malformed if not self._text_mentions(m.text)]
        drop, redact = self.decide(frame)
        if redact:
            frame = frame.copy()
            for column, hit in redact.items():
                frame.loc[hit, column] = frame.loc[hit, column].map(redacted_email)
                for personal in personal_columns(self.schema, column)[1:]:
                    frame.loc[hit, personal] = None
        dropped = len(malformed) - len(kept_malformed) + int(drop.sum())
        return frame[~drop].reset_index(drop=True), kept_malformed, dropped

    def _text_mentions(self, text: str) -> bool:
        return any(email_hash(found, self.key) in self.email_hashes for found in EMAIL_IN_TEXT.findall(text or ""))
