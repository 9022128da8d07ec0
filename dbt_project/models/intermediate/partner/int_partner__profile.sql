{#-
    One row per partner (partner_id of int_partner__crosswalk): the attributes of each system's primary record of
    the partner (int_partner__system_records) side by side, and how the partner was resolved. dim_partner picks the
    best system's value of each. The systems and their identity columns come from partner_record_sources() (declared
    beside each contract). Personal data stays in staging: the channel manager is carried only as its pseudonym.
-#}
{%- set sources = partner_record_sources() %}
with

crosswalk as (

    select * from {{ ref('int_partner__crosswalk') }}

),

system_records as (

    select * from {{ ref('int_partner__system_records') }}

),

partners as (

    select
        partner_id,
        max(anchor_node_id) as anchor_node_id,
        max(case when node_id = anchor_node_id then source_system end) as anchor_source_system,
        max(case when node_id = anchor_node_id then source_record_id end) as anchor_record_id,
        count(*) as source_record_count,
        count(distinct source_system) as source_system_count,
        max(case when is_duplicate_candidate then 1 else 0 end) = 1 as has_duplicate_records,
        min(match_confidence) as min_match_confidence
    from crosswalk
    group by partner_id

),

pivoted as (

    select
        partner_id,
        {%- for system in sources | map(attribute='system') %}
        max(case when source_system = '{{ system }}' then primary_record_id end) as {{ system }}_primary_id,
        coalesce(max(case when source_system = '{{ system }}' then record_count end), 0) as {{ system }}_record_count,
        max(case when source_system = '{{ system }}' then record_ids end) as {{ system }}_record_ids{{ ',' if not loop.last }}
        {%- endfor %}
    from system_records
    group by partner_id

),

source_ids as (

    select
        partner_id,
        {{ dbt.listagg(dbt.concat(['source_system', "':'", 'source_record_id']), "'|'", 'order by system_rank, source_record_id') }}
            as source_record_ids
    from crosswalk
    group by partner_id

),

users as (

    select * from {{ ref('stg_crm__user') }}

),

joined as (

    select
        partners.partner_id,
        partners.anchor_node_id,
        partners.anchor_source_system,
        partners.anchor_record_id,
        partners.source_record_count,
        partners.source_system_count,
        partners.has_duplicate_records,
        partners.min_match_confidence,
        {%- for source in sources %}
        pivoted.{{ source.system }}_primary_id,
        pivoted.{{ source.system }}_record_count,
        pivoted.{{ source.system }}_record_ids,
        {%- endfor %}
        source_ids.source_record_ids,
        {%- for source in sources %}

        {{ source.system }}.{{ source.name }} as {{ source.system }}_name,
        {{ source.system }}.{{ source.name }}_normalized as {{ source.system }}_name_normalized,
        {{ source.system }}.{{ source.country }} as {{ source.system }}_country_code,
        {%- if source.website %}
        {{ source.system }}.{{ source.website }} as {{ source.system }}_website,
        {%- endif %}
        case when not {{ source.system }}.is_free_mail_domain then {{ source.system }}.web_domain end
            as {{ source.system }}_web_domain,
        {%- endfor %}

        -- Attributes only one system holds.
        prm.partner_type,
        crm.account_type as crm_account_type,
        prm.program_level,
        prm.partner_status,
        prm.contract_start_date,
        prm.contract_end_date,
        prm.last_verified_at,
        crm.industry,
        crm.employee_count,
        finance.currency_code as finance_currency_code,
        finance.is_inactive as is_finance_inactive,

        -- The channel account manager is a person: only the pseudonym of their e-mail (PRM, else the CRM account
        -- owner's) leaves staging.
        {{ pseudonymize('coalesce(prm.channel_manager_email, owners.email)') }} as channel_manager_key

    from partners
    inner join pivoted on partners.partner_id = pivoted.partner_id
    inner join source_ids on partners.partner_id = source_ids.partner_id
    {%- for source in sources %}
    left join {{ ref(source.model) }} as {{ source.system }}
        on pivoted.{{ source.system }}_primary_id = {{ source.system }}.{{ source.record_id }}
    {%- endfor %}
    left join users as owners on crm.owner_user_id = owners.user_id

)

select * from joined
