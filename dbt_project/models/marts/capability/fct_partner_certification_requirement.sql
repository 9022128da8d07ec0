-- One row per partner and certification its tier requires (seed tier_certification_requirements): how many of
-- its people hold the certification (unexpired, unrevoked) against how many the tier requires, and whether the
-- requirement would fail within the expiring window as certifications lapse.
with

partners as (

    select
        partner_id,
        tier as partner_tier
    from {{ ref('dim_partner') }}

),

requirements as (

    select
        tier,
        certification_code,
        min_certified_people
    from {{ ref('tier_certification_requirements') }}

),

-- A person counts once per certification, for as long as their longest-lasting valid record of it holds.
holders as (

    select
        partner_id,
        certification_code,
        learner_key,
        max(case when expiry_date is null then 1 else 0 end) as has_no_expiry,
        max(expiry_date) as last_expiry_date,
        max(case when certification_status = 'active' then 1 else 0 end) as is_certified_past_window
    from {{ ref('fct_certification') }}
    where is_valid
        and partner_id is not null
    group by partner_id, certification_code, learner_key

),

held as (

    select
        partner_id,
        certification_code,
        count(*) as certified_people,
        sum(is_certified_past_window) as certified_people_past_window,
        min(case when has_no_expiry = 0 then last_expiry_date end) as earliest_expiry_date
    from holders
    group by partner_id, certification_code

),

final as (

    select
        partners.partner_id,
        partners.partner_tier,
        requirements.certification_code,
        cast(requirements.min_certified_people as {{ dbt.type_int() }}) as required_people,
        cast(coalesce(held.certified_people, 0) as {{ dbt.type_int() }}) as certified_people,
        cast(coalesce(held.certified_people_past_window, 0) as {{ dbt.type_int() }}) as certified_people_past_window,
        coalesce(held.certified_people, 0) >= requirements.min_certified_people as is_met,
        cast(
            case
                when coalesce(held.certified_people, 0) >= requirements.min_certified_people then 0
                else requirements.min_certified_people - coalesce(held.certified_people, 0)
            end as {{ dbt.type_int() }}
        ) as people_short,
        held.earliest_expiry_date,
        coalesce(held.certified_people, 0) >= requirements.min_certified_people
        and coalesce(held.certified_people_past_window, 0) < requirements.min_certified_people as is_at_risk,
        {{ as_of_date_sql() }} as as_of_date
    from partners
    inner join requirements
        on partners.partner_tier = requirements.tier
    left join held
        on partners.partner_id = held.partner_id
        and requirements.certification_code = held.certification_code

)

select * from final
