"""CRM connector: Salesforce objects exported by Data Loader / Bulk API (API field names) or synced by
Fivetran/Airbyte (snake_case names). UTF-8 CSV."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="crm",
    file_format=FileFormat("csv", encoding="utf-8"),
    description="Salesforce-shaped CRM: accounts, opportunities, opportunity partners, users.",
    extra_aliases={"_fivetran_deleted": "is_deleted"},
)
