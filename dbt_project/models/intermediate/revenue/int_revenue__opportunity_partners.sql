{#-
    One row per opportunity and partner that touched it (eligible touches of int_revenue__partner_touches), with
    the partner's role on the deal:

      sourced     the partner originated the deal. One sourcing partner per opportunity at most: among sourcing
                  touches, an approved converted deal registration first, then the lead source "Partner Referral"
                  (its primary partner), then a partner-referred lead; then the earliest; then the smallest
                  partner_id.
      fulfilment  not the sourcing partner, and on the opportunity in a fulfilment role (reseller, distributor:
                  seed opportunity_partner_roles).
      influenced  any other partner that touched the deal.

    Fulfilment is a kind of influence (DESIGN.md: "a partner on the opportunity (co-sell, reseller/fulfilment
    role)"), so is_influenced covers both; a sourcing partner is never also influenced on the same deal.
-#}
with

touches as (

    select * from {{ ref('int_revenue__partner_touches') }}
    where is_eligible

),

sourcing_partner as (

    select opportunity_id, partner_id, touch_kind as sourcing_touch_kind
    from (
        select
            opportunity_id,
            partner_id,
            touch_kind,
            row_number() over (
                partition by opportunity_id
                order by touch_kind_order, touch_at, partner_id
            ) as preference
        from touches
        where is_sourcing_touch
    ) as ranked
    where preference = 1

),

per_partner as (

    select
        opportunity_id,
        partner_id,
        cast(count(*) as integer) as touch_count,
        cast(sum(case when touch_kind = 'campaign' then 1 else 0 end) as integer) as campaign_touch_count,
        min(touch_at) as first_touch_at,
        max(touch_at) as last_touch_at,
        max(case when is_on_opportunity then 1 else 0 end) = 1 as is_on_opportunity,
        max(case when is_primary_partner then 1 else 0 end) = 1 as is_primary_partner,
        max(case when role_category = 'fulfilment' then 1 else 0 end) = 1 as has_fulfilment_role,
        -- Several rows of one partner on one deal (duplicate accounts): the alphabetically first role.
        min(crm_partner_role) as crm_partner_role
    from touches
    group by opportunity_id, partner_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(['per_partner.opportunity_id', "'|'", 'per_partner.partner_id'])) }}
            as opportunity_partner_key,
        per_partner.opportunity_id,
        per_partner.partner_id,
        case
            when sourcing_partner.partner_id is not null then 'sourced'
            when per_partner.has_fulfilment_role then 'fulfilment'
            else 'influenced'
        end as partner_role,
        sourcing_partner.partner_id is not null as is_sourced,
        sourcing_partner.partner_id is null as is_influenced,
        sourcing_partner.sourcing_touch_kind,
        per_partner.crm_partner_role,
        per_partner.is_primary_partner,
        per_partner.is_on_opportunity,
        per_partner.touch_count,
        per_partner.campaign_touch_count,
        per_partner.first_touch_at,
        per_partner.last_touch_at
    from per_partner
    left join sourcing_partner
        on per_partner.opportunity_id = sourcing_partner.opportunity_id
        and per_partner.partner_id = sourcing_partner.partner_id

)

select * from final
