-- One row per partner and UTC day with any activity (int_engagement__partner_activities defines activity), counted
-- per kind.
{%- set measures = {
    'portal_logins': 'portal_login',
    'content_downloads': 'content_download',
    'other_portal_events': 'other_portal_event',
    'training_enrollments': 'training_enrollment',
    'training_completions': 'training_completion',
    'campaign_touches': 'campaign_touch',
    'deal_registrations': 'deal_registration',
    'mdf_requests': 'mdf_request',
    'deals_opened': 'deal_opened',
    'deals_closed': 'deal_closed',
} %}

with

activities as (

    select
        partner_id,
        activity_date,
        activity_type
    from {{ ref('int_engagement__partner_activities') }}

),

daily as (

    select
        partner_id,
        activity_date,
        {% for column, activity_type in measures.items() %}
        sum(case when activity_type = '{{ activity_type }}' then 1 else 0 end) as {{ column }},
        {% endfor %}
        count(*) as total_activities
    from activities
    group by partner_id, activity_date

),

final as (

    select
        partner_id,
        activity_date,
        {% for column in measures %}
        cast({{ column }} as {{ dbt.type_int() }}) as {{ column }},
        {% endfor %}
        cast(total_activities as {{ dbt.type_int() }}) as total_activities
    from daily

)

select * from final
