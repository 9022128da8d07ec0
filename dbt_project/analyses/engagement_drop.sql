-- 4. Partners whose engagement dropped: activities in the last 30 days vs the 30 days before
select
    partner_name, tier, total_activities_prior_30d as prior_30d, total_activities_last_30d as last_30d,
    total_activities_last_30d - total_activities_prior_30d as activity_change, last_login_date, health_score
from {{ ref('partner_360') }}
where total_activities_last_30d < total_activities_prior_30d
order by activity_change, partner_name, partner_id
limit 5
