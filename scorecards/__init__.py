"""Per-partner scorecards: one self-contained report per partner (HTML + JSON + CSV of the same numbers), built
from the published warehouse, showing only that partner's own figures and anonymized peer percentiles."""
