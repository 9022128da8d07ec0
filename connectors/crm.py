"""CRM connector: Salesforce objects exported by Data Loader / Bulk API (API field names) or synced by
Fivetran/Airbyte (snake_case names). UTF-8 CSV. The tools' own columns (`_fivetran_deleted`, ...) are
recognized on every system (connectors/flavors.py); Salesforce's `IsDeleted` stays the contract's is_deleted."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="crm",
    file_format=FileFormat("csv", encoding="utf-8"),
    description="Salesforce-shaped CRM: accounts, opportunities, opportunity partners, users.",
)
