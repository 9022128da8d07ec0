{#-
    The attributes the hygiene audit compares across systems, one row per partner record of the PRM, the CRM and
    finance (staging, deleted rows out), in one shape: name (as given and normalized), country, tier, program
    status and when the record was last verified. fct_audit_conflict compares them per partner,
    fct_audit_duplicate_partner ranks duplicates by them, fct_audit_stale_record checks PRM verification.
-#}
with

prm as (

    select
        'prm' as source_system,
        prm_partner_id as source_record_id,
        partner_name as record_name,
        partner_name_normalized as name_normalized,
        country_code,
        partner_tier,
        lower(partner_status) as partner_status,
        last_verified_at as verified_at
    from {{ ref('stg_prm__partner') }}

),

crm as (

    select
        'crm' as source_system,
        account_id as source_record_id,
        account_name as record_name,
        account_name_normalized as name_normalized,
        country_code,
        partner_tier,
        cast(null as {{ dbt.type_string() }}) as partner_status,
        cast(null as {{ type_timestamp_tz() }}) as verified_at
    from {{ ref('stg_crm__account') }}

),

finance as (

    select
        'finance' as source_system,
        entity_id as source_record_id,
        entity_name as record_name,
        entity_name_normalized as name_normalized,
        country_code,
        cast(null as {{ dbt.type_string() }}) as partner_tier,
        case
            when is_inactive then 'inactive'
            when not is_inactive then 'active'
        end as partner_status,
        cast(null as {{ type_timestamp_tz() }}) as verified_at
    from {{ ref('stg_finance__entity') }}

),

final as (

    select * from prm
    union all
    select * from crm
    union all
    select * from finance

)

select * from final
