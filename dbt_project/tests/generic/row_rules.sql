{#-
    All the row rules of one model in one query: one dbt node (and one Dagster asset check) instead of one per
    column and rule, because dbt's per-node machinery, not the SQL, is what a test costs (issue #14).

    Returns one row per broken (rule, column) with how many rows break it, so a failure names the rule:
        unique_key       [column, ...]                          the model's grain: no two rows share these columns'
                                                                values (failing_rows: the rows whose key repeats);
                                                                data_contracts/_dbt_registry.py reads it
        not_null         [column, ...]                          the column is never null
        accepted_values  {column: [value, ...]}                 a non-null value is one of these (dbt's accepted_values)
        value_between    {column: [min, max]}                   a non-null value lies in [min, max] (inclusive)
        unique           [column | [column, ...], ...]          another unique column (or set of columns), likewise
        relationships    [{column:, to: <model or seed>, field:}]  a non-null value exists in `to`.`field`
    The per-row rules (not_null, accepted_values, value_between) are counted in one scan of the model. A model
    whose rules differ in severity has two row_rules tests (the warnings with `config: {severity: warn}`), so a
    warning stays a warning.
-#}
{% test row_rules(model, unique_key=[], not_null=[], accepted_values={}, value_between={}, unique=[], relationships=[]) %}

{%- set row_rules = [] -%}
{%- for column in not_null -%}
    {%- do row_rules.append(('not_null', column, column ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {#- strings quoted (quotes doubled), numbers and booleans as they are -#}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append("'" ~ value | replace("'", "''") ~ "'" if value is string else value | string) -%}
    {%- endfor -%}
    {%- do row_rules.append(('accepted_values', column,
        column ~ ' is not null and ' ~ column ~ ' not in (' ~ literals | join(', ') ~ ')')) -%}
{%- endfor -%}
{%- for column, bounds in value_between.items() -%}
    {%- do row_rules.append(('value_between', column,
        '(' ~ column ~ ' < ' ~ bounds[0] ~ ' or ' ~ column ~ ' > ' ~ bounds[1] ~ ')')) -%}
{%- endfor -%}

{%- set keys = [('unique_key', unique_key)] if unique_key else [] -%}
{%- for key in unique -%}
    {%- do keys.append(('unique', [key] if key is string else key)) -%}
{%- endfor -%}

{#- One select per rule, each returning (rule, column_name, failing_rows); the per-row ones read one scan. -#}
{%- set failures = [] -%}
{%- for rule, column, broken in row_rules -%}
    {%- do failures.append("select '" ~ rule ~ "' as rule, '" ~ column ~ "' as column_name, failing_" ~ loop.index
                           ~ " as failing_rows from row_counts") -%}
{%- endfor -%}
{%- for rule, key_columns in keys -%}
    {%- do failures.append("select '" ~ rule ~ "' as rule, '" ~ key_columns | join(', ') ~ "' as column_name,"
        ~ " coalesce(sum(row_count), 0) as failing_rows from (select count(*) as row_count from " ~ model
        ~ " group by " ~ key_columns | join(', ') ~ " having count(*) > 1) as repeated_keys") -%}
{%- endfor -%}
{%- for relationship in relationships -%}
    {%- set child, parent = 'child.' ~ relationship.column, 'parent.' ~ relationship.field -%}
    {%- do failures.append("select 'relationships' as rule, '" ~ relationship.column ~ "' as column_name,"
        ~ " count(*) as failing_rows from " ~ model ~ " as child left join " ~ ref(relationship.to) ~ " as parent"
        ~ " on " ~ child ~ " = " ~ parent ~ " where " ~ child ~ " is not null and " ~ parent ~ " is null") -%}
{%- endfor -%}

{%- if not failures -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": no rule given") }}
{%- endif %}

with

{% if row_rules -%}
row_counts as (

    select
        {%- for rule, column, broken in row_rules %}
        sum(case when {{ broken }} then 1 else 0 end) as failing_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),
{%- endif %}

failures as (

    {{ failures | join('\n    union all\n    ') }}

)

select rule, column_name, failing_rows
from failures
where failing_rows > 0

{% endtest %}

