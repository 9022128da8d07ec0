"""PRM: JSON lines with the canonical column names, numbers as JSON numbers, ISO timestamps with Z."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sample import reference as ref
from sample.delivery import Batch
from sample.dirt import (
    blank,
    code_case,
    country_form,
    currency_form,
    email_case,
    name_variant,
    sfdc_id_form,
    website_form,
)
from sample.formats import Layout
from sample.world import Chunk, Partner, World, between

SYSTEM = "prm"
GENERATION_ORDER = 20  # reads the CRM's opportunities and customers; its MDF requests feed marketing, finance
DELTAS = True
LAYOUT = Layout(ext="jsonl", headers="canonical")


def file_stem(entity: str) -> str:
    return entity


def partner_id(world: World, number: int) -> str:
    return f"P-{10000 + number}"


def duplicate_partner_id(world: World) -> str:
    return f"P-{700000 + world.ids.take('prm_dup')}"


# ---------------------------------------------------------------------------------------------- partners
def partners(chunk: Chunk) -> Batch:
    rng = chunk.rng("prm.partner")
    batch = Batch()
    for p in chunk.partners:
        batch.main.append(_profile(chunk, rng, p))
        if p.dup_id(SYSTEM):
            batch.main.append(_duplicate_profile(chunk, rng, p))
    return batch


def _profile(chunk: Chunk, rng: random.Random, p: Partner) -> dict:
    clock = chunk.clock
    verified = clock.days_ago(rng, 395, 900) if p.stale else max(p.since, clock.days_ago(rng, 1, 330))
    start = p.since.date()
    status = "Active" if not p.inactive or rng.random() < 0.5 else "Inactive"
    return {
        "partner_id": p.id(SYSTEM), "company_name": name_variant(rng, p.name, 0.7), "tier": code_case(rng, p.tier),
        "program_level": rng.choice(("Sell", "Service", "Build", None)), "status": status,
        "partner_type": code_case(rng, p.ptype), "country": country_form(rng, p.country),
        "website": blank(rng, website_form(rng, p.domain), 0.1),
        "primary_contact_email": email_case(rng, p.people[0].email),
        "primary_contact_name": f"{p.people[0].first} {p.people[0].last}",
        "channel_manager_email": blank(rng, email_case(rng, p.cam["email"]), 0.05),
        "crm_account_id": sfdc_id_form(rng, p.id("crm"), 0.2) if rng.random() < 0.7 else None,
        "duns": p.duns if p.duns and rng.random() < 0.5 else None,
        "contract_start_date": start, "contract_end_date": start + timedelta(days=365 * rng.randint(1, 3)),
        "last_verified_at": verified, "updated_at": between(rng, verified, clock.main_at), "_k": p.key,
    }


def _duplicate_profile(chunk: Chunk, rng: random.Random, p: Partner) -> dict:
    """An old second profile of the same partner, typed in again by someone else."""
    row = _profile(chunk, rng, p)
    contact = p.people[-1]
    verified = chunk.clock.days_ago(rng, 400, 1200)
    row.update(partner_id=p.dup_id(SYSTEM), company_name=name_variant(rng, p.name, 0.1), crm_account_id=None,
               tier=rng.choice((None, "Registered")), status=rng.choice(("Inactive", "Prospect", "Active")),
               primary_contact_email=email_case(rng, f"{contact.email.split('@')[0]}@{rng.choice(ref.FREE_MAIL)}"),
               primary_contact_name=f"{contact.first} {contact.last}", last_verified_at=verified,
               updated_at=between(rng, verified, chunk.clock.main_at))
    return row


def revise_partner(row: dict, rng: random.Random) -> tuple[dict, str]:
    row["program_level"] = rng.choice([v for v in ("Sell", "Service", "Build") if v != row["program_level"]])
    return row, "program_level"


# ---------------------------------------------------------------------------------------------- deal registrations
def deal_registrations(chunk: Chunk) -> Batch:
    rng = chunk.rng("prm.deal_registration")
    by_partner: dict[str, list[dict]] = {}
    for opp in chunk.shared["opportunities"]:
        if opp["_src"] == "dealreg":
            by_partner.setdefault(opp["_k"], []).append(opp)
    batch = Batch()
    for p in chunk.partners:
        converted = [_converted(chunk, rng, p, opp) for opp in by_partner.get(p.key, [])]
        others = [_registration(chunk, rng, p) for _ in range(max(0, rng.randint(2, 6) - len(converted)))]
        batch.main += converted + others
        if rng.random() < 0.04:
            batch.main.append(_orphan_registration(chunk, rng, p))
    batch.new = [_registration(chunk, rng, p, new=True) for p in chunk.partners if not p.inactive and rng.random() < 0.05]
    return batch


def _base(chunk: Chunk, rng: random.Random, p: Partner, submitted: datetime, status: str) -> dict:
    partner_id = p.dup_id(SYSTEM) if p.dup_id(SYSTEM) and rng.random() < 0.2 else p.id(SYSTEM)
    currency = p.currency if rng.random() < 0.8 else "USD"
    amount = rng.lognormvariate(10.3, 1.0) * ref.CURRENCIES[currency][0]
    return {"registration_id": chunk.ids.prefixed("dr", "DR-", 100000), "partner_id": partner_id,
            "customer_name": rng.choice(chunk.shared["customers"])["name"], "status": code_case(rng, status),
            "estimated_amount": blank(rng, round(amount, 2), 0.1), "currency": currency_form(rng, currency),
            "submitted_at": submitted, "approved_at": None, "expires_at": None, "converted_opportunity_id": None,
            "updated_at": submitted, "_k": p.key}


def _converted(chunk: Chunk, rng: random.Random, p: Partner, opp: dict) -> dict:
    submitted = opp["created_date"] - timedelta(days=rng.randint(2, 20), seconds=rng.randrange(86400))
    row = _base(chunk, rng, p, submitted, "Approved")
    approved = submitted + timedelta(hours=rng.randint(2, 36))
    row.update(approved_at=approved, expires_at=approved + timedelta(days=90),
               converted_opportunity_id=sfdc_id_form(rng, opp["id"], 0.1),
               updated_at=between(rng, opp["created_date"], min(chunk.clock.main_at, opp["created_date"] + timedelta(days=3))))
    if opp["amount"] is not None:
        row["estimated_amount"] = round(opp["amount"] * rng.uniform(0.8, 1.2), 2)
        row["currency"] = currency_form(rng, opp["_currency"])
    if rng.random() < 0.85:
        opp["deal_registration_id_c"] = row["registration_id"]
    return row


def _registration(chunk: Chunk, rng: random.Random, p: Partner, new: bool = False) -> dict:
    clock = chunk.clock
    if new:
        return _base(chunk, rng, p, between(rng, clock.main_at, clock.delta_at), "Submitted")
    submitted = clock.days_ago(rng, 185, 900) if p.inactive else clock.days_ago(rng, 0, 700)
    status = rng.choices(("Approved", "Submitted", "Rejected", "Expired"), (10, 25, 30, 35))[0]
    row = _base(chunk, rng, p, submitted, status)
    decided = min(submitted + timedelta(hours=rng.randint(2, 72)), clock.main_at - timedelta(minutes=1))
    if status in ("Approved", "Expired"):
        row.update(approved_at=decided, expires_at=decided + timedelta(days=90))
    row["updated_at"] = between(rng, decided, min(clock.main_at, decided + timedelta(days=95)))
    return row


def _orphan_registration(chunk: Chunk, rng: random.Random, p: Partner) -> dict:
    row = _registration(chunk, rng, p)
    row.update(partner_id=f"P-{800000 + chunk.ids.take('prm_orphan')}", converted_opportunity_id=None, _k=None, _p=True)
    chunk.orphan(SYSTEM, "deal_registration", row["registration_id"], "partner_id", row["partner_id"])
    return row


def revise_registration(row: dict, rng: random.Random) -> tuple[dict, str]:
    if row["estimated_amount"] is not None:
        row["estimated_amount"] = round(row["estimated_amount"] * rng.choice((0.9, 1.1, 1.25)), 2)
        return row, "estimated_amount"
    row["customer_name"] = row["customer_name"].upper()
    return row, "customer_name"


# ---------------------------------------------------------------------------------------------- MDF requests
def mdf_requests(chunk: Chunk) -> Batch:
    rng = chunk.rng("prm.mdf_request")
    batch = Batch()
    for p in chunk.partners:
        batch.main += [_mdf(chunk, rng, p) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
    batch.new = [_mdf(chunk, rng, p, new=True) for p in chunk.partners if not p.inactive and rng.random() < 0.03]
    chunk.shared["mdf"] = batch.main
    return batch


def _mdf(chunk: Chunk, rng: random.Random, p: Partner, new: bool = False) -> dict:
    clock = chunk.clock
    requested = clock.days_ago(rng, 185, 900) if p.inactive else clock.days_ago(rng, 1, 600)
    status = "Requested" if new else rng.choices(("Requested", "Approved", "Rejected", "Claimed", "Paid"), (15, 20, 10, 20, 35))[0]
    if new:
        requested = between(rng, clock.main_at, clock.delta_at)
    amount = round(rng.uniform(2000, 50000) * ref.CURRENCIES[p.currency][0], -1)
    claimed_at = requested + timedelta(days=rng.randint(20, 120)) if status in ("Claimed", "Paid") else None
    if claimed_at and claimed_at > clock.main_at:
        status, claimed_at = "Approved", None
    approved = round(amount * rng.choice((1.0, 1.0, 0.8, 0.5)), 2) if status in ("Approved", "Claimed", "Paid") else None
    last = claimed_at or requested
    return {
        "request_id": chunk.ids.prefixed("mdf", "MDF-", 5000), "partner_id": p.id(SYSTEM),
        "activity_type": rng.choice(ref.MDF_ACTIVITIES), "status": code_case(rng, status),
        "requested_amount": amount, "approved_amount": approved,
        "claimed_amount": round(approved * rng.uniform(0.7, 1.0), 2) if claimed_at else None,
        "currency": currency_form(rng, p.currency), "requested_at": requested, "claimed_at": claimed_at,
        "updated_at": last if new else between(rng, last, min(clock.main_at, last + timedelta(days=60))),
        "_k": p.key, "_status": status, "_currency": p.currency,
    }


def revise_mdf(row: dict, rng: random.Random) -> tuple[dict, str]:
    row["activity_type"] = rng.choice([a for a in ref.MDF_ACTIVITIES if a != row["activity_type"]])
    return row, "activity_type"


# ---------------------------------------------------------------------------------------------- portal activity
def portal_activity(chunk: Chunk) -> Batch:
    rng = chunk.rng("prm.portal_activity")
    courses = [c["course_id"] for c in chunk.world.courses] or ["CRS-101"]
    batch = Batch()
    for p in chunk.partners:
        for n in range(rng.randint(20, 40)):
            batch.main.append(_event(chunk, rng, p, n, courses))
    return batch


def _event(chunk: Chunk, rng: random.Random, p: Partner, n: int, courses: list[str]) -> dict:
    clock = chunk.clock
    if p.inactive:
        occurred = clock.days_ago(rng, 185, 720)
    else:
        occurred = clock.days_ago(rng, 0, 30) if n < 3 else clock.days_ago(rng, 0, 365)
    kind = "login" if n < 3 else rng.choices(ref.PORTAL_EVENTS, ref.PORTAL_EVENT_WEIGHTS)[0]
    content = {"content_download": f"DOC-{rng.randint(100, 999)}", "training_launch": rng.choice(courses)}.get(kind)
    return {"event_id": chunk.ids.prefixed("event", "EV", 0, 10), "partner_id": p.id(SYSTEM),
            "user_email": blank(rng, email_case(rng, rng.choice(p.people).email), 0.05), "event_type": kind,
            "content_id": content, "ip_address": f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "occurred_at": occurred, "_k": p.key}


ENTITIES = (("partner", partners), ("deal_registration", deal_registrations), ("mdf_request", mdf_requests),
            ("portal_activity", portal_activity))
REVISE = {"partner": revise_partner, "deal_registration": revise_registration, "mdf_request": revise_mdf}
OLDER: dict = {}
