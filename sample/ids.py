"""Record ids as each system issues them, from counters that run across chunks (so ids are unique per run)."""

from __future__ import annotations

import string
from collections import defaultdict

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX = string.ascii_uppercase + "012345"

# Salesforce key prefixes of the objects we export.
SFDC_PREFIX = {"account": "001", "user": "005", "opportunity": "006", "opportunity_partner": "00I"}
_POD = "5g0"
_ORPHAN_POD = "9Zz"  # a pod this org never used: ids from it exist in no export


def sfdc_suffix(id15: str) -> str:
    """The 3-character checksum that turns a case-sensitive 15-char id into the 18-char form."""
    out = []
    for block in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[block * 5 : block * 5 + 5]) if ch.isupper())
        out.append(_SUFFIX[bits])
    return "".join(out)


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    return "".join(reversed(chars))


def sfdc_id(prefix: str, number: int, pod: str = _POD) -> str:
    id15 = prefix + pod + _base62(number, 9)
    return id15 + sfdc_suffix(id15)


class Ids:
    """Sequential, deterministic ids per kind."""

    def __init__(self, seed: int) -> None:
        self._next: dict[str, int] = defaultdict(int)
        self._sfdc_base = 9_000_000 + (seed % 997) * 13_337

    def take(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    def sfdc(self, entity: str) -> str:
        return sfdc_id(SFDC_PREFIX[entity], self._sfdc_base + self.take(f"sfdc:{entity}") * 7)

    def sfdc_orphan(self, entity: str) -> str:
        return sfdc_id(SFDC_PREFIX[entity], self._sfdc_base + self.take(f"orphan:{entity}") * 7, _ORPHAN_POD)

    def prefixed(self, kind: str, prefix: str, start: int, width: int = 0) -> str:
        return f"{prefix}{start + self.take(kind):0{width}d}"
