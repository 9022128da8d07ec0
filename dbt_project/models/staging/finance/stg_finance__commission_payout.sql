with

source as (

    select {{ source_columns('finance', 'commission_payout') }}
    from {{ source('finance', 'commission_payout') }}

),

renamed as (

    select
        -- ids
        {{ normalize_numeric_id('payout_id') }} as commission_payout_id,
        {{ normalize_numeric_id('entity_id') }} as entity_id,
        {{ sfdc_id_18('opportunity_id') }} as opportunity_id,

        -- attributes
        amount,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,

        -- dates
        paid_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- Payouts are not edited and have no version column: a re-delivered payout is the same payout.
latest as (

    {{ latest_version('renamed', ['commission_payout_id']) }}

),

final as (

    select
        latest.commission_payout_id,
        latest.entity_id,
        latest.opportunity_id,
        latest.amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.paid_date,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias

)

select * from final
