-- Per partner: engagement over the last 30 and 90 days up to the as-of date (inclusive), and the last active day.
-- Partners without any activity have a row of zeros.
{%- set windows = [30, 90] %}
{%- set measures = ['portal_logins', 'content_downloads', 'other_portal_events', 'training_enrollments',
                    'training_completions', 'campaign_touches', 'total_activities'] %}

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

final as (

    select
        partners.partner_id,
        windowed.last_activity_date,
        cast({{ dbt.datediff('windowed.last_activity_date', as_of_date_sql(), 'day') }} as {{ dbt.type_int() }})
            as days_since_last_activity,
        {%- for days in windows %}
        cast(coalesce(windowed.active_days_last_{{ days }}d, 0) as {{ dbt.type_int() }}) as active_days_last_{{ days }}d,
        {%- for measure in measures %}
        cast(coalesce(windowed.{{ measure }}_last_{{ days }}d, 0) as {{ dbt.type_int() }}) as {{ measure }}_last_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        {{ as_of_date_sql() }} as as_of_date
    from partners
    left join windowed
        on partners.partner_id = windowed.partner_id

)

select * from final
