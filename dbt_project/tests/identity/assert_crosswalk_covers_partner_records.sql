{#-
    Nothing disappears between staging and the crosswalk. Returns a row per violation:
    - a staging partner record (every PRM partner, LMS organisation and finance entity; CRM accounts flagged or typed
      as partners or holding a PRM id; marketing companies flagged is_partner or holding a PRM id) missing from
      int_partner__source_records;
    - a source record of scope `partner` that is not in the crosswalk exactly once (a `candidate` at most once, an
      `internal` record never);
    - a crosswalk row with no staging record behind it;
    - per system, a count of crosswalk rows that differs from the source records it should hold.
-#}
with

staging_records as (

    select 'prm' as source_system, prm_partner_id as source_record_id, true as is_flagged
    from {{ ref('stg_prm__partner') }}
    union all
    select
        'crm', account_id,
        coalesce(is_partner, false) or account_type in ('Partner', 'Reseller', 'Distributor')
        or lower(account_type) like '%partner%' or prm_partner_id is not null
    from {{ ref('stg_crm__account') }}
    union all
    select 'lms', organization_id, true
    from {{ ref('stg_lms__organization') }}
    union all
    select 'marketing', company_id, coalesce(is_partner, false) or prm_partner_id is not null
    from {{ ref('stg_marketing__company') }}
    union all
    select 'finance', entity_id, true
    from {{ ref('stg_finance__entity') }}

),

source_records as (

    select * from {{ ref('int_partner__source_records') }}

),

crosswalk_counts as (

    select source_system, source_record_id, count(*) as crosswalk_rows
    from {{ ref('int_partner__crosswalk') }}
    group by source_system, source_record_id

),

missing_from_source_records as (

    select staging_records.source_system, staging_records.source_record_id, 'not in int_partner__source_records' as problem
    from staging_records
    left join source_records
        on staging_records.source_system = source_records.source_system
        and staging_records.source_record_id = source_records.source_record_id
    where staging_records.is_flagged and source_records.node_id is null

),

wrong_crosswalk_rows as (

    select
        source_records.source_system,
        source_records.source_record_id,
        {{ dbt.concat(["'scope '", 'source_records.scope', "' with '",
                       dbt.cast('coalesce(crosswalk_counts.crosswalk_rows, 0)', api.Column.translate_type('string')),
                       "' crosswalk rows'"]) }} as problem
    from source_records
    left join crosswalk_counts
        on source_records.source_system = crosswalk_counts.source_system
        and source_records.source_record_id = crosswalk_counts.source_record_id
    where (source_records.scope = 'partner' and coalesce(crosswalk_counts.crosswalk_rows, 0) <> 1)
        or (source_records.scope = 'candidate' and coalesce(crosswalk_counts.crosswalk_rows, 0) > 1)
        or (source_records.scope = 'internal' and coalesce(crosswalk_counts.crosswalk_rows, 0) > 0)

),

crosswalk_without_staging as (

    select crosswalk_counts.source_system, crosswalk_counts.source_record_id, 'no staging record' as problem
    from crosswalk_counts
    left join staging_records
        on crosswalk_counts.source_system = staging_records.source_system
        and crosswalk_counts.source_record_id = staging_records.source_record_id
    where staging_records.source_record_id is null

),

expected_counts as (

    select source_system, count(*) as expected_rows
    from source_records
    where scope = 'partner'
    group by source_system

),

actual_counts as (

    select crosswalk.source_system, count(*) as actual_rows
    from {{ ref('int_partner__crosswalk') }} as crosswalk
    inner join source_records
        on crosswalk.source_system = source_records.source_system
        and crosswalk.source_record_id = source_records.source_record_id
    where source_records.scope = 'partner'
    group by crosswalk.source_system

),

count_mismatches as (

    select
        expected_counts.source_system,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        'crosswalk count differs from source records' as problem
    from expected_counts
    left join actual_counts on expected_counts.source_system = actual_counts.source_system
    where coalesce(actual_counts.actual_rows, 0) <> expected_counts.expected_rows

)

select * from missing_from_source_records
union all
select * from wrong_crosswalk_rows
union all
select * from crosswalk_without_staging
union all
select * from count_mismatches
