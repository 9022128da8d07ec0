"""Marketing automation (HubSpot/Marketo-like): UTF-8 CSV with a byte-order mark, vendor headers, ISO times."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sample import reference as ref
from sample.delivery import Batch
from sample.dirt import blank, country_form, currency_form, domain_form, email_case, name_variant
from sample.formats import Layout, text_renderer
from sample.world import Chunk, Partner, World, between, slug

SYSTEM = "marketing"
GENERATION_ORDER = 40  # reads the CRM's customers and opportunities and the PRM's MDF requests
DELTAS = True
LAYOUT = Layout(ext="csv", encoding="utf-8-sig", render=text_renderer(lambda d: d.isoformat() + "Z", "true", "false"))


def file_stem(entity: str) -> str:
    return entity


def partner_id(world: World, number: int) -> str:
    return str(5_100_000_000 + world.ids.take("mkt_company") * 17)


def duplicate_partner_id(world: World) -> str:
    return partner_id(world, 0)


# ---------------------------------------------------------------------------------------------- companies
def companies(chunk: Chunk) -> Batch:
    rng = chunk.rng("marketing.company")
    batch = Batch()
    for p in chunk.partners:
        batch.main.append(_partner_company(chunk, rng, p, p.id(SYSTEM)))
        if p.dup_id(SYSTEM):
            batch.main.append(_partner_company(chunk, rng, p, p.dup_id(SYSTEM), duplicate=True))
        batch.main += [_customer_company(chunk, rng) for _ in range(rng.randint(1, 3))]
    batch.new = [_customer_company(chunk, rng, new=True) for _ in chunk.partners if rng.random() < 0.03]
    return batch


def _partner_company(chunk: Chunk, rng: random.Random, p: Partner, company_id: str, duplicate: bool = False) -> dict:
    # A partner without a web domain gets the free-mail domain of its contact, as marketing tools do.
    domain = p.domain or p.mail_domain
    return {"company_id": company_id, "company_name": name_variant(rng, p.name, 0.1 if duplicate else 0.6),
            "domain": None if duplicate and rng.random() < 0.5 else domain_form(rng, domain),
            "country": blank(rng, country_form(rng, p.country), 0.1), "is_partner": blank(rng, True, 0.1),
            "partner_ref": p.id("prm") if not duplicate and rng.random() < 0.3 else None,
            "updated_at": chunk.clock.days_ago(rng, 1, 600), "_k": p.key, "_domain": domain}


def _customer_company(chunk: Chunk, rng: random.Random, new: bool = False) -> dict:
    customer = rng.choice(chunk.shared["customers"])
    domain = f"{slug(customer['name'].split(' ')[0])}.com"
    clock = chunk.clock
    return {"company_id": str(5_100_000_000 + chunk.ids.take("mkt_company") * 17),
            "company_name": customer["name"], "domain": blank(rng, domain_form(rng, domain), 0.2),
            "country": country_form(rng, customer["_country"]), "is_partner": blank(rng, False, 0.5),
            "partner_ref": None,
            "updated_at": between(rng, clock.main_at, clock.delta_at) if new else clock.days_ago(rng, 1, 900),
            "_domain": domain}


def revise_company(row: dict, rng: random.Random) -> tuple[dict, str]:
    clean = row["_domain"]
    row["domain"] = clean if row["domain"] != clean else f"www.{clean}"
    return row, "domain"


# ---------------------------------------------------------------------------------------------- campaigns
def campaigns(chunk: Chunk) -> Batch:
    rng = chunk.rng("marketing.campaign")
    count = max(1, round(len(chunk.partners) * rng.uniform(0.15, 0.25)))
    batch = Batch()
    batch.main = [_campaign(chunk, rng) for _ in range(count)]
    chunk.shared["campaigns"] = batch.main
    return batch


def _campaign(chunk: Chunk, rng: random.Random) -> dict:
    start = chunk.clock.as_of - timedelta(days=rng.randint(10, 700))
    currency = rng.choice(("USD", "EUR", "GBP"))
    row = {"campaign_id": str(7_000_000 + chunk.ids.take("campaign")), "channel": rng.choice(ref.CAMPAIGN_CHANNELS),
           "partner_company_id": None, "mdf_request_id": None, "budget": blank(rng, float(rng.randrange(1000, 80000, 500)), 0.1),
           "currency": currency_form(rng, currency), "start_date": start,
           "end_date": blank(rng, start + timedelta(days=rng.randint(1, 60)), 0.1)}
    topic = rng.choice(ref.COURSE_TOPICS)
    row["campaign_name"] = f"{start.year} Q{(start.month - 1) // 3 + 1} {topic} {row['channel']}"
    if rng.random() < 0.4:
        _co_marketing(chunk, rng, row)
    return row


def _co_marketing(chunk: Chunk, rng: random.Random, row: dict) -> None:
    p = rng.choice(chunk.partners)
    funded = [m for m in chunk.shared["mdf"] if m["_k"] == p.key and m["_status"] in ("Approved", "Claimed", "Paid")]
    row.update(channel="partner_co_marketing", partner_company_id=p.id(SYSTEM),
               campaign_name=f"{p.name.split(' ')[0]} co-marketing {row['start_date'].year}", _k=p.key)
    if funded and rng.random() < 0.7:
        mdf = rng.choice(funded)
        row.update(mdf_request_id=mdf["request_id"], currency=currency_form(rng, mdf["_currency"]))


# ---------------------------------------------------------------------------------------------- leads
def leads(chunk: Chunk) -> Batch:
    rng = chunk.rng("marketing.lead")
    batch = Batch()
    referrals: dict[str, list[dict]] = {}
    plain = []
    for opp in chunk.shared["opportunities"]:
        if opp["created_date"] > chunk.clock.main_at:
            continue
        (referrals.setdefault(opp["_k"], []) if opp["_src"] == "referral" else plain).append(opp)
    for p in chunk.partners:
        batch.main += [_referral_lead(chunk, rng, p, opp) for opp in referrals.get(p.key, []) if rng.random() < 0.7]
        batch.main += [_lead(chunk, rng, p, plain) for _ in range(rng.randint(10, 20))]
    batch.new = [_lead(chunk, rng, p, [], new=True) for p in chunk.partners if rng.random() < 0.1]
    chunk.shared["leads"] = batch.main
    return batch


def _lead(chunk: Chunk, rng: random.Random, p: Partner, opportunities: list[dict], new: bool = False) -> dict:
    clock = chunk.clock
    customer = rng.choice(chunk.shared["customers"])
    first, last = rng.choice(ref.FIRST_NAMES), rng.choice(ref.LAST_NAMES)
    created = between(rng, clock.main_at, clock.delta_at) if new else clock.days_ago(rng, 1, 900)
    row = {"lead_id": str(3_000_000 + chunk.ids.take("lead")),
           "email": blank(rng, email_case(rng, f"{slug(first)}.{slug(last)}@{slug(customer['name'].split(' ')[0])}.com"), 0.05),
           "first_name": first, "last_name": last,
           "phone": blank(rng, f"{ref.PHONE_PREFIX[customer['_country']]} {rng.randint(10, 99)} {rng.randint(100000, 9999999)}", 0.3),
           "company_name": customer["name"], "country": blank(rng, country_form(rng, customer["_country"]), 0.1),
           "lead_source": rng.choice(ref.MARKETING_LEAD_SOURCES), "referring_partner_id": None,
           "converted_opportunity_id": None, "created_at": created,
           "updated_at": created if new else between(rng, created, clock.main_at)}
    if opportunities and rng.random() < 0.04:
        opp = rng.choice(opportunities)
        row.update(converted_opportunity_id=opp["id"], created_at=opp["created_date"] - timedelta(days=rng.randint(1, 60)),
                   updated_at=opp["created_date"])
    elif not new and rng.random() < 0.03:
        row.update(lead_source=ref.PARTNER_REFERRAL, referring_partner_id=p.id(SYSTEM), _k=p.key)
    return row


def _referral_lead(chunk: Chunk, rng: random.Random, p: Partner, opp: dict) -> dict:
    row = _lead(chunk, rng, p, [])
    created: datetime = opp["created_date"] - timedelta(days=rng.randint(1, 30), seconds=rng.randrange(86400))
    row.update(lead_source=ref.PARTNER_REFERRAL, referring_partner_id=p.id(SYSTEM), converted_opportunity_id=opp["id"],
               created_at=created, updated_at=opp["created_date"], _k=p.key)
    return row


def revise_lead(row: dict, rng: random.Random) -> tuple[dict, str]:
    row["phone"] = f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    return row, "phone"


# ---------------------------------------------------------------------------------------------- campaign members
def campaign_members(chunk: Chunk) -> Batch:
    rng = chunk.rng("marketing.campaign_member")
    main_at = chunk.clock.main_at
    batch = Batch()
    for _ in range(sum(rng.randint(20, 40) for _ in chunk.partners)):
        campaign, lead = rng.choice(chunk.shared["campaigns"]), rng.choice(chunk.shared["leads"])
        start = datetime.combine(campaign["start_date"], datetime.min.time())
        end = min(main_at, start + timedelta(days=90))
        batch.main.append({"member_id": str(9_000_000 + chunk.ids.take("member")), "campaign_id": campaign["campaign_id"],
                           "lead_id": lead["lead_id"], "status": rng.choice(ref.MEMBER_STATUSES),
                           "touched_at": between(rng, start, end)})
    return batch


ENTITIES = (("company", companies), ("campaign", campaigns), ("lead", leads), ("campaign_member", campaign_members))
REVISE = {"company": revise_company, "lead": revise_lead}
OLDER: dict = {}
