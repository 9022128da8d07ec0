"""PRM connector: partner portal platform exports, in any file format (the sample's are JSON lines; real
PRM exports are mostly CSV or Excel)."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="prm",
    description="Partner relationship management: profiles, deal registrations, MDF, portal activity.",
)
