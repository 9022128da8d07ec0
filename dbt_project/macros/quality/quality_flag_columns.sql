{#-
    The columns every data-quality flag model carries, in order (int_quality__code_flags,
    int_quality__revenue_flags, int_quality__record_flags, fct_data_quality_flag): one place, so the union of the
    rule models and the mart cannot drift apart.
-#}
{% macro quality_flag_columns(prefix='') -%}
        {{ prefix }}source_system,
        {{ prefix }}source_table,
        {{ prefix }}source_record_id,
        {{ prefix }}partner_id,
        {{ prefix }}rule,
        {{ prefix }}field_name,
        {{ prefix }}flagged_value,
        {{ prefix }}detail
{%- endmacro %}

{#- A flag's key: one flag per record, rule and field. -#}
{% macro quality_flag_id() -%}
    {{ dbt.hash(dbt.concat(['source_system', "'|'", 'source_table', "'|'", 'source_record_id', "'|'", 'rule',
                            "'|'", 'field_name'])) }}
{%- endmacro %}
