-- Per partner: incentives to the as-of date in USD (MDF requested / approved / claimed / paid, rebates accrued /
-- paid, commissions paid), MDF utilization, and the MDF-funded campaigns (inputs of MDF ROI). Partners without
-- incentives have a row of zeros; a measure whose only source system delivered no data at all is NULL ("no data
-- from <system>"), not 0.
{#- The system each event type comes from (int_incentive__events). #}
{%- set event_systems = {'mdf_requested': 'prm', 'mdf_approved': 'prm', 'mdf_claimed': 'prm', 'mdf_paid': 'finance',
                         'rebate_accrued': 'finance', 'rebate_paid': 'finance', 'commission_paid': 'finance'} %}
{%- set event_types = event_systems.keys() | list %}

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

coverage as (

    {{ source_has_data_flags(['prm', 'finance', 'marketing']) }}

),

final as (

    select
        partners.partner_id,
        {% for event_type, system in event_systems.items() %}
        cast({{ when_source_has_data(system, 'incentives.' ~ event_type ~ '_usd', 0) }} as decimal(18, 2))
            as {{ event_type }}_usd,
        {% endfor %}
        -- MDF utilization: the share of approved funds the partner claimed with proof of execution.
        case
            when incentives.mdf_approved_usd > 0
                then cast(incentives.mdf_claimed_usd / incentives.mdf_approved_usd as double)
        end as mdf_utilization_rate,
        cast({{ when_source_has_data('prm', 'incentives.mdf_requests', 0) }} as {{ dbt.type_int() }}) as mdf_requests,
        cast({{ when_source_has_data('finance', 'incentives.mdf_payments', 0) }} as {{ dbt.type_int() }}) as mdf_payments,
        -- Funded campaigns are marketing campaigns naming an MDF request.
        cast({{ when_source_has_data('marketing', 'funded_campaigns.mdf_funded_campaigns', 0) }} as {{ dbt.type_int() }})
            as mdf_funded_campaigns,
        cast(coalesce(incentives.unconverted_events, 0) as {{ dbt.type_int() }}) as unconverted_events,
        {{ as_of_date_sql() }} as as_of_date
    from partners
    left join incentives
        on partners.partner_id = incentives.partner_id
    left join funded_campaigns
        on partners.partner_id = funded_campaigns.partner_id
    cross join coverage

)

select * from final
