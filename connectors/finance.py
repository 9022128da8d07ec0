"""Finance connector: NetSuite-style saved-search exports, in any file format (the sample's are Parquet)."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="finance",
    description="Finance: partner entities, rebate accruals, MDF disbursements, commission payouts.",
)
