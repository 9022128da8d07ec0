"""Sample landing zone: one night of extracts from the five source systems, with planted dirt and its truth.

`generate()` (or `python -m sample`) writes `<out>/<system>/<entity>/<file>` exactly as the systems
export them (CSV / JSON lines / Parquet), derived from the pandera contracts in `data_contracts`, and
`<out>/_ground_truth/ground_truth.json` listing every invalid row, duplicate, orphan, conflict, correction and
the expected partner revenue and certification facts. Same seed, partners and as-of give byte-identical files.
"""

from sample.generator import generate

__all__ = ["generate"]
