"""One Settings object: built from a mapping, validated, and documented in .env.example and the docs' table."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from settings import PROJECT_ROOT, Settings, SettingsError, docs, variables


def test_defaults_work_on_a_fresh_clone():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.warehouse_path == PROJECT_ROOT / "data/warehouse/partner_warehouse.duckdb"
    assert settings.published == PROJECT_ROOT / "data/published/partner_warehouse.duckdb"
    assert settings.as_of_date is None and settings.publish and not settings.publish_pii_layers


def test_built_from_a_mapping_typed_and_relative_to_the_repository():
    settings = Settings.from_env({"PW_AS_OF_DATE": "2026-11-24", "PW_PUBLISH": "0", "PW_LANDING_DIR": "x/landing",
                                  "PW_DUCKDB_THREADS": "4", "PW_FILES_UNTIL": " ", "PW_LOCK_TIMEOUT_SECONDS": "1.5"})
    assert settings.as_of_date == date(2026, 11, 24) and settings.publish is False
    assert settings.landing_dir == PROJECT_ROOT / "x/landing" and settings.duckdb_threads == 4
    assert settings.files_until is None  # blank is unset
    assert settings.lock_timeout_seconds == 1.5


def test_to_env_round_trips():
    settings = Settings.from_env({"PW_AS_OF_DATE": "2026-11-24", "PW_PII_HASH_KEY": "s3cr3t-key", "PW_SENSOR_ENABLED": "yes"})
    assert Settings.from_env(settings.to_env()) == settings
    assert "PW_PUBLISHED_PATH" not in settings.to_env()  # unset stays unset
    # The text is stable through a round trip and spelled as typed (a whole float is not "3600.0").
    assert Settings.from_env(settings.to_env()).to_env() == settings.to_env()
    assert Settings.from_env({"PW_LOCK_TIMEOUT_SECONDS": "3600"}).to_env()["PW_LOCK_TIMEOUT_SECONDS"] == "3600"
    assert Settings.from_env({"PW_LOCK_TIMEOUT_SECONDS": "2.5"}).to_env()["PW_LOCK_TIMEOUT_SECONDS"] == "2.5"
    assert "s3cr3t-key" not in repr(settings)  # the key is a secret


@pytest.mark.parametrize(("variable", "value", "form"), [
    ("PW_AS_OF_DATE", "24/11/2026", "a date YYYY-MM-DD"),
    ("PW_FILES_UNTIL", "2026-13-01", "a date YYYY-MM-DD"),
    ("PW_DUCKDB_THREADS", "two", "a whole number"),
    ("PW_BATCH_ROWS", "0", "a whole number"),
    ("PW_MAX_FAILURE_RATE", "20%", "a number"),
    ("PW_PUBLISH", "maybe", "1 or 0"),
    ("PW_AS_OF_DATE", "2026-11-24T00:00:00", "a date YYYY-MM-DD"),
    ("PW_DUCKDB_MEMORY_LIMIT", "4 gigs", "a number and a unit"),
    ("PW_NIGHTLY_CRON", "0 2 * *", "a cron expression"),
    ("PW_NIGHTLY_CRON", "0 25 * * *", "a cron expression"),
    ("PW_TIMEZONE", "Paris", "an IANA time zone name"),
])
def test_a_malformed_value_names_the_variable_and_the_expected_form(variable, value, form):
    with pytest.raises(SettingsError, match=re.escape(f"{variable}={value!r}: expected {form}")):
        Settings.from_env({variable: value})


def test_every_field_has_a_variable_and_a_description():
    names = [v for v, _, _ in variables()]
    assert len(names) == len(set(names)) == len(dataclasses.fields(Settings))
    assert all(description.strip() for _, _, description in variables())


def _documented_variables(text: str) -> list[str]:
    return re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE)


def test_env_example_and_the_docs_table_list_exactly_the_settings():
    """Fails when a variable is added to Settings but not to .env.example / the table, or the other way round:
    `python -m settings --write` regenerates both."""
    names = [v for v, _, _ in variables()]
    example = docs.ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE) == names
    tables = docs.doc_files()
    assert tables, f"no file holds {docs.TABLE_START} ... {docs.TABLE_END} (README.md or docs/*.md)"
    for path in tables:
        table = docs.TABLE.search(path.read_text(encoding="utf-8")).group(0)
        assert _documented_variables(table) == names, path
    assert docs.stale() == [], "out of date: run `python -m settings --write`"


def test_no_package_reads_a_setting_from_the_environment_itself():
    """Only settings/ reads PW_* (and DBT_TARGET_PATH, DAGSTER_HOME) from os.environ; others take a Settings."""
    names = "|".join(v for v, _, _ in variables())
    reads = re.compile(rf"(os\.environ\.(get|setdefault)\(|os\.getenv\(|os\.environ\[)\s*['\"]({names})['\"]\s*(?!\]\s*=)")
    offenders = []
    for path in PROJECT_ROOT.glob("*/**/*.py"):
        relative = path.relative_to(PROJECT_ROOT)
        if relative.parts[0] in ("settings", "tests", ".venv") or "site-packages" in relative.parts:
            continue
        if reads.search(path.read_text(encoding="utf-8")):
            offenders.append(str(relative))
    assert offenders == []
