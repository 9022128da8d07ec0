"""Benchmark: at several sample sizes in one run, time each stage (wall and CPU seconds, peak RSS), print issue 14's
targets as ratios side by side, and a stage table across the sizes that flags any stage growing faster than the data.

    python -m benchmarks.run --partners 300 2000 [--workdir bench_out] [--keep] [--memory-limit 1GB]

Each size: generate; load+validate (`python -m connectors`); the same files loaded by plain DuckDB SQL (read_csv /
read_json / read_parquet into tables: the floor our loads are compared with); then the pipeline exactly as `make run`
runs it (`python -m orchestration.cli run`): a full run on a fresh warehouse, a night with ~1% new data, and a night
with no new file. Once: the whole dbt project on a 100-partner warehouse (`dbt build`, unit tests included, then the
session runner compiling and with its compiled project reused), a
full run at the largest size with PW_DUCKDB_MEMORY_LIMIT=1GB, and the load of one 20 MB and one 200 MB CSV (peak
RSS against file size). The stages call the project's own commands, never a
copy of them, so the figures follow whatever the loader and the pipeline's dbt step do. Each stage is a child
process: its CPU time and peak RSS are its own. Prints figures; asserts nothing (speed targets are not tests).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from settings import PROJECT_ROOT, Settings
from warehouse.dbt import BUILD_ARGS, dbt_command, dbt_environment

FLOOR_SQL = """
import duckdb, sys, json
from pathlib import Path
from connectors.formats import detect_format
from connectors.registry import SOURCES
landing, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db, config={'threads': sys.argv[3], 'memory_limit': sys.argv[4]})
rows = 0
for source in SOURCES.values():
    for entity in source.entities:
        files = [str(p) for p in source.extract_files(landing, entity)]
        if not files:
            continue
        fmt = detect_format(Path(files[0]), files[0], source.legacy_encoding)
        kind, enc = fmt.kind, fmt.encoding
        if kind == 'csv':
            reader = f"read_csv({files!r}, all_varchar=true, encoding='{'latin-1' if enc == 'cp1252' else 'utf-8'}', union_by_name=true)"
        elif kind == 'jsonl':
            reader = f"read_json({files!r}, format='newline_delimited', union_by_name=true)"
        else:
            reader = f"read_parquet({files!r}, union_by_name=true)"
        table = f"floor_{source.name}_{entity}"
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {reader}")
        rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
print(json.dumps({'rows': rows}))
"""

# What a run with no new file must say (issue 14); the bench reports whether the pipeline's output says it.
NOTHING_NEW = "nothing new arrived"
# A stage growing this much faster than the data between two sizes is flagged (CPU time; 10% for noise).
GROWTH_TOLERANCE = 1.1
# The stage table's stages, in order (a size's other stages are reported in the targets).
TABLE_STAGES = ("generate", "load+validate", "plain DuckDB floor", "full run", "scorecards", "night +1%",
                "night, no new file")


def workspace_env(base: Mapping[str, str], folder: Path) -> dict[str, str]:
    """base, with the landing zone, warehouse, published copy, reports, DuckDB temp folder and Dagster home
    inside folder (a bench never touches the working or published warehouse)."""
    return {
        **base,
        "PW_LANDING_DIR": str(folder / "landing"),
        "PW_WAREHOUSE_PATH": str(folder / "warehouse" / "warehouse.duckdb"),
        "PW_PUBLISHED_PATH": str(folder / "published" / "warehouse.duckdb"),
        "PW_REPORTS_DIR": str(folder / "reports"),
        "PW_DUCKDB_TEMP_DIR": str(folder / "tmp"),
        "DAGSTER_HOME": str(folder / "dagster_home"),
    }


@dataclass
class Stage:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None = None
    cpu_seconds: float = 0.0  # user + system: unlike wall time, barely moved by other work on the machine
    ok: bool = True
    log: Path | None = None


def run_stage(name: str, command: list[str], env: dict[str, str], log_dir: Path, check: bool = True) -> tuple[Stage, str]:
    """Run one stage as a child process; its output goes to log_dir/<name>.log, its stdout is also returned."""
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name.replace(' ', '_').replace('/', '_')}.log"
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    log.write_text(output + log.read_text())
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and check:
        raise SystemExit(f"[bench] stage {name} failed (exit {code}) after {seconds:.1f}s: see {log}")
    cpu = usage.ru_utime + usage.ru_stime
    print(f"[bench] {name}: {seconds:.1f}s wall, {cpu:.1f}s CPU, peak {usage.ru_maxrss / 1024:.0f} MB"
          + ("" if code == 0 else f", FAILED (exit {code})"), file=sys.stderr, flush=True)
    return Stage(name, seconds, usage.ru_maxrss / 1024, cpu_seconds=cpu, ok=code == 0, log=log), output


def landing_size(landing: Path) -> tuple[int, int]:
    files = [p for p in landing.rglob("*") if p.is_file() and "_ground_truth" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files)


@dataclass
class SizeResult:
    partners: int
    files: int
    size: int
    stages: dict[str, Stage]
    said_nothing_new: bool | None = None


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def generate(work: Path, partners: int, seed: int, env: dict[str, str]) -> Stage:
    stage, _ = run_stage("generate", python_command("-m", "sample", "--partners", str(partners), "--seed", str(seed),
                                                    "--out", str(work / "landing")), env, work / "logs")
    return stage


def pipeline_run(name: str, env: dict[str, str], log_dir: Path, as_of: date, check: bool = True) -> Stage:
    """The pipeline as `make run` runs it, for the night of as_of."""
    stage, _ = run_stage(name, python_command("-m", "orchestration.cli", "run"),
                         {**env, "PW_AS_OF_DATE": as_of.isoformat()}, log_dir, check=check)
    return stage


def measure_size(partners: int, seed: int, work: Path, memory_limit: str = "") -> SizeResult:
    """Every stage at one size: loads and the floor on one warehouse, the pipeline's nights on another; with
    memory_limit, also a full run under that DuckDB memory limit on a third."""
    shutil.rmtree(work, ignore_errors=True)
    env, logs = workspace_env(os.environ, work), work / "logs"
    stages = {"generate": generate(work, partners, seed, env)}
    landing = work / "landing"
    files, size = landing_size(landing)
    as_of = date.fromisoformat(json.loads((landing / "_ground_truth" / "ground_truth.json").read_text())["as_of"])

    load_env = workspace_env(os.environ, work / "load_only")
    load_env["PW_LANDING_DIR"] = str(landing)
    stage, _ = run_stage("load+validate", python_command("-m", "connectors"), load_env, logs)
    import duckdb

    with duckdb.connect(load_env["PW_WAREHOUSE_PATH"], read_only=True) as con:
        stage.rows = con.execute("SELECT sum(rows_read) FROM ops.loaded_files WHERE status = 'loaded'").fetchone()[0]
    stages["load+validate"] = stage

    settings = Settings.from_env(env)
    stage, output = run_stage("plain DuckDB floor", python_command(
        "-c", FLOOR_SQL, str(landing), str(work / "floor.duckdb"), str(settings.duckdb_threads),
        settings.duckdb_memory_limit), env, logs)
    stage.rows = json.loads(output.strip().splitlines()[-1])["rows"]
    stages["plain DuckDB floor"] = stage

    stages["full run"] = pipeline_run("full run", env, logs, as_of)
    # every partner's scorecard and the isolation check, from the warehouse the full run published (issue 15)
    stages["scorecards"], _ = run_stage("scorecards", python_command("-m", "scorecards", "--quiet"), env, logs)
    if memory_limit:
        stages["memory-limited run"] = memory_limited_run(env, work / "memory_limited", as_of, memory_limit)
    increment_rows = write_increment(landing, partners, seed, work / "increment")
    stages["night +1%"] = pipeline_run("night +1%", env, logs, as_of + timedelta(days=1))
    stages["night +1%"].rows = increment_rows
    quiet = pipeline_run("night, no new file", env, logs, as_of + timedelta(days=2))
    stages["night, no new file"] = quiet
    said = NOTHING_NEW in quiet.log.read_text().lower()
    return SizeResult(partners, files, size, stages, said_nothing_new=said)


# The pipeline's dbt step as the nightly path runs it (PW_DBT_RUNNER=session): the compiled project in one DuckDB
# session, every model, seed and nightly test. Run twice: the first compiles, the second reuses the compiled project.
SESSION_BUILD = """
from settings import Settings
from warehouse.connection import connect
from warehouse.runner import build
settings = Settings.from_env()
results, _ = build(settings, lambda: connect(settings))
failed = [r.unique_id for r in results if r.status in ('error', 'fail')]
assert not failed, failed
"""


def dbt_project_stage(seed: int, work: Path) -> list[Stage]:
    """The whole dbt project on a 100-partner warehouse: `dbt build` (every model, seed, data and unit test: dbt's
    fixed cost), then the session runner compiling and the session runner reusing the compiled project."""
    shutil.rmtree(work, ignore_errors=True)
    env, logs = workspace_env(os.environ, work), work / "logs"
    generate(work, 100, seed, env)
    run_stage("load 100 partners", python_command("-m", "connectors"), env, logs)
    dbt_env = dbt_environment(Settings.from_env(env), base=env)
    stage, _ = run_stage("dbt project, 100 partners", dbt_command("build", "--quiet"), dbt_env, logs)
    stages = [stage]
    for name in ("session runner, compiling", "session runner, compiled"):
        session, _ = run_stage(name, python_command("-c", SESSION_BUILD), env, logs)
        stages.append(session)
    return stages


def write_large_csv(template: Path, destination: Path, megabytes: int) -> int:
    """One CSV of about `megabytes` MB: the template's rows repeated, each with a new first-column id (the bench's
    own, so that no row repeats a key), marked complete with `_SUCCESS`. Returns its rows."""
    import csv

    with template.open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    destination.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with destination.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        while handle.tell() < megabytes * 1_000_000:
            for row in body:
                writer.writerow([f"BENCH{rows:013d}", *row[1:]])
                rows += 1
    (destination.parent / "_SUCCESS").touch()
    return rows


def large_file_stages(landing: Path, work: Path, sizes_mb: list[int]) -> list[Stage]:
    """The load of one large CSV per size (#15: memory must not grow with the file): CRM opportunities, the
    template being the largest opportunity file of `landing`."""
    template = max((landing / "crm" / "opportunity").glob("*.csv"), key=lambda p: p.stat().st_size)
    stages = []
    for megabytes in sizes_mb:
        folder = work / f"large_{megabytes}mb"
        shutil.rmtree(folder, ignore_errors=True)
        rows = write_large_csv(template, folder / "landing" / "crm" / "opportunity" / "Opportunity_large.csv",
                               megabytes)
        env = {**workspace_env(os.environ, folder), "PW_LANDING_SETTLE_SECONDS": "0"}
        stage, _ = run_stage(f"one {megabytes} MB CSV", python_command("-m", "connectors", "--system", "crm"),
                             env, folder / "logs")
        stage.rows = rows
        stages.append(stage)
        shutil.rmtree(folder / "landing", ignore_errors=True)
    return stages


def memory_limited_run(env: dict[str, str], work: Path, as_of: date, limit: str) -> Stage:
    """A full run on the same files into a fresh warehouse with PW_DUCKDB_MEMORY_LIMIT=limit: completes or not,
    and its peak RSS."""
    limited_env = {**workspace_env(env, work), "PW_LANDING_DIR": env["PW_LANDING_DIR"], "PW_DUCKDB_MEMORY_LIMIT": limit}
    return pipeline_run(f"full run, memory limit {limit}", limited_env, work / "logs", as_of, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, nargs="+", default=[300, 2000],
                        help="sample sizes, smallest first (default: 300 2000, the default sample and a larger one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_ROOT / "bench_out")
    parser.add_argument("--memory-limit", default="1GB",
                        help="PW_DUCKDB_MEMORY_LIMIT of the extra full run at the largest size ('' to skip it)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouses")
    parser.add_argument("--large-file-mb", type=int, nargs="*", default=[20, 200],
                        help="load one CSV of each of these sizes in MB, for the loader's peak RSS against file size "
                             "(default: 20 200; none to skip)")
    parser.add_argument("--night-floor", action="store_true",
                        help="also measure the least any night can cost at the largest size (night_floor_stages)")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.partners))

    results = [measure_size(partners, args.seed, args.workdir / f"p{partners}",
                            memory_limit=args.memory_limit if partners == sizes[-1] else "") for partners in sizes]
    dbt_project = dbt_project_stage(args.seed, args.workdir / "p100_dbt")
    limited = results[-1].stages.get("memory-limited run")
    large = large_file_stages(args.workdir / f"p{sizes[0]}" / "landing", args.workdir, args.large_file_mb)
    floor = night_floor_stages(args.workdir / f"p{sizes[-1]}", args.seed) if args.night_floor else []

    print_stage_table(results)
    print_targets(results, dbt_project, limited)
    print_large_files(large)
    if floor:
        print_night_floor(results[-1], floor)
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


# Partner-level models whose numbers move with the as-of date (activity windows, staleness, certification expiry,
# fiscal quarters), or are built from such numbers (tier gap, partner_360): they must be recomputed for every
# partner every night, whatever arrived. Keep in step with the models that use as_of_date.
TIME_BASED_PARTNER_MODELS = [
    "int_revenue__partner_performance", "int_tier__partner_gap", "fct_audit_stale_record",
    "fct_audit_certification_risk", "fct_partner_certification_requirement", "mart_partner_certification_summary",
    "mart_partner_engagement_summary", "mart_partner_incentive_summary", "mart_partner_profile_completeness",
    "mart_completeness", "partner_360", "int_engagement__partner_activities", "int_capability__certifications",
    "int_incentive__mdf_performance",
]


def night_floor_stages(work: Path, seed: int) -> list[Stage]:
    """What no incremental design can save on a night (what docs/operations.md's "dbt: full rebuilds" rests on):
    beyond what the whole project on a 100-partner warehouse already spent on them, the partner identity (resolved
    over all records at once: one record can merge two partners) and the partner-level marts that depend on the
    as-of date (activity windows, staleness, expiry), each rebuilt on the full warehouse (the size's pipeline
    warehouse) and on a tiny one."""
    build = [*BUILD_ARGS, "--quiet"]
    env = workspace_env(os.environ, work)
    full_env = dbt_environment(Settings.from_env(env), base=env)
    tiny = work / "floor_tiny"
    tiny_env = workspace_env(os.environ, tiny)
    generate(tiny, 100, seed, tiny_env)
    run_stage("floor: load 100 partners", python_command("-m", "connectors"), tiny_env, tiny / "logs")
    tiny_env = dbt_environment(Settings.from_env(tiny_env), base=tiny_env)
    run_stage("floor: dbt, 100 partners", dbt_command(*build), tiny_env, tiny / "logs")
    stages = []
    for name, selection in (("floor: + identity", ["path:models/intermediate/partner"]),
                            ("floor: + time-based marts", TIME_BASED_PARTNER_MODELS)):
        full, _ = run_stage(f"{name} (full)", dbt_command(*build, "--select", *selection), full_env, tiny / "logs")
        small, _ = run_stage(f"{name} (100 partners)", dbt_command(*build, "--select", *selection), tiny_env,
                             tiny / "logs")
        stages.append(Stage(name, max(full.seconds - small.seconds, 0.0), full.peak_mb,
                            cpu_seconds=max(full.cpu_seconds - small.cpu_seconds, 0.0)))
    return stages


def write_increment(landing: Path, partners: int, seed: int, scratch: Path) -> int:
    """A next night with about 1% of the data: the generator's extracts for 1% of the partners, dated one
    day later (same ids, so most rows are corrected versions of known records, as in a real delta)."""
    from sample import generate as generate_sample

    truth = json.loads((landing / "_ground_truth" / "ground_truth.json").read_text())
    next_night = date.fromisoformat(truth["as_of"]) + timedelta(days=1)
    summary = generate_sample(scratch, partners=max(1, partners // 100), seed=seed + 1, as_of=next_night,
                              progress=False)
    rows = 0
    for entry in summary["files"]:
        if entry["kind"] == "redelivered":
            continue
        target = landing / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / entry["file"], target.with_name("night2_" + target.name))
        # Complete, as a delivery says so (connectors/landing.py): without it the night would leave every file
        # waiting (not settled yet) and the next stage would load them.
        (target.parent / "_SUCCESS").touch()
        rows += entry["rows"]
    return rows


# ------------------------------------------------------------------------------------------ report
def growth_flags(results: list[SizeResult], name: str) -> list[str]:
    """Per size after the first: the stage's CPU growth from the previous size over the data's (extract bytes);
    '!' marks a stage growing faster than the data."""
    cells = [""]
    for previous, current in zip(results, results[1:]):
        before, after = previous.stages.get(name), current.stages.get(name)
        if not before or not after or before.cpu_seconds <= 0:
            cells.append("")
            continue
        growth, data = after.cpu_seconds / before.cpu_seconds, current.size / previous.size
        cells.append(f"x{growth:.1f}/{data:.1f}" + (" !" if growth > data * GROWTH_TOLERANCE else ""))
    return cells


def print_stage_table(results: list[SizeResult]) -> None:
    print("\npartner-warehouse benchmark (wall s / CPU s / peak MB per size; growth: CPU x over data x from the "
          "previous size, ! = faster than the data)\n")
    for result in results:
        print(f"  {result.partners:>7,} partners: {result.files} files, {result.size / 1e6:,.1f} MB of extracts, "
              f"{result.stages['load+validate'].rows or 0:,} rows loaded")
    header = f"\n{'stage':<22}" + "".join(f"{f'{r.partners:,} partners':>34}" for r in results)
    print(header)
    for name in TABLE_STAGES:
        cells = []
        for result, growth in zip(results, growth_flags(results, name)):
            stage = result.stages.get(name)
            text = f"{stage.seconds:.1f} / {stage.cpu_seconds:.1f} / {stage.peak_mb:.0f}" if stage else "-"
            cells.append(f"{text + ('  ' + growth if growth else ''):>34}")
        print(f"{name:<22}" + "".join(cells))


def print_targets(results: list[SizeResult], dbt_project: list[Stage], limited: Stage | None) -> None:
    """Issue 14's targets, each as the measured ratio next to the target, one column per size."""
    print(f"\n{'target':<58}" + "".join(f"{f'{r.partners:,}':>14}" for r in results))

    def row(label: str, cell) -> None:
        print(f"{label:<58}" + "".join(f"{cell(r):>14}" for r in results))

    def load_ratio(r: SizeResult) -> str:
        load, floor = r.stages["load+validate"], r.stages["plain DuckDB floor"]
        return f"{load.cpu_seconds / floor.cpu_seconds:.2f}x" if floor.cpu_seconds else "-"

    row("load+validate / plain DuckDB load, CPU s (<= 1.5x)", load_ratio)
    row("load+validate peak RSS, MB (flat in file size)", lambda r: f"{r.stages['load+validate'].peak_mb:.0f}")
    row("full run (make run), wall s (<= 60 s on the default sample)", lambda r: f"{r.stages['full run'].seconds:.1f}")

    def night_share(r: SizeResult) -> str:
        full, night = r.stages["full run"], r.stages["night +1%"]
        allowed = 0.1 * full.seconds + 15
        return f"{night.seconds:.0f}/{allowed:.0f}s" + (" ok" if night.seconds <= allowed else "")

    row("1% night, wall s / (10% of full run + 15 s)", night_share)
    row("1% night, share of full run (wall; compass 5%)",
        lambda r: f"{r.stages['night +1%'].seconds / r.stages['full run'].seconds:.0%}")
    row("no new file: wall s, share of full run",
        lambda r: f"{r.stages['night, no new file'].seconds:.0f}s "
                  f"{r.stages['night, no new file'].seconds / r.stages['full run'].seconds:.0%}")
    row(f'no new file: says "{NOTHING_NEW}"', lambda r: "yes" if r.said_nothing_new else "no")
    print("\nwhole dbt project on 100 partners (target <= 10 s wall):")
    for stage, what in zip(dbt_project, ("dbt build, unit tests included", "session runner (the nightly path), "
                                         "compiling first", "session runner, compiled project reused"), strict=True):
        print(f"  {what}: {stage.seconds:.1f} s wall, {stage.cpu_seconds:.1f} CPU s, peak {stage.peak_mb:.0f} MB")
    if limited:
        outcome = "completed" if limited.ok else f"FAILED (see {limited.log})"
        print(f"{limited.name} at {results[-1].partners:,} partners: {outcome}, {limited.seconds:.1f} s wall, "
              f"{limited.cpu_seconds:.1f} CPU s, peak RSS {limited.peak_mb:.0f} MB")


def print_large_files(stages: list[Stage]) -> None:
    """Peak RSS of loading one CSV per size, and the largest file's over the smallest's (target: flat, ~1x)."""
    if not stages:
        return
    print("\none large CSV loaded (python -m connectors --system crm), peak RSS against file size (target: flat):")
    for stage in stages:
        print(f"  {stage.name}: {stage.rows:,} rows, {stage.seconds:.1f} s wall, {stage.cpu_seconds:.1f} CPU s, "
              f"peak {stage.peak_mb:.0f} MB")
    if len(stages) > 1:
        print(f"  peak RSS, largest over smallest file: {stages[-1].peak_mb / stages[0].peak_mb:.2f}x")


def print_night_floor(result: SizeResult, floor: list[Stage]) -> None:
    full, night = result.stages["full run"], result.stages["night +1%"]
    for stage in floor:
        print(f"{stage.name} at {result.partners:,} partners: {stage.seconds:.1f} s wall, {stage.cpu_seconds:.1f} CPU s")
    wall = sum(s.seconds for s in floor)
    print(f"identity and time-based marts add {wall:.1f} s to any night ({wall / full.seconds:.0%} of the full run; "
          f"the 1% night took {night.seconds:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
