with

source as (

    select {{ source_columns('finance', 'rebate_accrual') }}
    from {{ source('finance', 'rebate_accrual') }}

),

renamed as (

    select
        -- ids
        {{ normalize_numeric_id('accrual_id') }} as rebate_accrual_id,
        {{ normalize_numeric_id('entity_id') }} as entity_id,

        -- attributes
        {{ clean_text('period') }} as accounting_period,
        {{ dbt.safe_cast(dbt.concat(["trim(period)", "'-01'"]), 'date') }} as period_start_date,
        amount,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,
        {{ canonical_code('status', contract_allowed_values('finance', 'rebate_accrual', 'status')) }} as accrual_status,

        -- dates
        accrued_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- No version column in the export: the latest load of an accrual wins.
latest as (

    {{ latest_version('renamed', ['rebate_accrual_id']) }}

),

final as (

    select
        latest.rebate_accrual_id,
        latest.entity_id,
        latest.accounting_period,
        latest.period_start_date,
        latest.amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.accrual_status,
        latest.accrued_date,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias

)

select * from final
