{#-
    dim_partner_tier_history is a proper type-2 history. Returns a row per violation:
    - a partner without exactly one current period;
    - two periods of one partner that overlap, or a gap (a period that does not end where the next one starts);
    - a period that ends before it starts;
    - a partner whose current tier differs from dim_partner's PRM tier.
-#}
with

history as (

    select
        history.*,
        lead(valid_from) over (partition by partner_id order by valid_from) as next_valid_from
    from {{ ref('dim_partner_tier_history') }} as history

),

current_counts as (

    select
        partner_id,
        {{ dbt.concat(["'current periods: '", dbt.cast('sum(case when is_current then 1 else 0 end)', api.Column.translate_type('string'))]) }}
            as problem
    from history
    group by partner_id
    having sum(case when is_current then 1 else 0 end) <> 1

),

overlaps_or_gaps as (

    select partner_id, 'period does not end where the next starts' as problem
    from history
    where next_valid_from is not null
        and (valid_to is null or valid_to <> next_valid_from)

),

inverted as (

    select partner_id, 'period ends before it starts' as problem
    from history
    where valid_to is not null and valid_to <= valid_from

),

current_tier_mismatch as (

    select history.partner_id, 'current tier differs from dim_partner' as problem
    from history
    inner join {{ ref('dim_partner') }} as partners on history.partner_id = partners.partner_id
    where history.is_current
        and partners.tier_source_system = 'prm'
        and coalesce(history.tier, '') <> coalesce(partners.tier, '')

)

select * from current_counts
union all
select * from overlaps_or_gaps
union all
select * from inverted
union all
select * from current_tier_mismatch
