{#-
    Revenue measures per partner (one row per partner_id of the crosswalk), for partner_360 and tier qualification.
    Quarters are fiscal quarters of the close date: "this quarter" = the quarter holding the as-of date,
    "l4q" = the four completed quarters before it. Won revenue counts closed-won opportunities; sourced and
    influenced follow int_revenue__opportunity_partners (influenced includes fulfilment). Pipeline = open
    opportunities the partner is on in any role, whatever their expected close date.
-#}
{%- set usd = 'decimal(18, 2)' %}
{%- set as_of_quarter = fiscal_quarter_index(revenue_as_of_date()) %}

with

partners as (

    select distinct partner_id from {{ ref('int_partner__crosswalk') }}
    where partner_id is not null

),

deals as (

    select
        opportunity_partners.partner_id,
        opportunity_partners.is_sourced,
        opportunity_partners.is_influenced,
        opportunities.stage_category,
        opportunities.is_won,
        opportunities.amount_usd,
        opportunities.amount_usd_cents,
        opportunities.weighted_amount_usd,
        opportunities.fiscal_quarters_before_as_of,
        opportunities.fiscal_quarters_before_as_of between 1 and 4 as is_l4q
    from {{ ref('int_revenue__opportunity_partners') }} as opportunity_partners
    inner join {{ ref('int_revenue__opportunities') }} as opportunities
        on opportunity_partners.opportunity_id = opportunities.opportunity_id

),

deal_measures as (

    select
        partner_id,
        sum(case when is_sourced and is_won and fiscal_quarters_before_as_of = 0 then amount_usd end)
            as sourced_won_amount_usd_this_quarter,
        sum(case when is_sourced and is_won and is_l4q then amount_usd end) as sourced_won_amount_usd_l4q,
        sum(case when is_influenced and is_won and fiscal_quarters_before_as_of = 0 then amount_usd end)
            as influenced_won_amount_usd_this_quarter,
        sum(case when is_influenced and is_won and is_l4q then amount_usd end) as influenced_won_amount_usd_l4q,
        sum(case when is_sourced and is_won and is_l4q then 1 else 0 end) as sourced_won_opportunities_l4q,
        sum(case when is_influenced and is_won and is_l4q then 1 else 0 end) as influenced_won_opportunities_l4q,
        sum(case when is_won and is_l4q then 1 else 0 end) as won_opportunities_l4q,
        sum(case when stage_category in ('won', 'lost') and is_l4q then 1 else 0 end) as closed_opportunities_l4q,
        -- Averaged in whole cents, so that every engine rounds the same half-cent the same way.
        round(avg(case when is_won and is_l4q then amount_usd_cents end), 0) as avg_won_deal_size_usd_cents_l4q,
        sum(case when stage_category = 'open' then 1 else 0 end) as open_opportunities,
        sum(case when stage_category = 'open' then amount_usd end) as open_pipeline_usd,
        sum(case when stage_category = 'open' then weighted_amount_usd end) as weighted_pipeline_usd,
        sum(case when stage_category = 'open' and is_sourced then amount_usd end) as sourced_open_pipeline_usd
    from deals
    group by partner_id

),

registration_measures as (

    select
        partner_id,
        sum(case when {{ as_of_quarter }} - {{ fiscal_quarter_index('submitted_at') }} between 1 and 4 then 1 else 0 end)
            as deal_registrations_submitted_l4q,
        sum(case when is_approved and {{ as_of_quarter }} - {{ fiscal_quarter_index('approved_at') }} between 1 and 4
                then 1
            else 0
        end) as deal_registrations_approved_l4q
    from {{ ref('int_revenue__deal_registrations') }}
    where partner_id is not null
    group by partner_id

),

final as (

    select
        partners.partner_id,
        cast(coalesce(deal_measures.sourced_won_amount_usd_this_quarter, 0) as {{ usd }})
            as sourced_won_amount_usd_this_quarter,
        cast(coalesce(deal_measures.sourced_won_amount_usd_l4q, 0) as {{ usd }}) as sourced_won_amount_usd_l4q,
        cast(coalesce(deal_measures.influenced_won_amount_usd_this_quarter, 0) as {{ usd }})
            as influenced_won_amount_usd_this_quarter,
        cast(coalesce(deal_measures.influenced_won_amount_usd_l4q, 0) as {{ usd }}) as influenced_won_amount_usd_l4q,
        cast(coalesce(deal_measures.sourced_won_opportunities_l4q, 0) as integer) as sourced_won_opportunities_l4q,
        cast(coalesce(deal_measures.influenced_won_opportunities_l4q, 0) as integer) as influenced_won_opportunities_l4q,
        cast(coalesce(deal_measures.won_opportunities_l4q, 0) as integer) as won_opportunities_l4q,
        cast(coalesce(deal_measures.closed_opportunities_l4q, 0) as integer) as closed_opportunities_l4q,
        case
            when deal_measures.closed_opportunities_l4q > 0
                then cast(deal_measures.won_opportunities_l4q as {{ type_double() }}) / deal_measures.closed_opportunities_l4q
        end as win_rate_l4q,
        {{ cents_to_amount('deal_measures.avg_won_deal_size_usd_cents_l4q') }} as avg_won_deal_size_usd_l4q,
        cast(coalesce(deal_measures.open_opportunities, 0) as integer) as open_opportunities,
        cast(coalesce(deal_measures.open_pipeline_usd, 0) as {{ usd }}) as open_pipeline_usd,
        cast(coalesce(deal_measures.weighted_pipeline_usd, 0) as {{ usd }}) as weighted_pipeline_usd,
        cast(coalesce(deal_measures.sourced_open_pipeline_usd, 0) as {{ usd }}) as sourced_open_pipeline_usd,
        cast(coalesce(registration_measures.deal_registrations_submitted_l4q, 0) as integer) as deal_registrations_submitted_l4q,
        cast(coalesce(registration_measures.deal_registrations_approved_l4q, 0) as integer) as deal_registrations_approved_l4q
    from partners
    left join deal_measures on partners.partner_id = deal_measures.partner_id
    left join registration_measures on partners.partner_id = registration_measures.partner_id

)

select * from final
