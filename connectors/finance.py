"""Finance connector: NetSuite-style saved-search exports as Parquet."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="finance",
    file_format=FileFormat("parquet"),
    description="Finance: partner entities, rebate accruals, MDF disbursements, commission payouts.",
)
