-- dim_partner.tier / tier_rank and int_partner__tier (what int_tier__partner_gap qualifies) follow one rule: any
-- partner where they differ (or that one of them lacks) fails.
select
    coalesce(dim.partner_id, tiers.partner_id) as partner_id,
    dim.tier as dim_partner_tier,
    tiers.tier as int_partner_tier
from {{ ref('dim_partner') }} as dim
full outer join {{ ref('int_partner__tier') }} as tiers on dim.partner_id = tiers.partner_id
where dim.partner_id is null
    or tiers.partner_id is null
    or coalesce(dim.tier, '(none)') <> coalesce(tiers.tier, '(none)')
    or coalesce(dim.tier_rank, -1) <> coalesce(tiers.tier_rank, -1)
