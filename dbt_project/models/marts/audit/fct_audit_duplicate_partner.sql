{#-
    Duplicate partner records: records of one system that identity resolution put on the same partner_id
    (int_partner__crosswalk.is_duplicate_candidate), grouped by duplicate_group_id. Each cluster suggests a
    surviving record: the most complete (identity fields filled: name, country, web domain, cross-system
    references, DUNS / tax id, tier), then the most recently verified (PRM) or updated, then the strongest match.
    One finding per non-surviving record; related_record_id is the suggested survivor.
-#}
with

crosswalk as (

    select *
    from {{ ref('int_partner__crosswalk') }}
    where is_duplicate_candidate
        and scope = 'partner'

),

records as (

    select * from {{ ref('int_partner__source_records') }}

),

tiers as (

    select source_system, source_record_id, partner_tier, verified_at
    from {{ ref('int_partner__record_attributes') }}
    where source_system in ('prm', 'crm')

),

scored as (

    select
        crosswalk.source_system,
        crosswalk.source_record_id,
        crosswalk.partner_id,
        crosswalk.duplicate_group_id,
        crosswalk.match_confidence,
        {{ is_filled_flag('records.record_name') }}
        + {{ is_filled_flag('records.country_code') }}
        + {{ is_filled_flag('records.web_domain') }}
        + {{ is_filled_flag('records.prm_partner_ref') }}
        + {{ is_filled_flag('records.crm_account_ref') }}
        + {{ is_filled_flag('records.duns_number') }}
        + {{ is_filled_flag('records.tax_id') }}
        + {{ is_filled_flag('tiers.partner_tier') }} as filled_fields,
        coalesce(tiers.verified_at, records.record_updated_at) as verified_or_updated_at
    from crosswalk
    inner join records on crosswalk.node_id = records.node_id
    left join tiers
        on crosswalk.source_system = tiers.source_system
        and crosswalk.source_record_id = tiers.source_record_id

),

ranked as (

    select
        scored.*,
        row_number() over (
            partition by duplicate_group_id
            order by filled_fields desc, verified_or_updated_at desc, match_confidence desc, source_record_id asc
        ) as survivor_rank,
        count(*) over (partition by duplicate_group_id) as cluster_size
    from scored

),

survivors as (

    select duplicate_group_id, source_record_id as surviving_record_id, filled_fields as surviving_filled_fields
    from ranked
    where survivor_rank = 1

),

final as (

    select
        {{ audit_finding(
            "'duplicate'", "'duplicate_partner_record'", "'high'", 'ranked.source_system',
            "case ranked.source_system when 'prm' then 'partner' when 'crm' then 'account' when 'finance' then 'entity' "
            ~ "when 'marketing' then 'company' else 'organization' end",
            'ranked.source_record_id', 'ranked.partner_id', "'duplicate_group_id'", 'ranked.duplicate_group_id',
            'survivors.surviving_record_id',
            dbt.concat([
                "'cluster of '", dbt.safe_cast('ranked.cluster_size', dbt.type_string()),
                "' records; keep '", 'survivors.surviving_record_id',
                "' ('", dbt.safe_cast('survivors.surviving_filled_fields', dbt.type_string()),
                "' fields filled vs '", dbt.safe_cast('ranked.filled_fields', dbt.type_string()), "')'"
            ])
        ) }}
    from ranked
    inner join survivors on ranked.duplicate_group_id = survivors.duplicate_group_id
    where ranked.survivor_rank > 1

)

select * from final
