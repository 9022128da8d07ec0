-- Every partner activity event of the PRM portal, the LMS and marketing automation, in one shape: which partner
-- (through the identity crosswalk), which UTC day, which kind, and the source record it comes from.
with

crosswalk as (

    select
        source_system,
        source_record_id,
        partner_id
    from {{ ref('int_partner__crosswalk') }}

),

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

events as (

    select * from portal_events
    union all
    select * from training_events
    union all
    select * from campaign_touches

),

final as (

    select
        crosswalk.partner_id,
        events.activity_date,
        events.activity_type,
        events.source_system,
        events.source_table,
        events.source_record_id,
        events.partner_record_id
    from events
    inner join crosswalk
        on events.source_system = crosswalk.source_system
        and events.partner_record_id = crosswalk.source_record_id
    -- Activity after the as-of date has not happened yet on that day (a rebuild of a past day).
    where events.activity_date <= {{ as_of_date_sql() }}

)

select * from final
