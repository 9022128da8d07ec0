-- 1. Top partners by sourced revenue this quarter
select
    partner_name, region, tier,
    sourced_won_amount_usd_this_quarter, influenced_won_amount_usd_this_quarter, health_score
from {{ ref('partner_360') }}
order by sourced_won_amount_usd_this_quarter desc, partner_name asc, partner_id asc
limit 5
