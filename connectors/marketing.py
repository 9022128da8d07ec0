"""Marketing automation connector: Marketo/HubSpot-style exports, in any file format (the sample's are UTF-8
CSV with a byte-order mark)."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="marketing",
    description="Marketing automation: companies, campaigns, leads, campaign members.",
)
