{#-
    One row per partner and source system: how many records of that system resolved to the partner, all their ids,
    and the primary one, the record dim_partner takes that system's attributes from: the anchor when it is of
    this system, else the most strongly matched record, then the most recently updated, then the smallest id.
-#}
with

crosswalk as (

    select * from {{ ref('int_partner__crosswalk') }}

),

ranked as (

    select
        crosswalk.*,
        row_number() over (
            partition by partner_id, source_system
            order by
                case when node_id = anchor_node_id then 0 else 1 end,
                match_confidence desc,
                record_updated_at desc,
                source_record_id asc
        ) as record_rank
    from crosswalk

),

final as (

    select
        partner_id,
        source_system,
        max(case when record_rank = 1 then source_record_id end) as primary_record_id,
        count(*) as record_count,
        {{ dbt.listagg('source_record_id', "'|'", 'order by source_record_id') }} as record_ids
    from ranked
    group by partner_id, source_system

)

select * from final
