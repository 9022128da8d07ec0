{#-
    Descriptive codes outside the contract's canonical list (unknown_code="flag" in data_contracts/<system>.py): the
    row loaded, staging left its canonical code NULL and kept the text in `<code>_raw`. One row per record and
    field (rule unknown_code); int_quality__record_flags unions it with the other rules.
-#}
{#- Descriptive codes that load when unknown (unknown_code="flag" in data_contracts/<system>.py). `field` is the raw
    column a user's file carries; `partner` is the partner record the row belongs to, when it names one. -#}
{%- set code_columns = [
    {'system': 'prm', 'table': 'partner', 'model': 'stg_prm__partner', 'record_id': 'prm_partner_id',
     'field': 'tier', 'code': 'partner_tier', 'partner': ('prm', 'prm_partner_id')},
    {'system': 'prm', 'table': 'partner', 'model': 'stg_prm__partner', 'record_id': 'prm_partner_id',
     'field': 'status', 'code': 'partner_status', 'partner': ('prm', 'prm_partner_id')},
    {'system': 'prm', 'table': 'partner', 'model': 'stg_prm__partner', 'record_id': 'prm_partner_id',
     'field': 'partner_type', 'code': 'partner_type', 'partner': ('prm', 'prm_partner_id')},
    {'system': 'prm', 'table': 'portal_activity', 'model': 'stg_prm__portal_activity', 'record_id': 'portal_event_id',
     'field': 'event_type', 'code': 'event_type', 'partner': ('prm', 'prm_partner_id')},
    {'system': 'crm', 'table': 'account', 'model': 'stg_crm__account', 'record_id': 'account_id',
     'field': 'type', 'code': 'account_type', 'partner': ('crm', 'account_id')},
    {'system': 'crm', 'table': 'account', 'model': 'stg_crm__account', 'record_id': 'account_id',
     'field': 'partner_tier_c', 'code': 'partner_tier', 'partner': ('crm', 'account_id')},
    {'system': 'finance', 'table': 'entity', 'model': 'stg_finance__entity', 'record_id': 'entity_id',
     'field': 'entity_type', 'code': 'entity_type', 'partner': ('finance', 'entity_id')},
    {'system': 'marketing', 'table': 'campaign', 'model': 'stg_marketing__campaign', 'record_id': 'campaign_id',
     'field': 'channel', 'code': 'campaign_channel', 'partner': ('marketing', 'partner_company_id')},
    {'system': 'marketing', 'table': 'campaign_member', 'model': 'stg_marketing__campaign_member',
     'record_id': 'campaign_member_id', 'field': 'status', 'code': 'member_status', 'partner': none},
    {'system': 'lms', 'table': 'course', 'model': 'stg_lms__course', 'record_id': 'course_id',
     'field': 'course_type', 'code': 'course_type', 'partner': none},
    {'system': 'lms', 'table': 'enrollment', 'model': 'stg_lms__enrollment', 'record_id': 'enrollment_id',
     'field': 'status', 'code': 'enrollment_status', 'partner': none},
    {'system': 'lms', 'table': 'certification', 'model': 'stg_lms__certification',
     'record_id': 'certification_record_id', 'field': 'status', 'code': 'certification_status', 'partner': none},
] %}
{%- set string_type = dbt.type_string() %}

with

{% for column in code_columns %}
unknown_{{ column.table }}_{{ column.field }} as (

    select
        '{{ column.system }}' as source_system,
        '{{ column.table }}' as source_table,
        cast(records.{{ column.record_id }} as {{ string_type }}) as source_record_id,
        {% if column.partner -%}
        crosswalk.partner_id,
        {%- else -%}
        cast(null as {{ string_type }}) as partner_id,
        {%- endif %}
        'unknown_code' as rule,
        '{{ column.field }}' as field_name,
        records.{{ column.code }}_raw as flagged_value,
        'not a known {{ column.field }} code: the row is kept, {{ column.code }} is null (map the word in the source mapping)'
            as detail,
        records._source_file,
        records._source_line
    from {{ ref(column.model) }} as records
    {% if column.partner -%}
    {{ resolve_partner_id("'" ~ column.partner[0] ~ "'", 'records.' ~ column.partner[1]) }}
    {%- endif %}
    where records.{{ column.code }} is null and records.{{ column.code }}_raw is not null

),
{% endfor %}

unioned as (

    {% for column in code_columns %}
    select * from unknown_{{ column.table }}_{{ column.field }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ dbt.hash(dbt.concat(['source_system', "'|'", 'source_table', "'|'", 'source_record_id', "'|'", 'rule',
                                "'|'", 'field_name'])) }} as flag_id,
        source_system,
        source_table,
        source_record_id,
        partner_id,
        rule,
        field_name,
        flagged_value,
        detail,
        _source_file,
        _source_line
    from unioned

)

select * from final
