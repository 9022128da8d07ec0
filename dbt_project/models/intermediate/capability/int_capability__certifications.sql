{#-
    One row per certification record held as of the as-of date, with its status on that day (the one definition
    of a certification's status, used by fct_certification and the tier rules of int_tier__partner_gap). The LMS
    status is trusted only for revocations: expiry is judged from expiry_date, so a rebuild of a past day is right
    too. `expiring` = valid today but expiring within var('certification_expiring_days') days.
-#}
{%- set expiring_days = var('certification_expiring_days', 90) %}

with

holders as (

    select *
    from {{ ref('int_capability__certification_holders') }}
    -- A certification issued after the as-of date was not held on that day.
    where issued_date is null or issued_date <= {{ as_of_date_sql() }}

),

statused as (

    select
        holders.*,
        case
            when holders.lms_certification_status = 'revoked' then 'revoked'
            when holders.expiry_date < {{ as_of_date_sql() }} then 'expired'
            when holders.expiry_date <= {{ dbt.dateadd('day', expiring_days, as_of_date_sql()) }} then 'expiring'
            else 'active'
        end as certification_status,
        {{ dbt.datediff(as_of_date_sql(), 'holders.expiry_date', 'day') }} as days_to_expiry
    from holders

),

final as (

    select
        certification_record_id,
        partner_id,
        certification_code,
        certification_name,
        learner_key,
        organization_id,
        organization_link,
        certification_status,
        certification_status in ('active', 'expiring') as is_valid,
        lms_certification_status,
        issued_date,
        expiry_date,
        cast(days_to_expiry as {{ dbt.type_int() }}) as days_to_expiry,
        {{ as_of_date_sql() }} as as_of_date,
        _source_file,
        _source_line
    from statused

)

select * from final
