-- Per partner: its certifications by status, its certified people, and how it stands against the certification
-- requirements of its tier. Partners without certifications have a row of zeros; when no LMS data was loaded at
-- all, the LMS-fed measures are NULL ("no data from lms": nobody can tell who is certified), not 0.
{%- set statuses = ['active', 'expiring', 'expired', 'revoked'] %}

with

partners as (

    select
        partner_id,
        tier as partner_tier
    from {{ ref('dim_partner') }}

),

certifications as (

    select
        partner_id,
        count(*) as certification_records,
        {%- for status in statuses %}
        sum(case when certification_status = '{{ status }}' then 1 else 0 end) as {{ status }}_certifications,
        {%- endfor %}
        count(distinct case when is_valid then learner_key end) as certified_people,
        count(distinct case when certification_status = 'active' then learner_key end) as certified_people_past_window,
        min(case when is_valid then expiry_date end) as next_expiry_date
    from {{ ref('fct_certification') }}
    where partner_id is not null
    group by partner_id

),

requirements as (

    select
        partner_id,
        count(*) as required_certifications,
        sum(case when is_met then 1 else 0 end) as requirements_met,
        sum(case when is_at_risk then 1 else 0 end) as requirements_at_risk
    from {{ ref('fct_partner_certification_requirement') }}
    group by partner_id

),

coverage as (

    {{ source_has_data_flags(['lms']) }}

),

final as (

    select
        partners.partner_id,
        partners.partner_tier,
        cast({{ when_source_has_data('lms', 'certifications.certification_records', 0) }} as {{ dbt.type_int() }})
            as certification_records,
        {%- for status in statuses %}
        cast({{ when_source_has_data('lms', 'certifications.' ~ status ~ '_certifications', 0) }} as {{ dbt.type_int() }})
            as {{ status }}_certifications,
        {%- endfor %}
        cast({{ when_source_has_data('lms', 'certifications.certified_people', 0) }} as {{ dbt.type_int() }})
            as certified_people,
        cast({{ when_source_has_data('lms', 'certifications.certified_people_past_window', 0) }} as {{ dbt.type_int() }})
            as certified_people_past_window,
        certifications.next_expiry_date,
        cast(coalesce(requirements.required_certifications, 0) as {{ dbt.type_int() }}) as required_certifications,
        cast({{ when_source_has_data('lms', 'requirements.requirements_met', 0) }} as {{ dbt.type_int() }})
            as requirements_met,
        cast({{ when_source_has_data('lms', 'requirements.requirements_at_risk', 0) }} as {{ dbt.type_int() }})
            as requirements_at_risk,
        -- A tier that requires nothing is met; one that requires certifications is unknown without LMS data.
        case
            when coverage.has_lms_data or coalesce(requirements.required_certifications, 0) = 0
                then coalesce(requirements.requirements_met, 0) = coalesce(requirements.required_certifications, 0)
        end as is_tier_certification_met,
        {{ as_of_date_sql() }} as as_of_date
    from partners
    left join certifications
        on partners.partner_id = certifications.partner_id
    left join requirements
        on partners.partner_id = requirements.partner_id
    cross join coverage

)

select * from final
