{#-
    The model has at most one row per key (one or more columns): staging keeps the latest version of every record.
    Returns the keys that repeat, with how often.
-#}
{% test at_most_one_row_per_key(model, key_columns) %}
    select
        {{ key_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ key_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
