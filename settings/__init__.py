"""Every configuration variable of partner-warehouse, read into one typed, validated `Settings`.

Dagster, the loaders, erasure, the reports and dbt (through `dbt_project/profiles.yml` and
`warehouse.dbt.dbt_environment`) read the same values, so there is one warehouse path and one set of DuckDB limits.
Each field declares its variable, a default that works on a fresh clone and a one-line description; `.env.example`
and the configuration table of the docs are generated from them (`python -m settings --write`) and a test keeps
them in step. Relative paths are from the repository root; an empty value means "unset" (the default).

This package imports nothing of ours: every other package may use it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, TypeAdapter, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The bundled demo's landing zone: `make run` with PW_LANDING_DIR unset builds the demo here (generating it when the
# folder holds no extracts). A landing zone the user configured is never written to by a run.
DEMO_LANDING_DIR = PROJECT_ROOT / "data" / "demo" / "landing"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# DuckDB's memory_limit: a number and a unit (4GB, 512MiB, 1.5 GB).
MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|[KMGT]B|[KMGT]iB)$", re.IGNORECASE)

# What a malformed value should have looked like, by type (the error names the variable and this form).
FORMS = {int: "a whole number", float: "a number", bool: "1 or 0 (true/false, yes/no also work)",
         date: "a date YYYY-MM-DD", Path: "a path", str: "text"}


DBT_RUNNERS = ("session", "dbt")


class SettingsError(ValueError):
    """A configuration variable holds a value of the wrong form."""


def setting(variable: str, default: Any, description: str, *, secret: bool = False) -> Any:
    """A field read from `variable`; `description` is its line in .env.example and the docs' table."""
    return field(default=default, repr=not secret, metadata={"variable": variable, "description": description})


def _root(relative: str) -> Path:
    return PROJECT_ROOT / relative


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = setting(
        "PW_LANDING_DIR", DEMO_LANDING_DIR, "where your extracts land: <landing>/<system>/<entity>/<file>; it must "
        "exist (unset: the bundled demo, generated in data/demo/landing on the first `make run`)")
    landing_settle_seconds: Annotated[float, Field(ge=0)] = setting(
        "PW_LANDING_SETTLE_SECONDS", 60, "a landing file modified less than this long ago is left for the next run "
        "(it may still be being copied in) unless a _SUCCESS marker beside it is newer; 0: no wait")
    warehouse_path: Path = setting("PW_WAREHOUSE_PATH", _root("data/warehouse/partner_warehouse.duckdb"),
                                   "the working DuckDB file the pipeline writes")
    published_path: Path | None = setting(
        "PW_PUBLISHED_PATH", None, "the file readers open (default: the working file's name in data/published/); "
        "same file name as PW_WAREHOUSE_PATH, another folder")
    duckdb_memory_limit: str = setting("PW_DUCKDB_MEMORY_LIMIT", "4GB",
                                       "DuckDB memory_limit (loads and dbt): a number and a unit, e.g. 4GB, 512MB")
    duckdb_threads: Annotated[int, Field(gt=0)] = setting("PW_DUCKDB_THREADS", 2, "DuckDB threads (loads and dbt)")
    duckdb_temp_dir: Path = setting("PW_DUCKDB_TEMP_DIR", _root("data/tmp"),
                                    "where DuckDB spills when it reaches the memory limit")
    max_failure_rate: Annotated[float, Field(ge=0, le=1)] = setting(
        "PW_MAX_FAILURE_RATE", 0.2, "a file with a larger share of contract-breaking rows fails and loads nothing")
    batch_rows: Annotated[int, Field(gt=0)] = setting(
        "PW_BATCH_ROWS", 50000, "rows validated at a time (JSON, Parquet, Excel, CSV read line by line; streamed CSV goes by 4 MB blocks)")
    files_until: date | None = setting(
        "PW_FILES_UNTIL", None, "load only files dated up to this day, YYYY-MM-DD (a backfill sets it per day)")
    as_of_date: date | None = setting(
        "PW_AS_OF_DATE", None, "the day time-based metrics (staleness, expiry, \"this quarter\") describe, "
        "YYYY-MM-DD (default: the run date); set it to rebuild a past day")
    strict: bool = setting(
        "PW_STRICT", False, "1: any rejected extract file stops the publish (default: the night goes on without it)")
    mapping_dir: Path = setting(
        "PW_MAPPING_DIR", _root("config/sources"),
        "source mapping files, one <system>.yml per system (your headers, value words, formats)")
    publish: bool = setting("PW_PUBLISH", True, "0: build and check, do not publish (the days of a backfill but the last)")
    # Off by default: raw_*, staging and ops.quarantine hold personal data, and readers (BI tools) need only the
    # pseudonymized intermediate and mart layers.
    publish_pii_layers: bool = setting(
        "PW_PUBLISH_PII_LAYERS", False, "1: the published file keeps raw_*, staging and ops.quarantine (personal data)")
    reports_dir: Path = setting("PW_REPORTS_DIR", _root("reports"),
                                "where the audit reports and partner scorecards are written")
    nightly_cron: str = setting("PW_NIGHTLY_CRON", "0 2 * * *",
                                "the nightly build's schedule, a cron expression (off until turned on)")
    timezone: str = setting("PW_TIMEZONE", "UTC", "the time zone of the schedules, an IANA name (Europe/Paris)")
    sensor_enabled: bool = setting("PW_SENSOR_ENABLED", False, "1: the landing-zone sensor starts on")
    sensor_interval_seconds: Annotated[int, Field(gt=0)] = setting(
        "PW_SENSOR_INTERVAL_SECONDS", 120, "how often the landing-zone sensor lists the landing zone")
    lock_timeout_seconds: Annotated[float, Field(ge=0)] = setting(
        "PW_LOCK_TIMEOUT_SECONDS", 3600, "how long a run or writing step waits for another build's writer lock")
    run_max_runtime_seconds: Annotated[int, Field(gt=0)] = setting(
        "PW_RUN_MAX_RUNTIME_SECONDS", 21600, "Dagster run monitoring (daemon) fails a run still going after this long")
    pii_hash_key: str | None = setting(
        "PW_PII_HASH_KEY", None, "secret key of the pseudonyms in marts (unset: the key file); keep it stable",
        secret=True)
    pii_key_file: Path = setting(
        "PW_PII_KEY_FILE", _root("data/secrets/pii_hash_key"),
        "the key file used when PW_PII_HASH_KEY is unset (created with mode 0600 on first use)")
    erasure_registry: Path | None = setting(
        "PW_ERASURE_REGISTRY", None, "the erasure suppression list (default: erasures.jsonl beside the key file)")
    erase_landing: bool = setting(
        "PW_ERASE_LANDING", False, "1: an erasure also rewrites the CSV / JSON-lines landing files holding the person")
    dbt_target_path: Path | None = setting(
        "DBT_TARGET_PATH", None, "dbt's artifacts folder, manifest.json included (default: dbt_project/target)")
    dbt_log_path: Path | None = setting("DBT_LOG_PATH", None, "where dbt writes dbt.log (default: dbt_project/logs)")
    dbt_runner: str = setting(
        "PW_DBT_RUNNER", "session", "how a run builds the dbt project: session (dbt compiles it, warehouse/runner.py "
        "runs the compiled SQL in one DuckDB connection) or dbt (`dbt build`, what development uses)")
    spark_schema: str = setting("PW_SPARK_SCHEMA", "main", "the schema of the dbt `spark` target")
    dagster_home: Path = setting("DAGSTER_HOME", _root(".dagster_home"), "Dagster's run and event storage")

    def __post_init__(self) -> None:
        # Every Settings (from the environment, or replace()d by a backfill or a test) is checked whole, so a bad
        # value fails before any work starts, naming its variable, instead of minutes later inside DuckDB or dbt.
        problems = list(_problems(self))
        if problems:
            raise SettingsError("\n".join(problems))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (default: the process environment); unset or empty variables take the default.

        Raises SettingsError naming the variable and the expected form when a value does not parse."""
        env = os.environ if env is None else env
        values = {}
        for item in dataclasses.fields(cls):
            text = env.get(item.metadata["variable"])
            if text is not None and text.strip():
                values[item.name] = _parse(item, text.strip())
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The variables that reproduce these settings (paths absolute, unset ones left out): for subprocesses."""
        env = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if value is not None:
                env[item.metadata["variable"]] = _text(value)
        return env

    def unset_variables(self) -> list[str]:
        """The variables of the settings left at None: with `to_env()`, what reproduces exactly these settings in an
        environment that may hold other values of them (a variable set for another warehouse must not leak in)."""
        # The tools' own variables (DBT_TARGET_PATH) stay: a caller may point one subprocess's artifacts elsewhere.
        return [f.metadata["variable"] for f in dataclasses.fields(self)
                if getattr(self, f.name) is None and f.metadata["variable"].startswith("PW_")]

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of field `name` (e.g. for messages: "PW_ERASE_LANDING=1")."""
        return next(f.metadata["variable"] for f in dataclasses.fields(cls) if f.name == name)

    @property
    def uses_demo_landing(self) -> bool:
        """True when PW_LANDING_DIR is unset (or names the demo folder): the one landing zone a run may fill with
        the bundled sample."""
        return self.landing_dir.resolve() == DEMO_LANDING_DIR.resolve()

    @property
    def published(self) -> Path:
        """The file readers open. The pipeline writes `warehouse_path` and copies it here when a build passes."""
        path = self.published_path or self.warehouse_path.parent.parent / "published" / self.warehouse_path.name
        if path.stem != self.warehouse_path.stem:
            # DuckDB names a database after its file, and dbt's views refer to that name: a copy under another
            # name would hold views that no longer resolve.
            raise SettingsError(
                f"PW_PUBLISHED_PATH ({path.name}) must have the same file name as PW_WAREHOUSE_PATH "
                f"({self.warehouse_path.name}); put it in another folder instead"
            )
        if path.resolve() == self.warehouse_path.resolve():
            raise SettingsError("PW_PUBLISHED_PATH must differ from PW_WAREHOUSE_PATH (readers must not open the working file)")
        return path

    @property
    def parquet_dir(self) -> Path:
        """Marts exported as Parquet, one folder per mart (a stable link to the latest published export)."""
        return self.published.parent / "parquet"

    @property
    def erasure_registry_path(self) -> Path:
        return self.erasure_registry or self.pii_key_file.parent / "erasures.jsonl"

    def duckdb_config(self) -> dict[str, str]:
        return {
            "memory_limit": self.duckdb_memory_limit,
            "threads": str(self.duckdb_threads),
            "temp_directory": str(self.duckdb_temp_dir),
        }


def _problems(settings: Settings) -> Iterator[str]:
    """What is wrong with `settings` beyond each value's type, one message per problem naming the variable."""
    if not MEMORY_LIMIT.match(settings.duckdb_memory_limit.strip()):
        yield (f"PW_DUCKDB_MEMORY_LIMIT={settings.duckdb_memory_limit!r}: expected a number and a unit "
               "(B, KB, MB, GB, TB or KiB, MiB, GiB, TiB), e.g. 4GB")
    if not _is_cron(settings.nightly_cron):
        yield (f"PW_NIGHTLY_CRON={settings.nightly_cron!r}: expected a cron expression, five fields "
               "'minute hour day-of-month month day-of-week', e.g. '0 2 * * *'")
    if settings.dbt_runner not in DBT_RUNNERS:
        yield f"PW_DBT_RUNNER={settings.dbt_runner!r}: expected one of {', '.join(DBT_RUNNERS)}"
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"PW_TIMEZONE={settings.timezone!r}: expected an IANA time zone name, e.g. UTC or Europe/Paris"
    try:
        _ = settings.published  # its rules raise SettingsError
    except SettingsError as error:
        yield str(error)


def _is_cron(expression: str) -> bool:
    # croniter is what Dagster itself parses schedules with; five fields is all Dagster accepts.
    from croniter import croniter

    return len(expression.split()) == 5 and croniter.is_valid(expression)


@cache
def _types() -> dict[str, Any]:
    return typing.get_type_hints(Settings, include_extras=True)


@cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def _base_type(annotation: Any) -> type:
    """int for Annotated[int, ...], date for date | None."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    return arguments[0] if arguments else annotation


def _parse(item: dataclasses.Field, text: str) -> Any:
    annotation = _types()[item.name]
    variable, form = item.metadata["variable"], FORMS[_base_type(annotation)]
    # pydantic also takes a timestamp or a datetime for a date; dbt and the docs say YYYY-MM-DD, so only that is.
    if _base_type(annotation) is date and not ISO_DATE.match(text):
        raise SettingsError(f"{variable}={text!r}: expected {form}")
    try:
        value = _adapter(annotation).validate_python(text)
    except ValidationError as error:
        raise SettingsError(f"{variable}={text!r}: expected {form} ({error.errors()[0]['msg']})") from None
    if isinstance(value, Path) and not value.is_absolute():
        return PROJECT_ROOT / value
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # "3600", as typed, not "3600.0": dbt's parse fingerprint includes these texts, and a value that changed
        # spelling between the CLI and the job cost a second parse every run.
        return str(int(value))
    return str(value)


@contextmanager
def patched_environ(values: Mapping[str, str], unset: Iterable[str] = ()) -> Iterator[None]:
    """`os.environ` updated with `values`, and without the variables in `unset`, for the duration of the block,
    then restored exactly.

    For code that runs in this process and reads its settings from the environment, as it does when Dagster runs
    it (a backfill day's in-process job, the dbt CLI that dagster-dbt starts with this process's environment)."""
    saved = dict(os.environ)
    os.environ.update(values)
    for variable in unset:
        os.environ.pop(variable, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def documented_default(item: dataclasses.Field) -> str:
    """The default as .env.example and the docs show it (paths relative to the repository root)."""
    if item.default is None:
        return ""
    if isinstance(item.default, Path):
        return item.default.relative_to(PROJECT_ROOT).as_posix()
    return _text(item.default)


def variables() -> list[tuple[str, str, str]]:
    """(variable, default as documented, description) of every setting, in declaration order."""
    return [(f.metadata["variable"], documented_default(f), f.metadata["description"]) for f in dataclasses.fields(Settings)]
