-- 2. Partners closest to the next tier (fewest rules still open, then the smallest revenue gap)
select
    partner_name, tier, next_tier, next_tier_open_requirements as open_rules,
    sourced_revenue_gap_usd, certified_people_gap, deal_registrations_gap, missing_certification_codes
from {{ ref('partner_360') }}
where tier is not null and next_tier is not null
order by next_tier_open_requirements, sourced_revenue_gap_usd, partner_name, partner_id
limit 5
