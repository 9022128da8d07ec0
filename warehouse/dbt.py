"""The one way partner-warehouse calls dbt: the command, its environment, its target folder and manifest.

`run_dbt(settings, "build", ...)` (a dbt process) is what erasure (rebuild) and the tests use; `invoke_dbt` runs dbt
inside this process, for the parse of every run and the session runner's compile; the benchmark times
`dbt_command(...)` with `dbt_environment(settings)` in its own child processes; the Dagster dbt assets
(orchestration/dbt.py) build dagster-dbt's DbtProject and DbtCliResource from the same `DBT_PROJECT_DIR`,
`dbt_executable()`, `target_dir(settings)` and environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

from settings import PROJECT_ROOT, Settings, patched_environ
from warehouse.connection import HELD_VARIABLE, child_lock_environment, writer_lock
from warehouse.privacy import pii_hash_key

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# Unit tests check SQL logic, and the tests of the static seeds (tag static_seed) check files that change only with
# the code: CI runs both (tests/test_dbt_row_rules.py), nights do not.
CI_ONLY_TAG = "static_seed"
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test", "--exclude", f"tag:{CI_ONLY_TAG}")


class ManifestMissing(FileNotFoundError):
    pass


def dbt_executable() -> Path:
    """The venv's dbt, whether or not the venv is activated (make calls .venv/bin/python directly)."""
    return Path(sys.executable).parent / "dbt"


def dbt_command(*args: str) -> list[str]:
    return [str(dbt_executable()), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def dbt_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) overridden by these settings, as dbt reads them.

    Paths are absolute, so dbt and Python agree on one warehouse file whatever the working folder. The
    pseudonymization key (PW_PII_HASH_KEY, else the key file, created on first use) is passed so that dbt's
    pseudonyms are the ones `warehouse.privacy.pseudonymize` computes; dbt-duckdb's plugin
    (warehouse.dbt_privacy_plugin) hands it to DuckDB as a variable, it is not written into compiled SQL."""
    env = dict(os.environ if base is None else base)
    for variable in settings.unset_variables():  # another warehouse's value of a setting these leave unset
        env.pop(variable, None)
    # dbt imports the profile's plugin (warehouse.dbt_privacy_plugin) from this repository: importable without
    # the editable install too.
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths if str(PROJECT_ROOT) in paths else [str(PROJECT_ROOT), *paths])
    env.pop(HELD_VARIABLE, None)  # a lock this process's own parent holds is not this process's to share
    # Started while this process holds the writer lock: dbt shares it (warehouse.dbt_privacy_plugin takes the
    # children's lock), so a killed run's dbt still counts as a writer for the next run.
    return {**env, **settings.to_env(), Settings.variable("pii_hash_key"): pii_hash_key(settings),
            **child_lock_environment(settings)}


def run_dbt(settings: Settings, *args: str, base: Mapping[str, str] | None = None, capture: bool = True,
            check: bool = False, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run `dbt <args>` on this project and these settings' warehouse, from the repository root."""
    return subprocess.run(dbt_command(*args), env=dbt_environment(settings, base), cwd=PROJECT_ROOT,
                          capture_output=capture, text=True, check=check, timeout=timeout)


class DbtFailed(RuntimeError):
    pass


def invoke_dbt(settings: Settings, *args: str, manifest=None, opens_warehouse: bool = True):
    """`dbt <args>` in this process (dbtRunner, dbt's programmatic API), with the environment `run_dbt` gives a dbt
    process; a command that opens the warehouse runs under this process's writer lock (dbt's plugin sees it held
    and takes none; `dbt parse` opens nothing). Saves starting Python and importing dbt (~5 s), and `manifest` (a
    parse's `result`, see `parsed_manifest`) spares the command its parse.
    Returns dbt's result; raises DbtFailed with dbt's error when the command failed."""
    from dbt.cli.main import dbtRunner

    command = [*args, "--no-send-anonymous-usage-stats", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR)]
    with ExitStack() as stack:
        if opens_warehouse:
            stack.enter_context(writer_lock(settings))
        stack.enter_context(patched_environ(dbt_environment(settings, base={}), settings.unset_variables()))
        result = dbtRunner(manifest=manifest).invoke(command)
    if not result.success:
        raise DbtFailed(f"dbt {' '.join(args)} failed: {result.exception or _failed_messages(result.result)}")
    return result


def _failed_messages(result) -> str:
    failed = [r for r in getattr(result, "results", None) or [] if str(r.status) in ("error", "fail")]
    return "; ".join(f"{r.node.unique_id}: {r.message}" for r in failed) or "see dbt.log"


# The manifest this process parsed last, with the fingerprint of what it was parsed from (`parsed_manifest`).
_parsed: dict[str, object] = {}


def parsed_manifest(settings: Settings):
    """The manifest (dbt's object) this process parsed from the project and environment as they are now, else None."""
    return _parsed.get(_stamp_key(settings))


def _stamp_key(settings: Settings) -> str:
    return f"{target_dir(settings)} {project_fingerprint(settings)}"


def target_dir(settings: Settings) -> Path:
    """dbt's artifacts folder (DBT_TARGET_PATH, else dbt_project/target): where `parse` writes manifest.json."""
    return settings.dbt_target_path or DBT_PROJECT_DIR / "target"


def log_dir(settings: Settings) -> Path:
    """Where dbt writes dbt.log (DBT_LOG_PATH, else dbt_project/logs)."""
    return settings.dbt_log_path or DBT_PROJECT_DIR / "logs"


def parse_project(settings: Settings) -> Path:
    """Write manifest.json (what the Dagster definitions read at import); returns its path. The parsed manifest is
    kept for this process's next dbt command (`parsed_manifest`)."""
    _parsed.clear()
    _parsed[_stamp_key(settings)] = invoke_dbt(settings, "parse", "--quiet", opens_warehouse=False).result
    return target_dir(settings) / "manifest.json"


# Variables that never change what dbt parses or compiles (the run values reach the SQL as DuckDB variables, see
# macros/cross_db/run_value.sql): a fingerprint holding them would change every night.
VOLATILE_VARIABLES = frozenset({"PW_AS_OF_DATE", "PW_FILES_UNTIL", Settings.variable("pii_hash_key"), HELD_VARIABLE,
                                Settings.variable("dbt_runner")})  # which runner builds: not what dbt parses


def project_fingerprint(settings: Settings) -> str:
    """A hash of what dbt reads when it parses: the project's and the seeds' files, and dbt's environment."""
    digest = hashlib.sha256()
    seeds = PROJECT_ROOT / "seeds"
    for path in sorted([*DBT_PROJECT_DIR.rglob("*"), *seeds.rglob("*")]):
        if path.is_file() and not {"target", "logs", "dbt_packages"} & set(path.relative_to(PROJECT_ROOT).parts):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    environment = dbt_environment(settings, base={})
    digest.update(json.dumps({k: v for k, v in sorted(environment.items())
                              if k.startswith(("PW_", "DBT_")) and k not in VOLATILE_VARIABLES}).encode())
    return digest.hexdigest()


def parse_if_changed(settings: Settings) -> Path:
    """`parse_project`, unless manifest.json was written by dbt from this very project and environment (parsed or
    compiled; a manifest written since by another dbt command no longer matches its stamp): a night with no
    change to the project does not start dbt to parse (a partial parse costs ~10 s)."""
    manifest = target_dir(settings) / "manifest.json"
    if manifest.exists() and _stamp_path(settings).exists() and _stamp_path(settings).read_text() == _stamp(settings):
        return manifest
    path = parse_project(settings)
    stamp_manifest(settings)
    return path


def stamp_manifest(settings: Settings) -> None:
    """Record that manifest.json, as it is now, comes from this project and environment."""
    _stamp_path(settings).write_text(_stamp(settings))


def _stamp_path(settings: Settings) -> Path:
    return target_dir(settings) / "manifest.fingerprint"


def _stamp(settings: Settings) -> str:
    manifest = target_dir(settings) / "manifest.json"
    return f"{project_fingerprint(settings)} {manifest.stat().st_mtime_ns if manifest.exists() else 0}"


def manifest_path(settings: Settings | None = None) -> Path:
    """The parsed manifest: in the configured target folder, else in the project's default one (`make manifest`)."""
    settings = settings or Settings.from_env()
    for folder in (target_dir(settings), DBT_PROJECT_DIR / "target"):
        if (folder / "manifest.json").exists():
            return folder / "manifest.json"
    raise ManifestMissing(
        f"{target_dir(settings) / 'manifest.json'} is missing: parse the dbt project first (`make manifest`, or "
        "`dbt parse --project-dir dbt_project --profiles-dir dbt_project`)."
    )


def history_relations(settings: Settings) -> list[tuple[str, str]]:
    """(schema, table) of the models dbt appends to and never rebuilds (incremental with full_refresh=false, e.g.
    mart_*_history: one snapshot per build), from dbt's manifest (parsed first if missing)."""
    nodes = load_manifest(settings)["nodes"].values()
    return sorted(
        (n["schema"], n.get("alias") or n["name"]) for n in nodes
        if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
        and n["config"].get("full_refresh") is False
    )


def load_manifest(settings: Settings, parse_if_missing: bool = True) -> dict:
    """The manifest as a dict, parsing the project first if there is none yet (and `parse_if_missing`)."""
    try:
        path = manifest_path(settings)
    except ManifestMissing:
        if not parse_if_missing:
            raise
        path = parse_project(settings)
    return json.loads(path.read_text())
