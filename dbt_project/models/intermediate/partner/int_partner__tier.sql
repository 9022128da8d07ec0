{#-
    The tier each partner is assigned today, one row per partner_id of the crosswalk: the PRM's (the program's
    system of record for tiers), else the CRM's, each read from the system's primary record
    (int_partner__system_records), with its rank from the seed partner_tier_rules. The same rule as
    the tier of dim_partner, which reads it from here, so intermediate models (int_tier__partner_gap) need not read
    the mart.
-#}
with

system_records as (

    select partner_id, source_system, primary_record_id
    from {{ ref('int_partner__system_records') }}

),

partners as (

    select
        partner_id,
        max(case when source_system = 'prm' then primary_record_id end) as prm_primary_id,
        max(case when source_system = 'crm' then primary_record_id end) as crm_primary_id
    from system_records
    group by partner_id

),

tiers as (

    select
        partners.partner_id,
        prm.partner_tier as prm_tier,
        crm.partner_tier as crm_tier
    from partners
    left join {{ ref('stg_prm__partner') }} as prm on partners.prm_primary_id = prm.prm_partner_id
    left join {{ ref('stg_crm__account') }} as crm on partners.crm_primary_id = crm.account_id

),

final as (

    select
        tiers.partner_id,
        coalesce(tiers.prm_tier, tiers.crm_tier) as tier,
        case
            when tiers.prm_tier is not null then 'prm'
            when tiers.crm_tier is not null then 'crm'
        end as tier_source_system,
        tier_rules.tier_rank
    from tiers
    left join {{ ref('partner_tier_rules') }} as tier_rules
        on coalesce(tiers.prm_tier, tiers.crm_tier) = tier_rules.tier

)

select * from final
