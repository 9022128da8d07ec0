{#-
    Tier history of every partner as a type-2 slowly changing dimension: one row per partner and tier period, from
    the PRM record the partner is anchored on (the PRM is the system of record for tiers), rebuilt from all raw
    versions of the PRM profile on every run (int_partner__prm_tier_versions). Partners without a PRM record have
    no tier history (dim_partner.tier then comes from the CRM).
-#}
with

anchors as (

    select partner_id, source_record_id as prm_partner_id
    from {{ ref('int_partner__crosswalk') }}
    where source_system = 'prm'
        and node_id = anchor_node_id

),

final as (

    select
        anchors.partner_id,
        versions.prm_partner_id,
        versions.tier,
        tier_rules.tier_rank,
        {{ identity_utc_timestamp("versions.valid_from") }} as valid_from,
        {{ identity_utc_timestamp("versions.valid_to") }} as valid_to,
        versions.valid_to is null as is_current
    from {{ ref('int_partner__prm_tier_versions') }} as versions
    inner join anchors on versions.prm_partner_id = anchors.prm_partner_id
    left join {{ ref('partner_tier_rules') }} as tier_rules on versions.tier = tier_rules.tier

)

select * from final
