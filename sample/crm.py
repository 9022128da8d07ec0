"""CRM (Salesforce-shaped): Data Loader CSV, API names as headers, everything quoted, 18-char ids."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta

from sample import reference as ref
from sample.delivery import Batch
from sample.dirt import blank, code_case, country_form, currency_form, name_variant, website_form
from sample.formats import Layout, text_renderer
from sample.world import Chunk, Partner, World, between, customer_name, person, slug

SYSTEM = "crm"
GENERATION_ORDER = 10  # first: the others read its customers and opportunities
DELTAS = True
LAYOUT = Layout(
    ext="csv", quoting=csv.QUOTE_ALL,
    render=text_renderer(lambda d: d.isoformat() + ".000+0000", "true", "false"),
    # Columns a real export carries that the contract does not model.
    extras=(("SystemModstamp", lambda r: r["last_modified_date"]),
            ("CreatedById", lambda r: r.get("owner_id") or r.get("_created_by"))),
)


def file_stem(entity: str) -> str:
    return "".join(part.capitalize() for part in entity.split("_"))  # opportunity_partner -> OpportunityPartner


def partner_id(world: World, number: int) -> str:
    return world.ids.sfdc("account")


def duplicate_partner_id(world: World) -> str:
    return world.ids.sfdc("account")[:15]  # the duplicate was keyed in with a 15-char id


# ---------------------------------------------------------------------------------------------- users
def make_users(world: World) -> Batch:
    rng = world.rng("crm.user")
    count = min(400, max(20, world.partner_count // 8))
    batch = Batch()
    batch.main = [_user(world, rng, i) for i in range(count)]
    batch.new = [_user(world, rng, count, new=True)]
    world.users = batch.main
    return batch


def _user(world: World, rng: random.Random, index: int, new: bool = False) -> dict:
    clock = world.clock
    who = person(rng, ref.VENDOR_DOMAIN)
    role = "System Administrator" if index == 0 else rng.choice(ref.USER_ROLES)
    changed = between(rng, clock.main_at, clock.delta_at) if new else clock.days_ago(rng, 1, 900)
    return {"id": world.ids.sfdc("user"), "name": f"{who.first} {who.last}", "email": who.email,
            "is_active": new or index == 0 or rng.random() < 0.92, "user_role": role,
            "last_modified_date": changed, "_created_by": world.users[0]["id"] if world.users else None}


def revise_user(row: dict, rng: random.Random) -> tuple[dict, str]:
    if rng.random() < 0.5:
        row["is_active"] = not row["is_active"]
        return row, "is_active"
    row["user_role"] = rng.choice([r for r in ref.USER_ROLES if r != row["user_role"]])
    return row, "user_role"


# ---------------------------------------------------------------------------------------------- accounts
def accounts(chunk: Chunk) -> Batch:
    rng = chunk.rng("crm.account")
    batch, customers = Batch(), []
    for p in chunk.partners:
        batch.main.append(_partner_account(chunk, rng, p, p.id(SYSTEM)))
        if p.dup_id(SYSTEM):
            batch.main.append(_partner_account(chunk, rng, p, p.dup_id(SYSTEM), duplicate=True))
        for _ in range(rng.randint(3, 7)):
            customers.append(_customer_account(chunk, rng, p))
    batch.main += customers
    batch.new = [_customer_account(chunk, rng, p, new=True) for p in chunk.partners if rng.random() < 0.05]
    chunk.shared["customers"] = [c for c in customers if not c["is_deleted"]]
    return batch


def _partner_account(chunk: Chunk, rng: random.Random, p: Partner, account_id: str, duplicate: bool = False) -> dict:
    created = p.since + timedelta(days=rng.randint(0, 30)) if not duplicate else chunk.clock.days_ago(rng, 30, 400)
    tier = p.crm_tier or (code_case(rng, p.tier) if rng.random() < 0.85 else None)
    return {
        "id": account_id, "name": name_variant(rng, p.name, 0.3 if duplicate else 0.6),
        "type": code_case(rng, ref.CRM_PARTNER_ACCOUNT_TYPE.get(p.ptype, "Partner")), "is_partner": True,
        "website": blank(rng, website_form(rng, p.domain), 0.1), "billing_country": country_form(rng, p.country),
        "industry": rng.choice(("Technology", "Consulting", "Telecommunications", None)),
        "number_of_employees": blank(rng, rng.randint(3, 5000), 0.2),
        "partner_tier_c": None if duplicate else tier,
        "prm_partner_id_c": p.id("prm") if rng.random() < 0.5 and not duplicate else None,
        "duns_c": p.duns if p.duns and rng.random() < 0.6 else None,
        "owner_id": p.cam["id"], "created_date": created,
        "last_modified_date": between(rng, created, chunk.clock.main_at), "is_deleted": False,
        "_k": p.key, "_p": duplicate,
    }


def _customer_account(chunk: Chunk, rng: random.Random, p: Partner, new: bool = False) -> dict:
    clock = chunk.clock
    country = p.country if rng.random() < 0.7 else rng.choice(ref.COUNTRY_CODES)
    name = customer_name(rng, country)
    created = between(rng, clock.main_at, clock.delta_at) if new else clock.days_ago(rng, 30, 1500)
    return {
        "id": chunk.ids.sfdc("account"), "name": name, "type": rng.choice(("Customer", "Customer", "Prospect", "Other")),
        "is_partner": False, "website": blank(rng, website_form(rng, f"{slug(name.split(' ')[0])}.com"), 0.3),
        "billing_country": country_form(rng, country), "industry": rng.choice(ref.INDUSTRIES),
        "number_of_employees": blank(rng, rng.randint(10, 100000), 0.3), "partner_tier_c": None,
        "prm_partner_id_c": None, "duns_c": None, "owner_id": rng.choice(chunk.world.users)["id"],
        "created_date": created, "last_modified_date": created if new else between(rng, created, clock.main_at),
        "is_deleted": not new and rng.random() < 0.01, "_country": country,
    }


def revise_account(row: dict, rng: random.Random) -> tuple[dict, str]:
    if rng.random() < 0.6:
        row["number_of_employees"] = rng.randint(3, 8000)
        return row, "number_of_employees"
    row["industry"] = rng.choice([i for i in ref.INDUSTRIES if i != row["industry"]])
    return row, "industry"


# ---------------------------------------------------------------------------------------------- opportunities
def opportunities(chunk: Chunk) -> Batch:
    rng = chunk.rng("crm.opportunity")
    batch = Batch()
    for p in chunk.partners:
        for _ in range(rng.randint(6, 14)):
            batch.main.append(_opportunity(chunk, rng, p))
    batch.new = [_opportunity(chunk, rng, p, new=True) for p in chunk.partners if not p.inactive and rng.random() < 0.1]
    chunk.shared["opportunities"] = batch.main + batch.new
    return batch


def _amount(rng: random.Random, currency: str) -> float:
    usd = min(2_000_000.0, max(1_000.0, rng.lognormvariate(10.3, 1.0)))
    value = usd * ref.CURRENCIES[currency][0]
    return float(round(value)) if currency == "JPY" else round(value, 2)


def _stage(rng: random.Random, close: datetime, as_of: datetime) -> tuple[str, int, bool, bool]:
    if close < as_of and rng.random() < 0.85:
        won = rng.random() < 0.45
        return ("Closed Won", 100, True, True) if won else ("Closed Lost", 0, False, True)
    stage, probability = rng.choice(ref.OPEN_STAGES)
    return stage, probability, False, False


def _opportunity(chunk: Chunk, rng: random.Random, p: Partner, new: bool = False) -> dict:
    clock = chunk.clock
    customer = rng.choice(chunk.shared["customers"])
    close = clock.midnight + timedelta(days=rng.randint(-730, 180))
    if p.inactive:
        close = min(close, clock.inactive_before - timedelta(days=rng.randint(30, 400)))
    created = min(close - timedelta(days=rng.randint(20, 240), seconds=rng.randrange(86400)),
                  clock.main_at - timedelta(hours=3))
    if new:
        created, close = between(rng, clock.main_at, clock.delta_at), clock.midnight + timedelta(days=rng.randint(30, 180))
    stage, probability, won, closed = ("Prospecting", 10, False, False) if new else _stage(rng, close, clock.midnight)
    currency = p.currency if rng.random() < 0.75 else rng.choice(("USD", "EUR"))
    source = _sourcing(rng, p, created, clock.inactive_before)
    if new and source == "dealreg":
        source = None  # a registration converts into an opportunity that already exists
    modified_until = min(clock.main_at, max(close + timedelta(days=10), created + timedelta(days=1)))
    return {
        "id": chunk.ids.sfdc("opportunity"), "account_id": customer["id"],
        "name": f"{customer['name'].split(' ')[0]} - {rng.choice(ref.PRODUCTS)}",
        "stage_name": stage, "amount": None if not closed and rng.random() < 0.03 else _amount(rng, currency),
        "currency_iso_code": currency_form(rng, currency), "close_date": close.date(), "is_won": won,
        "is_closed": closed, "probability": probability,
        "lead_source": _lead_source(rng, source),
        "deal_registration_id_c": None, "owner_id": p.cam["id"] if rng.random() < 0.7 else rng.choice(chunk.world.users)["id"],
        "created_date": created, "last_modified_date": created if new else between(rng, created, modified_until),
        "is_deleted": not new and source is None and rng.random() < 0.005,
        "_k": p.key, "_src": source, "_currency": currency,
    }


def _lead_source(rng: random.Random, source: str | None) -> str:
    if source == "referral" or (source == "dealreg" and rng.random() < 0.3):
        return ref.PARTNER_REFERRAL
    return rng.choice(ref.LEAD_SOURCES)


def _sourcing(rng: random.Random, p: Partner, created: datetime, inactive_before: datetime) -> str | None:
    roll = rng.random()
    if roll < 0.17 and (not p.inactive or created < inactive_before - timedelta(days=25)) and created > p.since + timedelta(days=25):
        return "dealreg"
    referral_share = 0.35 if p.ptype in ("Referral", "Agent") else 0.12
    return "referral" if roll > 1 - referral_share else None


def revise_opportunity(row: dict, rng: random.Random) -> tuple[dict, str]:
    if not row["is_closed"]:
        names = [s for s, _ in ref.OPEN_STAGES]
        position = names.index(row["stage_name"])
        if position + 1 < len(names) and rng.random() < 0.6:
            row["stage_name"], row["probability"] = ref.OPEN_STAGES[position + 1]
        else:
            won = rng.random() < 0.5
            row.update(stage_name="Closed Won" if won else "Closed Lost", probability=100 if won else 0,
                       is_won=won, is_closed=True)
        return row, "stage_name"
    if row["amount"] is not None:
        row["amount"] = round(row["amount"] * rng.choice((0.9, 0.95, 1.05, 1.1)), 2)
        return row, "amount"
    row["name"] = row["name"] + " (renewal)"
    return row, "name"


def older_opportunity(row: dict, rng: random.Random) -> tuple[dict, str]:
    """The version of two nights ago: one stage earlier, or another amount."""
    names = [s for s, _ in ref.OPEN_STAGES]
    if row["is_closed"]:
        row.update(stage_name="Negotiation/Review", probability=90, is_won=False, is_closed=False)
        return row, "stage_name"
    position = names.index(row["stage_name"])
    if position > 0:
        row["stage_name"], row["probability"] = ref.OPEN_STAGES[position - 1]
        return row, "stage_name"
    row["amount"] = round((row["amount"] or 1000.0) * 0.8, 2)
    return row, "amount"


# ---------------------------------------------------------------------------------------------- opportunity partners
_PARTNER_COUNT = ([0] * 6) + ([1] * 70) + ([2] * 20) + ([3] * 4)


def opportunity_partners(chunk: Chunk) -> Batch:
    rng = chunk.rng("crm.opportunity_partner")
    by_key = {p.key: p for p in chunk.partners}
    batch = Batch()
    for opp in chunk.shared["opportunities"]:
        rows = _partners_on(chunk, rng, opp, by_key)
        (batch.new if opp["created_date"] > chunk.clock.main_at else batch.main).extend(rows)
    return batch


def _partners_on(chunk: Chunk, rng: random.Random, opp: dict, by_key: dict[str, Partner]) -> list[dict]:
    count = max(1 if opp["_src"] else 0, rng.choice(_PARTNER_COUNT))
    owner = by_key[opp["_k"]]
    others = rng.sample(chunk.partners, min(len(chunk.partners), count + 1))
    on_deal = ([owner] if count else []) + [p for p in others if p is not owner][: max(0, count - 1)]
    rows = []
    for position, p in enumerate(on_deal):
        role = "Referral" if opp["_src"] == "referral" and position == 0 else ref.OPPORTUNITY_ROLE[p.ptype]
        if position:
            role = rng.choice(("Influencer", "Distributor", "System Integrator", "Reseller"))
        account = p.dup_id(SYSTEM) if p.dup_id(SYSTEM) and rng.random() < 0.3 else p.id(SYSTEM)
        rows.append(_opp_partner(chunk, rng, opp, account, role, position == 0, p.key))
    if rng.random() < 0.01:
        orphan = _opp_partner(chunk, rng, opp, chunk.ids.sfdc_orphan("account"), "Influencer", False, None)
        orphan["_p"] = True
        chunk.orphan(SYSTEM, "opportunity_partner", orphan["id"], "account_to_id", orphan["account_to_id"])
        rows.append(orphan)
    return rows


def _opp_partner(chunk: Chunk, rng: random.Random, opp: dict, account: str, role: str, primary: bool, key) -> dict:
    created = opp["created_date"] + timedelta(minutes=rng.randint(1, 600))
    if opp["created_date"] <= chunk.clock.main_at:
        created = min(created, chunk.clock.main_at - timedelta(minutes=1))
    else:
        created = min(created, chunk.clock.delta_at)
    return {"id": chunk.ids.sfdc("opportunity_partner"), "opportunity_id": opp["id"], "account_to_id": account,
            "role": role, "is_primary": primary, "created_date": created,
            "last_modified_date": between(rng, created, max(created, min(chunk.clock.main_at, opp["last_modified_date"]))),
            "is_deleted": False, "_k": key}


def revise_opportunity_partner(row: dict, rng: random.Random) -> tuple[dict, str]:
    row["role"] = rng.choice([r for r in ref.PARTNER_ROLES if r != row["role"]])
    return row, "role"


ENTITIES = (("account", accounts), ("opportunity", opportunities), ("opportunity_partner", opportunity_partners))
REVISE = {"account": revise_account, "opportunity": revise_opportunity, "user": revise_user,
          "opportunity_partner": revise_opportunity_partner}
OLDER = {"opportunity": older_opportunity}
GLOBAL_ENTITIES = (("user", make_users),)
