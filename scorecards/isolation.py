"""The isolation check: a partner's scorecard files must not contain anything of another partner.

For every other partner it looks for, in the text of each file (HTML unescaped, JSON decoded, CSV as is,
case-insensitive for names and domains):
- its name (dim_partner.partner_name and partner_name_normalized) and web domain;
- its partner_id and every source-system record id of it (int_partner__crosswalk: PRM, CRM, LMS, marketing,
  finance), as whole tokens;
- its exact money figures (every `_usd` figure of partner_360, the gap to its next tier included, its won revenue per
  quarter, its MDF amounts and requested amounts by status), as any number in the file that equals the figure to
  the cent ("211973.29", "211,973.3") or, for figures of $1,000 and more, to the dollar ("$211,973"), the ways
  scorecards.render writes numbers.
A number with at most 2 significant digits (0, $250,000, $4,500) identifies no one, and is what the rounded peer
percentiles look like, so it is not searched. The rule holds for each written form of a figure, not for the figure
as stored: $93,000.03 is searched to the cent, but not to the dollar, where it reads "$93,000" like a peer p75
rounded to 2 significant figures (testing only the figure to the cent reported every such rounded percentile as a
leak). Nor is anything that is also one of the scorecard partner's own names, ids or figures (two partners
credited on the same deal share its amount), nor a name or domain contained in one of its own. The partner's own
figures include what its scorecard derives from its own data (e.g. approved but unclaimed MDF): every number of its
scorecard outside the peer section, and of the peer section the partner's own value of each metric and the
group's size (PEER_OWN_KEYS), each also as the HTML writes it ("41.7%"); and the years around its own dates, which
the tier history chart labels ("2029" is no $2,029 figure of another partner).
Without that, a derived figure that happens to equal another partner's figure to the dollar, or an amount equal to
a numeric record id, reads as a leak (18 such coincidences on the 300-partner sample). The peer statistics are never
exempt: they are built from other partners' data.
Inline charts are searched in the text they show (tick labels, titles), not in their drawing coordinates: an SVG
position 'x="185.8"' is not a figure, even when another partner has a commission of $185.80.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from scorecards.data import ScorecardData
from scorecards.parallel import map_chunks
from scorecards.peers import APPROX_DIGITS

NUMBER = re.compile(r"(?<![\w.\-/#])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w\-/]|[.,]\d)")
FILES = ("scorecard.html", "scorecard.json", "scorecard.csv")
CENT = Decimal("0.01")
# The numbers of a scorecard's peer section that are not statistics of the peers: the partner's own value of a metric
# and the size of the group (its position is text). Every other number there (p25, p50, p75, anything added later)
# is built from other partners' data and is searched.
PEER_OWN_KEYS = frozenset({"own_value", "peers", "min_peers"})
RENDERED_KINDS = ("usd", "count", "score", "ratio")  # scorecards.render.format_value kinds
MAX_RATIO = 10
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_AXIS_YEARS = 2


@dataclass(frozen=True)
class Leak:
    scorecard_of: str
    file: str
    kind: str  # name, domain, id, figure
    value: str
    belongs_to: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind} {self.value!r} of partner {self.belongs_to} in the scorecard of {self.scorecard_of}"


def _trie_regex(words: list[str]) -> str:
    """One regex alternation shaped as a trie, so thousands of words cost one pass over the text."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def walk(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return walk(trie)


def _money_values(data: ScorecardData) -> pd.DataFrame:
    """(partner_id, value) for every money figure the warehouse holds of a partner."""
    p = data.money
    usd_columns = [c for c in p.columns if c != "partner_id"]
    frames = [p[["partner_id", c]].rename(columns={c: "value"}) for c in usd_columns]
    frames += [data.revenue_by_quarter[["partner_id", c]].rename(columns={c: "value"})
               for c in ("sourced_won_usd", "influenced_won_usd")]
    frames += [data.mdf[["partner_id", c]].rename(columns={c: "value"}) for c in data.mdf.columns if c.endswith("_usd")]
    frames.append(data.mdf_requests[["partner_id", "requested_usd"]].rename(columns={"requested_usd": "value"}))
    values = pd.concat(frames, ignore_index=True).dropna()
    return values


def significant_digits(d: Decimal) -> int:
    """How many significant digits a number has as written, trailing zeros aside (0 has none; 93000.0 has 2)."""
    return 0 if d == 0 else len(d.normalize().as_tuple().digits)


def _searchable(d: Decimal) -> bool:
    """The README's rule: a number with at most APPROX_DIGITS (2) significant digits identifies no one (it is what a
    rounded peer percentile looks like), so it is never searched."""
    return d.is_finite() and significant_digits(d) > APPROX_DIGITS


def _forms(value) -> set[Decimal]:
    """The numbers a figure can be written as: to the cent, and to the dollar from $1,000 up; each form only if it has
    more than 2 significant digits. The rule holds per form, not per figure: $93,000.03 is searched as 93000.03, but
    its dollar form $93,000 is also what a peer p75 rounded to 2 significant figures looks like."""
    d = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    forms = {d.normalize()}
    if abs(d) >= 1000:
        # Python's format() rounds half to even ("$2,424" for 2424.50), arithmetic rounds half up: both forms.
        forms.add(d.quantize(Decimal(1), rounding=ROUND_HALF_UP).normalize())
        forms.add(d.quantize(Decimal(1), rounding=ROUND_HALF_EVEN).normalize())
    return {f for f in forms if _searchable(f)}


@functools.lru_cache(maxsize=65536)  # pages repeat the same few thousand tokens ("0", "2026", "$0")
def _parse_number(token: str) -> frozenset[Decimal]:
    try:
        d = Decimal(token.replace(",", ""))
    except InvalidOperation:
        return frozenset()
    return frozenset({d.normalize()})


@functools.lru_cache(maxsize=65536)
def _searched_numbers(token: str) -> frozenset[Decimal]:
    """A number of the text as the figure search sees it: nothing when it has at most 2 significant digits."""
    return frozenset(d for d in _parse_number(token) if _searchable(d))


class IsolationIndex:
    """Every partner's identifying tokens, built once from the same data the scorecards were written from."""

    def __init__(self, data: ScorecardData):
        self.names: dict[str, set[str]] = {}
        self.ids: dict[str, set[str]] = {}
        self.figures: dict[Decimal, set[str]] = {}
        self.own: dict[str, dict[str, set]] = {}
        self._data = data
        self._derived: dict[str, set[Decimal]] = {}

        def add(table: dict, token, pid: str, kind: str):
            table.setdefault(token, set()).add(pid)
            self.own.setdefault(pid, {"text": set(), "id": set(), "figure": set()})[kind].add(token)

        for row in data.identities.itertuples():
            for name in (row.partner_name, row.partner_name_normalized, row.web_domain):
                if isinstance(name, str) and len(name.strip()) >= 4:
                    add(self.names, name.strip().lower(), row.partner_id, "text")
            add(self.ids, row.partner_id, row.partner_id, "id")
        for row in data.source_ids.itertuples():
            if isinstance(row.source_record_id, str) and len(row.source_record_id) >= 3:
                add(self.ids, row.source_record_id, row.partner_id, "id")
        for row in _money_values(data).itertuples():
            for form in _forms(row.value):
                add(self.figures, form, row.partner_id, "figure")
        self._names_re = re.compile(_trie_regex(sorted(self.names, key=len, reverse=True)))
        self._ids_re = re.compile(r"(?<![\w.\-])" + _trie_regex(sorted(self.ids, key=len, reverse=True))
                                  + r"(?![\w\-]|[.,]\d)")

    def own_derived_numbers(self, partner_id: str, scorecard: dict | None = None) -> set[Decimal]:
        """Every number the partner's own scorecard computes from its own data, in the forms a figure is matched in
        and the forms scorecards.render writes it in ("41.7%" for a ratio of 0.4167, "57.3" for a score of 57.33).
        That is every number outside the peer section, and of the peer section only what is not a statistic of the
        peers (PEER_OWN_KEYS: the partner's own value, the group's size). `scorecard`: the dict written
        (default: built again from the data)."""
        if partner_id not in self._derived:
            from scorecards.build import build_scorecard
            from scorecards.render import format_value

            numbers: set[Decimal] = set()
            years: set[int] = set()
            if scorecard is None:
                try:
                    scorecard = build_scorecard(self._data, partner_id)
                except (KeyError, ValueError, LookupError):
                    scorecard = {}

            def add(value) -> None:
                numbers.update(_forms(value))
                numbers.update(_parse_number(str(value)))
                # As a percentage only what can be a ratio: 2119.73 is no "211973.0%" of any page.
                for kind in RENDERED_KINDS if abs(value) <= MAX_RATIO else RENDERED_KINDS[:-1]:
                    for token in NUMBER.findall(format_value(value, kind)):
                        numbers.update(_parse_number(token))

            def walk(value) -> None:
                if isinstance(value, dict):
                    for key, item in value.items():
                        if key == "peers" and isinstance(item, dict):
                            walk_peers(item)
                        else:
                            walk(item)
                elif isinstance(value, list):
                    for item in value:
                        walk(item)
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
                    add(value)
                elif isinstance(value, str) and ISO_DATE.fullmatch(value):
                    years.add(int(value[:4]))

            def walk_peers(section: dict) -> None:
                for part in (section, *(section.get("metrics") or {}).values()):
                    for key in PEER_OWN_KEYS & part.keys():
                        walk(part[key])

            walk(scorecard)
            # A date axis (the tier history chart) labels bare years ("2029") around the partner's own dates, up to 2
            # years past them (matplotlib widens an axis of a single day by 2 years): its own, not a figure of $2,029.
            if years:
                first, last = min(years) - DATE_AXIS_YEARS, max(years) + DATE_AXIS_YEARS
                numbers.update(Decimal(year) for year in range(first, last + 1))
            self._derived[partner_id] = numbers
        return self._derived[partner_id]

    def find_leaks(self, text: str, partner_id: str, file: str = "") -> list[Leak]:
        own = self.own.get(partner_id, {"text": set(), "id": set(), "figure": set()})
        derived = self.own_derived_numbers(partner_id)
        leaks: list[Leak] = []
        for token in _overlapping(self._names_re, text.lower()):
            owners = self.names.get(token, set())
            if partner_id in owners or any(token in mine for mine in own["text"]):
                continue
            for owner in sorted(owners):
                leaks.append(Leak(partner_id, file, "name or domain", token, owner))
        for m in self._ids_re.finditer(text):
            token = m.group(0)
            owners = self.ids.get(token, set())
            if partner_id in owners or token in own["id"] or _parse_number(token) & derived:
                continue
            for owner in sorted(owners):
                leaks.append(Leak(partner_id, file, "id", token, owner))
        for m in NUMBER.finditer(text):
            for number in _searched_numbers(m.group(0)):
                owners = self.figures.get(number)
                if not owners or partner_id in owners or number in own["figure"] or number in derived:
                    continue
                for owner in sorted(owners):
                    leaks.append(Leak(partner_id, file, "figure", m.group(0), owner))
        return leaks


def _overlapping(pattern: re.Pattern, text: str) -> list[str]:
    """All matches of a names pattern, also those starting inside another match (a name inside a longer one)."""
    found = []
    pos = 0
    if not pattern.pattern:
        return found
    while True:
        m = pattern.search(text, pos)
        if not m:
            return found
        if m.group(0):
            found.append(m.group(0))
        pos = m.start() + 1


SVG = re.compile(r"<svg\b.*?</svg>", re.S | re.I)
# Where an inline chart puts its drawing (scorecards.charts' SVG): positions, sizes, path data and styles, never shown as
# text. A coordinate that happens to equal another partner's figure ('x="185.8"' and a commission of $185.80) is
# not a figure of the page. Text a reader sees in a chart (tick labels, titles, aria-label) stays searched.
SVG_GEOMETRY = re.compile(r'\s(?:x|y|x1|y1|x2|y2|cx|cy|r|rx|ry|dx|dy|d|points|transform|width|height|viewBox|style)'
                          r'\s*=\s*(?:"[^"]*"|\'[^\']*\')', re.I)


def _without_chart_geometry(page: str) -> str:
    return SVG.sub(lambda svg: SVG_GEOMETRY.sub("", svg.group(0)), page)


def file_text(path: Path) -> str:
    """What a reader sees: HTML with entities resolved (the drawing attributes of its inline charts left out), JSON
    decoded (\\u escapes), CSV as is; plus the raw bytes' text, so an escaped form is checked too."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        raw = _without_chart_geometry(raw)
        return raw + "\n" + html.unescape(raw)
    if path.suffix == ".json":
        return raw + "\n" + json.dumps(json.loads(raw), ensure_ascii=False)
    return raw


def check_partner(index: IsolationIndex, folder: Path, partner_id: str) -> list[Leak]:
    leaks = []
    for name in FILES:
        path = folder / partner_id / name
        leaks += index.find_leaks(file_text(path), partner_id, f"{partner_id}/{name}")
    return leaks


def check_folder(out: Path, data: ScorecardData, partner_ids: list[str],
                 scorecards: dict[str, dict] | None = None, processes: int | None = None) -> list[Leak]:
    """`scorecards`: the dicts written (WriteResult.scorecards), so a partner's own numbers are not built again.
    `processes`: worker processes checking partners (default: the CPUs, at most 4), sharing one index."""
    index = IsolationIndex(data)

    def check(pid: str) -> list[Leak]:
        if scorecards and pid in scorecards:
            index.own_derived_numbers(pid, scorecards[pid])
        return check_partner(index, Path(out), pid)

    return [leak for _, found in map_chunks(check, list(partner_ids), processes) for partner in found
            for leak in partner]
