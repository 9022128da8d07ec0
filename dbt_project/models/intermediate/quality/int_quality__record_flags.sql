{#-
    Every record that passed the contracts but cannot be right, one row per record, rule and field: unknown codes
    (int_quality__code_flags) and the revenue rules (int_quality__revenue_flags). docs/data-quality.md lists the
    rules, and which problems quarantine a row instead. fct_data_quality_flag, the has_data_issue columns of the
    revenue facts and the audit's data_quality findings read this model.
-#}
with

unioned as (

    select * from {{ ref('int_quality__code_flags') }}
    union all
    select * from {{ ref('int_quality__revenue_flags') }}

),

final as (

    select
        flag_id,
        {{ quality_flag_columns() }},
        _source_file,
        _source_line
    from unioned

)

select * from final
