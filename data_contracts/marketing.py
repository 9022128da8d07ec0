"""Marketing automation (Marketo/HubSpot-like) raw contracts. Exports are UTF-8 CSV with a byte-order mark."""

from data_contracts._fields import contract, email, field
from data_contracts._sources import PartnerRecord, Person

company = contract(
    "marketing",
    "company",
    [
        field("company_id", required=True, export="Company ID"),
        field("company_name", required=True, export="Company Name", not_pii="company name: a legal entity, not a person"),
        field("domain", export="Company Domain Name"),
        field("country", export="Country/Region"),
        field("is_partner", "boolean", export="Is Partner"),
        field("partner_ref", export="Partner ID", description="PRM partner id if the marketer filled it in."),
        field("updated_at", "timestamp", required=True, export="Last Modified Date"),
    ],
    key=["company_id"],
    version="updated_at",
    description="Companies (partners among them).",
)

campaign = contract(
    "marketing",
    "campaign",
    [
        field("campaign_id", required=True, export="Campaign ID"),
        field("campaign_name", required=True, export="Campaign Name", not_pii="name of a campaign, not of a person"),
        field("channel", allowed=["email", "webinar", "event", "paid_social", "content", "partner_co_marketing"], export="Channel"),
        field("partner_company_id", export="Partner Company ID", description="Partner running the campaign."),
        field("mdf_request_id", export="MDF Request ID", description="PRM MDF request funding it."),
        field("budget", "number", minimum=0, export="Budget"),
        field("currency", export="Currency"),
        field("start_date", "date", export="Start Date"),
        field("end_date", "date", export="End Date"),
    ],
    key=["campaign_id"],
    description="Campaigns, partner co-marketing and MDF-funded ones included.",
)

lead = contract(
    "marketing",
    "lead",
    [
        field("lead_id", required=True, export="Lead ID", pii="person_identifier", description="A lead is a person."),
        email("email", export="Email Address"),
        field("first_name", pii="person_name", export="First Name"),
        field("last_name", pii="person_name", export="Last Name"),
        field("phone", pii="phone", export="Phone Number"),
        field("company_name", export="Company", not_pii="the lead's employer: a company name, not a person"),
        field("country", export="Country/Region"),
        field("lead_source", export="Lead Source"),
        field("referring_partner_id", export="Referring Partner Company ID", description="Partner that referred the lead."),
        field("converted_opportunity_id", export="Converted Opportunity ID", description="CRM opportunity id."),
        field("created_at", "timestamp", required=True, export="Create Date"),
        field("updated_at", "timestamp", required=True, export="Last Modified Date"),
    ],
    key=["lead_id"],
    version="updated_at",
    description="Leads with their partner referral fields.",
)

campaign_member = contract(
    "marketing",
    "campaign_member",
    [
        field("member_id", required=True, export="Member ID"),
        field("campaign_id", required=True, export="Campaign ID"),
        field("lead_id", required=True, export="Lead ID", pii="person_identifier", description="The lead touched."),
        field("status", allowed=["sent", "opened", "clicked", "registered", "attended", "responded"], export="Status"),
        field("touched_at", "timestamp", required=True, export="Touch Date"),
    ],
    key=["member_id"],
    description="Campaign members / touches.",
)

CONTRACTS = [company, campaign, lead, campaign_member]

PEOPLE = [Person("lead", "lead_id", records={"campaign_member": "lead_id"})]

# Companies flagged is_partner or carrying a PRM id; a blank is_partner makes a `candidate`, matched on exact
# evidence only.
PARTNER_RECORD = PartnerRecord(
    entity="company",
    record_id="company_id",
    name="company_name",
    updated_at="updated_at",
    identity_rank=4,
    external_ids={"prm_partner_ref": "prm_partner_id"},
    scope="case when is_partner or prm_partner_id is not null then 'partner' else 'candidate' end",
    where="is_partner or is_partner is null or prm_partner_id is not null",
    vendor_domain_is_internal=True,
)
