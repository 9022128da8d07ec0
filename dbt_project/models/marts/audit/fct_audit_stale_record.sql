{#-
    Stale records, one row per finding, as of var('as_of_date'):
    - profile_not_verified: a PRM partner profile whose last verification is older than var('stale_profile_months')
      (or that was never verified);
    - no_recent_activity: a PRM partner with no portal event, deal registration, MDF request or LMS enrolment /
      completion in the var('inactivity_days') days before the as-of date (activities after it do not count);
    - opportunity_past_close_date: an open CRM opportunity whose close date has passed;
    - registration_past_expiry_open: a PRM deal registration still submitted/approved and unconverted past expiry.
-#}
with

crosswalk as (

    select source_system, source_record_id, partner_id
    from {{ ref('int_partner__crosswalk') }}

),

prm_partners as (

    select
        prm_partner.prm_partner_id,
        {{ to_utc_date('prm_partner.last_verified_at') }} as last_verified_date,
        crosswalk.partner_id
    from {{ ref('stg_prm__partner') }} as prm_partner
    left join crosswalk
        on crosswalk.source_system = 'prm'
        and prm_partner.prm_partner_id = crosswalk.source_record_id

),

profile_not_verified as (

    select
        {{ audit_finding(
            "'stale'", "'profile_not_verified'", "'medium'", "'prm'", "'partner'", 'prm_partner_id', 'partner_id',
            "'last_verified_at'", audit_text('last_verified_date'), "null",
            "'profile not verified since " ~ var('stale_profile_months') ~ " months or more'"
        ) }}
    from prm_partners
    where last_verified_date is null
        or last_verified_date < {{ dbt.dateadd('month', -1 * var('stale_profile_months'), audit_as_of_date()) }}

),

learners as (

    select learner_key, organization_id
    from {{ ref('int_capability__lms_learner_organization') }}

),

-- Learners are known by their pseudonym downstream of staging (README "Privacy").
enrollments as (

    select {{ pseudonymize('user_id') }} as learner_key, enrolled_at, completed_at
    from {{ ref('stg_lms__enrollment') }}

),

-- Activity per partner record, then per partner_id through the crosswalk.
activity_events as (

    select 'prm' as source_system, prm_partner_id as record_id, {{ to_utc_date('occurred_at') }} as activity_date
    from {{ ref('stg_prm__portal_activity') }}
    union all
    select 'prm', prm_partner_id, {{ to_utc_date('submitted_at') }}
    from {{ ref('stg_prm__deal_registration') }}
    union all
    select 'prm', prm_partner_id, {{ to_utc_date('requested_at') }}
    from {{ ref('stg_prm__mdf_request') }}
    union all
    select 'lms', learners.organization_id, {{ to_utc_date('enrollments.enrolled_at') }}
    from enrollments
    inner join learners on enrollments.learner_key = learners.learner_key
    union all
    select 'lms', learners.organization_id, {{ to_utc_date('enrollments.completed_at') }}
    from enrollments
    inner join learners on enrollments.learner_key = learners.learner_key

),

last_activity as (

    select
        crosswalk.partner_id,
        max(activity_events.activity_date) as last_activity_date
    from activity_events
    inner join crosswalk
        on activity_events.source_system = crosswalk.source_system
        and activity_events.record_id = crosswalk.source_record_id
    where activity_events.activity_date <= {{ audit_as_of_date() }}
    group by crosswalk.partner_id

),

-- One finding per partner (its primary PRM record), not per PRM duplicate.
program_partners as (

    select partner_id, prm_partner_id
    from {{ ref('dim_partner') }}
    where prm_partner_id is not null

),

no_recent_activity as (

    select
        {{ audit_finding(
            "'stale'", "'no_recent_activity'", "'medium'", "'prm'", "'partner'", 'program_partners.prm_partner_id',
            'program_partners.partner_id', "'last_activity_date'", audit_text('last_activity.last_activity_date'), "null",
            "'no portal, deal registration, MDF or training activity in " ~ var('inactivity_days') ~ " days'"
        ) }}
    from program_partners
    left join last_activity on program_partners.partner_id = last_activity.partner_id
    where last_activity.last_activity_date is null
        or last_activity.last_activity_date < {{ dbt.dateadd('day', -1 * var('inactivity_days'), audit_as_of_date()) }}

),

primary_partners as (

    select
        opportunity_partners.opportunity_id,
        max(crosswalk.partner_id) as partner_id
    from {{ ref('stg_crm__opportunity_partner') }} as opportunity_partners
    inner join crosswalk
        on crosswalk.source_system = 'crm'
        and opportunity_partners.partner_account_id = crosswalk.source_record_id
    where opportunity_partners.is_primary
    group by opportunity_partners.opportunity_id

),

opportunity_past_close_date as (

    select
        {{ audit_finding(
            "'stale'", "'opportunity_past_close_date'", "'medium'", "'crm'", "'opportunity'", 'opportunities.opportunity_id',
            'primary_partners.partner_id', "'close_date'", audit_text('opportunities.close_date'), "null",
            "'opportunity still open after its close date'"
        ) }}
    from {{ ref('stg_crm__opportunity') }} as opportunities
    left join primary_partners on opportunities.opportunity_id = primary_partners.opportunity_id
    where not opportunities.is_closed
        and opportunities.close_date < {{ audit_as_of_date() }}

),

registration_past_expiry_open as (

    select
        {{ audit_finding(
            "'stale'", "'registration_past_expiry_open'", "'low'", "'prm'", "'deal_registration'", 'deal_registration_id',
            'partner_id', "'expires_at'", audit_text('expiry_date'), "null",
            dbt.concat(["'registration still '", 'lower(registration_status)', "' after expiry'"])
        ) }}
    from {{ ref('fct_deal_registration') }}
    where is_open_past_expiry

),

final as (

    select * from profile_not_verified
    union all
    select * from no_recent_activity
    union all
    select * from opportunity_past_close_date
    union all
    select * from registration_past_expiry_open

)

select * from final
