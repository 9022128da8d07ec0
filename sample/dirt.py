"""Valid-but-dirty spellings: values every contract accepts and staging has to normalize.

Each function takes the canonical value and a `random.Random` and returns one of the forms real users type.
"""

from __future__ import annotations

import random

from sample.reference import COUNTRIES, CURRENCIES, TRANSLIT


def ascii_fold(text: str) -> str:
    return text.translate(TRANSLIT)


def name_variant(rng: random.Random, canonical: str, clean_share: float = 0.5) -> str:
    """A company name as one system spells it: 'Acme GmbH', 'ACME Gmbh.', 'acme', ' Acme GmbH  '."""
    if rng.random() < clean_share:
        return canonical
    base = canonical.split(" ")[0]
    legal = canonical.rsplit(" ", 1)[-1]
    variants = (
        canonical.upper(),
        canonical.lower(),
        f" {canonical}  ",
        canonical[: -len(legal)] + legal.capitalize() + ("" if legal.endswith(".") else "."),
        canonical[: -len(legal)].strip(),
        base.lower(),
        ascii_fold(canonical),
        canonical.replace(" ", "  ", 1),
    )
    return rng.choice(variants)


def country_form(rng: random.Random, iso2: str) -> str:
    iso3, english, others, *_ = COUNTRIES[iso2]
    roll = rng.random()
    if roll < 0.35:
        return iso2
    if roll < 0.45:
        return iso2.lower()
    if roll < 0.55:
        return iso3
    if roll < 0.8 or not others:
        return english if rng.random() < 0.85 else english.upper()
    return rng.choice(others)


def currency_form(rng: random.Random, code: str) -> str:
    _, symbol, name = CURRENCIES[code]
    roll = rng.random()
    if roll < 0.75:
        return code
    if roll < 0.85:
        return code.lower()
    if symbol and roll < 0.95:
        return symbol
    return name or code


def website_form(rng: random.Random, domain: str | None) -> str | None:
    if domain is None:
        return None
    return rng.choice((
        f"https://www.{domain}/", domain, f"www.{domain}", f"WWW.{domain.upper()}", f"http://{domain}/en",
        f"https://{domain}", f"http://www.{domain}",
    ))


def domain_form(rng: random.Random, domain: str | None) -> str | None:
    """A bare-domain field (marketing 'Company Domain Name'): mostly clean, sometimes www. or a URL."""
    if domain is None or rng.random() < 0.7:
        return domain
    return rng.choice((f"www.{domain}", domain.upper(), f"https://{domain}/"))


def email_case(rng: random.Random, email: str) -> str:
    roll = rng.random()
    if roll < 0.6:
        return email
    local, _, host = email.partition("@")
    if roll < 0.85:
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + host
    return email.upper() if roll < 0.93 else email.capitalize()


def code_case(rng: random.Random, code: str) -> str:
    """An allowed code in the case and padding people type (the contract compares case-insensitively)."""
    roll = rng.random()
    if roll < 0.9:
        return code
    return code.lower() if roll < 0.95 else f" {code.upper()} "


def sfdc_id_form(rng: random.Random, sfdc_id: str, share: float) -> str:
    """A Salesforce id copied into another system: sometimes the case-sensitive 15-char form."""
    return sfdc_id[:15] if rng.random() < share else sfdc_id


def blank(rng: random.Random, value, share: float):
    return None if rng.random() < share else value
