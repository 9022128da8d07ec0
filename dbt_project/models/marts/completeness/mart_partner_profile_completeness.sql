-- Completeness of each partner's profile: the impact-weighted share of the profile fields (field_impact_weights,
-- is_profile_field) filled across all its records in the five systems, overall and per system.
{%- set systems = ['prm', 'crm', 'lms', 'marketing', 'finance'] %}

with

weights as (

    select
        source_system,
        table_name,
        field_name,
        impact_weight
    from {{ field_impact_weights_relation() }}
    where is_profile_field

),

record_fields as (

    select
        crosswalk.partner_id,
        profile_fields.source_system,
        profile_fields.source_record_id,
        case when profile_fields.is_filled then 1 else 0 end as is_filled,
        weights.impact_weight
    from {{ ref('int_completeness__profile_fields') }} as profile_fields
    {{ resolve_partner_id('profile_fields.source_system', 'profile_fields.source_record_id', join_type='inner') }}
    inner join weights
        on profile_fields.source_system = weights.source_system
        and profile_fields.table_name = weights.table_name
        and profile_fields.field_name = weights.field_name

),

per_partner as (

    select
        partner_id,
        {% for system in systems %}
        sum(case when source_system = '{{ system }}' then is_filled * impact_weight end)
        / sum(case when source_system = '{{ system }}' then impact_weight end) as {{ system }}_profile_completeness,
        {% endfor %}
        count(distinct {{ dbt.concat(['source_system', "'|'", 'source_record_id']) }}) as profile_record_count,
        count(*) as profile_fields_measured,
        sum(is_filled) as profile_fields_filled,
        sum(is_filled * impact_weight) / sum(impact_weight) as profile_completeness
    from record_fields
    group by partner_id

),

final as (

    select
        partner_id,
        cast(profile_record_count as {{ dbt.type_int() }}) as profile_record_count,
        cast(profile_fields_measured as {{ dbt.type_int() }}) as profile_fields_measured,
        cast(profile_fields_filled as {{ dbt.type_int() }}) as profile_fields_filled,
        round(cast(profile_completeness as double), 6) as profile_completeness,
        {% for system in systems %}
        round(cast({{ system }}_profile_completeness as double), 6) as {{ system }}_profile_completeness,
        {% endfor %}
        {{ as_of_date_sql() }} as as_of_date
    from per_partner

)

select * from final
