{#-
    Name match edges (stage 2 of matching), for what exact evidence (int_partner__exact_edges) left apart:

    name_country  the same name key and country; across systems also when one record has no country and the name
                  is known in a single country (confidence 0.8). Not when the name is crowded (more than
                  identity_max_per_system partner records of one system hold it in that country), nor when it is
                  ambiguous: two systems each hold it in two or more exact-evidence clusters (two partners of one
                  name). A one-word name (a stem typed short) only within one country where a single longer name
                  starts with it.
    fuzzy_name    across systems, similar names: name_similarity of the name keys >= identity_fuzzy_threshold, or one
                  name is the other's leading words ("brightwave one" / "brightwave one systems"; a single word
                  like "brightwave" only if it starts a single longer name in the country), compared within the same
                  country (or no country) and a shared block (see "Blocking" below); the pair must be each side's
                  unique best candidate in the other's system.
                  Also the same name key in two countries when no system holds that name twice (a finance entity
                  booked in a neighbouring country; confidence 0.75), if the name has several words.
                  Never within one system: duplicates need exact evidence or the very same name.

    Blocking (which pairs fuzzy_name scores), rules unioned as in Splink's company-matching examples, so the pairs
    grow with the records and not with their square:
    - a rare name token: two names sharing a word that is not a common word of company names (one held by more than
      identity_common_token_share of all name records: "solutions", "gmbh", "systems" never form a block);
    - the same first four letters of the name key (a typo in the one distinctive word still meets its partner);
    each within one country (a record without a country meets its key in every country). A block of more than
    identity_max_block_records records (default 25) is skipped: with every block that small, the pairs are at most
    25 per record and block, so they grow linearly with the records; a word or stem that crowded in one country (a
    common surname) is weak evidence, and its names meet only through another, rarer, shared word. Only the first
    identity_max_name_tokens words of a name form blocks (names are rarely longer). Measured on the sample
    (docs/operations.md, "Identity blocking"): nothing skipped at 2k partners (largest block 23), the same edges at
    20k but 8 of 14,281, 71 of 35,052 at 50k (recall unchanged, fewer false matches).

    Guards against over-merging:
    - a name edge may only join two exact-evidence clusters (int_partner__exact_components) that hold no system in
      common: names fill in the systems a partner's cluster lacks, and never merge two clusters that each have,
      say, a CRM account (two companies of one name). An exact name_country edge may also join clusters sharing
      one system, if it is the system of one of its two records: that record is then a duplicate (a second PRM
      profile typed in without web site or ids, met by the CRM account of the first);
    - no edge between records with conflicting strong evidence (identity_conflict), or with two different web
      domains (identity_domain_conflict); no edge between two `candidate`s, and candidates take no fuzzy edges.
-#}
{%- set max_per_system = identity_setting('identity_max_per_system') -%}
{%- set fuzzy_threshold = identity_setting('identity_fuzzy_threshold') -%}
{%- set max_block_records = identity_setting('identity_max_block_records') -%}
{%- set common_token_share = identity_setting('identity_common_token_share') -%}
{%- set max_name_tokens = identity_setting('identity_max_name_tokens') -%}

with

records as (

    select
        records.*,
        components.component_id,
        substring(records.name_key, 1, 4) as blocking_key
    from {{ ref('int_partner__source_records') }} as records
    inner join {{ ref('int_partner__exact_components') }} as components
        on records.node_id = components.node_id
    where records.scope in ('partner', 'candidate')
        and records.name_key is not null

),

component_systems as (

    select distinct component_id, source_system
    from records

),

-- A fuzzy edge may only join clusters with no system in common (see the guards), so a record whose cluster
-- already holds every system can take none, and a pair is only worth scoring when neither cluster holds the other
-- record's system. Pruning here, before the pairs are formed, is what keeps similarity scoring affordable: most
-- records sit in complete clusters. It removes only pairs the guards would reject.
fuzzy_records as (

    select records.*
    from records
    inner join (
        select component_id
        from component_systems
        group by component_id
        having count(*) < (select count(distinct source_system) from records)
    ) as incomplete
        on records.component_id = incomplete.component_id
    where records.scope = 'partner'

),

-- ------------------------------------------------------------------------------------------ name statistics
crowded_names as (

    -- distinct: a name crowded in several systems is one crowded name
    select distinct name_key, country_code  -- noqa: AM01
    from records
    where country_code is not null and scope = 'partner'
    group by name_key, country_code, source_system
    having count(*) > {{ max_per_system }}

),

name_countries as (

    select
        name_key,
        count(distinct country_code) as country_count
    from records
    where scope = 'partner'
    group by name_key

),

-- A name (and country) that two systems each hold in two or more exact-evidence clusters belongs to two partners
-- ("Chateau Cloud Global Inc." and "... LLC" both normalize to "chateau cloud global"): it proves nothing. One
-- system holding it twice is the mark of a duplicate, and stays usable.
name_clusters as (

    select name_key, country_code, source_system, count(distinct component_id) as cluster_count
    from records
    where scope = 'partner'
    group by name_key, country_code, source_system

),

ambiguous_names as (

    select name_key, country_code
    from name_clusters
    where cluster_count >= 2
    group by name_key, country_code
    having count(*) >= 2

),

-- The same, whatever the country: for records without one.
ambiguous_keys as (

    select name_key
    from (
        select name_key, source_system, count(distinct component_id) as cluster_count
        from records
        where scope = 'partner'
        group by name_key, source_system
    ) as per_system
    where cluster_count >= 2
    group by name_key
    having count(*) >= 2

),

-- A one-word name is usually a stem typed short ("tanaka" for "Tanaka Digital GmbH"): it names a partner only when
-- a single longer name in that country starts with it.
stem_names as (

    select
        country_code,
        substring(name_key, 1, {{ dbt.position("' '", 'name_key') }} - 1) as stem,
        count(distinct name_key) as longer_name_count
    from records
    where scope = 'partner' and name_key like '% %' and country_code is not null
    group by country_code, substring(name_key, 1, {{ dbt.position("' '", 'name_key') }} - 1)

),

-- Names no system holds twice.
unique_names as (

    select name_key
    from (
        select name_key, source_system, count(*) as record_count
        from records
        where scope = 'partner'
        group by name_key, source_system
    ) as per_system
    group by name_key
    having max(record_count) = 1

),

-- ------------------------------------------------------------------------------------------ candidate pairs
exact_name_pairs as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        case
            when a.country_code = b.country_code then 'name_country'
            when a.country_code is null or b.country_code is null then 'name_country'
            else 'fuzzy_name'
        end as match_rule,
        case
            when a.country_code = b.country_code then 0.85
            when a.country_code is null or b.country_code is null then 0.8
            else 0.75
        end as match_confidence,
        {{ dbt.concat([
            "'name='", 'a.name_key', "' countries='",
            "coalesce(a.country_code, '?')", "'|'", "coalesce(b.country_code, '?')",
        ]) }} as evidence
    from records as a
    inner join records as b
        on a.name_key = b.name_key
        and a.node_id < b.node_id
    left join crowded_names
        on a.name_key = crowded_names.name_key
        and coalesce(a.country_code, b.country_code) = crowded_names.country_code
    left join name_countries
        on a.name_key = name_countries.name_key
    left join unique_names
        on a.name_key = unique_names.name_key
    left join ambiguous_names
        on a.name_key = ambiguous_names.name_key
        and coalesce(a.country_code, b.country_code) = ambiguous_names.country_code
    left join ambiguous_keys
        on a.name_key = ambiguous_keys.name_key
    left join stem_names
        on a.name_key = stem_names.stem
        and a.country_code = stem_names.country_code
    where crowded_names.name_key is null
        and (
            a.name_key like '% %'
            or (a.country_code = b.country_code and coalesce(stem_names.longer_name_count, 0) <= 1)
        )
        and ambiguous_names.name_key is null
        and (ambiguous_keys.name_key is null or (a.country_code is not null and b.country_code is not null))
        and not (a.scope = 'candidate' and b.scope = 'candidate')
        and (
            a.country_code = b.country_code
            -- one country unknown: the name must be known in a single country
            or (
                (a.country_code is null or b.country_code is null)
                and coalesce(name_countries.country_count, 0) <= 1
            )
            -- two countries: a name of several words, unique in every system, and no candidate takes part
            or (
                a.source_system <> b.source_system
                and unique_names.name_key is not null
                and a.name_key like '% %'
                and a.scope = 'partner' and b.scope = 'partner'
            )
        )

),

-- ------------------------------------------------------------------------------------------ blocking
-- The words of every name key, one row each (split_part per position: portable, no array functions).
name_tokens as (

    {%- for position in range(1, max_name_tokens + 1) %}
    select
        node_id,
        {{ dbt.split_part('name_key', "' '", position) }} as token
    from records
    -- names of fewer words have no word at this position (Spark's split_part would fail past the end)
    where length(name_key) - length(replace(name_key, ' ', '')) >= {{ position - 1 }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}

),

-- Words too common in company names to say anything ("solutions", "gmbh"): a share of all name records, so the
-- rule is the same on a small warehouse and a large one.
common_tokens as (

    select token
    from name_tokens
    group by token
    having count(distinct node_id) > {{ common_token_share }} * (select count(*) from records)

),

block_members as (

    select distinct
        fuzzy_records.node_id,
        fuzzy_records.source_system,
        fuzzy_records.name_key,
        fuzzy_records.country_code,
        {{ dbt.concat(["'token:'", 'name_tokens.token']) }} as block_key
    from fuzzy_records
    inner join name_tokens on fuzzy_records.node_id = name_tokens.node_id
    left join common_tokens on name_tokens.token = common_tokens.token
    where common_tokens.token is null and name_tokens.token <> ''
    union all
    select node_id, source_system, name_key, country_code, {{ dbt.concat(["'prefix:'", 'blocking_key']) }}
    from fuzzy_records

),

-- A block is a key in one country (no country: its own block); one larger than identity_max_block_records is skipped.
small_blocks as (

    select block_key, country_code
    from block_members
    group by block_key, country_code
    having count(*) <= {{ max_block_records }}

),

blocked_members as (

    select block_members.*
    from block_members
    inner join small_blocks
        on block_members.block_key = small_blocks.block_key
        and coalesce(block_members.country_code, '') = coalesce(small_blocks.country_code, '')

),

-- Similar names: a shared small block in one country; a record without a country meets its key in every country.
blocked_pairs as (

    select pairs.node_id_a, pairs.node_id_b
    from (
        select left_record.node_id as node_id_a, right_record.node_id as node_id_b
        from blocked_members as left_record
        inner join blocked_members as right_record
            on left_record.block_key = right_record.block_key
            and left_record.node_id < right_record.node_id
            -- never within one system, and an identical name is the exact rule's
            and left_record.source_system <> right_record.source_system
            and left_record.name_key <> right_record.name_key
            and (
                left_record.country_code = right_record.country_code
                or left_record.country_code is null
                or right_record.country_code is null
            )
        group by left_record.node_id, right_record.node_id
    ) as pairs
    inner join fuzzy_records as a on pairs.node_id_a = a.node_id
    inner join fuzzy_records as b on pairs.node_id_b = b.node_id
    left join component_systems as a_holds_b
        on a.component_id = a_holds_b.component_id
        and b.source_system = a_holds_b.source_system
    left join component_systems as b_holds_a
        on b.component_id = b_holds_a.component_id
        and a.source_system = b_holds_a.source_system
    where a_holds_b.component_id is null
        and b_holds_a.component_id is null

),

similar_scored as (

    select
        blocked_pairs.node_id_a,
        blocked_pairs.node_id_b,
        a.source_system as source_system_a,
        b.source_system as source_system_b,
        greatest(
            {{ name_similarity('a.name_key', 'b.name_key') }},
            -- leading words count when they are more than one word, or a stem that starts a single longer name
            -- of the country: a bare stem ("bianchi") often starts many names
            case
                when
                    {{ names_compatible('a.name_key', 'b.name_key') }}
                    and ((a.name_key like '% %' and b.name_key like '% %') or stem_names.longer_name_count = 1)
                    then {{ fuzzy_threshold }}
                else 0
            end
        ) as similarity,
        {{ dbt.concat(["'names='", 'a.name_key', "'|'", 'b.name_key']) }} as evidence
    from blocked_pairs
    inner join records as a on blocked_pairs.node_id_a = a.node_id
    inner join records as b on blocked_pairs.node_id_b = b.node_id
    left join stem_names
        on stem_names.stem = case when a.name_key like '% %' then b.name_key else a.name_key end
        and stem_names.country_code = coalesce(a.country_code, b.country_code)

),

-- ------------------------------------------------------------------------------------------ guards
all_pairs as (

    select node_id_a, node_id_b, match_rule, match_confidence, evidence, 1.0 as similarity, false as needs_unique_best
    from exact_name_pairs
    union all
    select
        node_id_a, node_id_b, 'fuzzy_name', round(0.8 * similarity, 3), evidence, similarity, true
    from similar_scored
    where similarity >= {{ fuzzy_threshold }}
        and source_system_a <> source_system_b

),

cluster_overlap as (

    select
        all_pairs.node_id_a,
        all_pairs.node_id_b,
        count(systems_b.source_system) as shared_systems,
        count(case when systems_b.source_system in (a.source_system, b.source_system) then 1 end)
            as shared_endpoint_systems
    from all_pairs
    inner join records as a on all_pairs.node_id_a = a.node_id
    inner join records as b on all_pairs.node_id_b = b.node_id
    inner join component_systems as systems_a on a.component_id = systems_a.component_id
    left join component_systems as systems_b
        on b.component_id = systems_b.component_id
        and systems_a.source_system = systems_b.source_system
    where a.component_id <> b.component_id
    group by all_pairs.node_id_a, all_pairs.node_id_b

),

guarded as (

    select
        all_pairs.*,
        a.source_system as source_system_a,
        b.source_system as source_system_b
    from all_pairs
    inner join records as a on all_pairs.node_id_a = a.node_id
    inner join records as b on all_pairs.node_id_b = b.node_id
    inner join cluster_overlap
        on all_pairs.node_id_a = cluster_overlap.node_id_a
        and all_pairs.node_id_b = cluster_overlap.node_id_b
    where (
        cluster_overlap.shared_systems = 0
        or (
            all_pairs.match_rule = 'name_country'
            and cluster_overlap.shared_systems = 1
            and cluster_overlap.shared_endpoint_systems = 1
        )
    )
    and not {{ identity_conflict('a', 'b') }}
    and not {{ identity_domain_conflict('a', 'b') }}

),

-- Similar-name pairs must be each side's unique best candidate in the other's system (exact names count too).
directed as (

    select node_id_a as node_id, source_system_b as other_system, node_id_b as other_id, similarity from guarded
    union all
    select node_id_b, source_system_a, node_id_a, similarity from guarded

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
        guarded.node_id_a,
        guarded.node_id_b,
        guarded.match_rule,
        guarded.match_confidence,
        guarded.evidence
    from guarded
    left join unique_best as best_a
        on guarded.node_id_a = best_a.node_id
        and guarded.node_id_b = best_a.other_id
    left join unique_best as best_b
        on guarded.node_id_b = best_b.node_id
        and guarded.node_id_a = best_b.other_id
    where not guarded.needs_unique_best
        or (best_a.node_id is not null and best_b.node_id is not null)

)

select * from final
