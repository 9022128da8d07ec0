-- Per partner: incentives to the as-of date in USD (MDF requested / approved / claimed / paid, rebates accrued /
-- paid, commissions paid), MDF utilization, and the MDF-funded campaigns (inputs of MDF ROI). Partners without
-- incentives have a row of zeros.
{%- set event_types = ['mdf_requested', 'mdf_approved', 'mdf_claimed', 'mdf_paid', 'rebate_accrued', 'rebate_paid',
                       'commission_paid'] %}

with

partners as (

    select partner_id from {{ ref('dim_partner') }}

),

incentives as (

    select
        partner_id,
        {% for event_type in event_types %}
        sum(case when event_type = '{{ event_type }}' then amount_usd else 0 end) as {{ event_type }}_usd,
        {% endfor %}
        count(distinct mdf_request_id) as mdf_requests,
        sum(case when event_type = 'mdf_paid' then 1 else 0 end) as mdf_payments,
        sum(case when amount_usd is null then 1 else 0 end) as unconverted_events
    from {{ ref('fct_partner_incentive') }}
    where partner_id is not null
    group by partner_id

),

-- Campaigns the partner's MDF paid for: what MDF ROI weighs against the revenue they influenced.
funded_campaigns as (

    select partner_id, mdf_funded_campaigns
    from {{ ref('int_incentive__mdf_performance') }}

),

final as (

    select
        partners.partner_id,
        {% for event_type in event_types %}
        cast(coalesce(incentives.{{ event_type }}_usd, 0) as decimal(18, 2)) as {{ event_type }}_usd,
        {% endfor %}
        -- MDF utilization: the share of approved funds the partner claimed with proof of execution.
        case
            when incentives.mdf_approved_usd > 0
                then cast(incentives.mdf_claimed_usd / incentives.mdf_approved_usd as double)
        end as mdf_utilization_rate,
        cast(coalesce(incentives.mdf_requests, 0) as {{ dbt.type_int() }}) as mdf_requests,
        cast(coalesce(incentives.mdf_payments, 0) as {{ dbt.type_int() }}) as mdf_payments,
        cast(coalesce(funded_campaigns.mdf_funded_campaigns, 0) as {{ dbt.type_int() }}) as mdf_funded_campaigns,
        cast(coalesce(incentives.unconverted_events, 0) as {{ dbt.type_int() }}) as unconverted_events,
        {{ as_of_date_sql() }} as as_of_date
    from partners
    left join incentives
        on partners.partner_id = incentives.partner_id
    left join funded_campaigns
        on partners.partner_id = funded_campaigns.partner_id

)

select * from final
