"""CRM connector: Salesforce objects exported by Data Loader / Bulk API (API field names) or synced by
Fivetran/Airbyte (snake_case names), in any file format (the sample's are UTF-8 CSV). The tools' own columns
(`_fivetran_deleted`, ...) are recognized on every system (connectors/flavors.py); Salesforce's `IsDeleted` stays the
contract's is_deleted."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="crm",
    description="Salesforce-shaped CRM: accounts, opportunities, opportunity partners, users.",
)
