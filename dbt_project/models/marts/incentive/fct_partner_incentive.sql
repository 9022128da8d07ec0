-- One row per incentive event (MDF requested / approved / claimed / paid, rebate accrued / paid, commission paid),
-- in original currency and in USD, converted at the rate of the event's month (int_revenue__currency_rates).
with

events as (

    select * from {{ ref('int_incentive__events') }}

),

final as (

    select
        events.incentive_event_id,
        events.event_type,
        events.partner_id,
        events.event_date,
        {{ cents_to_amount(to_cents('events.amount')) }} as amount,
        events.currency_code,
        {{ to_reporting_currency('events.amount', 'rates') }} as amount_usd,
        events.record_status,
        events.mdf_request_id,
        events.opportunity_id,
        events.source_system,
        events.source_table,
        events.source_record_id,
        events._source_file,
        events._source_line
    from events
    left join {{ ref('int_revenue__currency_rates') }} as rates
        on {{ currency_rate_applies('rates', 'events.currency_code', 'events.event_date') }}

)

select * from final
