"""Marketing automation connector: Marketo/HubSpot-style exports, UTF-8 CSV with a byte-order mark."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="marketing",
    file_format=FileFormat("csv", encoding="utf-8"),
    description="Marketing automation: companies, campaigns, leads, campaign members.",
)
