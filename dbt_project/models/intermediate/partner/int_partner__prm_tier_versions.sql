{#-
    Every tier a PRM partner profile has had: the distinct versions of the append-only raw table raw_prm.partner
    (each delivered version keeps its updated_at and tier), normalized as staging normalizes them, with consecutive
    versions of the same tier collapsed into one period. This rebuilds the tier history from raw data on every
    run, so a fresh rebuild gives the same history (a dbt snapshot would only know the runs it saw).

    A PRM landed by Fivetran in history mode delivers each version as its own row, valid from _fivetran_start
    (load column _source_valid_from): that is when the version became current, so it dates the version; other
    files date a version by its updated_at.

    One row per PRM partner and tier period: valid_from = the version date of the first version with that tier,
    valid_to = valid_from of the next period (null for the current one).
-#}
with

source as (

    select
        {{ normalize_reference('partner.partner_id') }} as prm_partner_id,
        -- the tier in its canonical spelling (the tiers are the partner_tier_rules seed), as staging spells it: an
        -- unknown tier word is null (int_quality__code_flags flags it), never a tier of its own
        tier_rules.tier,
        coalesce(partner._source_valid_from, partner.updated_at) as version_at,
        partner._loaded_at,
        partner._source_file,
        partner._source_line
    from {{ source('prm', 'partner') }} as partner
    left join {{ ref('partner_tier_rules') }} as tier_rules
        on {{ lookup_key('partner.tier') }} = lower(tier_rules.tier)
    where partner.partner_id is not null
        and coalesce(partner._source_valid_from, partner.updated_at) is not null

),

-- One version per record and version date: a re-delivery, or a correction without a new updated_at, keeps the
-- latest load (as staging's latest_version does).
versions as (

    select prm_partner_id, tier, version_at
    from (
        select
            source.*,
            row_number() over (
                partition by prm_partner_id, version_at
                order by _loaded_at desc, _source_file desc, _source_line desc
            ) as version_rank
        from source
    ) as ranked
    where version_rank = 1

),

changes as (

    select
        prm_partner_id,
        tier,
        version_at,
        row_number() over (partition by prm_partner_id order by version_at) as version_number,
        lag(tier) over (partition by prm_partner_id order by version_at) as previous_tier
    from versions

),

periods as (

    select
        prm_partner_id,
        tier,
        version_at as valid_from
    from changes
    where version_number = 1
        or coalesce(tier, '(none)') <> coalesce(previous_tier, '(none)')

),

final as (

    select
        prm_partner_id,
        tier,
        valid_from,
        lead(valid_from) over (partition by prm_partner_id order by valid_from) as valid_to
    from periods

)

select * from final
