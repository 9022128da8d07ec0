-- Completeness per source system, table and field: the share of the table's records holding a value, discounted
-- by the share of delivered rows the contract quarantined, with the field's impact weight and weighted gap.
with

field_counts as (

    select * from {{ ref('int_completeness__field_counts') }}

),

weights as (

    select
        source_system,
        table_name,
        field_name,
        impact_area,
        impact_weight
    from {{ field_impact_weights_relation() }}

),

-- One rejected source row can break several rules: count rows (file and line), not rule breaches.
quarantined as (

    select
        system as source_system,
        entity as table_name,
        count(distinct {{ dbt.concat(['source_file', "'|'", dbt.safe_cast('source_line', dbt.type_string())]) }})
            as quarantined_row_count
    from {{ source('ops', 'quarantine') }}
    group by system, entity

),

measured as (

    select
        field_counts.source_system,
        field_counts.table_name,
        field_counts.field_name,
        weights.impact_area,
        weights.impact_weight,
        field_counts.row_count,
        field_counts.filled_count,
        field_counts.raw_row_count,
        coalesce(quarantined.quarantined_row_count, 0) as quarantined_row_count
    from field_counts
    inner join weights
        on field_counts.source_system = weights.source_system
        and field_counts.table_name = weights.table_name
        and field_counts.field_name = weights.field_name
    left join quarantined
        on field_counts.source_system = quarantined.source_system
        and field_counts.table_name = quarantined.table_name

),

shares as (

    select
        measured.*,
        case
            when row_count > 0 then cast(filled_count as double) / row_count
        end as filled_share,
        case
            when raw_row_count + quarantined_row_count > 0
                then cast(raw_row_count as double) / (raw_row_count + quarantined_row_count)
        end as valid_row_share
    from measured

),

-- Every delivered row quarantined (no records): nothing usable, complete to 0.
scored as (

    select
        shares.*,
        case when row_count = 0 then valid_row_share else filled_share * valid_row_share end as completeness
    from shares

),

final as (

    select
        source_system,
        table_name,
        field_name,
        impact_area,
        cast(impact_weight as double) as impact_weight,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(filled_count as {{ dbt.type_bigint() }}) as filled_count,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count,
        cast(quarantined_row_count as {{ dbt.type_bigint() }}) as quarantined_row_count,
        round(filled_share, 6) as filled_share,
        round(valid_row_share, 6) as valid_row_share,
        round(completeness, 6) as completeness,
        round(1 - completeness, 6) as completeness_gap,
        round(impact_weight * (1 - completeness), 6) as weighted_gap,
        {{ as_of_date_sql() }} as as_of_date
    from scored

)

select * from final
