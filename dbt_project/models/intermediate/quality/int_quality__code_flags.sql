{#-
    Descriptive codes outside the contract's canonical list (unknown_code="flag" in data_contracts/<system>.py): the
    row loaded, staging left its canonical code NULL and kept the text in `<code>_raw`. One row per record and
    field (rule unknown_code); int_quality__record_flags unions it with the other rules.
-#}
{#- One entry per flagged column: (system, table, record id column, raw field a user's file carries, staging code
    column, the column naming the record's partner in that system or none). The model is stg_<system>__<table>. -#}
{%- set code_columns = [
    ('prm', 'partner', 'prm_partner_id', 'tier', 'partner_tier', 'prm_partner_id'),
    ('prm', 'partner', 'prm_partner_id', 'status', 'partner_status', 'prm_partner_id'),
    ('prm', 'partner', 'prm_partner_id', 'partner_type', 'partner_type', 'prm_partner_id'),
    ('prm', 'portal_activity', 'portal_event_id', 'event_type', 'event_type', 'prm_partner_id'),
    ('crm', 'account', 'account_id', 'type', 'account_type', 'account_id'),
    ('crm', 'account', 'account_id', 'partner_tier_c', 'partner_tier', 'account_id'),
    ('finance', 'entity', 'entity_id', 'entity_type', 'entity_type', 'entity_id'),
    ('marketing', 'campaign', 'campaign_id', 'channel', 'campaign_channel', 'partner_company_id'),
    ('marketing', 'campaign_member', 'campaign_member_id', 'status', 'member_status', none),
    ('lms', 'course', 'course_id', 'course_type', 'course_type', none),
    ('lms', 'enrollment', 'enrollment_id', 'status', 'enrollment_status', none),
    ('lms', 'certification', 'certification_record_id', 'status', 'certification_status', none),
] %}
{%- set string_type = dbt.type_string() %}

with

{% for system, table, record_id, field, code, partner_column in code_columns %}
unknown_{{ table }}_{{ field }} as (

    select
        '{{ system }}' as source_system,
        '{{ table }}' as source_table,
        cast(records.{{ record_id }} as {{ string_type }}) as source_record_id,
        {% if partner_column -%}
        crosswalk.partner_id,
        {%- else -%}
        cast(null as {{ string_type }}) as partner_id,
        {%- endif %}
        'unknown_code' as rule,
        '{{ field }}' as field_name,
        records.{{ code }}_raw as flagged_value,
        'not a known {{ field }} code: the row is kept, {{ code }} is null (map the word in the source mapping)'
            as detail,
        records._source_file,
        records._source_line
    from {{ ref('stg_' ~ system ~ '__' ~ table) }} as records
    {% if partner_column -%}
    {{ resolve_partner_id("'" ~ system ~ "'", 'records.' ~ partner_column) }}
    {%- endif %}
    where records.{{ code }} is null and records.{{ code }}_raw is not null

),
{% endfor %}

unioned as (

    {% for system, table, record_id, field, code, partner_column in code_columns %}
    select * from unknown_{{ table }}_{{ field }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ quality_flag_id() }} as flag_id,
        {{ quality_flag_columns() }},
        _source_file,
        _source_line
    from unioned

)

select * from final
