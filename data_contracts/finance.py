"""Finance (NetSuite-like) raw contracts. Exports are Parquet with text columns."""

from data_contracts._fields import contract, field
from data_contracts._sources import PartnerRecord

entity = contract(
    "finance",
    "entity",
    [
        field("entity_id", required=True, pattern=r"^\d+(\.0*)?$",
              description="NetSuite internal id: digits, or the float form (`1234.0`) a spreadsheet or sync writes."),
        field("entity_name", required=True, not_pii="company name: a legal entity, not a person"),
        field("entity_type", required=True, allowed=["vendor", "customer", "partner"]),
        field("country"),
        field("currency"),
        field("tax_id"),
        field("duns", pattern=r"^\d{9}$"),
        field("web_address", not_pii="the company's web site, not a postal or e-mail address"),
        field("crm_account_id"),
        field("is_inactive", "boolean"),
        field("last_modified", "timestamp", required=True),
    ],
    key=["entity_id"],
    version="last_modified",
    description="Partner vendor/customer entities.",
)

rebate_accrual = contract(
    "finance",
    "rebate_accrual",
    [
        field("accrual_id", required=True),
        field("entity_id", required=True),
        field("period", required=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Accounting period YYYY-MM."),
        field("amount", "number", required=True),
        field("currency", required=True),
        # The status decides whether the amount is owed, paid or reversed: unknown, the amount is unusable.
        field("status", allowed=["accrued", "approved", "paid", "reversed"], unknown_code="quarantine"),
        field("accrued_date", "date", required=True),
    ],
    key=["accrual_id"],
    description="Rebate accruals per partner and period.",
)

mdf_disbursement = contract(
    "finance",
    "mdf_disbursement",
    [
        field("disbursement_id", required=True),
        field("entity_id", required=True),
        field("mdf_request_id", description="PRM MDF request paid out."),
        field("amount", "number", required=True, minimum=0),
        field("currency", required=True),
        field("paid_date", "date", required=True),
    ],
    key=["disbursement_id"],
    description="MDF payouts.",
)

commission_payout = contract(
    "finance",
    "commission_payout",
    [
        field("payout_id", required=True),
        field("entity_id", required=True),
        field("opportunity_id", description="CRM opportunity the commission is for."),
        field("amount", "number", required=True, minimum=0),
        field("currency", required=True),
        field("paid_date", "date", required=True),
    ],
    key=["payout_id"],
    description="Commission payouts to agents and referral partners.",
)

CONTRACTS = [entity, rebate_accrual, mdf_disbursement, commission_payout]

# Finance books partners as `partner` or, when it pays them, `vendor`; customers are not partners.
PARTNER_RECORD = PartnerRecord(
    entity="entity",
    record_id="entity_id",
    name="entity_name",
    updated_at="last_modified_at",
    identity_rank=3,
    website="website",
    external_ids={"crm_account_ref": "upper(crm_account_id)", "duns_number": "duns_number", "tax_id": "tax_id"},
    scope="case when entity_type = 'partner' then 'partner' else 'candidate' end",
    vendor_domain_is_internal=True,
)
