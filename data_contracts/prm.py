"""PRM (partner relationship management) raw contracts. Exports are JSON lines."""

from data_contracts._fields import contract, email, field
from data_contracts._sources import PartnerRecord

TIERS = ["Registered", "Silver", "Gold", "Platinum"]

partner = contract(
    "prm",
    "partner",
    [
        field("partner_id", required=True, description="PRM partner id, in the PRM's own scheme (any text)."),
        field("company_name", required=True, not_pii="company name: a legal entity, not a person"),
        field("tier", allowed=TIERS, description="Program tier."),
        field("program_level", description="Program track, e.g. Sell, Service, Build."),
        field("status", allowed=["Active", "Inactive", "Prospect", "Suspended", "Terminated"]),
        field("partner_type", allowed=["Reseller", "Distributor", "Agent", "Referral", "Technology", "MSP"]),
        field("country", description="Country, free text or code."),
        field("website"),
        email("primary_contact_email"),
        field("primary_contact_name", pii="person_name"),
        email("channel_manager_email", description="Assigned channel account manager."),
        field("crm_account_id", description="CRM account id stored in the PRM (shared external id)."),
        field("duns", pattern=r"^\d{9}$"),
        field("contract_start_date", "date"),
        field("contract_end_date", "date"),
        field("last_verified_at", "timestamp", description="Last time the partner confirmed its profile."),
        field("updated_at", "timestamp", required=True),
    ],
    key=["partner_id"],
    version="updated_at",
    description="Partner profiles.",
)

deal_registration = contract(
    "prm",
    "deal_registration",
    [
        field("registration_id", required=True),
        field("partner_id", required=True),
        field("customer_name", description="End customer of the deal.",
              not_pii="end-customer company name, not a person"),
        # The status decides whether the registration is open, approved or converted: unknown, the row is unusable.
        field("status", required=True, allowed=["Submitted", "Approved", "Rejected", "Expired"], unknown_code="quarantine"),
        field("estimated_amount", "number", minimum=0),
        field("currency"),
        field("submitted_at", "timestamp", required=True),
        field("approved_at", "timestamp"),
        field("expires_at", "timestamp"),
        field("converted_opportunity_id", description="CRM opportunity the registration converted to."),
        field("updated_at", "timestamp", required=True),
    ],
    key=["registration_id"],
    version="updated_at",
    description="Deal registrations submitted by partners.",
)

mdf_request = contract(
    "prm",
    "mdf_request",
    [
        field("request_id", required=True),
        field("partner_id", required=True),
        field("activity_type", description="Event, webinar, digital campaign..."),
        # The status decides which of the amounts were approved, claimed or paid: unknown, the amounts are unusable.
        field("status", required=True, allowed=["Requested", "Approved", "Rejected", "Claimed", "Paid"],
              unknown_code="quarantine"),
        field("requested_amount", "number", minimum=0),
        field("approved_amount", "number", minimum=0),
        field("claimed_amount", "number", minimum=0),
        field("currency"),
        field("requested_at", "timestamp", required=True),
        field("claimed_at", "timestamp"),
        field("updated_at", "timestamp", required=True),
    ],
    key=["request_id"],
    version="updated_at",
    description="Market development fund requests and claims.",
)

portal_activity = contract(
    "prm",
    "portal_activity",
    [
        field("event_id", required=True),
        field("partner_id", required=True),
        email("user_email"),
        field("event_type", required=True, allowed=["login", "content_download", "deal_registration_view", "training_launch"]),
        field("content_id"),
        field("ip_address", pii="ip_address"),
        field("occurred_at", "timestamp", required=True),
    ],
    key=["event_id"],
    description="Partner portal events.",
)

CONTRACTS = [partner, deal_registration, mdf_request, portal_activity]

# The PRM is the program's system of record: every partner, its tier and its program data.
PARTNER_RECORD = PartnerRecord(
    entity="partner",
    record_id="prm_partner_id",
    name="partner_name",
    updated_at="updated_at",
    identity_rank=1,
    website="website",
    external_ids={"prm_partner_ref": "prm_partner_id", "crm_account_ref": "upper(crm_account_id)",
                  "duns_number": "duns_number"},
)
