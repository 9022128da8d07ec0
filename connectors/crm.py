"""CRM connector: Salesforce objects exported by Data Loader / Bulk API (API field names) or synced by
Fivetran/Airbyte (snake_case names), in any file format (the sample's are UTF-8 CSV)."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="crm",
    description="Salesforce-shaped CRM: accounts, opportunities, opportunity partners, users.",
    extra_aliases={"_fivetran_deleted": "is_deleted"},
)
