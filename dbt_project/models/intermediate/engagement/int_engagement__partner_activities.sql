{#-
    The one definition of partner activity: every event that shows a partner working with the program, one row
    per event, with its partner, UTC day, kind and source record. fct_partner_engagement counts it per day,
    mart_partner_engagement_summary (and so partner_360.last_activity_date) windows it, and the stale-record audit
    (no_recent_activity) takes each partner's last activity from it.

      portal_login, content_download, other_portal_event   PRM portal events (occurred_at)
      deal_registration                                    a PRM deal registration, on the day it was submitted
      mdf_request                                          a PRM MDF request, on the day it was requested
      training_enrollment, training_completion             LMS enrolments of the partner's people (enrolled_at;
                                                           completed_at of completed courses)
      campaign_touch                                       a touch of a campaign the partner runs
                                                           (marketing partner_company_id)
      deal_opened, deal_closed                             a CRM opportunity the partner sourced or influenced
                                                           (int_revenue__opportunity_partners), on the day it
                                                           was created, and on its close date once closed (won
                                                           or lost)

    Records name their partner in their own system; resolve_partner_id maps them to partner_id (events of records
    the crosswalk does not know are left out). Deals come with their partner already attributed. Events after the
    as-of date have not happened yet on that day (a rebuild of a past day) and are left out.
-#}
with

portal_events as (

    select
        'prm' as source_system,
        'portal_activity' as source_table,
        portal_event_id as source_record_id,
        prm_partner_id as partner_record_id,
        case event_type
            when 'login' then 'portal_login'
            when 'content_download' then 'content_download'
            else 'other_portal_event'
        end as activity_type,
        {{ to_utc_date('occurred_at') }} as activity_date
    from {{ ref('stg_prm__portal_activity') }}

),

registration_events as (

    select
        'prm' as source_system,
        'deal_registration' as source_table,
        deal_registration_id as source_record_id,
        prm_partner_id as partner_record_id,
        'deal_registration' as activity_type,
        {{ to_utc_date('submitted_at') }} as activity_date
    from {{ ref('stg_prm__deal_registration') }}
    where submitted_at is not null

),

mdf_events as (

    select
        'prm' as source_system,
        'mdf_request' as source_table,
        mdf_request_id as source_record_id,
        prm_partner_id as partner_record_id,
        'mdf_request' as activity_type,
        {{ to_utc_date('requested_at') }} as activity_date
    from {{ ref('stg_prm__mdf_request') }}
    where requested_at is not null

),

learners as (

    select
        learner_key,
        organization_id
    from {{ ref('int_capability__lms_learner_organization') }}

),

enrollments as (

    select
        enrollment_id,
        {{ pseudonymize('user_id') }} as learner_key,
        is_completed,
        enrolled_at,
        completed_at
    from {{ ref('stg_lms__enrollment') }}

),

-- An enrolment is one event on the day the learner enrolled, and a second on the day they completed the course.
training_events as (

    select
        'lms' as source_system,
        'enrollment' as source_table,
        enrollments.enrollment_id as source_record_id,
        learners.organization_id as partner_record_id,
        'training_enrollment' as activity_type,
        {{ to_utc_date('enrollments.enrolled_at') }} as activity_date
    from enrollments
    inner join learners on enrollments.learner_key = learners.learner_key
    where enrollments.enrolled_at is not null

    union all

    select
        'lms' as source_system,
        'enrollment' as source_table,
        enrollments.enrollment_id as source_record_id,
        learners.organization_id as partner_record_id,
        'training_completion' as activity_type,
        {{ to_utc_date('enrollments.completed_at') }} as activity_date
    from enrollments
    inner join learners on enrollments.learner_key = learners.learner_key
    where enrollments.is_completed
        and enrollments.completed_at is not null

),

-- Touches of campaigns a partner runs (partner_company_id set): the partner's marketing at work.
campaign_touches as (

    select
        'marketing' as source_system,
        'campaign_member' as source_table,
        members.campaign_member_id as source_record_id,
        campaigns.partner_company_id as partner_record_id,
        'campaign_touch' as activity_type,
        {{ to_utc_date('members.touched_at') }} as activity_date
    from {{ ref('stg_marketing__campaign_member') }} as members
    inner join {{ ref('stg_marketing__campaign') }} as campaigns
        on members.campaign_id = campaigns.campaign_id
    where campaigns.partner_company_id is not null

),

record_events as (

    select * from portal_events
    union all
    select * from registration_events
    union all
    select * from mdf_events
    union all
    select * from training_events
    union all
    select * from campaign_touches

),

resolved_record_events as (

    select
        crosswalk.partner_id,
        record_events.activity_date,
        record_events.activity_type,
        record_events.source_system,
        record_events.source_table,
        record_events.source_record_id,
        record_events.partner_record_id
    from record_events
    {{ resolve_partner_id('record_events.source_system', 'record_events.partner_record_id', join_type='inner') }}

),

deals as (

    select
        opportunity_partners.partner_id,
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.close_date,
        opportunities.is_closed
    from {{ ref('int_revenue__opportunity_partners') }} as opportunity_partners
    inner join {{ ref('int_revenue__opportunities') }} as opportunities
        on opportunity_partners.opportunity_id = opportunities.opportunity_id
    where opportunity_partners.is_sourced or opportunity_partners.is_influenced

),

deal_events as (

    select
        partner_id,
        {{ to_utc_date('created_at') }} as activity_date,
        'deal_opened' as activity_type,
        'crm' as source_system,
        'opportunity' as source_table,
        opportunity_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as partner_record_id
    from deals
    where created_at is not null

    union all

    select
        partner_id,
        close_date as activity_date,
        'deal_closed' as activity_type,
        'crm' as source_system,
        'opportunity' as source_table,
        opportunity_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as partner_record_id
    from deals
    where is_closed
        and close_date is not null

),

events as (

    select * from resolved_record_events
    union all
    select * from deal_events

),

final as (

    select
        partner_id,
        activity_date,
        activity_type,
        source_system,
        source_table,
        source_record_id,
        partner_record_id
    from events
    where activity_date <= {{ as_of_date_sql() }}

)

select * from final
