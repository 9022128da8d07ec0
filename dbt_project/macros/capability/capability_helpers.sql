{#-
    Small helpers of the capability, engagement, incentive and completeness models.
-#}

{#- The as-of date (var as_of_date, 'YYYY-MM-DD') as a SQL date: time-based logic never reads current_date. -#}
{% macro as_of_date_sql() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}


{#-
    The calendar day (UTC) of a timestamp with time zone. A plain cast would take the day in the session's time
    zone, which is whatever the machine running dbt uses; activity days must not move with it.

    duckdb: timezone('UTC', ts) gives the UTC wall-clock time of the instant, then the day of it.
    spark:  timestamps are instants shown in the session time zone; to_utc_timestamp() moves them to UTC wall-clock.
-#}
{% macro to_utc_date(expression) -%}
    {{ return(adapter.dispatch('to_utc_date', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__to_utc_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{% macro duckdb__to_utc_date(expression) -%}
    cast(timezone('UTC', {{ expression }}) as date)
{%- endmacro %}

{% macro spark__to_utc_date(expression) -%}
    to_date(to_utc_timestamp({{ expression }}, current_timezone()))
{%- endmacro %}


{#- 1 when a value is present: not null and not blank once cast to text; else 0. -#}
{% macro is_filled_flag(expression) -%}
    case when {{ expression }} is not null and trim(cast({{ expression }} as {{ dbt.type_string() }})) <> '' then 1 else 0 end
{%- endmacro %}


{#-
    The fields completeness measures, read from the field_impact_weights seed when dbt executes (empty while
    parsing): a list of {source_system, table_name, field_name, is_profile_field}, ordered. `profile_only` keeps
    the partner profile fields. Models calling this must declare `-- depends_on: {{ ref('field_impact_weights') }}`.
-#}
{% macro completeness_fields(profile_only=false) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select source_system, table_name, field_name, is_profile_field
        from {{ ref('field_impact_weights') }}
        {%- if profile_only %} where is_profile_field{% endif %}
        order by source_system, table_name, field_name
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set fields = [] -%}
    {%- for row in rows -%}
        {%- do fields.append({'source_system': row[0], 'table_name': row[1], 'field_name': row[2],
                              'is_profile_field': row[3]}) -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}


{#-
    The staging tables completeness can measure, per source system, with the column identifying a record. dbt must
    know every ref while parsing, before the field_impact_weights seed can be read, so they are listed here: a new
    entity or system needs a line here and rows in the seed.
-#}
{% macro completeness_tables() -%}
    {{ return({
        'prm': {'partner': 'prm_partner_id', 'deal_registration': 'deal_registration_id',
                'mdf_request': 'mdf_request_id', 'portal_activity': 'portal_event_id'},
        'crm': {'account': 'account_id', 'opportunity': 'opportunity_id',
                'opportunity_partner': 'opportunity_partner_id', 'user': 'user_id'},
        'lms': {'organization': 'organization_id', 'user': 'user_id', 'course': 'course_id',
                'enrollment': 'enrollment_id', 'certification': 'certification_record_id'},
        'marketing': {'company': 'company_id', 'campaign': 'campaign_id', 'lead': 'lead_id',
                      'campaign_member': 'campaign_member_id'},
        'finance': {'entity': 'entity_id', 'rebate_accrual': 'rebate_accrual_id',
                    'mdf_disbursement': 'mdf_disbursement_id', 'commission_payout': 'commission_payout_id'},
    }) }}
{%- endmacro %}


{#- The seed's fields grouped by table: {(source_system, table_name): [field_name, ...]}, failing on unknown tables. -#}
{% macro completeness_fields_by_table(profile_only=false) -%}
    {%- set tables = completeness_tables() -%}
    {%- set grouped = {} -%}
    {%- for field in completeness_fields(profile_only) -%}
        {%- if field.table_name not in tables.get(field.source_system, {}) -%}
            {{ exceptions.raise_compiler_error('field_impact_weights: ' ~ field.source_system ~ '.' ~ field.table_name
                ~ ' is not a table listed in completeness_tables()') }}
        {%- endif -%}
        {%- set key = (field.source_system, field.table_name) -%}
        {%- if key not in grouped -%}
            {%- do grouped.update({key: []}) -%}
        {%- endif -%}
        {%- do grouped[key].append(field.field_name) -%}
    {%- endfor -%}
    {{ return(grouped) }}
{%- endmacro %}
