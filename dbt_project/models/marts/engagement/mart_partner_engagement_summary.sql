-- Per partner: engagement over the last 30 and 90 days up to the as-of date (inclusive), and the last active day.
-- Partners without any activity have a row of zeros; a measure whose only source system delivered no data at all
-- is NULL ("no data from <system>"), not 0. Totals and active days count what the systems present hold.
{%- set windows = [30, 90] %}
{#- Each measure and the one system it comes from (int_engagement__partner_activities); none: several. #}
{%- set measure_systems = {'portal_logins': 'prm', 'content_downloads': 'prm', 'other_portal_events': 'prm',
                           'training_enrollments': 'lms', 'training_completions': 'lms',
                           'campaign_touches': 'marketing', 'total_activities': none} %}
{%- set measures = measure_systems.keys() | list %}

with

partners as (

    select partner_id from {{ ref('dim_partner') }}

),

engagement as (

    select *
    from {{ ref('fct_partner_engagement') }}

),

windowed as (

    select
        partner_id,
        max(activity_date) as last_activity_date,
        {%- for days in windows %}
        sum(case when activity_date > {{ dbt.dateadd('day', -days, as_of_date_sql()) }} then 1 else 0 end)
            as active_days_last_{{ days }}d,
        {%- for measure in measures %}
        sum(case when activity_date > {{ dbt.dateadd('day', -days, as_of_date_sql()) }} then {{ measure }} else 0 end)
            as {{ measure }}_last_{{ days }}d{{ ',' if not (loop.last and days == windows[-1]) }}
        {%- endfor %}
        {%- endfor %}
    from engagement
    group by partner_id

),

coverage as (

    {{ source_has_data_flags(['prm', 'lms', 'marketing']) }}

),

final as (

    select
        partners.partner_id,
        windowed.last_activity_date,
        cast({{ dbt.datediff('windowed.last_activity_date', as_of_date_sql(), 'day') }} as {{ dbt.type_int() }})
            as days_since_last_activity,
        {%- for days in windows %}
        cast(coalesce(windowed.active_days_last_{{ days }}d, 0) as {{ dbt.type_int() }}) as active_days_last_{{ days }}d,
        {%- for measure, system in measure_systems.items() %}
        {%- set column = 'windowed.' ~ measure ~ '_last_' ~ days ~ 'd' %}
        cast({{ when_source_has_data(system, column, 0) if system else 'coalesce(' ~ column ~ ', 0)' }}
            as {{ dbt.type_int() }}) as {{ measure }}_last_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        {{ as_of_date_sql() }} as as_of_date
    from partners
    left join windowed
        on partners.partner_id = windowed.partner_id
    cross join coverage

)

select * from final
