{#- One row per opportunity and partner that touched it, with the partner's role and the deal's money and stage. -#}
with

opportunity_partners as (

    select * from {{ ref('int_revenue__opportunity_partners') }}

),

opportunities as (

    select * from {{ ref('int_revenue__opportunities') }}

),

flagged_opportunities as (

    select distinct source_record_id as opportunity_id
    from {{ ref('int_quality__record_flags') }}
    where source_system = 'crm' and source_table = 'opportunity'

),

final as (

    select
        opportunity_partners.opportunity_partner_key,
        opportunity_partners.opportunity_id,
        opportunity_partners.partner_id,
        opportunity_partners.partner_role,
        opportunity_partners.is_sourced,
        opportunity_partners.is_influenced,
        opportunity_partners.sourcing_touch_kind,
        opportunity_partners.crm_partner_role,
        opportunity_partners.is_primary_partner,
        opportunity_partners.is_on_opportunity,
        opportunity_partners.touch_count,
        opportunity_partners.campaign_touch_count,
        opportunity_partners.first_touch_at,
        opportunity_partners.last_touch_at,
        opportunities.account_id,
        opportunities.opportunity_name,
        opportunities.stage_name,
        opportunities.stage_category,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.probability_pct,
        opportunities.currency_code,
        opportunities.amount,
        opportunities.amount_usd,
        opportunities.weighted_amount_usd,
        opportunities.close_date,
        opportunities.fiscal_year,
        opportunities.fiscal_quarter,
        opportunities.fiscal_quarter_label,
        flagged_opportunities.opportunity_id is not null as has_data_issue
    from opportunity_partners
    inner join opportunities on opportunity_partners.opportunity_id = opportunities.opportunity_id
    left join flagged_opportunities on opportunity_partners.opportunity_id = flagged_opportunities.opportunity_id

)

select * from final
