"""The business behind the files: the partners (with their true attributes) and the clock of one night.

A `Chunk` holds everything generated for one slice of partners; the system modules read the partners and
each other's records from it and add their own batches, so nothing outlives the chunk but the counters.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sample import reference as ref
from sample.dirt import ascii_fold
from sample.ids import Ids

INACTIVE_DAYS = 180
STALE_DAYS = 365


@dataclass(frozen=True)
class Clock:
    """The night being simulated: main extracts are taken the evening before `as_of`, deltas in its morning."""

    as_of: date

    @property
    def main_at(self) -> datetime:
        return datetime.combine(self.as_of - timedelta(days=1), time(22, 0))

    @property
    def late_at(self) -> datetime:
        return self.main_at - timedelta(days=1)

    @property
    def delta_at(self) -> datetime:
        return datetime.combine(self.as_of, time(5, 0))

    @property
    def midnight(self) -> datetime:
        return datetime.combine(self.as_of, time(0, 0))

    @property
    def inactive_before(self) -> datetime:
        return self.midnight - timedelta(days=INACTIVE_DAYS)

    @property
    def stale_before(self) -> datetime:
        return self.midnight - timedelta(days=STALE_DAYS)

    def days_ago(self, rng: random.Random, low: int, high: int) -> datetime:
        """A moment between `high` and `low` days before as-of, never after the main extract."""
        moment = self.midnight - timedelta(days=low) - timedelta(seconds=rng.randrange(max(1, (high - low) * 86400)))
        return min(moment, self.main_at - timedelta(minutes=5))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(span)) if span > 0 else start


@dataclass
class Person:
    first: str
    last: str
    email: str
    job_title: str


@dataclass
class Partner:
    key: str
    number: int
    name: str
    country: str
    domain: str | None
    mail_domain: str
    tier: str
    ptype: str
    currency: str
    duns: str | None
    tax_id: str
    since: datetime
    inactive: bool
    stale: bool
    crm_tier: str | None
    finance_country: str
    dup_system: str | None
    people: list[Person]
    cam: dict
    ids: dict[str, list[str]] = field(default_factory=dict)

    def id(self, system: str) -> str:
        return self.ids[system][0]

    def dup_id(self, system: str) -> str | None:
        return self.ids[system][1] if len(self.ids[system]) > 1 else None


class World:
    """State that outlives a chunk: counters, the CRM users, the course catalogue, names already used."""

    def __init__(self, seed: int, partners: int, as_of: date, systems: tuple = (), duplicate_systems: tuple = ()) -> None:
        self.seed = seed
        self.systems = systems  # the sample's system modules (sample.systems): each issues its partner ids
        self.duplicate_systems = duplicate_systems
        self.partner_count = partners
        self.clock = Clock(as_of)
        self.ids = Ids(seed)
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.users: list[dict] = []
        self.courses: list[dict] = []

    def rng(self, *parts) -> random.Random:
        return random.Random("|".join(str(p) for p in (self.seed, *parts)))


@dataclass
class Chunk:
    world: World
    index: int
    partners: list[Partner]
    batches: dict = field(default_factory=dict)
    orphans: list[dict] = field(default_factory=list)
    shared: dict = field(default_factory=dict)  # records one system hands to another within the chunk
    _rngs: dict = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        return self.world.clock

    @property
    def ids(self) -> Ids:
        return self.world.ids

    def rng(self, stream: str) -> random.Random:
        if stream not in self._rngs:
            self._rngs[stream] = self.world.rng(self.index, stream)
        return self._rngs[stream]

    def orphan(self, system: str, entity: str, record_id: str, column: str, value: str) -> None:
        self.orphans.append({"system": system, "entity": entity, "record_id": record_id, "column": column,
                             "value": value})


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())


def person(rng: random.Random, domain: str) -> Person:
    first, last = rng.choice(ref.FIRST_NAMES), rng.choice(ref.LAST_NAMES)
    local = f"{slug(first)}.{slug(last)}"
    return Person(first, last, f"{local}@{domain}", rng.choice(ref.JOB_TITLES))


def company_stem(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(ref.STEM_HEADS) + rng.choice(ref.STEM_TAILS)
    return rng.choice(ref.SURNAME_STEMS)


def customer_name(rng: random.Random, country: str) -> str:
    return f"{company_stem(rng)} {rng.choice(ref.CUSTOMER_WORDS)} {rng.choice(ref.COUNTRIES[country][5])}"


def _unique_name(world: World, rng: random.Random, country: str) -> tuple[str, str]:
    legal_forms = ref.COUNTRIES[country][5]
    extras = ("", "", "", "International", "Europe", "Global", "Direct", "Pro", "Plus", "Labs", "One")
    while True:
        stem, word, extra = company_stem(rng), rng.choice(ref.COMPANY_WORDS), rng.choice(extras)
        base = " ".join(part for part in (stem, word, extra) if part)
        name = f"{base} {rng.choice(legal_forms)}"
        if name.lower() not in world.names:
            world.names.add(name.lower())
            return name, base


def _unique_domain(world: World, rng: random.Random, base: str, country: str) -> str:
    tld = ref.COUNTRIES[country][4] if rng.random() < 0.5 else "com"
    stem = slug(base.replace(" ", "-")) if rng.random() < 0.7 else slug(base.split(" ")[0])
    domain, n = f"{stem}.{tld}", 1
    while domain in world.domains:
        n += 1
        domain = f"{stem}{n}.{tld}"
    world.domains.add(domain)
    return domain


def _tax_id(rng: random.Random, country: str) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(9))
    if country == "US":
        return f"{digits[:2]}-{digits[2:]}"
    return f"{country}{digits}"


def _ids(world: World, number: int, dup_system: str | None) -> dict[str, list[str]]:
    """Each system's id of the partner (its module's scheme), then the planted duplicate's, if any."""
    out = {module.SYSTEM: [module.partner_id(world, number)] for module in world.systems}
    if dup_system:
        module = next(m for m in world.systems if m.SYSTEM == dup_system)
        out[dup_system].append(module.duplicate_partner_id(world))
    return out


def make_partner(world: World, rng: random.Random, number: int) -> Partner:
    clock = world.clock
    country = rng.choices(ref.COUNTRY_CODES, ref.COUNTRY_WEIGHTS)[0]
    name, base = _unique_name(world, rng, country)
    domain = None if rng.random() < 0.02 else _unique_domain(world, rng, base, country)
    mail_domain = domain or rng.choice(ref.FREE_MAIL)
    tier = rng.choices(ref.TIERS, ref.TIER_WEIGHTS)[0]
    conflict = rng.random() < 0.05
    tier_conflict = conflict and rng.random() < 0.7
    country_conflict = conflict and (not tier_conflict or rng.random() < 0.4)
    dup_system = rng.choice(world.duplicate_systems) if world.duplicate_systems and rng.random() < 0.03 else None
    cams = [u for u in world.users if u["user_role"] == "Channel Account Manager" and u["is_active"]]
    return Partner(
        key=f"PTR-{number:06d}", number=number, name=name, country=country, domain=domain,
        mail_domain=mail_domain, tier=tier, ptype=rng.choices(ref.PARTNER_TYPES, ref.PARTNER_TYPE_WEIGHTS)[0],
        currency=ref.COUNTRIES[country][3],
        duns=str(100_000_000 + (number * 7_654_321 + world.seed) % 900_000_000) if rng.random() < 0.6 else None,
        tax_id=_tax_id(rng, country), since=clock.days_ago(rng, 200, 3000),
        inactive=rng.random() < 0.08, stale=rng.random() < 0.10,
        crm_tier=rng.choice([t for t in ref.TIERS if t != tier]) if tier_conflict else None,
        finance_country=ref.NEIGHBOUR[country] if country_conflict else country,
        dup_system=dup_system,
        people=[person(rng, mail_domain) for _ in range(rng.randint(2, 6))],
        cam=rng.choice(cams or world.users),
        ids=_ids(world, number, dup_system),
    )


def make_partners(world: World, chunk_index: int, first: int, count: int) -> list[Partner]:
    rng = world.rng(chunk_index, "partners")
    return [make_partner(world, rng, number) for number in range(first, first + count)]


def conflicts(partner: Partner) -> list[dict]:
    out = []
    if partner.crm_tier:
        out.append({"partner_key": partner.key, "field": "tier",
                    "values": {"prm": partner.tier, "crm": partner.crm_tier}})
    if partner.finance_country != partner.country:
        out.append({"partner_key": partner.key, "field": "country",
                    "values": {"prm": partner.country, "finance": partner.finance_country}})
    return out
