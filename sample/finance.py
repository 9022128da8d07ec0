"""Finance (NetSuite-like): Parquet with float64 amounts, date32 dates, UTC timestamps and text elsewhere.

Partner entities are what rebates and payouts hang on, so only finance's other vendors and customers are
ever made contract-invalid among the entities.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sample import reference as ref
from sample.delivery import Batch
from sample.dirt import (
    blank,
    code_case,
    country_form,
    currency_form,
    name_variant,
    sfdc_id_form,
    website_form,
)
from sample.formats import Layout, text_renderer
from sample.world import Chunk, Partner, World, customer_name

SYSTEM = "finance"
GENERATION_ORDER = 50  # reads the PRM's MDF requests and the CRM's opportunities
LAYOUT = Layout(ext="parquet", headers="canonical", render=text_renderer(lambda d: d.isoformat() + "Z", "true", "false"),
                typed=frozenset({"number", "date", "timestamp"}))


def file_stem(entity: str) -> str:
    return entity


def partner_id(world: World, number: int) -> str:
    return str(30000 + world.ids.take("fin_entity"))


def duplicate_partner_id(world: World) -> str:
    return partner_id(world, 0)


# ---------------------------------------------------------------------------------------------- entities
def entities(chunk: Chunk) -> Batch:
    rng = chunk.rng("finance.entity")
    batch = Batch()
    for p in chunk.partners:
        batch.main.append(_entity(chunk, rng, p, p.id(SYSTEM)))
        if p.dup_id(SYSTEM):
            batch.main.append(_entity(chunk, rng, p, p.dup_id(SYSTEM), duplicate=True))
        if rng.random() < 0.08:
            batch.main.append(_other_entity(chunk, rng))
    return batch


def _entity(chunk: Chunk, rng: random.Random, p: Partner, entity_id: str, duplicate: bool = False) -> dict:
    currency = "USD" if duplicate and rng.random() < 0.5 else p.currency
    return {
        "entity_id": entity_id, "entity_name": name_variant(rng, p.name, 0.1 if duplicate else 0.5),
        "entity_type": code_case(rng, "partner" if rng.random() < 0.7 else "vendor"),
        "country": country_form(rng, p.finance_country), "currency": currency_form(rng, currency),
        "tax_id": blank(rng, p.tax_id, 0.2), "duns": p.duns if p.duns and rng.random() < 0.5 else None,
        "web_address": blank(rng, website_form(rng, p.domain), 0.2),
        "crm_account_id": sfdc_id_form(rng, p.id("crm"), 0.2) if not duplicate and rng.random() < 0.4 else None,
        "is_inactive": blank(rng, p.inactive and rng.random() < 0.3, 0.05),
        "last_modified": chunk.clock.days_ago(rng, 1, 700), "_k": p.key, "_p": True,
    }


def _other_entity(chunk: Chunk, rng: random.Random) -> dict:
    country = rng.choice(ref.COUNTRY_CODES)
    return {"entity_id": str(30000 + chunk.ids.take("fin_entity")), "entity_name": customer_name(rng, country),
            "entity_type": rng.choice(("vendor", "customer")), "country": country_form(rng, country),
            "currency": currency_form(rng, ref.COUNTRIES[country][3]), "tax_id": None, "duns": None,
            "web_address": None, "crm_account_id": None, "is_inactive": rng.random() < 0.1,
            "last_modified": chunk.clock.days_ago(rng, 1, 1500)}


def _entity_id(rng: random.Random, p: Partner) -> str:
    return p.dup_id(SYSTEM) if p.dup_id(SYSTEM) and rng.random() < 0.2 else p.id(SYSTEM)


# ---------------------------------------------------------------------------------------------- rebate accruals
def rebate_accruals(chunk: Chunk) -> Batch:
    rng = chunk.rng("finance.rebate_accrual")
    batch = Batch()
    for p in chunk.partners:
        batch.main += [_accrual(chunk, rng, p) for _ in range(rng.randint(2, 6))]
    return batch


def _accrual(chunk: Chunk, rng: random.Random, p: Partner) -> dict:
    as_of = chunk.clock.as_of
    months_back = rng.randint(1, 12)
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months_back, 12)
    period_end = date(year, month + 2, 1) - timedelta(days=1) if month < 11 else date(year, 12, 31)
    status = rng.choices(("accrued", "approved", "paid", "reversed"), (35, 25, 30, 10))[0]
    amount = round(rng.uniform(200, 25000) * ref.CURRENCIES[p.currency][0], 2)
    return {"accrual_id": f"RA{chunk.ids.take('accrual'):07d}", "entity_id": _entity_id(rng, p),
            "period": f"{year}-{month + 1:02d}", "amount": -amount if status == "reversed" else amount,
            "currency": currency_form(rng, p.currency), "status": status, "accrued_date": min(period_end, as_of - timedelta(days=1))}


# ---------------------------------------------------------------------------------------------- MDF disbursements
def mdf_disbursements(chunk: Chunk) -> Batch:
    rng = chunk.rng("finance.mdf_disbursement")
    by_key = {p.key: p for p in chunk.partners}
    yesterday = chunk.clock.as_of - timedelta(days=1)
    batch = Batch()
    for mdf in chunk.shared["mdf"]:
        if mdf["_status"] == "Paid":
            paid = min(yesterday, mdf["claimed_at"].date() + timedelta(days=rng.randint(5, 30)))
            amount = mdf["claimed_amount"] or mdf["approved_amount"]
            batch.main.append(_disbursement(chunk, rng, by_key[mdf["_k"]], amount, mdf["_currency"], paid, mdf["request_id"]))
    for p in chunk.partners:
        if rng.random() < 0.6:
            amount = round(rng.uniform(500, 20000) * ref.CURRENCIES[p.currency][0], 2)
            paid = yesterday - timedelta(days=rng.randint(1, 700))
            batch.main.append(_disbursement(chunk, rng, p, amount, p.currency, paid, None))
    return batch


def _disbursement(chunk, rng, p: Partner, amount: float, currency: str, paid: date, request_id: str | None) -> dict:
    return {"disbursement_id": f"MD{chunk.ids.take('disbursement'):07d}", "entity_id": _entity_id(rng, p),
            "mdf_request_id": request_id, "amount": amount, "currency": currency_form(rng, currency), "paid_date": paid}


# ---------------------------------------------------------------------------------------------- commission payouts
def commission_payouts(chunk: Chunk) -> Batch:
    rng = chunk.rng("finance.commission_payout")
    won: dict[str, list[dict]] = {}
    for opp in chunk.shared["opportunities"]:
        if opp["is_won"] and opp["amount"] is not None and not opp["is_deleted"]:
            won.setdefault(opp["_k"], []).append(opp)
    batch = Batch()
    for p in chunk.partners:
        deals = won.get(p.key, [])
        for opp in rng.sample(deals, min(len(deals), rng.randint(1, 4))):
            payout = _payout(chunk, rng, p, opp)
            if payout:
                batch.main.append(payout)
        if rng.random() < 0.02 and deals:
            batch.main.append(_orphan_payout(chunk, rng, p, deals[0]))
    return batch


def _payout(chunk: Chunk, rng: random.Random, p: Partner, opp: dict) -> dict | None:
    paid = opp["close_date"] + timedelta(days=rng.randint(10, 60))
    if paid >= chunk.clock.as_of:
        return None
    return {"payout_id": f"CP{chunk.ids.take('payout'):07d}", "entity_id": _entity_id(rng, p),
            "opportunity_id": sfdc_id_form(rng, opp["id"], 0.1) if rng.random() < 0.9 else None,
            "amount": round(opp["amount"] * rng.uniform(0.03, 0.1), 2), "currency": currency_form(rng, opp["_currency"]),
            "paid_date": paid}


def _orphan_payout(chunk: Chunk, rng: random.Random, p: Partner, opp: dict) -> dict:
    row = _payout(chunk, rng, p, opp) or _payout(chunk, rng, p, {**opp, "close_date": chunk.clock.as_of - timedelta(days=90)})
    row.update(entity_id=str(990000 + chunk.ids.take("fin_orphan")), _p=True)
    chunk.orphan(SYSTEM, "commission_payout", row["payout_id"], "entity_id", row["entity_id"])
    return row


ENTITIES = (("entity", entities), ("rebate_accrual", rebate_accruals), ("mdf_disbursement", mdf_disbursements),
            ("commission_payout", commission_payouts))
REVISE: dict = {}
OLDER: dict = {}
