"""Benchmark: generate a sample at a chosen scale, then time each stage and its peak memory.

    python -m benchmarks.run --partners 2000 [--workdir bench_out] [--keep]

Stages run as child processes so each one's peak RSS is its own: generate, load+validate (our loaders),
the same files loaded by plain DuckDB SQL (read_csv / read_json / read_parquet into tables: the floor our
loads are compared with), and dbt build. Prints figures; asserts nothing (speed targets are not tests).
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


def workspace_env(base: Mapping[str, str], folder: Path) -> dict[str, str]:
    """base, with the landing zone, working warehouse and DuckDB temp folder inside folder."""
    return {
        **base,
        "PW_LANDING_DIR": str(folder / "landing"),
        "PW_WAREHOUSE_PATH": str(folder / "warehouse.duckdb"),
        "PW_DUCKDB_TEMP_DIR": str(folder / "tmp"),
    }


@dataclass
class Stage:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None = None
    cpu_seconds: float = 0.0  # user + system: unlike wall time, barely moved by other work on the machine


def run_stage(name: str, command: list[str], env: dict[str, str]) -> tuple[Stage, str]:
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"[bench] stage {name} failed (exit {os.waitstatus_to_exitcode(status)}) after {seconds:.1f}s")
    cpu = usage.ru_utime + usage.ru_stime
    print(f"[bench] {name}: {seconds:.1f}s wall, {cpu:.1f}s CPU, peak {usage.ru_maxrss / 1024:.0f} MB",
          file=sys.stderr, flush=True)
    return Stage(name, seconds, usage.ru_maxrss / 1024, cpu_seconds=cpu), output


def landing_size(landing: Path) -> tuple[int, int]:
    files = [p for p in landing.rglob("*") if p.is_file() and "_ground_truth" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_ROOT / "bench_out")
    parser.add_argument("--skip-dbt", action="store_true", help="only generate and load")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouse")
    parser.add_argument("--skip-floor", action="store_true",
                        help="skip the stages that measure the least any night can cost (night_floor_stages)")
    args = parser.parse_args(argv)

    work = args.workdir / f"p{args.partners}"
    shutil.rmtree(work, ignore_errors=True)
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    env = workspace_env(os.environ, work)
    python = sys.executable
    stages = []
    stage, _ = run_stage("generate", [python, "-m", "sample", "--partners", str(args.partners),
                                      "--seed", str(args.seed), "--out", str(landing)], env)
    stages.append(stage)
    files, size = landing_size(landing)

    stage, _ = run_stage("load+validate", [python, "-m", "connectors"], env)
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        stage.rows = con.execute("SELECT sum(rows_read) FROM ops.loaded_files WHERE status = 'loaded'").fetchone()[0]
    stages.append(stage)

    settings = Settings.from_env(env)
    threads, memory = str(settings.duckdb_threads), settings.duckdb_memory_limit
    stage, output = run_stage("plain DuckDB floor", [python, "-c", FLOOR_SQL, str(landing), str(work / "floor.duckdb"),
                                                    threads, memory], env)
    stage.rows = json.loads(output.strip().splitlines()[-1])["rows"]
    stages.append(stage)

    if not args.skip_dbt:
        dbt_env = dbt_environment(settings, base=env)
        stage, _ = run_stage("dbt build", dbt_command(*BUILD_ARGS, "--quiet"), dbt_env)
        stages.append(stage)
        increment_rows = write_increment(landing, args.partners, args.seed, work / "increment")
        stage, _ = run_stage("night+1: load", [python, "-m", "connectors"], env)
        stage.rows = increment_rows
        stages.append(stage)
        stage, _ = run_stage("night+1: dbt build", dbt_command(*BUILD_ARGS, "--quiet"), dbt_env)
        stages.append(stage)
        if not args.skip_floor:
            stages.extend(night_floor_stages(dbt_env, work, args.seed))

    print_report(args.partners, files, size, stages)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
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


def night_floor_stages(dbt_env: dict[str, str], work: Path, seed: int) -> list[Stage]:
    """What no incremental design can save on a night (what docs/operations.md's "dbt: full rebuilds" rests on):
    dbt's own cost per model and test, measured by building the whole project on a 100-partner warehouse; plus,
    beyond what that tiny build already spent on them, the partner identity (resolved over all records at once:
    one record can merge two partners) and the partner-level marts that depend on the as-of date (activity windows,
    staleness, expiry), each rebuilt on the full warehouse and on the tiny one."""
    build = [*BUILD_ARGS, "--quiet"]
    tiny = work / "floor_tiny"
    tiny_env = workspace_env(dbt_env, tiny)
    python = sys.executable
    run_stage("floor: generate 100 partners", [python, "-m", "sample", "--partners", "100",
                                               "--seed", str(seed), "--out", str(tiny / "landing")], tiny_env)
    run_stage("floor: load 100 partners", [python, "-m", "connectors"], tiny_env)
    stage, _ = run_stage("floor: dbt, 100 partners", dbt_command(*build), tiny_env)
    stages = [stage]
    for name, selection in (("floor: + identity", ["path:models/intermediate/partner"]),
                            ("floor: + time-based marts", TIME_BASED_PARTNER_MODELS)):
        full, _ = run_stage(f"{name} (full)", dbt_command(*build, "--select", *selection), dbt_env)
        small, _ = run_stage(f"{name} (100 partners)", dbt_command(*build, "--select", *selection), tiny_env)
        stages.append(Stage(name, max(full.seconds - small.seconds, 0.0), full.peak_mb,
                            cpu_seconds=max(full.cpu_seconds - small.cpu_seconds, 0.0)))
    return stages


def write_increment(landing: Path, partners: int, seed: int, scratch: Path) -> int:
    """A next night with about 1% of the data: the generator's extracts for 1% of the partners, dated one
    day later (same ids, so most rows are corrected versions of known records, as in a real delta)."""
    from datetime import date, timedelta

    from sample import generate

    truth = json.loads((landing / "_ground_truth" / "ground_truth.json").read_text())
    next_night = date.fromisoformat(truth["as_of"]) + timedelta(days=1)
    summary = generate(scratch, partners=max(1, partners // 100), seed=seed + 1, as_of=next_night, progress=False)
    rows = 0
    for entry in summary["files"]:
        if entry["kind"] == "redelivered":
            continue
        target = landing / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / entry["file"], target.with_name("night2_" + target.name))
        rows += entry["rows"]
    return rows


def print_report(partners: int, files: int, size: int, stages: list[Stage]) -> None:
    print(f"\npartner-warehouse benchmark: {partners:,} partners, {files} files, {size / 1e6:,.1f} MB of extracts\n")
    print(f"{'stage':<27}{'wall s':>9}{'CPU s':>9}{'peak MB':>10}{'rows':>13}{'rows/s':>12}{'MB/s':>9}")
    for s in stages:
        rate = f"{s.rows / s.seconds:,.0f}" if s.rows else ""
        mbps = f"{size / 1e6 / s.seconds:,.1f}" if s.name in ("load+validate", "plain DuckDB floor") else ""
        rows = f"{s.rows:,}" if s.rows else ""
        print(f"{s.name:<27}{s.seconds:>9.1f}{s.cpu_seconds:>9.1f}{s.peak_mb:>10.0f}{rows:>13}{rate:>12}{mbps:>9}")
    by_name = {s.name: s for s in stages}
    if "load+validate" in by_name and "plain DuckDB floor" in by_name:
        ratio = by_name["load+validate"].seconds / by_name["plain DuckDB floor"].seconds
        print(f"\nload+validate takes {ratio:.1f}x the plain DuckDB load of the same files.")
    if "night+1: load" in by_name:
        full = by_name["load+validate"].seconds + by_name["dbt build"].seconds
        night = by_name["night+1: load"].seconds + by_name["night+1: dbt build"].seconds
        print(f"a night with ~1% new data costs {night:.1f}s vs {full:.1f}s for the full build "
              f"({night / full:.0%}; load alone {by_name['night+1: load'].seconds / by_name['load+validate'].seconds:.0%}).")
        full_cpu = by_name["load+validate"].cpu_seconds + by_name["dbt build"].cpu_seconds
        night_cpu = by_name["night+1: load"].cpu_seconds + by_name["night+1: dbt build"].cpu_seconds
        print(f"in CPU time: {night_cpu:.1f}s vs {full_cpu:.1f}s ({night_cpu / full_cpu:.0%}).")
        floor = [by_name.get(n) for n in ("night+1: load", "floor: dbt, 100 partners", "floor: + identity",
                                          "floor: + time-based marts")]
        if all(floor):
            wall, cpu = sum(s.seconds for s in floor), sum(s.cpu_seconds for s in floor)
            print(f"least a dbt night can cost with everything else incremental (night load + the whole dbt project "
                  f"on 100 partners + what identity and the time-based marts add at full size): {wall:.1f}s "
                  f"({wall / full:.0%}), {cpu:.1f} CPU s ({cpu / full_cpu:.0%}).")


if __name__ == "__main__":
    sys.exit(main())
