{#-
    Tier qualification per partner (one row per partner of int_partner__tier, i.e. per dim_partner row): its
    assigned tier, what it lacks to keep it (current_tier_*), the next tier by rank (seed partner_tier_rules) and
    exactly what it still lacks to qualify for it, plus the highest tier whose rules it meets today (qualified_tier)
    and which of the two gaps is the partner's next step (focus_tier).

    A partner meets a tier when all of these hold (seeds partner_tier_rules and tier_certification_requirements):
      sourced won revenue of the last 4 completed fiscal quarters (USD)  >= min_sourced_revenue_usd_l4q
      certified people (distinct people with a valid certification)     >= min_certified_people
      approved deal registrations of the last 4 completed fiscal quarters >= min_deal_registrations_l4q
      for every certification the tier requires: people holding it      >= its min_certified_people
    A partner without a tier counts as rank 0, so its next tier is the lowest tier.

    focus_tier: the assigned tier while the partner does not meet its rules (what keeps it in its tier comes
    first: a Gold partner that only qualifies for Registered is told what Gold needs, not how far Platinum is),
    else the next tier (null for a top-tier partner that meets its tier).
-#}
{%- set usd = 'decimal(18, 2)' %}

with

partners as (

    select
        partner_id,
        tier,
        coalesce(tier_rank, 0) as tier_rank
    from {{ ref('int_partner__tier') }}

),

performance as (

    select
        partner_id,
        sourced_won_amount_usd_l4q,
        deal_registrations_approved_l4q
    from {{ ref('int_revenue__partner_performance') }}

),

rules as (

    select
        tier,
        cast(tier_rank as {{ dbt.type_int() }}) as tier_rank,
        cast(min_sourced_revenue_usd_l4q as {{ usd }}) as min_sourced_revenue_usd_l4q,
        cast(min_certified_people as {{ dbt.type_int() }}) as min_certified_people,
        cast(min_deal_registrations_l4q as {{ dbt.type_int() }}) as min_deal_registrations_l4q
    from {{ ref('partner_tier_rules') }}

),

cert_requirements as (

    select
        tier,
        certification_code,
        cast(min_certified_people as {{ dbt.type_int() }}) as min_certified_people
    from {{ ref('tier_certification_requirements') }}

),

valid_certifications as (

    select distinct
        partner_id,
        certification_code,
        learner_key
    from {{ ref('int_capability__certifications') }}
    where is_valid
        and partner_id is not null

),

certified_people as (

    select
        partner_id,
        count(distinct learner_key) as certified_people
    from valid_certifications
    group by partner_id

),

holders_per_certification as (

    select
        partner_id,
        certification_code,
        count(*) as holders
    from valid_certifications
    group by partner_id, certification_code

),

measures as (

    select
        partners.partner_id,
        partners.tier,
        partners.tier_rank,
        cast(coalesce(performance.sourced_won_amount_usd_l4q, 0) as {{ usd }}) as sourced_won_amount_usd_l4q,
        cast(coalesce(certified_people.certified_people, 0) as {{ dbt.type_int() }}) as certified_people,
        cast(coalesce(performance.deal_registrations_approved_l4q, 0) as {{ dbt.type_int() }})
            as deal_registrations_approved_l4q
    from partners
    left join performance on partners.partner_id = performance.partner_id
    left join certified_people on partners.partner_id = certified_people.partner_id

),

-- Every partner against every tier: the certifications of that tier the partner is short of.
certification_shortfalls as (

    select
        measures.partner_id,
        cert_requirements.tier,
        sum(
            case
                when coalesce(holders_per_certification.holders, 0) < cert_requirements.min_certified_people
                    then 1
                else 0
            end
        ) as certifications_short,
        sum(
            case
                when coalesce(holders_per_certification.holders, 0) < cert_requirements.min_certified_people
                    then cert_requirements.min_certified_people - coalesce(holders_per_certification.holders, 0)
                else 0
            end
        ) as certification_holders_short
    from measures
    cross join cert_requirements
    left join holders_per_certification
        on measures.partner_id = holders_per_certification.partner_id
        and cert_requirements.certification_code = holders_per_certification.certification_code
    group by measures.partner_id, cert_requirements.tier

),

-- Every partner against every tier: the gap on each rule (0 when met) and how many rules are open.
tier_gaps as (

    select
        measures.partner_id,
        rules.tier,
        rules.tier_rank,
        rules.min_sourced_revenue_usd_l4q,
        rules.min_certified_people,
        rules.min_deal_registrations_l4q,
        cast(
            case
                when measures.sourced_won_amount_usd_l4q >= rules.min_sourced_revenue_usd_l4q then 0
                else rules.min_sourced_revenue_usd_l4q - measures.sourced_won_amount_usd_l4q
            end as {{ usd }}
        ) as sourced_revenue_gap_usd,
        cast(
            case
                when measures.certified_people >= rules.min_certified_people then 0
                else rules.min_certified_people - measures.certified_people
            end as {{ dbt.type_int() }}
        ) as certified_people_gap,
        cast(
            case
                when measures.deal_registrations_approved_l4q >= rules.min_deal_registrations_l4q then 0
                else rules.min_deal_registrations_l4q - measures.deal_registrations_approved_l4q
            end as {{ dbt.type_int() }}
        ) as deal_registrations_gap,
        cast(coalesce(certification_shortfalls.certifications_short, 0) as {{ dbt.type_int() }})
            as missing_required_certifications,
        cast(coalesce(certification_shortfalls.certification_holders_short, 0) as {{ dbt.type_int() }})
            as missing_certification_holders
    from measures
    cross join rules
    left join certification_shortfalls
        on measures.partner_id = certification_shortfalls.partner_id
        and rules.tier = certification_shortfalls.tier

),

tier_status as (

    select
        tier_gaps.*,
        cast(
            case when sourced_revenue_gap_usd > 0 then 1 else 0 end
            + case when certified_people_gap > 0 then 1 else 0 end
            + case when deal_registrations_gap > 0 then 1 else 0 end
            + case when missing_required_certifications > 0 then 1 else 0 end
            as {{ dbt.type_int() }}
        ) as open_requirements
    from tier_gaps

),

qualified as (

    select
        partner_id,
        max(tier_rank) as qualified_tier_rank
    from tier_status
    where open_requirements = 0
    group by partner_id

),

next_tier_rank as (

    select
        measures.partner_id,
        min(rules.tier_rank) as next_tier_rank
    from measures
    inner join rules on measures.tier_rank < rules.tier_rank
    group by measures.partner_id

),

-- Every partner against every tier: the codes of the tier's required certifications it does not hold often enough.
missing_codes as (

    select
        measures.partner_id,
        cert_requirements.tier,
        {{ dbt.listagg('cert_requirements.certification_code', "', '", 'order by cert_requirements.certification_code') }}
            as missing_certification_codes
    from measures
    cross join cert_requirements
    left join holders_per_certification
        on measures.partner_id = holders_per_certification.partner_id
        and cert_requirements.certification_code = holders_per_certification.certification_code
    where coalesce(holders_per_certification.holders, 0) < cert_requirements.min_certified_people
    group by measures.partner_id, cert_requirements.tier

),

final as (

    select
        measures.partner_id,
        measures.tier,
        case when measures.tier_rank > 0 then measures.tier_rank end as tier_rank,
        measures.sourced_won_amount_usd_l4q,
        measures.certified_people,
        measures.deal_registrations_approved_l4q,
        case when measures.tier_rank > 0 then coalesce(current_tier.open_requirements = 0, false) end
            as meets_current_tier,
        current_tier.sourced_revenue_gap_usd as current_tier_sourced_revenue_gap_usd,
        current_tier.certified_people_gap as current_tier_certified_people_gap,
        current_tier.deal_registrations_gap as current_tier_deal_registrations_gap,
        current_tier.missing_required_certifications as current_tier_missing_required_certifications,
        current_tier.missing_certification_holders as current_tier_missing_certification_holders,
        current_missing_codes.missing_certification_codes as current_tier_missing_certification_codes,
        current_tier.open_requirements as current_tier_open_requirements,
        next_tier.tier as next_tier,
        next_tier.tier_rank as next_tier_rank,
        next_tier.min_sourced_revenue_usd_l4q as next_tier_min_sourced_revenue_usd_l4q,
        next_tier.min_certified_people as next_tier_min_certified_people,
        next_tier.min_deal_registrations_l4q as next_tier_min_deal_registrations_l4q,
        next_tier.sourced_revenue_gap_usd,
        next_tier.certified_people_gap,
        next_tier.deal_registrations_gap,
        next_tier.missing_required_certifications,
        next_tier.missing_certification_holders,
        next_missing_codes.missing_certification_codes,
        next_tier.open_requirements as next_tier_open_requirements,
        coalesce(next_tier.open_requirements = 0, false) as qualifies_for_next_tier,
        qualified_rule.tier as qualified_tier,
        qualified_rule.tier_rank as qualified_tier_rank,
        case
            when current_tier.open_requirements > 0 then current_tier.tier
            else next_tier.tier
        end as focus_tier
    from measures
    left join tier_status as current_tier
        on measures.partner_id = current_tier.partner_id
        and measures.tier_rank = current_tier.tier_rank
    left join missing_codes as current_missing_codes
        on current_tier.partner_id = current_missing_codes.partner_id
        and current_tier.tier = current_missing_codes.tier
    left join next_tier_rank on measures.partner_id = next_tier_rank.partner_id
    left join tier_status as next_tier
        on next_tier_rank.partner_id = next_tier.partner_id
        and next_tier_rank.next_tier_rank = next_tier.tier_rank
    left join missing_codes as next_missing_codes
        on next_tier.partner_id = next_missing_codes.partner_id
        and next_tier.tier = next_missing_codes.tier
    left join qualified on measures.partner_id = qualified.partner_id
    left join rules as qualified_rule on qualified.qualified_tier_rank = qualified_rule.tier_rank

)

select * from final
