"""Personal data: classified once in the contracts, readable only in raw, quarantine and staging.

1. Classification. Every raw column whose NAME looks personal (patterns below) or whose CONTENT in the generated
   sample looks personal (e-mail addresses, phone numbers, IPv4/IPv6 addresses, people's names from the sample
   generator's name lists) is classified in its contract: `pii=<category>`, or `not_pii=<reason>` when it only
   looks personal (a company name). The detectors are checked to find something, so the test cannot pass blind.
2. Pseudonymized marts. No intermediate or mart table of the warehouse the session built holds a readable
   e-mail, phone number, IP address, person's name or person id from the raw PII columns (values scanned, also
   inside longer text), and the pseudonym columns equal `warehouse.privacy.pseudonymize(raw value)` computed in
   Python with the pipeline's key: stable, so joins across models and runs work.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from data_contracts import CONTRACTS, pii_columns
from data_contracts._fields import PII_CATEGORIES
from sample import reference as sample_reference
from warehouse.privacy import pii_hash_key, pseudonymize

# --------------------------------------------------------------------------------------------- detectors
NAME_PATTERNS = {
    "email": re.compile(r"e_?mail"),
    "person_name": re.compile(r"(^|_)name$|(^|_)(first|last|full|given|family|middle|sur)_?name"),
    "phone": re.compile(r"phone|mobile|(^|_)fax($|_)|msisdn"),
    "ip_address": re.compile(r"(^|_)ip($|_)|ip_?addr"),
    "person_identifier": re.compile(r"(^|_)(user|owner|lead|contact|person|employee|learner)_?id$"),
    "job_title": re.compile(r"(^|_)title$|job"),
    "free_text": re.compile(r"(^|_)(notes?|comments?|remarks?|description|address|street|postal|zip|birth|dob|"
                            r"ssn|gender)($|_)"),
}
# Entities whose rows ARE people: their key identifies a person.
PERSON_ENTITY = re.compile(r"^(user|users|lead|leads|contact|contacts|person|people|employee|employees|learner)$")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^(\+|00)\d{1,3}[\s.-]?\(?\d[\d\s().-]{5,}\d$|^\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}$")
IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
IPV6 = re.compile(r"^(?=.*:.*:)[0-9A-Fa-f:]{2,39}$")
FIRST_NAMES = {n.casefold() for n in sample_reference.FIRST_NAMES}
LAST_NAMES = {n.casefold() for n in sample_reference.LAST_NAMES}
CONTENT_SHARE = 0.2  # a column is flagged when at least this share of its values looks personal


def _looks_like_name(value: str) -> bool:
    text = " ".join(value.split()).casefold()
    if text in FIRST_NAMES or text in LAST_NAMES:
        return True
    first, _, rest = text.partition(" ")
    return first in FIRST_NAMES and rest in LAST_NAMES


CONTENT_DETECTORS = {
    "email": lambda v: bool(EMAIL.match(v.strip())),
    "phone": lambda v: bool(PHONE.match(v.strip())),
    "ip_address": lambda v: bool(IPV4.match(v.strip()) or IPV6.match(v.strip())),
    "person_name": _looks_like_name,
}
# The category a content detector implies for a classified column (an e-mail column is `email`...).
EXPECTED_CATEGORY = {"email": {"email"}, "phone": {"phone"}, "ip_address": {"ip_address"},
                     "person_name": {"person_name", "free_text"}}


def _meta(system: str, entity: str, column: str) -> dict:
    return CONTRACTS[(system, entity)].columns[column].metadata or {}


@pytest.fixture(scope="module")
def content_flags(warehouse) -> dict[tuple[str, str, str], set[str]]:
    """(system, entity, column) -> detectors that fire on at least CONTENT_SHARE of the column's sample values."""
    flags: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for (system, entity), schema in sorted(CONTRACTS.items()):
        for column in schema.columns:
            values = [v for (v,) in warehouse.execute(
                f'select distinct cast("{column}" as varchar) from raw_{system}."{entity}" '
                f'where "{column}" is not null').fetchall() if v.strip()]
            if len(values) < 5:
                continue
            for kind, detector in CONTENT_DETECTORS.items():
                if sum(map(detector, values)) >= CONTENT_SHARE * len(values):
                    flags[(system, entity, column)].add(kind)
    return flags


def name_flags() -> dict[tuple[str, str, str], set[str]]:
    flags: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for (system, entity), schema in sorted(CONTRACTS.items()):
        for column in schema.columns:
            for kind, pattern in NAME_PATTERNS.items():
                if pattern.search(column):
                    flags[(system, entity, column)].add(kind)
            if PERSON_ENTITY.match(entity) and column in schema.metadata["key"]:
                flags[(system, entity, column)].add("person_identifier")
    return flags


# ------------------------------------------------------------------------------------------ classification
def test_every_column_is_classified_at_most_once_with_a_known_category():
    for (system, entity), schema in CONTRACTS.items():
        for column, col in schema.columns.items():
            meta = col.metadata or {}
            assert meta.get("pii") in (None, *PII_CATEGORIES), (system, entity, column, meta.get("pii"))
            assert not (meta.get("pii") and meta.get("not_pii")), (system, entity, column)
            if meta.get("not_pii"):
                assert len(meta["not_pii"].split()) >= 3, f"{system}.{entity}.{column}: give the reason, not a word"
    listed = {(c.system, c.entity, c.column): c.category for c in pii_columns()}
    assert listed == {(s, e, n): (c.metadata or {})["pii"] for (s, e), schema in CONTRACTS.items()
                      for n, c in schema.columns.items() if (c.metadata or {}).get("pii")}
    assert set(listed.values()) >= {"email", "person_name", "phone", "ip_address", "person_identifier"}


def test_columns_that_look_personal_by_name_are_classified():
    flags = name_flags()
    assert flags, "the name patterns match nothing: the test would pass blind"
    unclassified = {
        f"{s}.{e}.{c} (looks like {', '.join(sorted(kinds))})"
        for (s, e, c), kinds in flags.items()
        if not _meta(s, e, c).get("pii") and not _meta(s, e, c).get("not_pii")
    }
    assert not unclassified, (
        "raw columns whose name looks personal are not classified: set pii=<category> or not_pii=<reason> in "
        f"data_contracts: {sorted(unclassified)}"
    )


def test_columns_that_look_personal_by_content_are_classified(content_flags):
    # Each detector must fire somewhere in the sample, else it is broken and the check below proves nothing.
    fired = {kind for kinds in content_flags.values() for kind in kinds}
    assert fired == set(CONTENT_DETECTORS), f"detectors that found nothing in the sample: {set(CONTENT_DETECTORS) - fired}"
    problems = []
    for (s, e, c), kinds in sorted(content_flags.items()):
        meta = _meta(s, e, c)
        if meta.get("not_pii"):
            continue
        if not meta.get("pii"):
            problems.append(f"{s}.{e}.{c}: values look like {sorted(kinds)} but the column is not classified")
        elif not any(meta["pii"] in EXPECTED_CATEGORY[kind] for kind in kinds):
            problems.append(f"{s}.{e}.{c}: values look like {sorted(kinds)}, classified {meta['pii']}")
    assert not problems, problems


def test_company_domains_and_names_are_explicit_exceptions(content_flags):
    """Columns that look personal but are not carry their reason in the contract, not in this test."""
    exceptions = {(s, e, c) for (s, e), schema in CONTRACTS.items() for c, col in schema.columns.items()
                  if (col.metadata or {}).get("not_pii")}
    flagged = set(name_flags()) | set(content_flags)
    # Every exception is for a column some detector flags: no stale or gratuitous exceptions.
    assert exceptions and exceptions <= flagged, sorted(exceptions - flagged)


def test_privacy_doc_lists_the_classified_columns():
    """docs/privacy.md lists the PII columns as the contracts classify them (`--write` regenerates it)."""
    from data_contracts import _pii

    assert _pii.DOC.name == "privacy.md" and _pii.DOC.parent.name == "docs"
    assert not _pii.differs(), "docs/privacy.md's PII column list is stale: run `python -m data_contracts._pii --write`"
    listed = _pii.render()
    assert all(f"`{c.raw_table}.{c.column}` | {c.category} |" in listed for c in pii_columns())


# ------------------------------------------------------------------------------- no readable PII downstream
READABLE = ("email", "phone", "ip_address", "person_name", "job_title", "person_identifier")


@pytest.fixture(scope="module")
def raw_pii_values(warehouse) -> dict[str, set[str]]:
    """category -> distinct lowercased, trimmed raw values of the PII columns (names also as `first last`)."""
    values: dict[str, set[str]] = defaultdict(set)
    by_table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for col in pii_columns():
        by_table[(col.system, col.entity)].append(col.column)
        if col.category not in READABLE:
            continue
        for (v,) in warehouse.execute(
                f'select distinct lower(trim(cast("{col.column}" as varchar))) from {col.raw_table} '
                f'where "{col.column}" is not null').fetchall():
            if v and len(v) >= 4:
                values[col.category].add(v)
    for (system, entity), columns in by_table.items():
        if {"first_name", "last_name"} <= set(columns):
            for (v,) in warehouse.execute(
                    f"select distinct lower(trim(first_name) || ' ' || trim(last_name)) from raw_{system}.\"{entity}\" "
                    "where first_name is not null and last_name is not null").fetchall():
                values["full_name"].add(v)
    # Single names are also words of company names ("O'Brien Manufacturing", "De Smet Telecom"): full names only,
    # a first name followed by a last name.
    values["full_name"] |= values.pop("person_name", set())
    values["full_name"] = {v for v in values["full_name"] if v.split(" ", 1)[0] in FIRST_NAMES and " " in v}
    return values


@pytest.fixture(scope="module")
def downstream_strings(warehouse):
    """Every distinct text value of every intermediate and mart column: [(schema.table.column, value)]."""
    columns = warehouse.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('intermediate', 'marts') and data_type = 'VARCHAR' order by all").fetchall()
    assert len({(s, t) for s, t, _ in columns}) > 30
    parts = [f"select '{s}.{t}.{c}' as col, lower(\"{c}\") as v from (select distinct \"{c}\" from {s}.\"{t}\") "
             f"where \"{c}\" is not null" for s, t, c in columns]
    warehouse.execute("create or replace temp table downstream_strings as " + " union all ".join(parts))
    # Candidate tokens for equality joins: the whole value, its `|`/`:`-separated parts (touch ids, finding ids),
    # and every e-mail address and IPv4 address written inside a longer text.
    warehouse.execute(r"""
        create or replace temp table downstream_tokens as
        select distinct col, v, token from (
            select col, v, unnest(list_concat(
                [v], regexp_split_to_array(v, '[|:]'),
                regexp_extract_all(v, '[^\s|:,;"''<>()\[\]]+@[^\s|:,;"''<>()\[\]]+'),
                regexp_extract_all(v, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}'))) as token
            from downstream_strings)""")
    return warehouse.execute("select count(*) from downstream_strings").fetchone()[0]


def test_no_readable_pii_in_intermediate_or_marts(warehouse, raw_pii_values, downstream_strings):
    assert downstream_strings > 1000
    assert all(raw_pii_values[k] for k in ("email", "phone", "ip_address", "full_name", "person_identifier"))
    hits = []
    for category, values in sorted(raw_pii_values.items()):
        warehouse.execute("create or replace temp table pii_values (v varchar)")
        warehouse.executemany("insert into pii_values values (?)", [[v] for v in sorted(values)])
        if category in ("person_identifier", "job_title", "email", "ip_address"):
            # A whole value, a `|`/`:`-separated part, or an address written inside a text is a hit.
            sql = """select col, any_value(d.v), count(*) from downstream_tokens d join pii_values p
                     on d.token = p.v group by col"""
        else:
            # Names and phone numbers: anywhere inside a text.
            sql = """select col, any_value(d.v), count(*) from downstream_strings d join pii_values p
                     on contains(d.v, p.v) group by col"""
        hits += [(category, col, example, n) for col, example, n in warehouse.execute(sql).fetchall()]
    assert not hits, f"readable personal data downstream of staging (category, column, example, rows): {hits}"


def test_the_scan_would_see_readable_pii(warehouse, raw_pii_values):
    """The same scan finds the raw values in staging, which keeps them: the negative result above is meaningful."""
    staged = {v for (v,) in warehouse.execute("select lower(trim(email)) from staging.stg_lms__user").fetchall()}
    assert len(staged & raw_pii_values["email"]) > 0.9 * len(staged) > 100
    names = {v for (v,) in warehouse.execute("select lower(user_name) from staging.stg_crm__user").fetchall()}
    assert names & raw_pii_values["full_name"]


# ------------------------------------------------------------------------------------ stable pseudonyms
PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")


def test_the_key_reached_dbt_and_the_pseudonyms_are_recomputable(warehouse):
    """Pseudonym columns equal `pseudonymize(raw value)` with the pipeline's key (PW_PII_HASH_KEY / key file)."""
    key = pii_hash_key()
    # LMS learners: the key of every certification record is the hash of its LMS user id.
    rows = warehouse.execute("""
        select f.learner_key, c.user_id
        from marts.fct_certification f
        join staging.stg_lms__certification c using (certification_record_id)""").fetchall()
    assert len(rows) > 100
    assert all(PSEUDONYM.match(k) for k, _ in rows)
    assert all(k == pseudonymize(u, key) for k, u in rows)
    assert pseudonymize(rows[0][1], key + "x") != rows[0][0]  # another key gives another pseudonym
    # Channel managers: the hash of their e-mail (PRM, else the CRM account owner's).
    rows = warehouse.execute("""
        select d.channel_manager_key, coalesce(p.channel_manager_email, u.email)
        from marts.dim_partner d
        left join staging.stg_prm__partner p on p.prm_partner_id = d.prm_partner_id
        left join staging.stg_crm__account a on a.account_id = d.crm_account_id
        left join staging.stg_crm__user u on u.user_id = a.owner_user_id""").fetchall()
    keyed = [(k, e) for k, e in rows if e is not None]
    assert len(keyed) > 0.8 * len(rows)
    assert all(k == pseudonymize(e, key) for k, e in keyed)
    # partner_360 carries dim_partner's pseudonym: the same manager joins across marts.
    mismatched = warehouse.execute("""
        select count(*) from marts.partner_360 p join marts.dim_partner d using (partner_id)
        where p.channel_manager_key is distinct from d.channel_manager_key""").fetchone()[0]
    assert mismatched == 0
    # Referral leads in the attribution touches: the hash of the marketing lead id.
    rows = warehouse.execute("""
        select t.source_record_id, l.lead_id
        from intermediate.int_revenue__partner_touches t
        join staging.stg_marketing__lead l on t.source_record_id = sha256(? || ':' || lower(trim(l.lead_id)))
        where t.touch_kind = 'referral_lead'""", [key]).fetchall()
    total = warehouse.execute("select count(*) from intermediate.int_revenue__partner_touches "
                              "where touch_kind = 'referral_lead'").fetchone()[0]
    assert total > 10 and len(rows) == total
    assert all(k == pseudonymize(lead, key) for k, lead in rows)


def test_learner_keys_join_across_models(warehouse):
    """One learner, one key: intermediate and marts agree, so people are counted and joined on it."""
    orphans = warehouse.execute("""
        select count(*) from marts.fct_certification f
        left join intermediate.int_capability__lms_learner_organization l using (learner_key)
        where l.learner_key is null
          and f.certification_record_id not in (select source_record_id from marts.fct_audit_orphan
                                                where source_table = 'certification')""").fetchone()[0]
    assert orphans == 0
    people = warehouse.execute("select count(distinct learner_key), count(distinct user_id) from "
                               "marts.fct_certification join staging.stg_lms__certification "
                               "using (certification_record_id)").fetchone()
    assert people[0] == people[1] > 50
