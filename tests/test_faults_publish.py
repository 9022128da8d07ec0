"""A run SIGKILLed at each point of the publish, as a crash or an operator would do it: the CLI in its own process
group, stopped by the fault hook (warehouse/faults.py) exactly at the point, then killed.

After each kill: the published file is byte-identical or a complete newer build that names itself in
ops.publications, `status` says "published" only for builds really swapped in, the `parquet` link points to a
complete version and every version listed in versions.json is complete. The run after the kills completes with no
manual step and leaves no leftover. One working warehouse for the whole module: each test builds on the one before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.summary import status_report
from settings import PROJECT_ROOT, Settings
from tests.conftest import cli_environment
from warehouse.connection import read_published
from warehouse.leftovers import leftovers
from warehouse.parquet_export import VERSIONS_FILE, parquet_versions, recorded_versions


@pytest.fixture(scope="module")
def faults(tmp_path_factory, sample_landing):
    """The warehouse built and published once; returns (env, settings, builds), `builds` filled by the tests:
    point -> the run id killed there."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(sample_landing, root / "landing")
    env = cli_environment(root, root / "landing", PW_PUBLISH_PII_LAYERS="0", PW_FAULT_MARKER_DIR=str(root / "markers"))
    _run(env)
    return env, Settings.from_env(env), {}


def _run(env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", "--no-sample"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and "Run succeeded" in done.stdout, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def _kill_at(env: dict, point: str) -> str:
    """Start a run that pauses at `point`, SIGKILL its process group there; returns the killed run's id."""
    marker = Path(env["PW_FAULT_MARKER_DIR"]) / f"{point}.reached"
    marker.unlink(missing_ok=True)
    log = Path(env["PW_FAULT_MARKER_DIR"]).parent / f"{point}.log"
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run", "--no-sample"],
                                   cwd=PROJECT_ROOT, env={**env, "PW_FAULT_PAUSE": point}, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 600
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert marker.exists(), f"the run did not reach {point}:\n{log.read_text()[-4000:]}"
    return _latest_run(Settings.from_env(env))


def _latest_run(settings: Settings) -> str:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute("SELECT run_id FROM ops.load_runs ORDER BY finished_at DESC LIMIT 1").fetchone()[0]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publications(path: Path) -> list[str]:
    """The builds a warehouse file records as published, newest first."""
    with read_published(path) as con:
        return [b for (b,) in con.execute(
            "SELECT build_id FROM ops.publications GROUP BY build_id ORDER BY max(published_at) DESC").fetchall()]


def _working_publications(settings: Settings) -> set[str]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {b for (b,) in con.execute("SELECT DISTINCT build_id FROM ops.publications").fetchall()}


def _status(settings: Settings) -> dict[str, str]:
    """run id prefix -> the status's "published" column."""
    lines = status_report(settings, runs=20).splitlines()
    return {line.split()[0]: line.split()[-1] for line in lines if line.split() and len(line.split()[0]) == 8
            and line.split()[-1] in ("yes", "no")}


def _check_parquet(settings: Settings) -> list[str]:
    """The link points to a listed version; every listed version holds every mart of the published file.
    Returns the listed versions."""
    listed = recorded_versions(settings)
    assert settings.parquet_dir.resolve().name in listed
    with read_published(settings.published) as con:
        marts = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_type = 'BASE TABLE'").fetchall()}
    assert len(marts) > 5
    for name in listed:
        folder = parquet_versions(settings) / name
        assert {p.name for p in folder.iterdir()} == marts, name
        for mart in marts:
            assert pq.read_metadata(folder / mart / "data.parquet").num_columns > 0
    return listed


def test_a_kill_before_the_rename_leaves_the_published_file_and_status_as_they_were(faults):
    env, settings, builds = faults
    before, published_build = _sha256(settings.published), _publications(settings.published)[0]
    killed = builds["publish.before_rename"] = _kill_at(env, "publish.before_rename")
    assert killed != published_build
    assert _sha256(settings.published) == before
    assert killed not in _working_publications(settings)
    assert _status(settings)[killed[:8]] == "no"
    assert _status(settings)[published_build[:8]] == "yes"
    assert list(settings.published.parent.glob(f".{settings.published.name}.{killed}.incoming*"))  # killed mid-publish
    _check_parquet(settings)


def test_a_kill_after_the_rename_publishes_the_build_and_status_says_so(faults):
    env, settings, builds = faults
    linked_before = settings.parquet_dir.resolve()
    killed = builds["publish.after_rename"] = _kill_at(env, "publish.after_rename")
    assert _publications(settings.published)[0] == killed  # a complete newer build, naming itself
    assert killed not in _working_publications(settings)  # the kill came before the working file was told ...
    assert _status(settings)[killed[:8]] == "yes"  # ... and status reads the truth from the published file
    assert _status(settings)[builds["publish.before_rename"][:8]] == "no"
    # The start of this run cleaned the copy the run before had left.
    assert not list(settings.published.parent.glob(f".{settings.published.name}.*.incoming*"))
    assert settings.parquet_dir.resolve() == linked_before  # the Parquet export of this build never started
    _check_parquet(settings)


def test_a_kill_before_the_parquet_rename_leaves_the_previous_version_linked(faults):
    env, settings, builds = faults
    listed_before = recorded_versions(settings)
    killed = builds["parquet.before_rename"] = _kill_at(env, "parquet.before_rename")
    assert _publications(settings.published)[0] == killed
    assert killed in _working_publications(settings)
    assert _status(settings)[killed[:8]] == "yes"
    assert recorded_versions(settings) == listed_before
    assert (parquet_versions(settings) / f".{killed}.incoming").is_dir()  # the export in progress, unlisted
    assert parquet_versions(settings) / f".{killed}.incoming" in leftovers(settings)
    _check_parquet(settings)


def test_the_next_run_completes_and_cleans_up(faults):
    env, settings, builds = faults
    _run(env)
    latest = _latest_run(settings)
    assert leftovers(settings) == []
    assert _check_parquet(settings)[-1] == latest
    published = _publications(settings.published)
    assert published[0] == latest and builds["publish.before_rename"] not in published
    assert {builds["publish.after_rename"], builds["parquet.before_rename"]} <= set(published)
    assert _working_publications(settings) == set(published)  # the working file caught up on the killed publish


def test_a_kill_while_pruning_keeps_only_complete_versions_listed(faults):
    env, settings, builds = faults
    listed_before = recorded_versions(settings)
    assert len(listed_before) == 2
    killed = builds["parquet.pruning"] = _kill_at(env, "parquet.pruning")
    oldest = parquet_versions(settings) / listed_before[0]
    assert oldest.is_dir() and len(list(oldest.iterdir())) < len(list((oldest.parent / killed).iterdir()))
    assert recorded_versions(settings) == [listed_before[1], killed]  # the half-deleted version is not listed
    assert oldest in leftovers(settings)
    assert settings.parquet_dir.resolve().name == killed
    assert _status(settings)[killed[:8]] == "yes"
    _check_parquet(settings)


def test_after_every_kill_a_run_completes_with_no_manual_step_and_no_leftover(faults):
    env, settings, builds = faults
    never_published = builds["publish.before_rename"]
    # A working file written by an earlier version, which recorded a publication before its copy: a phantom row.
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("INSERT INTO ops.publications VALUES (?, now(), NULL, NULL, 0)", [never_published])
    _run(env)
    latest = _latest_run(settings)
    assert leftovers(settings) == []
    assert not list(settings.published.parent.glob(".*incoming*"))
    assert not list(settings.parquet_dir.parent.glob(".parquet.*"))
    listed = _check_parquet(settings)
    assert listed == [builds["parquet.pruning"], latest]
    assert sorted(p.name for p in parquet_versions(settings).iterdir()) == sorted([*listed, VERSIONS_FILE])
    published = _publications(settings.published)
    assert never_published not in published  # the phantom was not carried into the new file's provenance
    assert _working_publications(settings) == set(published)
    status = _status(settings)
    assert status[never_published[:8]] == "no"
    assert all(status[build[:8]] == "yes" for build in (*published[:3], builds["publish.after_rename"]))
