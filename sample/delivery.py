"""How one chunk of records is delivered: main extract (with contract-invalid rows), delta and late files.

Row dicts carry canonical column names with Python values; keys starting with `_` are generator notes
(`_k` partner key, `_p` protected: must not be made invalid because the truth relies on it).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pandera.pandas as pa

from sample.invalid import UNIQUE_KEY, bad_value, injection_options
from sample.world import Clock, between

INVALID_RATE = 0.015
CORRECTION_RATE = 0.03
UNIQUE_SHARE = 0.1

Revise = Callable[[dict, random.Random], tuple[dict, str]]


@dataclass
class Victim:
    rule: str
    column: str
    value: object = None


@dataclass
class Batch:
    main: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)  # records first delivered in the delta
    late: list[dict] = field(default_factory=list)
    victims: dict[int, Victim] = field(default_factory=dict)
    corrections: dict[int, tuple[dict, str]] = field(default_factory=dict)

    def quarantined(self, index: int) -> bool:
        victim = self.victims.get(index)
        return victim is not None and victim.rule != UNIQUE_KEY and index not in self.corrections

    def final_rows(self) -> list[dict]:
        """The newest valid version of every record a correct loader ends up with."""
        rows = [self.corrections[i][0] if i in self.corrections else row
                for i, row in enumerate(self.main) if not self.quarantined(i)]
        return rows + self.new

    def delta_rows(self) -> list[dict]:
        return [self.corrections[i][0] for i in sorted(self.corrections)] + self.new


@dataclass
class EntitySpec:
    system: str
    entity: str
    schema: pa.DataFrameSchema
    typed: frozenset[str]
    revise: Revise | None = None
    older: Revise | None = None  # builds the older version a late file carries
    delivers_delta: bool = False  # the system sends a morning delta file (sample.systems.DELTA_SYSTEMS)
    options: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.options = injection_options(self.schema, self.typed)

    @property
    def key(self) -> str:
        return self.schema.metadata["key"][0]

    @property
    def version(self) -> str | None:
        return self.schema.metadata["version"]

    @property
    def has_delta(self) -> bool:
        return self.delivers_delta and self.version is not None


@dataclass
class Quota:
    """Cumulative invalid-row quota of one main file: round(1.5%) of the rows so far (never above 5%)."""

    rows: int = 0
    invalid: int = 0

    def take(self, rows: int) -> int:
        self.rows += rows
        need = int(self.rows * INVALID_RATE + 0.5) - self.invalid
        return max(0, need)


def pick_victims(batch: Batch, spec: EntitySpec, rng: random.Random, need: int) -> int:
    eligible = [i for i, row in enumerate(batch.main) if not row.get("_p")]
    chosen = sorted(rng.sample(eligible, min(need, len(eligible))))
    for index in chosen:
        batch.victims[index] = _victim(batch.main[index], spec, rng)
    return len(chosen)


def _victim(row: dict, spec: EntitySpec, rng: random.Random) -> Victim:
    if rng.random() < UNIQUE_SHARE:
        return Victim(UNIQUE_KEY, spec.key)
    pairs = [(rule, col) for rule, cols in spec.options.items() for col in cols
             if rule == "not_nullable" or row.get(col) is not None]
    rule = rng.choice(sorted({rule for rule, _ in pairs}))
    column = rng.choice([col for r, col in pairs if r == rule])
    meta = spec.schema.columns[column].metadata
    return Victim(rule, column, bad_value(rule, meta, row.get(column), rng))


def pick_corrections(batch: Batch, spec: EntitySpec, rng: random.Random, clock: Clock) -> None:
    """Every invalid main row is corrected in the delta; a few valid ones get a real change."""
    for index, row in enumerate(batch.main):
        victim = batch.victims.get(index)
        if victim and victim.rule != UNIQUE_KEY:
            batch.corrections[index] = (_bump(dict(row), spec, rng, clock), victim.column)
        elif rng.random() < CORRECTION_RATE:
            revised, column = spec.revise(dict(row), rng)
            batch.corrections[index] = (_bump(revised, spec, rng, clock), column)


def _bump(row: dict, spec: EntitySpec, rng: random.Random, clock: Clock) -> dict:
    row[spec.version] = between(rng, clock.main_at + timedelta(minutes=1), clock.delta_at)
    return row


def pick_late(batch: Batch, spec: EntitySpec, rng: random.Random, clock: Clock, share: float = 0.35) -> None:
    """Older versions of some corrected records, as the extract of two nights ago held them.

    The main version of such a record moves into the last day (it changed after the late extract was taken).
    """
    for index in sorted(batch.corrections):
        row = batch.main[index]
        created = row.get("created_date") or row.get("created_at")
        if index in batch.victims or rng.random() >= share or (created and created > clock.late_at - timedelta(hours=2)):
            continue
        row[spec.version] = between(rng, clock.late_at + timedelta(hours=1), clock.main_at)
        older, _ = spec.older(dict(row), rng)
        floor = max(created, clock.late_at - timedelta(days=20)) if created else clock.late_at - timedelta(days=20)
        older[spec.version] = between(rng, floor, clock.late_at)
        batch.late.append(older)


def deliver(batch: Batch, spec: EntitySpec, rng: random.Random, clock: Clock, quota: Quota) -> None:
    quota.invalid += pick_victims(batch, spec, rng, quota.take(len(batch.main)))
    if spec.has_delta:
        pick_corrections(batch, spec, rng, clock)
    if spec.older is not None:
        pick_late(batch, spec, rng, clock)
