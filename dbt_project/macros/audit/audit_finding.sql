{#-
    Helpers of the hygiene audit (models/marts/audit). Every audit model has the same columns, so
    fct_audit_finding is a plain union and the report reads one shape.
-#}

{#- The as-of date of the audit (var as_of_date): time logic never reads current_date. -#}
{% macro audit_as_of_date() -%}
    {{ as_of_date_sql() }}
{%- endmacro %}


{#- The columns of every audit finding model, in order (fct_audit_finding unions on them). -#}
{% macro audit_finding_columns() -%}
    {{ return(['finding_id', 'finding_type', 'rule', 'severity', 'source_system', 'source_table',
               'source_record_id', 'partner_id', 'field_name', 'triggering_value', 'related_record_id',
               'detail', 'as_of_date']) }}
{%- endmacro %}


{#-
    One finding in the common shape. Arguments are SQL expressions (quote literals: "'stale'").
    finding_id is a hash of type, rule, system, table, record and field: stable across runs for the same finding.
-#}
{% macro audit_finding(finding_type, rule, severity, source_system, source_table, source_record_id, partner_id,
                       field_name="null", triggering_value="null", related_record_id="null", detail="null") -%}
        {{ dbt.hash(dbt.concat([
            finding_type, "'|'", rule, "'|'", source_system, "'|'", source_table, "'|'",
            "coalesce(" ~ dbt.safe_cast(source_record_id, dbt.type_string()) ~ ", '')", "'|'",
            "coalesce(" ~ dbt.safe_cast(field_name, dbt.type_string()) ~ ", '')"
        ])) }} as finding_id,
        cast({{ finding_type }} as {{ dbt.type_string() }}) as finding_type,
        cast({{ rule }} as {{ dbt.type_string() }}) as rule,
        cast({{ severity }} as {{ dbt.type_string() }}) as severity,
        cast({{ source_system }} as {{ dbt.type_string() }}) as source_system,
        cast({{ source_table }} as {{ dbt.type_string() }}) as source_table,
        cast({{ source_record_id }} as {{ dbt.type_string() }}) as source_record_id,
        cast({{ partner_id }} as {{ dbt.type_string() }}) as partner_id,
        cast({{ field_name }} as {{ dbt.type_string() }}) as field_name,
        cast({{ triggering_value }} as {{ dbt.type_string() }}) as triggering_value,
        cast({{ related_record_id }} as {{ dbt.type_string() }}) as related_record_id,
        cast({{ detail }} as {{ dbt.type_string() }}) as detail,
        {{ audit_as_of_date() }} as as_of_date
{%- endmacro %}


{#- Text of a value for `triggering_value`: dates as YYYY-MM-DD, nulls as '(none)'. -#}
{% macro audit_text(expression) -%}
    coalesce(cast({{ expression }} as {{ dbt.type_string() }}), '(none)')
{%- endmacro %}


{#- Sort key of a severity: high first. -#}
{% macro audit_severity_rank(severity) -%}
    case {{ severity }} when 'high' then 1 when 'medium' then 2 else 3 end
{%- endmacro %}
