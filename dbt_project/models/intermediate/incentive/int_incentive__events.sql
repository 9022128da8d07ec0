-- Every incentive event in original currency, with the partner it concerns (through the identity crosswalk):
-- MDF requested / approved / claimed (PRM), MDF paid (finance disbursement), rebate accrued / paid (finance
-- accruals) and commission paid (finance payouts).
with

mdf_requests as (

    select * from {{ ref('stg_prm__mdf_request') }}

),

-- One request gives up to three events, each with its own amount. The PRM records no approval time, so an
-- approval is dated on the request day.
prm_mdf_events as (

    select
        'mdf_requested' as event_type, mdf_request_id as source_record_id, prm_partner_id as partner_record_id,
        {{ to_utc_date('requested_at') }} as event_date, requested_amount as amount,
        currency_code, request_status as record_status, mdf_request_id, _source_file, _source_line
    from mdf_requests
    where requested_amount is not null

    union all

    select
        'mdf_approved', mdf_request_id as source_record_id, prm_partner_id,
        {{ to_utc_date('requested_at') }}, approved_amount,
        currency_code, request_status, mdf_request_id, _source_file, _source_line
    from mdf_requests
    where approved_amount is not null
        and request_status in ('Approved', 'Claimed', 'Paid')

    union all

    select
        'mdf_claimed', mdf_request_id as source_record_id, prm_partner_id,
        {{ to_utc_date('claimed_at') }}, claimed_amount,
        currency_code, request_status, mdf_request_id, _source_file, _source_line
    from mdf_requests
    where claimed_amount is not null
        and claimed_at is not null

),

-- A rebate accrual is accrued when booked (reversals carry a negative amount) and, once finance marks it paid,
-- paid as well. The finance export has no payment date: the payment is dated on the accrual date.
finance_rebate_events as (

    select
        'rebate_accrued' as event_type, rebate_accrual_id as source_record_id, entity_id as partner_record_id,
        accrued_date as event_date, amount, currency_code, accrual_status as record_status, _source_file, _source_line
    from {{ ref('stg_finance__rebate_accrual') }}

    union all

    select
        'rebate_paid', rebate_accrual_id, entity_id,
        accrued_date, amount, currency_code, accrual_status, _source_file, _source_line
    from {{ ref('stg_finance__rebate_accrual') }}
    where accrual_status = 'paid'

),

events as (

    select
        event_type,
        'prm' as source_system,
        'mdf_request' as source_table,
        source_record_id,
        partner_record_id,
        event_date,
        amount,
        currency_code,
        record_status,
        mdf_request_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        _source_file,
        _source_line
    from prm_mdf_events

    union all

    select
        'mdf_paid', 'finance', 'mdf_disbursement', mdf_disbursement_id, entity_id,
        paid_date, amount, currency_code, cast(null as {{ dbt.type_string() }}), mdf_request_id,
        cast(null as {{ dbt.type_string() }}), _source_file, _source_line
    from {{ ref('stg_finance__mdf_disbursement') }}

    union all

    select
        event_type, 'finance', 'rebate_accrual', source_record_id, partner_record_id,
        event_date, amount, currency_code, record_status, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), _source_file, _source_line
    from finance_rebate_events

    union all

    select
        'commission_paid', 'finance', 'commission_payout', commission_payout_id, entity_id,
        paid_date, amount, currency_code, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        opportunity_id, _source_file, _source_line
    from {{ ref('stg_finance__commission_payout') }}

),

final as (

    select
        {{ dbt.concat(['events.event_type', "':'", 'events.source_record_id']) }} as incentive_event_id,
        events.event_type,
        crosswalk.partner_id,
        events.event_date,
        events.amount,
        events.currency_code,
        events.record_status,
        events.mdf_request_id,
        events.opportunity_id,
        events.source_system,
        events.source_table,
        events.source_record_id,
        events.partner_record_id,
        events._source_file,
        events._source_line
    from events
    {{ resolve_partner_id('events.source_system', 'events.partner_record_id') }}
    -- An event after the as-of date has not happened yet on that day (a rebuild of a past day).
    where events.event_date <= {{ as_of_date_sql() }}

)

select * from final
