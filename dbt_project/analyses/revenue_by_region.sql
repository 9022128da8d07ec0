-- 5. Sourced vs influenced won revenue by region (last 4 completed quarters and this quarter)
select
    region, count(*) as partners,
    sum(sourced_won_amount_usd_l4q) as sourced_l4q_usd, sum(influenced_won_amount_usd_l4q) as influenced_l4q_usd,
    sum(sourced_won_amount_usd_this_quarter) as sourced_this_q_usd,
    sum(influenced_won_amount_usd_this_quarter) as influenced_this_q_usd
from {{ ref('partner_360') }}
group by region
order by sourced_l4q_usd desc, region asc nulls last
