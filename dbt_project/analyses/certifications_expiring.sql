-- 3. Certifications expiring in the next 90 days, and whether the partner's tier needs them
select
    p.partner_name, p.tier, c.certification_code, c.expiry_date, c.days_to_expiry,
    coalesce(r.is_at_risk, false) as tier_requirement_at_risk
from {{ ref('fct_certification') }} as c
inner join {{ ref('partner_360') }} as p on c.partner_id = p.partner_id
left join {{ ref('fct_partner_certification_requirement') }} as r
    on c.partner_id = r.partner_id and c.certification_code = r.certification_code
where c.certification_status = 'expiring'
order by c.expiry_date, p.partner_name, c.certification_code, c.certification_record_id
limit 5
