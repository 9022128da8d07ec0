"""Produce the generated reference seeds: countries, country aliases, currencies, currency aliases, sample rates.

Run once by a developer; only the CSV files it writes are committed (they are the reference data dbt loads).
The libraries it uses are dev-time only and deliberately NOT project dependencies:

    .venv/bin/pip install pycountry babel country_converter
    .venv/bin/python seeds/_build/build_reference_seeds.py

Sources:
  * ISO 3166-1 countries and ISO 4217 currencies: pycountry (Debian iso-codes data).
  * Region / subregion: UN M49 geoscheme as shipped by country_converter (`continent`, `UNregion`).
  * Country names in the country's own official languages and in a few major business languages, currency
    names and symbols: babel (Unicode CLDR).
  * Common spellings no library lists (USA, U.S.A., UK, Great Britain, England, Holland...): MANUAL_* below.
  * Currency rates: invented, plausible, slowly drifting sample values (see build_rates); the business replaces
    seeds/currency_rates.csv with its treasury rates.

The hand-written seeds (opportunity_stage_map.csv, free_mail_domains.csv, partner_tier_rules.csv) are edited
directly and are not produced here.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from datetime import date
from pathlib import Path

import babel
import babel.languages
import babel.numbers
import country_converter
import pycountry

SEEDS = Path(__file__).resolve().parents[1]

# Languages whose country names a partner or sales rep is likely to type, besides the country's own languages.
NAME_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "sv"]

MANUAL_COUNTRY_ALIASES = {
    "US": [
        "usa",
        "u.s.a.",
        "u.s.a",
        "u.s.",
        "us of a",
        "united states of america",
        "the united states",
        "america",
        "united states (usa)",
        "estados unidos de america",
        "états-unis d'amérique",
        "vereinigte staaten von amerika",
    ],
    "GB": [
        "uk",
        "u.k.",
        "u.k",
        "great britain",
        "britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "the united kingdom",
        "united kingdom of great britain and northern ireland",
        "gbr (uk)",
    ],
    "NL": ["holland", "the netherlands", "netherlands (the)", "nederland", "niederlande"],
    "DE": ["deutschland", "germany (de)", "federal republic of germany"],
    "KR": ["south korea", "korea", "republic of korea", "korea, south", "korea (south)"],
    "KP": ["north korea", "korea, north", "korea (north)", "dprk"],
    "RU": ["russia", "russian federation"],
    "CZ": ["czech republic", "czechia"],
    "AE": ["uae", "u.a.e.", "emirates"],
    "CI": ["ivory coast", "cote d'ivoire"],
    "VN": ["vietnam", "viet nam"],
    "TR": ["turkey", "türkiye", "turkiye"],
    "TW": ["taiwan", "taiwan, province of china", "republic of china"],
    "HK": ["hong kong", "hong kong sar", "hong kong sar china"],
    "MO": ["macau", "macao"],
    "CN": ["china", "prc", "people's republic of china", "mainland china"],
    "IR": ["iran"],
    "SY": ["syria"],
    "LA": ["laos"],
    "MD": ["moldova"],
    "TZ": ["tanzania"],
    "VE": ["venezuela"],
    "BO": ["bolivia"],
    "BN": ["brunei"],
    "CV": ["cape verde"],
    "SZ": ["swaziland", "eswatini"],
    "MM": ["burma", "myanmar"],
    "MK": ["macedonia", "north macedonia", "fyrom"],
    "VA": ["vatican", "vatican city", "holy see"],
    "PS": ["palestine"],
    "CD": ["drc", "dr congo", "congo-kinshasa", "democratic republic of the congo"],
    "CG": ["congo-brazzaville", "republic of the congo"],
    "CH": ["schweiz", "suisse", "svizzera", "switzerland (ch)"],
    "AT": ["österreich", "osterreich", "oesterreich"],
    "BE": ["belgië", "belgie", "belgique", "belgien"],
    "ES": ["españa", "espana", "spain (es)"],
    "IT": ["italia"],
    "SE": ["sverige"],
    "BR": ["brasil"],
    "MX": ["méxico", "mexico"],
    "IN": ["bharat"],
    "JP": ["nippon", "nihon"],
    "IE": ["eire", "éire", "republic of ireland"],
    "ZA": ["rsa", "south africa"],
    "AU": ["aus"],
    "NZ": ["aotearoa"],
}

MANUAL_CURRENCY_ALIASES = {
    "USD": ["$", "us$", "usd$", "u.s. dollar", "u.s. dollars", "us dollar", "us dollars", "dollar (us)", "usd $"],
    "EUR": ["€", "euro", "euros", "eur €", "€ eur"],
    "GBP": ["£", "pound sterling", "pounds sterling", "sterling", "gbp £", "british pound", "uk pound"],
    "JPY": ["¥", "yen", "jp¥", "japanese yen"],
    "AUD": ["a$", "au$", "aus$", "australian dollar", "australian dollars"],
    "CAD": ["c$", "ca$", "can$", "canadian dollar", "canadian dollars"],
    "CHF": ["sfr", "sfr.", "swiss franc", "swiss francs", "franken"],
    "SEK": ["swedish krona", "swedish kronor", "kronor"],
    "INR": ["₹", "indian rupee", "indian rupees"],
    "BRL": ["r$", "real", "reais", "brazilian real"],
    "SGD": ["s$", "sg$", "singapore dollar", "singapore dollars"],
    "MXN": ["mx$", "mex$", "mexican peso", "mexican pesos", "peso mexicano"],
    "ZAR": ["r", "rand", "south african rand"],
}

# Sample monthly rates: units of the currency that one US dollar buys, around early-2024 levels.
RATE_BASE = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "JPY": 150.0,
    "AUD": 1.52,
    "CAD": 1.36,
    "CHF": 0.89,
    "SEK": 10.6,
    "INR": 83.2,
    "BRL": 5.0,
    "SGD": 1.34,
    "MXN": 17.5,
    "ZAR": 18.6,
}
RATE_FIRST_MONTH, RATE_LAST_MONTH = date(2023, 1, 1), date(2027, 12, 1)

# Priority when two sources claim the same alias for different codes (lower wins; a tie drops the alias).
ALIAS_PRIORITY = {
    "iso2": 0,
    "iso3": 1,
    "code": 0,
    "manual": 2,
    "name": 3,
    "symbol": 3,
    "local_name": 4,
    "translated_name": 5,
}


def key(text: str) -> str:
    """The lookup key staging computes (macro lookup_key): trimmed, whitespace collapsed, lowercase."""
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


def unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def resolve(candidates: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(alias, code, alias_type) candidates -> one row per alias, conflicts settled by ALIAS_PRIORITY."""
    best: dict[str, tuple[int, str, str]] = {}
    dropped: set[str] = set()
    for alias, code, alias_type in candidates:
        alias = key(alias)
        if not alias:
            continue
        rank = ALIAS_PRIORITY[alias_type]
        if alias not in best or rank < best[alias][0]:
            best[alias] = (rank, code, alias_type)
            dropped.discard(alias)
        elif rank == best[alias][0] and code != best[alias][1]:
            dropped.add(alias)
    for alias in sorted(dropped):
        print(f"ambiguous alias dropped: {alias!r}")
    return sorted((a, code, t) for a, (_, code, t) in best.items() if a not in dropped)


def write_csv(name: str, header: list[str], rows: list) -> None:
    with (SEEDS / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote seeds/{name}: {len(rows)} rows")


def coco_rows() -> dict[str, dict[str, str]]:
    """country_converter's table by ISO2 (its ISO2 column is a regex for a few countries: "^GB$|^UK$")."""
    path = Path(country_converter.__file__).with_name("country_data.tsv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {r["ISO2"].split("|")[0].strip("^$"): r for r in rows if r["ISO2"]}


def un_regions() -> dict[str, tuple[str, str]]:
    continent_names = {"America": "Americas"}
    return {
        iso2: (continent_names.get(r["continent"], r["continent"]), r["UNregion"] or r["continent"])
        for iso2, r in coco_rows().items()
    }


def short_names() -> dict[str, str]:
    return {iso2: r["name_short"] for iso2, r in coco_rows().items()}


def build_countries() -> None:
    regions, shorts = un_regions(), short_names()
    countries, candidates = [], []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        iso2, iso3 = country.alpha_2, country.alpha_3
        name = shorts.get(iso2) or getattr(country, "common_name", None) or country.name
        official = getattr(country, "official_name", None) or country.name
        region, subregion = regions.get(iso2, ("", ""))
        countries.append([iso2, iso3, country.numeric, name, official, region, subregion])
        candidates += [(iso2, iso2, "iso2"), (iso3, iso2, "iso3")]
        for english in {name, official, country.name, getattr(country, "common_name", country.name)}:
            candidates += [(english, iso2, "name"), (unaccented(english), iso2, "name")]
        own_languages = babel.languages.get_official_languages(iso2, de_facto=True)
        for language in dict.fromkeys([*own_languages, *NAME_LANGUAGES]):
            try:
                local = babel.Locale.parse(language).territories.get(iso2)
            except (babel.UnknownLocaleError, ValueError):
                continue
            if local:
                alias_type = "local_name" if language in own_languages else "translated_name"
                candidates += [(local, iso2, alias_type), (unaccented(local), iso2, alias_type)]
    for iso2, aliases in MANUAL_COUNTRY_ALIASES.items():
        candidates += [(alias, iso2, "manual") for alias in aliases]
    write_csv(
        "countries.csv", ["iso2", "iso3", "numeric_code", "name", "official_name", "region", "subregion"], countries
    )
    write_csv("country_aliases.csv", ["alias", "iso2", "alias_type"], resolve(candidates))


def build_currencies() -> None:
    english = babel.Locale.parse("en")
    currencies, candidates = [], []
    for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
        code = currency.alpha_3
        symbol = babel.numbers.get_currency_symbol(code, locale="en_US")
        currencies.append(
            [
                code,
                currency.numeric,
                english.currencies.get(code, currency.name),
                babel.numbers.get_currency_precision(code),
                symbol if symbol != code else "",
            ]
        )
        candidates.append((code, code, "code"))
        names = {currency.name, english.currencies.get(code, currency.name)}
        names.add(babel.numbers.get_currency_name(code, count=2, locale="en"))
        candidates += [(n, code, "name") for n in names if n]
        if symbol and symbol != code:
            candidates.append((symbol, code, "symbol"))
    for code, aliases in MANUAL_CURRENCY_ALIASES.items():
        candidates += [(alias, code, "manual") for alias in aliases]
    write_csv("currencies.csv", ["currency_code", "numeric_code", "name", "minor_units", "symbol"], currencies)
    write_csv("currency_aliases.csv", ["alias", "currency_code", "alias_type"], resolve(candidates))


def build_rates() -> None:
    """Sample monthly rates: a slow deterministic drift (+-3 %) around RATE_BASE. Not market data."""
    rows = []
    month, index = RATE_FIRST_MONTH, 0
    while month <= RATE_LAST_MONTH:
        for offset, (code, base) in enumerate(sorted(RATE_BASE.items())):
            drift = 0.0 if code == "USD" else 0.03 * math.sin(index / 7.0 + offset)
            rows.append([code, month.isoformat(), f"{base * (1 + drift):.6g}"])
        index += 1
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    write_csv("currency_rates.csv", ["currency_code", "rate_month", "units_per_usd"], rows)


if __name__ == "__main__":
    build_countries()
    build_currencies()
    build_rates()
