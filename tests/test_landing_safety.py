"""The landing zone is read safely (#15): a file still being copied in is left until it has settled (or a `_SUCCESS`
marker says its folder is complete), a file that grew after it was loaded is never loaded twice, a symbolic link
leaving the landing zone is refused without reading its target, and in-progress names (`.part` ...) never load.
Real files in tmp_path, loaded by `connectors.loader.load_entity` (and the `python -m connectors` CLI) into a real
DuckDB file."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.loader import load_entity
from connectors.registry import get_source
from settings import PROJECT_ROOT
from tests.conftest import settings_for
from warehouse.connection import connect

HEADER = ["Id", "Name", "Type", "IsPartner", "NumberOfEmployees", "CreatedDate", "LastModifiedDate"]
SETTLE = 60.0
# A line planted in a file outside the landing zone: it must reach no table and no output.
PLANTED = "Planted Secret Outsider 4711"


def _rows(first: int, count: int) -> list[list[str]]:
    return [[f"001{n:012d}AAA", f"Account {n}", "Partner", "true", str(n), "2026-01-05T10:30:00Z",
             "2026-11-01T08:00:00Z"] for n in range(first, first + count)]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _folder(landing: Path) -> Path:
    folder = landing / "crm" / "account"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _age(path: Path, seconds: float) -> None:
    """Set the file's modification time `seconds` in the past (a delivery that finished that long ago)."""
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def _load(settings):
    with connect(settings) as con:
        return load_entity(get_source("crm"), "account", settings, con)


def _raw_count(settings) -> int:
    with connect(settings, read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw_crm.account").fetchone()[0]


def _recorded(settings) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(
            "SELECT source_file, status, rows_read, rows_loaded, error_rule, error, note FROM ops.loaded_files "
            "ORDER BY loaded_at, source_file"
        ).fetchall()


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def settings(tmp_path, landing):
    return settings_for(tmp_path, landing, landing_settle_seconds=SETTLE)


def test_a_file_copied_in_two_steps_loads_once_after_it_settled(settings, landing):
    path = _folder(landing) / "Account_20261125.csv"
    path.write_bytes(_csv([HEADER, *_rows(1, 40)]))  # the copy's first part: it ends on a line, like a whole file
    report = _load(settings)
    assert report.files == [] and report.rejected == []
    assert [w.file for w in report.waiting] == ["crm/account/Account_20261125.csv"]
    assert "not settled" in report.waiting[0].note and "left for the next run" in report.waiting[0].note
    assert _raw_count(settings) == 0
    [(file, status, *_, note)] = _recorded(settings)
    assert (file, status) == ("crm/account/Account_20261125.csv", "waiting")
    assert "PW_LANDING_SETTLE_SECONDS=60" in note
    from orchestration.summary import status_report

    assert "Waiting files" in status_report(settings) and note in status_report(settings)

    with open(path, "ab") as handle:  # the rest of the copy
        handle.write(_csv(_rows(41, 60)))
    assert _load(settings).waiting and _raw_count(settings) == 0  # just written: still left

    _age(path, SETTLE + 5)  # nothing written for longer than the settle time: complete
    report = _load(settings)
    assert [(f.file, f.rows_read, f.rows_loaded) for f in report.files] == [("crm/account/Account_20261125.csv", 100, 100)]
    assert report.waiting == []
    assert _raw_count(settings) == 100
    assert "Waiting files" not in status_report(settings)  # loaded since
    assert _load(settings).skipped_files == 1 and _raw_count(settings) == 100  # and never again


def test_a_success_marker_makes_a_fresh_folder_load_at_once(settings, landing):
    folder = _folder(landing) / "2026-11-25"
    folder.mkdir()
    (folder / "part-00000.csv").write_bytes(_csv([HEADER, *_rows(1, 30)]))
    (folder / "part-00001.csv").write_bytes(_csv([HEADER, *_rows(31, 20)]))
    (folder / "_SUCCESS").write_bytes(b"")  # written by the tool once the job's output is complete
    report = _load(settings)
    assert sorted((f.file, f.rows_loaded) for f in report.files) == [
        ("crm/account/2026-11-25/part-00000.csv", 30), ("crm/account/2026-11-25/part-00001.csv", 20)]
    assert report.waiting == [] and _raw_count(settings) == 50

    # A file written into the folder after its marker is not covered by it (the earlier ones still are).
    for name, seconds in (("part-00000.csv", 31), ("part-00001.csv", 31), ("_SUCCESS", 30)):
        _age(folder / name, seconds)
    (folder / "part-00002.csv").write_bytes(_csv([HEADER, *_rows(51, 5)]))
    report = _load(settings)
    assert report.files == [] and report.skipped_files == 2
    assert [w.file for w in report.waiting] == ["crm/account/2026-11-25/part-00002.csv"]
    assert _raw_count(settings) == 50


def test_a_file_that_grew_after_it_was_loaded_is_not_loaded_twice(tmp_path, landing):
    settings = settings_for(tmp_path, landing, landing_settle_seconds=0)  # the settle check off: the prefix loads
    path = _folder(landing) / "Account_20261125.csv"
    path.write_bytes(_csv([HEADER, *_rows(1, 40)]))
    assert _load(settings).files[0].rows_loaded == 40
    with open(path, "ab") as handle:
        handle.write(_csv(_rows(41, 60)))
    for _ in range(2):  # refused on every run until someone acts, and nothing is loaded twice
        report = _load(settings)
        assert report.files == []
        [error] = report.rejected
        assert (error.file, error.rule) == ("crm/account/Account_20261125.csv", "grown_after_load")
        assert "grew after it was loaded" in str(error) and "40 rows" in str(error)
        assert _raw_count(settings) == 40
    statuses = [(status, rows_loaded, rule) for _, status, _, rows_loaded, rule, *_ in _recorded(settings)]
    assert statuses == [("loaded", 40, None), ("failed", None, "grown_after_load"), ("failed", None, "grown_after_load")]

    # A different file at the same path (not a continuation of what was loaded) is a new delivery, as before.
    path.write_bytes(_csv([HEADER, *_rows(500, 3)]))
    assert _load(settings).files[0].rows_loaded == 3 and _raw_count(settings) == 43


def _every_ops_text(settings) -> str:
    with connect(settings, read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'ops' OR table_schema LIKE 'raw_%'").fetchall()]
        return "\n".join(str(con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)


def test_a_link_leaving_the_landing_zone_is_refused_unread(tmp_path, landing):
    settings = settings_for(tmp_path, landing, landing_settle_seconds=0)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_bytes(_csv([[PLANTED, *HEADER[1:]], *_rows(1, 3)]))  # its first line is the planted one
    folder = _folder(landing)
    (folder / "Account_20261125.csv").symlink_to(secret)
    (folder / "exports").symlink_to(outside, target_is_directory=True)
    # A link that stays inside the landing zone is followed.
    archive = landing / "archive"
    archive.mkdir()
    (archive / "accounts.csv").write_bytes(_csv([HEADER, *_rows(10, 2)]))
    (folder / "Account_20261126.csv").symlink_to(archive / "accounts.csv")

    report = _load(settings)
    assert [(f.file, f.rows_loaded) for f in report.files] == [("crm/account/Account_20261126.csv", 2)]
    refused = {error.file: error for error in report.rejected}
    assert set(refused) == {"crm/account/Account_20261125.csv", "crm/account/exports"}
    for error in refused.values():
        assert error.rule == "symlink_outside" and "outside the landing zone" in str(error)
        assert str(outside) not in str(error)  # not even where it points
    texts = _every_ops_text(settings)
    assert "symlink_outside" in texts
    assert PLANTED not in texts and "Planted" not in texts
    assert _raw_count(settings) == 2

    # The CLI run (what `python -m connectors` prints) names the links and nothing of their target.
    # Exactly these settings: a variable another test left in the environment (PW_PUBLISHED_PATH) stays out.
    env = {**{k: v for k, v in os.environ.items() if k not in settings.unset_variables()}, **settings.to_env()}
    process = subprocess.run([sys.executable, "-m", "connectors", "--system", "crm"], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    output = process.stdout + process.stderr
    assert process.returncode == 1, output  # a rejected file makes the load exit 1
    assert "crm/account/exports" in output and "symbolic link" in output
    assert PLANTED not in output and "Planted" not in output
    assert PLANTED not in _every_ops_text(settings)


def test_in_progress_names_never_load(settings, landing):
    folder = _folder(landing)
    for name in ("Account_1.csv.part", "Account_2.csv.crdownload", "Account_3.csv._COPYING_", "Account_4.csv.tmp",
                 "Account_5.csv.filepart", "~$Account_6.xlsx"):
        (folder / name).write_bytes(_csv([HEADER, *_rows(1, 5)]))
        _age(folder / name, SETTLE * 10)  # old, and marked complete: still not extracts
    (folder / "_SUCCESS").write_bytes(b"")
    report = _load(settings)
    assert (report.files, report.waiting, report.rejected, report.skipped_files) == ([], [], [], 0)
    assert _recorded(settings) == [] and _raw_count(settings) == 0
