{#-
    Fuzzy name edges: records of two systems whose names are similar (name_similarity of the name keys at least
    identity_fuzzy_threshold, or one name is the other's leading words: "brightwave" / "brightwave systems"), for
    what exact evidence left apart (a partner whose finance entity has no domain, no id and a name typed
    differently).

    Kept near-linear by blocking: only records with the same country (or no country) and the same first four
    letters of the name key are compared. Guards against over-merging:
    - only between two exact-evidence clusters (int_partner__strong_components) that hold no system in common, so a
      fuzzy edge never joins two records of one system (duplicates need exact evidence) nor adds a second record of
      a system to a cluster;
    - the pair must be each side's unique best candidate in the other's system (a name like "jimenez" that fits
      "jimenez group" and "jimenez group one" equally well matches neither);
    - no edge between records with conflicting strong evidence, nor between two `candidate`s.
-#}
{%- set fuzzy_threshold = identity_setting('identity_fuzzy_threshold') -%}

with

records as (

    select
        records.*,
        components.component_id
    from {{ ref('int_partner__source_records') }} as records
    inner join {{ ref('int_partner__strong_components') }} as components
        on records.node_id = components.node_id

),

component_systems as (

    select distinct component_id, source_system
    from records

),

blocked as (

    select
        node_id,
        component_id,
        source_system,
        scope,
        name_key,
        country_code,
        substring(name_key, 1, 4) as blocking_key
    from records
    where name_key is not null

),

-- Pairs to compare: same country and blocking key; a record without a country meets every record with its
-- blocking key (few records lack a country).
pairs as (

    select a.node_id as node_id_a, b.node_id as node_id_b
    from blocked as a
    inner join blocked as b
        on a.country_code = b.country_code
        and a.blocking_key = b.blocking_key
        and a.node_id < b.node_id
    union all
    select
        case when a.node_id < b.node_id then a.node_id else b.node_id end,
        case when a.node_id < b.node_id then b.node_id else a.node_id end
    from blocked as a
    inner join blocked as b
        on a.blocking_key = b.blocking_key
        and a.node_id <> b.node_id
        -- b may lack a country too: that pair is then met from both sides, hence the distinct below
    where a.country_code is null

),

scored as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        a.component_id as component_id_a,
        b.component_id as component_id_b,
        a.source_system as source_system_a,
        b.source_system as source_system_b,
        a.name_key as name_a,
        b.name_key as name_b,
        greatest(
            {{ name_similarity('a.name_key', 'b.name_key') }},
            case when {{ names_compatible('a.name_key', 'b.name_key') }} then {{ fuzzy_threshold }} else 0 end
        ) as similarity
    from (select distinct node_id_a, node_id_b from pairs) as distinct_pairs
    inner join blocked as a on distinct_pairs.node_id_a = a.node_id
    inner join blocked as b on distinct_pairs.node_id_b = b.node_id
    where a.source_system <> b.source_system
        and a.component_id <> b.component_id
        and not (a.scope = 'candidate' and b.scope = 'candidate')

),

-- Components sharing a system may not be joined by a name.
overlapping as (

    select distinct scored.component_id_a, scored.component_id_b
    from scored
    inner join component_systems as systems_a on scored.component_id_a = systems_a.component_id
    inner join component_systems as systems_b
        on scored.component_id_b = systems_b.component_id
        and systems_a.source_system = systems_b.source_system
    where scored.similarity >= {{ fuzzy_threshold }}

),

candidates as (

    select scored.*
    from scored
    inner join records as a on scored.node_id_a = a.node_id
    inner join records as b on scored.node_id_b = b.node_id
    left join overlapping
        on scored.component_id_a = overlapping.component_id_a
        and scored.component_id_b = overlapping.component_id_b
    where scored.similarity >= {{ fuzzy_threshold }}
        and overlapping.component_id_a is null
        and not {{ identity_conflict('a', 'b') }}

),

-- Each side's candidates in the other record's system: the edge must be the unique best for both.
directed as (

    select node_id_a as node_id, source_system_b as other_system, node_id_b as other_id, similarity from candidates
    union all
    select node_id_b, source_system_a, node_id_a, similarity from candidates

),

ranked as (

    select
        node_id,
        other_id,
        similarity,
        count(*) over (partition by node_id, other_system, similarity) as tied,
        max(similarity) over (partition by node_id, other_system) as best_similarity
    from directed

),

unique_best as (

    select node_id, other_id
    from ranked
    where similarity = best_similarity and tied = 1

),

final as (

    select
        candidates.node_id_a,
        candidates.node_id_b,
        'fuzzy_name' as match_rule,
        round(0.8 * candidates.similarity, 3) as match_confidence,
        {{ dbt.concat(["'names='", 'candidates.name_a', "'|'", 'candidates.name_b']) }} as evidence
    from candidates
    inner join unique_best as best_a
        on candidates.node_id_a = best_a.node_id
        and candidates.node_id_b = best_a.other_id
    inner join unique_best as best_b
        on candidates.node_id_b = best_b.node_id
        and candidates.node_id_a = best_b.other_id

)

select * from final
