"""Contract-invalid values: for a contract column, a value that breaks exactly one named rule.

The (rule, column) pairs an entity can break are derived from the pandera contract metadata, so a new column
or rule in `data_contracts` is picked up without touching this module. Each maker returns a Python value that
the format writers render like any other (strings pass through verbatim, numbers as numbers, None as null).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, datetime

import pandera.pandas as pa

FORMAT_RULE = {"integer": "is_integer", "number": "is_number", "date": "is_iso_date",
               "timestamp": "is_iso_timestamp", "boolean": "is_boolean"}
UNIQUE_KEY = "unique_key"
_FALLBACK_TS = datetime(2026, 1, 15, 9, 30)


def injection_options(schema: pa.DataFrameSchema, typed: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """rule -> columns where that rule can be broken alone.

    `typed` holds the logical types the file format stores natively (Parquet: numbers, dates, timestamps);
    such a column cannot carry a malformed string, only a null or an out-of-range number.
    Key columns are never blanked: two blank keys would also repeat each other (a second violation).
    """
    key = set(schema.metadata["key"])
    options: dict[str, list[str]] = defaultdict(list)
    for name, column in schema.columns.items():
        meta = column.metadata
        logical = meta["logical_type"]
        if meta["required"] and name not in key:
            options["not_nullable"].append(name)
        if meta["minimum"] is not None or meta["maximum"] is not None:
            options["value_range"].append(name)
        if logical in typed:
            continue
        if logical in FORMAT_RULE:
            options[FORMAT_RULE[logical]].append(name)
        if meta["allowed"] and meta.get("unknown_code") == "quarantine":  # an unknown descriptive code loads
            options["allowed_values"].append(name)
        if meta["pattern"]:
            options["matches_pattern"].append(name)
    return dict(options)


def bad_value(rule: str, meta: dict, original, rng: random.Random):
    """A value for a column with metadata `meta` that fails `rule` and no other rule of the column."""
    return _MAKERS[rule](meta, original, rng)


_MONEY_WORDS = ("amount", "budget", "price", "revenue")


def _not_nullable(meta, original, rng):
    return None


def _is_integer(meta, original, rng):
    number = abs(int(original)) if isinstance(original, (int, float)) else rng.randint(5, 900)
    return rng.choice((f"{number}.5", f"ca. {number}", f"{number}+", f"~{number}"))


def _is_number(meta, original, rng):
    number = abs(float(original)) if isinstance(original, (int, float)) else rng.uniform(10, 9000)
    plain = f"{number:.2f}"
    if any(word in meta["export"].lower() for word in _MONEY_WORDS):
        return rng.choice((plain.replace(".", ","), f"{plain} EUR", f"USD {plain}", f"{number:,.2f}".replace(".", ",") + ",-"))
    return rng.choice((plain.replace(".", ","), f"{number:g} h", f"approx. {number:g}", f"{number:g}%"))


def _when(original) -> datetime:
    if isinstance(original, datetime):
        return original
    if isinstance(original, date):
        return datetime(original.year, original.month, original.day, 9, 30)
    return _FALLBACK_TS


def _is_iso_date(meta, original, rng):
    d = _when(original)
    return rng.choice((f"{d.year}-02-30", f"{d:%d/%m/%Y}", f"{d:%m/%d/%Y}", f"{d:%d.%m.%Y}", f"{d.year}-{d.month:02d}-32"))


def _is_iso_timestamp(meta, original, rng):
    d = _when(original)
    return rng.choice((f"{d:%d/%m/%Y %H:%M}", f"{d.year}-02-30T{d:%H:%M:%S}Z", f"{d:%Y-%m-%d}T25:{d:%M:%S}Z",
                       str(int(d.timestamp()) * 1000), f"{d:%b %d %Y %I:%M%p}"))


def _is_boolean(meta, original, rng):
    return rng.choice(("maybe", "ja", "unknown", "Y/N", "2"))


def _allowed_values(meta, original, rng):
    allowed_lower = {a.lower() for a in meta["allowed"]}
    candidates = ["Unknown", "TBD", "Pending Review", "Legacy"]
    for code in meta["allowed"]:
        if len(code) > 3:
            cut = rng.randint(1, len(code) - 2)
            candidates.append(code[:cut] + code[cut + 1 :])  # a typo: one letter dropped
    return rng.choice([c for c in candidates if c.strip().lower() not in allowed_lower])


_PREFIXED = re.compile(r"^([A-Za-z]+)-(\d+)$")


def _pattern_candidates(original, rng) -> list[str]:
    text = "" if original is None else str(original)
    if "@" in text:
        local, _, host = text.partition("@")
        return [f"{local} at {host}", f"{local}@@{host}", f"{local}@{host.split('.')[0]}", f"{local}(at){host}"]
    if prefixed := _PREFIXED.match(text):
        prefix, number = prefixed.groups()
        return [f"{prefix}{number}", f"{prefix.lower()}-{number}", f"{prefix}_{number}", f"{prefix}-{number}a"]
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = text.split("-")
        return [f"{year}-13", f"{month}/{year}", f"{year}{month}", f"{year}-{int(month)}"]
    if re.fullmatch(r"\d{9}", text):
        return [f"{text[:2]}-{text[2:5]}-{text[5:]}", text[:8], f"DUNS {text}"]
    if len(text) == 18 and text.isalnum():
        return [text[:15] + "X", text + "X", text[:12] + "-" + text[12:]]
    if text.isdigit():
        return [f"V{text}", f"{text}-A"]
    return ["info(at)example.com", f"#{text}", f"{text} ?"]


def _matches_pattern(meta, original, rng):
    pattern = meta["pattern"]
    candidates = [c for c in _pattern_candidates(original, rng) if re.match(pattern, c) is None]
    if not candidates:
        raise ValueError(f"no malformed value for pattern {pattern!r} from {original!r}")
    return rng.choice(candidates)


def _value_range(meta, original, rng):
    magnitude = abs(original) if isinstance(original, (int, float)) and abs(original) >= 1 else rng.uniform(10, 500)
    if meta["minimum"] is not None and (meta["maximum"] is None or rng.random() < 0.7):
        value = meta["minimum"] - magnitude
    else:
        value = meta["maximum"] + max(1.0, magnitude % 100)
    return int(value) if meta["logical_type"] == "integer" else round(float(value), 2)


_MAKERS = {
    "not_nullable": _not_nullable, "is_integer": _is_integer, "is_number": _is_number,
    "is_iso_date": _is_iso_date, "is_iso_timestamp": _is_iso_timestamp, "is_boolean": _is_boolean,
    "allowed_values": _allowed_values, "matches_pattern": _matches_pattern, "value_range": _value_range,
}
