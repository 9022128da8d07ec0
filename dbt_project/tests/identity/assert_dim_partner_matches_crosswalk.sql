{#-
    dim_partner holds every partner_id of the crosswalk once, with the crosswalk's record counts. Returns a row per
    violation.
-#}
with

crosswalk as (

    select
        partner_id,
        count(*) as record_count,
        count(distinct source_system) as system_count
    from {{ ref('int_partner__crosswalk') }}
    group by partner_id

),

partners as (

    select * from {{ ref('dim_partner') }}

)

select
    coalesce(crosswalk.partner_id, partners.partner_id) as partner_id,
    case
        when partners.partner_id is null then 'partner_id of the crosswalk missing from dim_partner'
        when crosswalk.partner_id is null then 'partner in dim_partner without crosswalk records'
        when partners.source_record_count <> crosswalk.record_count then 'source_record_count differs'
        when partners.source_system_count <> crosswalk.system_count then 'source_system_count differs'
        else 'per-system record counts do not add up'
    end as problem
from crosswalk
full outer join partners on crosswalk.partner_id = partners.partner_id
where partners.partner_id is null
    or crosswalk.partner_id is null
    or partners.source_record_count <> crosswalk.record_count
    or partners.source_system_count <> crosswalk.system_count
    or partners.source_record_count <> partners.prm_record_count + partners.crm_record_count
    + partners.lms_record_count + partners.marketing_record_count + partners.finance_record_count
