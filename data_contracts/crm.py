"""CRM (Salesforce-shaped) raw contracts.

Canonical raw names are the snake_case names a Fivetran/Airbyte sync uses; `export` is the Salesforce API
name that a Data Loader / Bulk API export carries. The connector accepts either.
"""

from data_contracts._fields import contract, email, field
from data_contracts._sources import PartnerRecord, Person

SFDC_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
CURRENCIES_NOTE = "ISO 4217 in Salesforce, but older orgs and manual edits carry symbols and lowercase codes"

account = contract(
    "crm",
    "account",
    [
        field("id", required=True, pattern=SFDC_ID, export="Id", description="Salesforce Account Id (15/18 chars)."),
        field("name", required=True, export="Name", description="Account name as typed by sales.",
              not_pii="company name: a legal entity, not a person"),
        field("type", export="Type",
              allowed=["Partner", "Customer", "Prospect", "Reseller", "Distributor", "Other", "Customer - Direct",
                       "Customer - Channel", "Channel Partner / Reseller", "Installation Partner",
                       "Technology Partner", "Competitor", "Analyst", "Integrator", "Investor", "Press"],
              description="Account type (Salesforce picklist, standard values included); partner accounts are "
                          "Partner, Reseller, Distributor and the *Partner* picklist values."),
        field("is_partner", "boolean", export="IsPartner", description="Salesforce partner-account flag."),
        field("website", export="Website", description="Company web site, any form (with or without scheme)."),
        field("billing_country", export="BillingCountry", description="Country, free text or code."),
        field("industry", export="Industry"),
        field("number_of_employees", "integer", minimum=0, export="NumberOfEmployees"),
        field("partner_tier_c", export="Partner_Tier__c", description="Tier as CRM believes it (custom field)."),
        field("prm_partner_id_c", export="PRM_Partner_Id__c", description="PRM partner id stored on the account."),
        field("duns_c", pattern=r"^\d{9}$", export="DUNS__c", description="D-U-N-S number, 9 digits."),
        field("owner_id", export="OwnerId", pii="person_identifier",
              description="User who owns the account (channel account manager)."),
        field("created_date", "timestamp", export="CreatedDate"),
        field("last_modified_date", "timestamp", required=True, export="LastModifiedDate"),
        field("is_deleted", "boolean", export="IsDeleted", description="Soft-delete flag from the recycle bin."),
    ],
    key=["id"],
    version="last_modified_date",
    description="Accounts: partners and end customers.",
)

opportunity = contract(
    "crm",
    "opportunity",
    [
        field("id", required=True, pattern=SFDC_ID, export="Id"),
        field("account_id", required=True, export="AccountId", description="End-customer account."),
        field("name", export="Name", description="Deal title: customer company and product.",
              not_pii="deal title (customer company - product), typed from a template; no people named in it"),
        field("stage_name", required=True, export="StageName", description="Sales stage; mapped in seeds.",
              not_pii="name of a sales stage (picklist), not of a person"),
        field("amount", "number", minimum=0, export="Amount"),
        field("currency_iso_code", export="CurrencyIsoCode", description=CURRENCIES_NOTE),
        field("close_date", "date", required=True, export="CloseDate"),
        field("is_won", "boolean", export="IsWon"),
        field("is_closed", "boolean", export="IsClosed"),
        field("probability", "number", minimum=0, maximum=100, export="Probability"),
        field("lead_source", export="LeadSource", description="Origin of the deal, e.g. Partner Referral."),
        field("deal_registration_id_c", export="Deal_Registration_Id__c", description="PRM registration id."),
        field("owner_id", export="OwnerId", pii="person_identifier", description="CRM user who owns the deal."),
        field("created_date", "timestamp", export="CreatedDate"),
        field("last_modified_date", "timestamp", required=True, export="LastModifiedDate"),
        field("is_deleted", "boolean", export="IsDeleted"),
    ],
    key=["id"],
    version="last_modified_date",
    description="Opportunities (deals).",
)

opportunity_partner = contract(
    "crm",
    "opportunity_partner",
    [
        field("id", required=True, pattern=SFDC_ID, export="Id"),
        field("opportunity_id", required=True, export="OpportunityId"),
        field("account_to_id", required=True, export="AccountToId", description="The partner account."),
        field("role", export="Role", description="Partner role on the deal (Reseller, Distributor, Influencer...)."),
        field("is_primary", "boolean", export="IsPrimary"),
        field("created_date", "timestamp", export="CreatedDate"),
        field("last_modified_date", "timestamp", required=True, export="LastModifiedDate"),
        field("is_deleted", "boolean", export="IsDeleted"),
    ],
    key=["id"],
    version="last_modified_date",
    description="Partners on an opportunity, with their role.",
)

user = contract(
    "crm",
    "user",
    [
        field("id", required=True, pattern=SFDC_ID, export="Id", pii="person_identifier", description="CRM user id."),
        field("name", pii="person_name", export="Name"),
        email("email", export="Email"),
        field("is_active", "boolean", export="IsActive"),
        field("user_role", export="UserRole", description="Role name, e.g. Channel Account Manager."),
        field("last_modified_date", "timestamp", required=True, export="LastModifiedDate"),
    ],
    key=["id"],
    version="last_modified_date",
    description="CRM users (account owners, channel account managers).",
)

CONTRACTS = [account, opportunity, opportunity_partner, user]

PEOPLE = [Person("user", "id")]

# Accounts flagged or typed as partners (or carrying a PRM id); end customers are not partner records.
PARTNER_RECORD = PartnerRecord(
    entity="account",
    record_id="account_id",
    name="account_name",
    updated_at="last_modified_at",
    identity_rank=2,
    website="website",
    external_ids={"prm_partner_ref": "prm_partner_id", "crm_account_ref": "upper(account_id)",
                  "duns_number": "duns_number"},
    # account_type_raw: an org's own picklist value ("Channel Partner (EMEA)") is no canonical type, still a partner
    where="is_partner or account_type in ('Partner', 'Reseller', 'Distributor') or lower(account_type_raw) like '%partner%'"
          " or prm_partner_id is not null",
)
