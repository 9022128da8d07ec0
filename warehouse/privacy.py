"""Pseudonymization of personal data: one keyed hash shared by dbt (marts), erasure and tests.

A person's email (or another identifier) becomes `sha256(key || ':' || lower(trim(value)))` in hex. The key is
a secret: without it nobody can confirm that a given email is behind a pseudonym, with it the same person gets
the same pseudonym in every run, so joins across marts and across nights keep working.

The key comes from `PW_PII_HASH_KEY`; when that is unset, from the file `PW_PII_KEY_FILE`
(default `data/secrets/pii_hash_key`), which is created with a random key (mode 0600) the first time. Keep that
file (or the variable) stable: a new key gives every person a new pseudonym. It lives here, below the connectors,
because dbt needs it too (`warehouse.dbt` hands it to every dbt run, `warehouse.dbt_privacy_plugin` to DuckDB).
"""

from __future__ import annotations

import hashlib
import os
import secrets

from settings import Settings


def pii_hash_key(settings: Settings | None = None) -> str:
    """The pseudonymization key: the environment variable, else the key file (created on first use)."""
    settings = settings or Settings.from_env()
    if settings.pii_hash_key:
        return settings.pii_hash_key
    path = settings.pii_key_file
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created 0600 so only the pipeline's user can read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def normalize_identifier(value: str) -> str:
    """What is hashed: trimmed of spaces (as SQL trim does) and lowercased."""
    return value.strip(" ").lower()


def pseudonymize(value: str | None, key: str | None = None) -> str | None:
    """The pseudonym dbt writes for `value` (None and blank stay None)."""
    if value is None or not value.strip(" "):
        return None
    key = pii_hash_key() if key is None else key
    return hashlib.sha256(f"{key}:{normalize_identifier(value)}".encode()).hexdigest()
