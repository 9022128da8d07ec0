"""PRM connector: partner portal platform exports as JSON lines."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="prm",
    file_format=FileFormat("jsonl", encoding="utf-8"),
    description="Partner relationship management: profiles, deal registrations, MDF, portal activity.",
)
