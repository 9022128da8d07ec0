"""What a contract module declares about its source beyond the raw tables: who is a person, and which record is
the partner. Everything that used to list the systems by hand (erasure's suppression lists, identity resolution,
`dim_partner`, completeness) derives from these declarations.

A contract module may export, beside `CONTRACTS`:

    PEOPLE = [Person("user", "user_id", records={"enrollment": "user_id"})]
        rows of `user` ARE a person (identified by raw column `user_id`); rows of `enrollment` are that person's
        own records (linked by raw column `user_id`). Erasure drops both.
    PARTNER_RECORD = PartnerRecord(entity="organization", record_id="organization_id", ...)
        the entity that describes a partner company, with the columns of its staging model
        (`stg_<system>__<entity>`) that identity resolution matches on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.pandas as pa

# The match keys of the crosswalk (int_partner__source_records): a partner record fills those it knows.
EXTERNAL_ID_KEYS = ("prm_partner_ref", "crm_account_ref", "duns_number", "tax_id")


@dataclass(frozen=True)
class Person:
    """An entity whose rows are people, and the entities holding that person's own records."""

    entity: str
    id_column: str  # raw column: the person's id
    records: dict[str, str] = field(default_factory=dict)  # entity -> raw column holding the person's id


@dataclass(frozen=True)
class PartnerRecord:
    """The entity describing a partner company, as identity resolution reads it from its staging model.

    Column names are those of the staging model; `external_ids`, `scope` and `where` are SQL expressions over it
    (portable SQL: they run on every engine). Staging models of partner records share the conformed columns
    `<name>_normalized`, `web_domain` and `is_free_mail_domain`.
    """

    entity: str
    record_id: str
    name: str
    updated_at: str
    identity_rank: int  # preference as anchor and attribute source: 1 is the system of record
    country: str = "country_code"
    website: str | None = None  # a web site as typed, when the system has one (dim_partner.website)
    external_ids: dict[str, str] = field(default_factory=dict)  # a key of EXTERNAL_ID_KEYS -> SQL expression
    # Keys of external_ids that are a guess: a free field someone types any id into (the LMS's external
    # reference). Such a value counts only when a record whose claim is not a guess holds it (a known PRM partner
    # id, a known CRM account id), so no id format is assumed and a stray value never contradicts real evidence.
    unverified_ids: tuple[str, ...] = ()
    scope: str = "'partner'"  # 'partner', or 'candidate' for records that match only on exact evidence
    where: str | None = None  # which rows are partner records at all (default: every row)
    flags_partners: bool = True  # the system knows who is a partner (dim_partner.is_known_partner)
    vendor_domain_is_internal: bool = False  # a record on the vendor's own domain is the vendor, not a partner

    def staging_model(self, system: str) -> str:
        return f"stg_{system}__{self.entity}"


def check_declarations(system: str, schemas: dict[str, pa.DataFrameSchema], people: list[Person],
                       partner: PartnerRecord | None) -> list[str]:
    """Problems with one system's declarations (`schemas`: entity -> its contract).

    An entity whose key is a person identifier must be declared a person: erasure reads `PEOPLE` only, so an
    undeclared one would keep an erased person's rows without a word."""
    problems = []
    for person in people:
        for entity, column in {person.entity: person.id_column, **person.records}.items():
            if entity not in schemas or column not in schemas[entity].columns:
                problems.append(f"{system}.{entity}: PEOPLE names column {column!r}, which no contract has")
    declared = {person.entity for person in people}
    for entity, schema in schemas.items():
        keys = schema.metadata["key"]
        if entity not in declared and any((schema.columns[k].metadata or {}).get("pii") == "person_identifier" for k in keys):
            problems.append(f"{system}.{entity}: its key is a person identifier; declare the entity in PEOPLE")
    if partner is not None:
        if partner.entity not in schemas:
            problems.append(f"{system}: PARTNER_RECORD names entity {partner.entity!r}, which has no contract")
        unknown = sorted(set(partner.external_ids) - set(EXTERNAL_ID_KEYS))
        if unknown:
            problems.append(f"{system}: PARTNER_RECORD external_ids {unknown} are not match keys {EXTERNAL_ID_KEYS}")
        undeclared = sorted(set(partner.unverified_ids) - set(partner.external_ids))
        if undeclared:
            problems.append(f"{system}: PARTNER_RECORD unverified_ids {undeclared} are not in its external_ids")
    return problems
