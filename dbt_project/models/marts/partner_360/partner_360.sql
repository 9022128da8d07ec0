{#-
    partner_360: one wide row per partner (dim_partner) with everything a channel team asks about a partner, as of
    var as_of_date. Every measure comes from the mart or intermediate model that defines it; this model only joins
    them and adds MDF ROI, time to first deal, the prior-30-day engagement window and the health score.

    Health score (0-100) = 100 x weighted sum of six components, each in [0, 1]. The weights (var
    health_score_weights, which must sum to 1) and the benchmarks (var health_score_benchmarks) are set in
    dbt_project.yml:
      revenue     min(1, (sourced + influenced won revenue l4q) / benchmark revenue_usd)
      win_rate    win_rate_l4q (0 without closed deals)
      pipeline    min(1, weighted_pipeline_usd / benchmark pipeline_usd)
      capability  0.5 x min(1, certified_people / benchmark certified_people)
                  + 0.5 x share of the tier's required certifications met (1 when the tier requires none)
      engagement  min(1, active_days_last_90d / benchmark active_days_90d)
      profile     profile_completeness
    With no LMS data loaded at all, capability is unknown rather than 0: it is left out and the other weights are
    scaled up to sum to 1.

    "No data from <system>": a column only one source system feeds is NULL when that system delivered no data at
    all (int_coverage__source_entities, through when_source_has_data), and 0 only when the system is there and
    holds nothing for the partner.
-#}
{%- set weights = var('health_score_weights') %}
{%- set benchmarks = var('health_score_benchmarks') %}
{%- set components = ['revenue', 'win_rate', 'pipeline', 'capability', 'engagement', 'profile'] %}
{%- if weights.keys() | sort != components | sort %}
    {{ exceptions.raise_compiler_error("var health_score_weights must have exactly the keys " ~ components | join(', ')
        ~ "; got " ~ weights.keys() | sort | join(', ')) }}
{%- endif %}
{%- if ((weights.values() | sum) - 1) | abs > 0.000001 %}
    {{ exceptions.raise_compiler_error("var health_score_weights must sum to 1; they sum to " ~ weights.values() | sum) }}
{%- endif %}
{%- set revenue_benchmark_usd = benchmarks['revenue_usd'] %}
{%- set pipeline_benchmark_usd = benchmarks['pipeline_usd'] %}
{%- set certified_people_benchmark = benchmarks['certified_people'] %}
{%- set active_days_benchmark = benchmarks['active_days_90d'] %}
{%- set usd = 'decimal(18, 2)' %}
{%- set as_of = as_of_date_sql() %}

with

partners as (

    select * from {{ ref('dim_partner') }}

),

performance as (

    select * from {{ ref('int_revenue__partner_performance') }}

),

certification_summary as (

    select * from {{ ref('mart_partner_certification_summary') }}

),

engagement_summary as (

    select * from {{ ref('mart_partner_engagement_summary') }}

),

incentive_summary as (

    select * from {{ ref('mart_partner_incentive_summary') }}

),

profile as (

    select partner_id, profile_completeness from {{ ref('mart_partner_profile_completeness') }}

),

tier_gap as (

    select * from {{ ref('int_tier__partner_gap') }}

),

certifications_held as (

    select
        partner_id,
        {{ dbt.listagg('certification_code', "', '", 'order by certification_code') }} as certifications_held
    from (
        select distinct partner_id, certification_code
        from {{ ref('fct_certification') }}
        where is_valid and partner_id is not null
    ) as held
    group by partner_id

),

engagement_days as (

    select
        partner_id,
        max(case when portal_logins > 0 then activity_date end) as last_login_date,
        sum(
            case
                when activity_date > {{ dbt.dateadd('day', -60, as_of) }}
                    and activity_date <= {{ dbt.dateadd('day', -30, as_of) }}
                    then total_activities
                else 0
            end
        ) as total_activities_prior_30d
    from {{ ref('fct_partner_engagement') }}
    where activity_date <= {{ as_of }}
    group by partner_id

),

-- First won deal the partner sourced or influenced, closed on or after its contract start and by the as-of date.
first_deal as (

    select
        opportunity_partner.partner_id,
        min(opportunity_partner.close_date) as first_won_deal_date
    from {{ ref('fct_opportunity_partner') }} as opportunity_partner
    inner join partners on opportunity_partner.partner_id = partners.partner_id
    where opportunity_partner.is_won
        and (opportunity_partner.is_sourced or opportunity_partner.is_influenced)
        and opportunity_partner.close_date <= {{ as_of }}
        and opportunity_partner.close_date >= partners.contract_start_date
    group by opportunity_partner.partner_id

),

-- MDF-funded campaigns and the won deals they touched (int_incentive__mdf_performance): the numerator of MDF ROI.
mdf_revenue as (

    select partner_id, mdf_won_deals, mdf_won_amount_usd
    from {{ ref('int_incentive__mdf_performance') }}

),

coverage as (

    {{ source_has_data_flags(['prm', 'lms', 'marketing', 'finance']) }}

),

joined as (

    select
        -- firmographic
        partners.partner_id,
        partners.partner_name,
        partners.country_code,
        partners.country_name,
        partners.region,
        partners.subregion,
        partners.industry,
        partners.employee_count,
        partners.website,
        partners.web_domain,
        -- relationship
        partners.partner_type,
        partners.tier,
        partners.tier_rank,
        partners.program_level,
        partners.partner_status,
        partners.contract_start_date,
        partners.contract_end_date,
        partners.channel_manager_key,
        partners.is_known_partner,
        -- performance
        coalesce(performance.sourced_won_amount_usd_this_quarter, 0) as sourced_won_amount_usd_this_quarter,
        coalesce(performance.sourced_won_amount_usd_l4q, 0) as sourced_won_amount_usd_l4q,
        coalesce(performance.influenced_won_amount_usd_this_quarter, 0) as influenced_won_amount_usd_this_quarter,
        coalesce(performance.influenced_won_amount_usd_l4q, 0) as influenced_won_amount_usd_l4q,
        coalesce(performance.sourced_won_opportunities_l4q, 0) as sourced_won_opportunities_l4q,
        coalesce(performance.influenced_won_opportunities_l4q, 0) as influenced_won_opportunities_l4q,
        performance.win_rate_l4q,
        performance.avg_won_deal_size_usd_l4q,
        coalesce(performance.deal_registrations_submitted_l4q, 0) as deal_registrations_submitted_l4q,
        coalesce(performance.deal_registrations_approved_l4q, 0) as deal_registrations_approved_l4q,
        -- capability
        certifications_held.certifications_held,
        certification_summary.certification_records,
        certification_summary.active_certifications,
        certification_summary.expiring_certifications,
        certification_summary.expired_certifications,
        certification_summary.certified_people,
        certification_summary.next_expiry_date as next_certification_expiry_date,
        certification_summary.required_certifications,
        certification_summary.requirements_met as required_certifications_met,
        certification_summary.is_tier_certification_met,
        -- engagement
        engagement_summary.last_activity_date,
        engagement_days.last_login_date,
        engagement_summary.days_since_last_activity,
        engagement_summary.portal_logins_last_30d,
        engagement_summary.portal_logins_last_90d,
        engagement_summary.content_downloads_last_30d,
        engagement_summary.content_downloads_last_90d,
        engagement_summary.training_completions_last_30d,
        engagement_summary.training_completions_last_90d,
        engagement_summary.active_days_last_30d,
        engagement_summary.active_days_last_90d,
        engagement_summary.total_activities_last_30d,
        coalesce(engagement_days.total_activities_prior_30d, 0) as total_activities_prior_30d,
        -- financial
        incentive_summary.mdf_approved_usd,
        incentive_summary.mdf_claimed_usd,
        incentive_summary.mdf_paid_usd,
        incentive_summary.mdf_utilization_rate,
        incentive_summary.rebate_accrued_usd,
        incentive_summary.commission_paid_usd,
        incentive_summary.mdf_funded_campaigns,
        coalesce(mdf_revenue.mdf_won_deals, 0) as mdf_won_deals,
        coalesce(mdf_revenue.mdf_won_amount_usd, 0) as mdf_won_amount_usd,
        -- pipeline
        coalesce(performance.open_opportunities, 0) as open_opportunities,
        coalesce(performance.open_pipeline_usd, 0) as open_pipeline_usd,
        coalesce(performance.weighted_pipeline_usd, 0) as weighted_pipeline_usd,
        -- time to first deal
        first_deal.first_won_deal_date,
        -- completeness
        profile.profile_completeness,
        -- gap to the next tier
        tier_gap.next_tier,
        tier_gap.sourced_revenue_gap_usd,
        tier_gap.certified_people_gap,
        tier_gap.deal_registrations_gap,
        tier_gap.missing_required_certifications,
        tier_gap.missing_certification_codes,
        tier_gap.next_tier_open_requirements,
        tier_gap.qualifies_for_next_tier,
        tier_gap.qualified_tier,
        tier_gap.meets_current_tier,
        tier_gap.current_tier_open_requirements,
        tier_gap.focus_tier,
        -- which systems delivered data: columns only a missing one feeds are NULL in final
        coverage.has_prm_data,
        coverage.has_lms_data,
        coverage.has_marketing_data,
        coverage.has_finance_data
    from partners
    left join performance on partners.partner_id = performance.partner_id
    left join certification_summary on partners.partner_id = certification_summary.partner_id
    left join certifications_held on partners.partner_id = certifications_held.partner_id
    left join engagement_summary on partners.partner_id = engagement_summary.partner_id
    left join engagement_days on partners.partner_id = engagement_days.partner_id
    left join incentive_summary on partners.partner_id = incentive_summary.partner_id
    left join mdf_revenue on partners.partner_id = mdf_revenue.partner_id
    left join first_deal on partners.partner_id = first_deal.partner_id
    left join profile on partners.partner_id = profile.partner_id
    left join tier_gap on partners.partner_id = tier_gap.partner_id
    cross join coverage

),

components as (

    select
        joined.*,
        case
            when sourced_won_amount_usd_l4q + influenced_won_amount_usd_l4q >= {{ revenue_benchmark_usd }} then 1.0
            else cast(sourced_won_amount_usd_l4q + influenced_won_amount_usd_l4q as {{ type_double() }})
                / {{ revenue_benchmark_usd }}
        end as revenue_component,
        coalesce(win_rate_l4q, 0) as win_rate_component,
        case
            when weighted_pipeline_usd >= {{ pipeline_benchmark_usd }} then 1.0
            else cast(weighted_pipeline_usd as {{ type_double() }}) / {{ pipeline_benchmark_usd }}
        end as pipeline_component,
        0.5 * case
            when coalesce(certified_people, 0) >= {{ certified_people_benchmark }} then 1.0
            else cast(coalesce(certified_people, 0) as {{ type_double() }}) / {{ certified_people_benchmark }}
        end
        + 0.5 * case
            when coalesce(required_certifications, 0) = 0 then 1.0
            else cast(coalesce(required_certifications_met, 0) as {{ type_double() }}) / required_certifications
        end as capability_component,
        case
            when coalesce(active_days_last_90d, 0) >= {{ active_days_benchmark }} then 1.0
            else cast(coalesce(active_days_last_90d, 0) as {{ type_double() }}) / {{ active_days_benchmark }}
        end as engagement_component,
        coalesce(cast(profile_completeness as {{ type_double() }}), 0) as profile_component
    from joined

),

final as (

    select
        partner_id,
        partner_name,
        country_code,
        country_name,
        region,
        subregion,
        industry,
        cast(employee_count as bigint) as employee_count,
        website,
        web_domain,
        partner_type,
        tier,
        cast(tier_rank as {{ dbt.type_int() }}) as tier_rank,
        program_level,
        partner_status,
        contract_start_date,
        contract_end_date,
        channel_manager_key,
        is_known_partner,
        cast(sourced_won_amount_usd_this_quarter as {{ usd }}) as sourced_won_amount_usd_this_quarter,
        cast(sourced_won_amount_usd_l4q as {{ usd }}) as sourced_won_amount_usd_l4q,
        cast(influenced_won_amount_usd_this_quarter as {{ usd }}) as influenced_won_amount_usd_this_quarter,
        cast(influenced_won_amount_usd_l4q as {{ usd }}) as influenced_won_amount_usd_l4q,
        cast(sourced_won_opportunities_l4q as {{ dbt.type_int() }}) as sourced_won_opportunities_l4q,
        cast(influenced_won_opportunities_l4q as {{ dbt.type_int() }}) as influenced_won_opportunities_l4q,
        cast(win_rate_l4q as {{ type_double() }}) as win_rate_l4q,
        cast(avg_won_deal_size_usd_l4q as {{ usd }}) as avg_won_deal_size_usd_l4q,
        cast({{ when_source_has_data('prm', 'deal_registrations_submitted_l4q', flags=none) }} as {{ dbt.type_int() }})
            as deal_registrations_submitted_l4q,
        cast({{ when_source_has_data('prm', 'deal_registrations_approved_l4q', flags=none) }} as {{ dbt.type_int() }})
            as deal_registrations_approved_l4q,
        certifications_held,
        cast({{ when_source_has_data('lms', 'certification_records', 0, flags=none) }} as {{ dbt.type_int() }}) as certification_records,
        cast({{ when_source_has_data('lms', 'active_certifications', 0, flags=none) }} as {{ dbt.type_int() }}) as active_certifications,
        cast({{ when_source_has_data('lms', 'expiring_certifications', 0, flags=none) }} as {{ dbt.type_int() }}) as expiring_certifications,
        cast({{ when_source_has_data('lms', 'expired_certifications', 0, flags=none) }} as {{ dbt.type_int() }}) as expired_certifications,
        cast({{ when_source_has_data('lms', 'certified_people', 0, flags=none) }} as {{ dbt.type_int() }}) as certified_people,
        next_certification_expiry_date,
        cast(coalesce(required_certifications, 0) as {{ dbt.type_int() }}) as required_certifications,
        cast({{ when_source_has_data('lms', 'required_certifications_met', 0, flags=none) }} as {{ dbt.type_int() }}) as required_certifications_met,
        is_tier_certification_met,
        last_activity_date,
        last_login_date,
        cast(days_since_last_activity as {{ dbt.type_int() }}) as days_since_last_activity,
        cast({{ when_source_has_data('prm', 'portal_logins_last_30d', 0, flags=none) }} as {{ dbt.type_int() }}) as portal_logins_last_30d,
        cast({{ when_source_has_data('prm', 'portal_logins_last_90d', 0, flags=none) }} as {{ dbt.type_int() }}) as portal_logins_last_90d,
        cast({{ when_source_has_data('prm', 'content_downloads_last_30d', 0, flags=none) }} as {{ dbt.type_int() }}) as content_downloads_last_30d,
        cast({{ when_source_has_data('prm', 'content_downloads_last_90d', 0, flags=none) }} as {{ dbt.type_int() }}) as content_downloads_last_90d,
        cast({{ when_source_has_data('lms', 'training_completions_last_30d', 0, flags=none) }} as {{ dbt.type_int() }}) as training_completions_last_30d,
        cast({{ when_source_has_data('lms', 'training_completions_last_90d', 0, flags=none) }} as {{ dbt.type_int() }}) as training_completions_last_90d,
        cast(coalesce(active_days_last_30d, 0) as {{ dbt.type_int() }}) as active_days_last_30d,
        cast(coalesce(active_days_last_90d, 0) as {{ dbt.type_int() }}) as active_days_last_90d,
        cast(coalesce(total_activities_last_30d, 0) as {{ dbt.type_int() }}) as total_activities_last_30d,
        cast(total_activities_prior_30d as {{ dbt.type_int() }}) as total_activities_prior_30d,
        cast({{ when_source_has_data('prm', 'mdf_approved_usd', 0, flags=none) }} as {{ usd }}) as mdf_approved_usd,
        cast({{ when_source_has_data('prm', 'mdf_claimed_usd', 0, flags=none) }} as {{ usd }}) as mdf_claimed_usd,
        cast({{ when_source_has_data('finance', 'mdf_paid_usd', 0, flags=none) }} as {{ usd }}) as mdf_paid_usd,
        cast(mdf_utilization_rate as {{ type_double() }}) as mdf_utilization_rate,
        cast({{ when_source_has_data('finance', 'rebate_accrued_usd', 0, flags=none) }} as {{ usd }}) as rebate_accrued_usd,
        cast({{ when_source_has_data('finance', 'commission_paid_usd', 0, flags=none) }} as {{ usd }}) as commission_paid_usd,
        cast({{ when_source_has_data('marketing', 'mdf_funded_campaigns', 0, flags=none) }} as {{ dbt.type_int() }}) as mdf_funded_campaigns,
        cast({{ when_source_has_data('marketing', 'mdf_won_deals', flags=none) }} as {{ dbt.type_int() }}) as mdf_won_deals,
        cast({{ when_source_has_data('marketing', 'mdf_won_amount_usd', flags=none) }} as {{ usd }}) as mdf_won_amount_usd,
        case
            when mdf_paid_usd > 0 and has_marketing_data
                then cast(mdf_won_amount_usd as {{ type_double() }}) / cast(mdf_paid_usd as {{ type_double() }})
        end as mdf_roi,
        cast(open_opportunities as {{ dbt.type_int() }}) as open_opportunities,
        cast(open_pipeline_usd as {{ usd }}) as open_pipeline_usd,
        cast(weighted_pipeline_usd as {{ usd }}) as weighted_pipeline_usd,
        first_won_deal_date,
        cast({{ dbt.datediff('contract_start_date', 'first_won_deal_date', 'day') }} as {{ dbt.type_int() }})
            as days_to_first_deal,
        cast(profile_completeness as {{ type_double() }}) as profile_completeness,
        round(cast(100 * (
            {{ weights.revenue }} * revenue_component
            + {{ weights.win_rate }} * win_rate_component
            + {{ weights.pipeline }} * pipeline_component
            + {{ weights.capability }} * case when has_lms_data then capability_component else 0 end
            + {{ weights.engagement }} * engagement_component
            + {{ weights.profile }} * profile_component
        ) / nullif(case when has_lms_data then 1 else {{ 1 - weights.capability }} end, 0)
        as {{ type_double() }}), 1) as health_score,
        next_tier,
        cast(sourced_revenue_gap_usd as {{ usd }}) as sourced_revenue_gap_usd,
        cast({{ when_source_has_data('lms', 'certified_people_gap', flags=none) }} as {{ dbt.type_int() }}) as certified_people_gap,
        cast(deal_registrations_gap as {{ dbt.type_int() }}) as deal_registrations_gap,
        cast({{ when_source_has_data('lms', 'missing_required_certifications', flags=none) }} as {{ dbt.type_int() }})
            as missing_required_certifications,
        {{ when_source_has_data('lms', 'missing_certification_codes', flags=none) }} as missing_certification_codes,
        cast(next_tier_open_requirements as {{ dbt.type_int() }}) as next_tier_open_requirements,
        coalesce(qualifies_for_next_tier, false) as qualifies_for_next_tier,
        qualified_tier,
        meets_current_tier,
        cast(current_tier_open_requirements as {{ dbt.type_int() }}) as current_tier_open_requirements,
        focus_tier,
        {{ as_of }} as as_of_date
    from components

)

select * from final
