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
from pathlib import Path

from settings import Settings


class KeyFileError(RuntimeError):
    """The key file is unusable: a new key would silently give every person a new pseudonym."""


def pii_hash_key(settings: Settings | None = None) -> str:
    """The pseudonymization key: the environment variable, else the key file (created on first use).

    An empty key file is an error, and so is a missing one once someone was erased: a new key would make the
    erasure list match no one, so the next night would load the erased person again."""
    settings = settings or Settings.from_env()
    if settings.pii_hash_key:
        return settings.pii_hash_key
    path = settings.pii_key_file
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise KeyFileError(
                f"the pseudonymization key file {path} is empty. Restore it from the backup taken with the "
                f"erasure list and the warehouse (docs/privacy.md, 'Backups'); delete it only to start a "
                f"warehouse anew with new pseudonyms")
        return key
    registry = settings.erasure_registry_path
    if registry.exists() and registry.stat().st_size:
        raise KeyFileError(
            f"the pseudonymization key file {path} is missing but the erasure list {registry} exists: a new key "
            f"would make that list match no one. Restore the key file from the backup (docs/privacy.md, "
            f"'Backups'), or set {Settings.variable('pii_hash_key')}")
    return _create_key_file(path)


def private_folder(folder: Path) -> None:
    """Create `folder` readable by the pipeline's user only (mode 0700; an existing folder is left as it is)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _create_key_file(path: Path) -> str:
    """Write a random key, mode 0600 from its first byte; two processes racing both end up with the same key."""
    private_folder(path.parent)
    key = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)  # fails if another process created the key first: theirs wins
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
    finally:
        temporary.unlink()
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
