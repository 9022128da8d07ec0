{#- One row per PRM deal registration: partner, status, approval, expiry and what the converted deal became. -#}
with

registrations as (

    select * from {{ ref('int_revenue__deal_registrations') }}

),

opportunities as (

    select * from {{ ref('int_revenue__opportunities') }}

),

rates as (

    select * from {{ ref('int_revenue__currency_rates') }}

),

-- Records with a data-quality flag: the registration itself, or the opportunity it converted to.
flagged_records as (

    select distinct source_table, source_record_id
    from {{ ref('int_quality__record_flags') }}
    where (source_system = 'prm' and source_table = 'deal_registration')
        or (source_system = 'crm' and source_table = 'opportunity')

),

final as (

    select
        registrations.deal_registration_id,
        registrations.partner_id,
        registrations.prm_partner_id,
        registrations.registration_status,
        registrations.is_approved,
        registrations.customer_name,
        registrations.currency_code,
        cast(registrations.estimated_amount as decimal(18, 2)) as estimated_amount,
        -- The estimate is converted at the rate of the month it was submitted in.
        {{ to_reporting_currency('registrations.estimated_amount', 'rates') }} as estimated_amount_usd,
        cast(registrations.submitted_at as {{ dbt.type_timestamp() }}) as submitted_at,
        cast(registrations.submitted_at as date) as submitted_date,
        cast(registrations.approved_at as {{ dbt.type_timestamp() }}) as approved_at,
        cast(registrations.approved_at as date) as approved_date,
        cast(                        {{ dbt.datediff('cast(registrations.submitted_at as date)', 'cast(registrations.approved_at as date)', 'day') }}
            as integer
        ) as days_to_approve,
        cast(registrations.expires_at as {{ dbt.type_timestamp() }}) as expires_at,
        cast(registrations.expires_at as date) as expiry_date,
        registrations.is_converted,
        registrations.converted_opportunity_id,
        registrations.conversion_link_source,
        registrations.has_conflicting_conversion_link,
        opportunities.opportunity_id is not null as is_converted_opportunity_found,
        opportunities.stage_category as converted_opportunity_stage_category,
        opportunities.is_won as converted_opportunity_is_won,
        opportunities.amount_usd as converted_opportunity_amount_usd,
        opportunities.close_date as converted_opportunity_close_date,
        -- Open = still pending or approved, and not yet turned into an opportunity.
        registrations.registration_status in ('Submitted', 'Approved') and not registrations.is_converted as is_open,
        registrations.registration_status in ('Submitted', 'Approved') and not registrations.is_converted
        and coalesce(cast(registrations.expires_at as date) < {{ revenue_as_of_date() }}, false)
            as is_open_past_expiry,
        flagged_registrations.source_record_id is not null or flagged_opportunities.source_record_id is not null
            as has_data_issue,
        registrations._source_file,
        registrations._source_line
    from registrations
    left join opportunities on registrations.converted_opportunity_id = opportunities.opportunity_id
    left join rates
        on {{ currency_rate_applies('rates', 'registrations.currency_code', 'registrations.submitted_at') }}
    left join flagged_records as flagged_registrations
        on flagged_registrations.source_table = 'deal_registration'
        and registrations.deal_registration_id = flagged_registrations.source_record_id
    left join flagged_records as flagged_opportunities
        on flagged_opportunities.source_table = 'opportunity'
        and registrations.converted_opportunity_id = flagged_opportunities.source_record_id

)

select * from final
