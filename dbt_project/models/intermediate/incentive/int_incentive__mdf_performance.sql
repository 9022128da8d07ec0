{#-
    What each partner's MDF bought, one row per partner with an MDF-funded campaign: the campaigns its MDF
    requests paid for (marketing campaigns naming the request), and the won deals (closed by the as-of date) those
    campaigns touched inside the attribution lookback, once per partner and deal, whichever partner sourced or
    influenced them. The inputs of MDF ROI (partner_360.mdf_roi = mdf_won_amount_usd / mdf_paid_usd) and of
    mart_partner_incentive_summary.mdf_funded_campaigns.
-#}
with

mdf_campaigns as (

    select distinct
        events.partner_id,
        campaigns.campaign_id
    from {{ ref('stg_marketing__campaign') }} as campaigns
    inner join {{ ref('int_incentive__events') }} as events
        on campaigns.mdf_request_id = events.mdf_request_id
        and events.event_type = 'mdf_requested'
    where events.partner_id is not null

),

mdf_deals as (

    select distinct
        mdf_campaigns.partner_id,
        opportunities.opportunity_id,
        opportunities.amount_usd
    from mdf_campaigns
    inner join {{ ref('int_revenue__partner_touches') }} as touches
        on mdf_campaigns.campaign_id = touches.campaign_id
        and touches.touch_kind = 'campaign'
        and touches.is_within_lookback
    inner join {{ ref('int_revenue__opportunities') }} as opportunities
        on touches.opportunity_id = opportunities.opportunity_id
    where opportunities.is_won
        and opportunities.close_date <= {{ as_of_date_sql() }}

),

funded as (

    select
        partner_id,
        count(*) as mdf_funded_campaigns
    from mdf_campaigns
    group by partner_id

),

won as (

    select
        partner_id,
        count(*) as mdf_won_deals,
        sum(amount_usd) as mdf_won_amount_usd
    from mdf_deals
    group by partner_id

),

final as (

    select
        funded.partner_id,
        cast(funded.mdf_funded_campaigns as {{ dbt.type_int() }}) as mdf_funded_campaigns,
        cast(coalesce(won.mdf_won_deals, 0) as {{ dbt.type_int() }}) as mdf_won_deals,
        cast(coalesce(won.mdf_won_amount_usd, 0) as decimal(18, 2)) as mdf_won_amount_usd
    from funded
    left join won on funded.partner_id = won.partner_id

)

select * from final
