{#-
    Attribution credits of every opportunity sum exactly to its amount, under every attribution model
    (DESIGN.md invariant). Compares, per key and model, the sum of `credit_column` with `amount_column` of the
    same key in `amount_model` (exact decimal equality; both null passes), and returns also every key that lacks
    one of the models the table holds. Returns the failing rows.
-#}
{% test credits_sum_to_amount(model, credit_column, amount_model, amount_column, key_column='opportunity_id',
                              group_column='attribution_model') %}

with

credits as (

    select
        {{ key_column }} as credit_key,
        {{ group_column }} as credit_group,
        sum({{ credit_column }}) as credit_total
    from {{ model }}
    group by {{ key_column }}, {{ group_column }}

),

amounts as (

    select {{ key_column }} as credit_key, {{ amount_column }} as amount
    from {{ amount_model }}

),

mismatches as (

    select credits.credit_key, credits.credit_group, credits.credit_total, amounts.amount
    from credits
    left join amounts on credits.credit_key = amounts.credit_key
    where not (
        credits.credit_total = amounts.amount
        or (credits.credit_total is null and amounts.amount is null)
    )

),

group_count as (

    select count(distinct credit_group) as groups from credits

),

missing_groups as (

    select credits.credit_key, cast(null as {{ dbt.type_string() }}) as credit_group,
        cast(count(*) as {{ dbt.type_numeric() }}) as credit_total, cast(null as {{ dbt.type_numeric() }}) as amount
    from credits
    cross join group_count
    group by credits.credit_key, group_count.groups
    having count(*) <> group_count.groups

)

select credit_key, credit_group, cast(credit_total as {{ dbt.type_numeric() }}) as credit_total,
    cast(amount as {{ dbt.type_numeric() }}) as amount
from mismatches
union all
select * from missing_groups

{% endtest %}
