{#-
    Every record that passed the contracts but cannot be right (int_quality__record_flags), one row per record, rule
    and field, with the file and line it came from: what an analyst filters out or a data owner fixes.
    docs/data-quality.md says which problems quarantine a row and which load and are flagged here.
-#}
with

flags as (

    select * from {{ ref('int_quality__record_flags') }}

),

final as (

    select
        flag_id,
        {{ quality_flag_columns() }},
        {{ revenue_as_of_date() }} as as_of_date,
        _source_file,
        cast(_source_line as bigint) as _source_line
    from flags

)

select * from final
