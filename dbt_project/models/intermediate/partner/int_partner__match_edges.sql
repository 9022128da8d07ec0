{#-
    Match edges between partner records: one row per pair of records (node_id_a < node_id_b) with the strongest
    evidence that they are the same partner. Rules, strongest first:

    shared_external_id  both records hold the same PRM id, CRM account id, DUNS number or tax id (a record's own
                        id counts: the CRM account id stored in the PRM meets the CRM account itself)
    web_domain          same normalized web domain (free-mail domains are blanked in source_records), unless the
                        domain is crowded (more than identity_max_per_system records of one system hold it)
    name_country        same normalized name and country, unless crowded
    fuzzy_name          names similar (name_similarity >= identity_fuzzy_threshold, or one is the leading words
                        of the other) within the same country and first four letters (the blocking key), and the
                        pair is each record's unique best candidate in the other system

    Weak edges (web_domain, name_country, fuzzy_name, and DUNS/tax ids) are dropped when the two records carry
    conflicting strong evidence (identity_conflict). Within one system, web_domain and fuzzy edges also need
    compatible names (equal, or one the leading words of the other), so two departments sharing the company
    domain are not called duplicates.
-#}
{%- set max_per_system = identity_setting('identity_max_per_system') -%}
{%- set max_id_group = identity_setting('identity_max_id_group') -%}
{%- set fuzzy_threshold = identity_setting('identity_fuzzy_threshold') -%}

with

records as (

    select * from {{ ref('int_partner__source_records') }}

),

-- ------------------------------------------------------------------------------------------ shared external ids
claims as (

    select node_id, 'prm_partner_id' as id_kind, prm_partner_ref as id_value from records where prm_partner_ref is not null
    union all
    select node_id, 'crm_account_id', crm_account_ref from records where crm_account_ref is not null
    union all
    select node_id, 'duns_number', duns_number from records where duns_number is not null
    union all
    select node_id, 'tax_id', tax_id from records where tax_id is not null

),

usable_ids as (

    select id_kind, id_value
    from claims
    group by id_kind, id_value
    having count(*) between 2 and {{ max_id_group }}

),

id_pairs as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        a.id_kind,
        a.id_value
    from claims as a
    inner join usable_ids
        on a.id_kind = usable_ids.id_kind
        and a.id_value = usable_ids.id_value
    inner join claims as b
        on a.id_kind = b.id_kind
        and a.id_value = b.id_value
        and a.node_id < b.node_id

),

id_edges as (

    select
        id_pairs.node_id_a,
        id_pairs.node_id_b,
        'shared_external_id' as match_rule,
        case when id_pairs.id_kind in ('prm_partner_id', 'crm_account_id') then 0.99 else 0.97 end as match_confidence,
        {{ dbt.concat(['id_pairs.id_kind', "'='", 'id_pairs.id_value']) }} as evidence
    from id_pairs
    inner join records as a on id_pairs.node_id_a = a.node_id
    inner join records as b on id_pairs.node_id_b = b.node_id
    -- A shared PRM or CRM id is the records' own word; a shared DUNS / tax id must not contradict them.
    where id_pairs.id_kind in ('prm_partner_id', 'crm_account_id')
        or not {{ identity_conflict('a', 'b') }}

),

-- ------------------------------------------------------------------------------------------ web domain
crowded_domains as (

    select distinct web_domain
    from records
    where web_domain is not null
    group by web_domain, source_system
    having count(*) > {{ max_per_system }}

),

domain_edges as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        'web_domain' as match_rule,
        0.9 as match_confidence,
        {{ dbt.concat(["'web_domain='", 'a.web_domain']) }} as evidence
    from records as a
    inner join records as b
        on a.web_domain = b.web_domain
        and a.node_id < b.node_id
    left join crowded_domains
        on a.web_domain = crowded_domains.web_domain
    where crowded_domains.web_domain is null
        and not {{ identity_conflict('a', 'b') }}
        and (a.source_system <> b.source_system or {{ names_compatible('a.name_normalized', 'b.name_normalized') }})

),

-- ------------------------------------------------------------------------------------------ name + country
crowded_names as (

    select distinct name_normalized, country_code
    from records
    where name_normalized is not null and country_code is not null
    group by name_normalized, country_code, source_system
    having count(*) > {{ max_per_system }}

),

name_edges as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        'name_country' as match_rule,
        0.85 as match_confidence,
        {{ dbt.concat(["'name='", 'a.name_normalized', "' country='", 'a.country_code']) }} as evidence
    from records as a
    inner join records as b
        on a.name_normalized = b.name_normalized
        and a.country_code = b.country_code
        and a.node_id < b.node_id
    left join crowded_names
        on a.name_normalized = crowded_names.name_normalized
        and a.country_code = crowded_names.country_code
    where crowded_names.name_normalized is null
        and not {{ identity_conflict('a', 'b') }}

),

-- ------------------------------------------------------------------------------------------ fuzzy name
blocked as (

    select
        node_id,
        source_system,
        name_normalized,
        country_code,
        substring(name_normalized, 1, 4) as blocking_key
    from records
    where name_normalized is not null and country_code is not null

),

fuzzy_scored as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        a.source_system as source_system_a,
        b.source_system as source_system_b,
        a.name_normalized as name_a,
        b.name_normalized as name_b,
        greatest(
            {{ name_similarity('a.name_normalized', 'b.name_normalized') }},
            -- One name is the other's leading words ("brightwave" / "brightwave systems"): as good as the threshold.
            case when {{ names_compatible('a.name_normalized', 'b.name_normalized') }} then {{ fuzzy_threshold }} else 0 end
        ) as similarity
    from blocked as a
    inner join blocked as b
        on a.country_code = b.country_code
        and a.blocking_key = b.blocking_key
        and a.node_id < b.node_id
        and a.name_normalized <> b.name_normalized

),

fuzzy_candidates as (

    select
        fuzzy_scored.*
    from fuzzy_scored
    inner join records as a on fuzzy_scored.node_id_a = a.node_id
    inner join records as b on fuzzy_scored.node_id_b = b.node_id
    where fuzzy_scored.similarity >= {{ fuzzy_threshold }}
        and not {{ identity_conflict('a', 'b') }}
        and (a.source_system <> b.source_system or {{ names_compatible('a.name_normalized', 'b.name_normalized') }})

),

-- Each side's candidates in the other record's system, best first: an edge must be the unique best for both.
fuzzy_directed as (

    select node_id_a as node_id, source_system_b as other_system, node_id_b as other_id, similarity from fuzzy_candidates
    union all
    select node_id_b, source_system_a, node_id_a, similarity from fuzzy_candidates

),

fuzzy_ranked as (

    select
        node_id,
        other_id,
        similarity,
        count(*) over (partition by node_id, other_system, similarity) as tied,
        max(similarity) over (partition by node_id, other_system) as best_similarity
    from fuzzy_directed

),

fuzzy_best as (

    select node_id, other_id
    from fuzzy_ranked
    where similarity = best_similarity and tied = 1

),

fuzzy_edges as (

    select
        fuzzy_candidates.node_id_a,
        fuzzy_candidates.node_id_b,
        'fuzzy_name' as match_rule,
        round(0.8 * fuzzy_candidates.similarity, 3) as match_confidence,
        {{ dbt.concat(["'names='", 'fuzzy_candidates.name_a', "'|'", 'fuzzy_candidates.name_b']) }} as evidence
    from fuzzy_candidates
    inner join fuzzy_best as best_a
        on fuzzy_candidates.node_id_a = best_a.node_id
        and fuzzy_candidates.node_id_b = best_a.other_id
    inner join fuzzy_best as best_b
        on fuzzy_candidates.node_id_b = best_b.node_id
        and fuzzy_candidates.node_id_a = best_b.other_id

),

-- ------------------------------------------------------------------------------------------ one row per pair
all_edges as (

    select * from id_edges
    union all
    select * from domain_edges
    union all
    select * from name_edges
    union all
    select * from fuzzy_edges

),

ranked as (

    select
        all_edges.*,
        count(*) over (partition by node_id_a, node_id_b) as evidence_count,
        row_number() over (
            partition by node_id_a, node_id_b
            order by match_confidence desc, match_rule, evidence
        ) as evidence_rank
    from all_edges

),

final as (

    select
        ranked.node_id_a,
        ranked.node_id_b,
        a.source_system as source_system_a,
        b.source_system as source_system_b,
        ranked.match_rule,
        ranked.match_confidence,
        ranked.evidence,
        ranked.evidence_count
    from ranked
    inner join records as a on ranked.node_id_a = a.node_id
    inner join records as b on ranked.node_id_b = b.node_id
    where ranked.evidence_rank = 1

)

select * from final
