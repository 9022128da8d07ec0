"""Runs the sample: global records first, then partners chunk by chunk, each chunk generated, delivered
(invalid rows, corrections, late versions), recorded in the ground truth and appended to the files."""

from __future__ import annotations

import shutil
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from data_contracts import CONTRACTS
from sample import truth
from sample.delivery import Batch, EntitySpec, Quota, deliver
from sample.formats import open_writer
from sample.systems import DELTA_SYSTEMS, DUPLICATE_SYSTEMS, GLOBAL, MODULES, SYSTEM_MODULES
from sample.world import Chunk, Clock, World, make_partners

CHUNK_PARTNERS = 250
LATE = ("crm", "opportunity")
REDELIVERED = ("crm", "opportunity")


def build_specs() -> dict[tuple[str, str], EntitySpec]:
    """One spec per contract; fails loudly when a contract has no generator (a new entity was added)."""
    generated = set(GLOBAL) | {(m.SYSTEM, entity) for m in MODULES for entity, _ in m.ENTITIES}
    missing = sorted(set(CONTRACTS) - generated)
    if missing:
        raise RuntimeError(f"no sample generator for contracts {missing}")
    specs = {}
    for (system, entity), schema in CONTRACTS.items():
        module = SYSTEM_MODULES[system]
        spec = EntitySpec(system, entity, schema, module.LAYOUT.typed, module.REVISE.get(entity), module.OLDER.get(entity),
                          delivers_delta=system in DELTA_SYSTEMS)
        if spec.has_delta and spec.revise is None:
            raise RuntimeError(f"{system}/{entity} gets a delta file but has no revise function")
        specs[(system, entity)] = spec
    return specs


class Landing:
    """The files of one night: main, delta and late writers per entity, opened once and appended per chunk."""

    def __init__(self, out: Path, clock: Clock, specs: dict[tuple[str, str], EntitySpec]) -> None:
        self.out, self.specs = out, specs
        self.dates = {"main": clock.as_of - timedelta(days=1), "delta": clock.as_of, "late": clock.as_of - timedelta(days=2)}
        self.paths: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.writers: dict[tuple[tuple[str, str], str], object] = {}
        for key, spec in specs.items():
            kinds = ["main"] + (["delta"] if spec.has_delta else []) + (["late"] if key == LATE else [])
            for kind in kinds:
                self._open(key, kind)

    def relative(self, key: tuple[str, str], kind: str, suffix: str = "") -> str:
        system, entity = key
        module = SYSTEM_MODULES[system]
        name = f"{module.file_stem(entity)}_{self.dates[kind]:%Y%m%d}{suffix}.{module.LAYOUT.ext}"
        return f"{system}/{entity}/{name}"

    def _open(self, key: tuple[str, str], kind: str) -> None:
        relative = self.relative(key, kind)
        self.paths[key][kind] = relative
        layout = SYSTEM_MODULES[key[0]].LAYOUT
        self.writers[(key, kind)] = open_writer(self.out / relative, self.specs[key].schema, layout)

    def write(self, key: tuple[str, str], batch: Batch, sink: truth.TruthWriter) -> None:
        system, entity = key
        main = self.paths[key]["main"]
        invalid = self.writers[(key, "main")].write(batch.main, batch.victims)
        sink.add("invalid_rows", ({"system": system, "entity": entity, "file": main, "line": line, "column": column,
                                   "rule": rule, "value": value} for line, column, rule, value in invalid))
        if (key, "delta") in self.writers:
            self.writers[(key, "delta")].write(batch.delta_rows())
        if batch.late:
            self.writers[(key, "late")].write(batch.late)

    def close(self) -> list[dict]:
        """Close every writer, add the re-delivered copy, and list the files for the ground truth."""
        for writer in self.writers.values():
            writer.close()
        files = [{"file": self.paths[key][kind], "system": key[0], "entity": key[1], "rows": writer.rows,
                  "kind": kind, "copy_of": None} for (key, kind), writer in self.writers.items()]
        original = self.paths[REDELIVERED]["main"]
        copy = self.relative(REDELIVERED, "main", "_resend")
        shutil.copyfile(self.out / original, self.out / copy)
        rows = self.writers[(REDELIVERED, "main")].rows
        files.append({"file": copy, "system": REDELIVERED[0], "entity": REDELIVERED[1], "rows": rows,
                      "kind": "redelivered", "copy_of": original})
        # Every file is complete: say so as ELT tools do, so a run straight after loads them without waiting for
        # them to settle (PW_LANDING_SETTLE_SECONDS, connectors/landing.py).
        for folder in {(self.out / f["file"]).parent for f in files}:
            (folder / "_SUCCESS").write_bytes(b"")
        return sorted(files, key=lambda f: f["file"])


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)
        self.started = time.perf_counter()

    @contextmanager
    def timing(self, key: tuple[str, str]):
        start = time.perf_counter()
        yield
        self.seconds[key] += time.perf_counter() - start

    def say(self, message: str) -> None:
        if self.enabled:
            print(f"[sample {time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """What one generation run carries from chunk to chunk."""

    world: World
    specs: dict[tuple[str, str], EntitySpec]
    landing: Landing
    truth: truth.TruthWriter
    progress: Progress
    quotas: dict[tuple[str, str], Quota] = field(default_factory=lambda: defaultdict(Quota))

    @property
    def keys(self) -> dict[tuple[str, str], str]:
        return {key: spec.key for key, spec in self.specs.items()}

    def deliver(self, batches: dict[tuple[str, str], Batch], rng_for) -> None:
        for key, batch in batches.items():
            deliver(batch, self.specs[key], rng_for(f"deliver.{key[0]}.{key[1]}"), self.world.clock, self.quotas[key])

    def write(self, batches: dict[tuple[str, str], Batch]) -> None:
        for key, batch in batches.items():
            with self.progress.timing(key):
                self.landing.write(key, batch, self.truth)


def _run_global(run: Run) -> None:
    """Records that belong to no partner: the CRM users (account owners) and the LMS course catalogue."""
    batches = {}
    for key, make in GLOBAL.items():
        with run.progress.timing(key):
            batches[key] = make(run.world)
    run.deliver(batches, lambda stream: run.world.rng("global", stream))
    truth.record_corrections(run.truth, batches, run.landing.paths, run.keys)
    run.write(batches)


def _run_chunk(run: Run, index: int, first: int, count: int) -> int:
    chunk = Chunk(run.world, index, make_partners(run.world, index, first, count))
    for module in MODULES:
        for entity, make in module.ENTITIES:
            with run.progress.timing((module.SYSTEM, entity)):
                chunk.batches[(module.SYSTEM, entity)] = make(chunk)
    run.deliver(chunk.batches, chunk.rng)
    truth.record_chunk(run.truth, chunk, run.landing.paths, run.keys)
    run.write(chunk.batches)
    return sum(len(b.main) + len(b.new) + len(b.late) for b in chunk.batches.values())


def generate(out: Path, partners: int = 300, seed: int = 7, as_of: date | None = None, *, progress: bool = True) -> dict:
    """Write one night of landing files for `partners` partners under `out`, plus the ground truth."""
    out, as_of = Path(out), as_of or date.today()
    world = World(seed, partners, as_of, MODULES, DUPLICATE_SYSTEMS)
    specs = build_specs()
    run = Run(world, specs, Landing(out, world.clock, specs), truth.TruthWriter(out), Progress(progress))
    _run_global(run)
    starts = range(0, partners, CHUNK_PARTNERS)
    for index, start in enumerate(starts):
        count = min(CHUNK_PARTNERS, partners - start)
        records = _run_chunk(run, index, start + 1, count)
        if index % 10 == 0 or index == len(starts) - 1:
            run.progress.say(f"chunk {index + 1}/{len(starts)}: partners {start + 1}-{start + count}, {records:,} records")
    files = run.landing.close()
    run.truth.add("files", files)
    path = run.truth.finish({"seed": seed, "partner_count": partners, "as_of": as_of.isoformat()})
    _report(run.progress, files)
    return {"out": str(out), "seed": seed, "partners": partners, "as_of": as_of.isoformat(),
            "files": [{k: f[k] for k in ("file", "kind", "rows")} for f in files],
            "rows": sum(f["rows"] for f in files), "invalid_rows": run.truth.counts["invalid_rows"],
            "ground_truth": str(path), "seconds": round(time.perf_counter() - run.progress.started, 2)}


def _report(progress: Progress, files: list[dict]) -> None:
    rows: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for f in files:
        rows[(f["system"], f["entity"])][f["kind"]] = f["rows"]
    for key in sorted(rows):
        counts = "  ".join(f"{kind} {n:>9,}" for kind, n in rows[key].items())
        progress.say(f"{key[0] + '/' + key[1]:<30} {counts}  {progress.seconds[key]:6.2f}s")
