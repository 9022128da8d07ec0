{#-
    One row per partner (partner_id of int_partner__crosswalk): who the partner is, its place in the program, and
    the source records it was resolved from. Each attribute comes from the best system that has it: the PRM (the
    program's system of record), then the CRM, finance, marketing and the LMS, each through its primary record
    (int_partner__system_records). The systems and their identity columns come from partner_record_sources()
    (declared beside each contract); the per-system columns of the published contract are named explicitly below.
-#}
{%- set sources = partner_record_sources() %}
{%- set chain = {'name': [], 'name_normalized': [], 'country_code': [], 'website': [], 'web_domain': []} %}
{%- for source in sources %}
    {%- for column in ['name', 'name_normalized', 'country_code', 'web_domain'] %}
        {%- do chain[column].append(source.system ~ '_' ~ column) %}
    {%- endfor %}
    {%- if source.website %}{% do chain.website.append(source.system ~ '_website') %}{% endif %}
{%- endfor %}
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
        partners.*,
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
        prm.partner_tier as prm_tier,
        crm.partner_tier as crm_tier,
        prm.program_level,
        prm.partner_status,
        prm.contract_start_date,
        prm.contract_end_date,
        prm.last_verified_at,
        crm.industry,
        crm.employee_count,
        finance.currency_code as finance_currency_code,
        finance.is_inactive as is_finance_inactive,

        prm.channel_manager_email as prm_channel_manager_email,
        crm.owner_user_id as crm_owner_user_id

    from partners
    inner join pivoted on partners.partner_id = pivoted.partner_id
    inner join source_ids on partners.partner_id = source_ids.partner_id
    {%- for source in sources %}
    left join {{ ref(source.model) }} as {{ source.system }}
        on pivoted.{{ source.system }}_primary_id = {{ source.system }}.{{ source.record_id }}
    {%- endfor %}

),

final as (

    select
        -- identity
        joined.partner_id,
        coalesce({{ chain.name | join(', ') }}) as partner_name,
        coalesce({{ chain.name_normalized | join(', ') }}) as partner_name_normalized,

        -- firmographics
        coalesce({{ chain.country_code | join(', ') }}) as country_code,
        countries.name as country_name,
        countries.region,
        countries.subregion,
        industry,
        employee_count,
        coalesce({{ chain.website | join(', ') }}) as website,
        coalesce({{ chain.web_domain | join(', ') }}) as web_domain,

        -- relationship
        coalesce(
            partner_type,
            case when crm_account_type in ('Reseller', 'Distributor') then crm_account_type end
        ) as partner_type,
        coalesce(prm_tier, crm_tier) as tier,
        case
            when prm_tier is not null then 'prm'
            when crm_tier is not null then 'crm'
        end as tier_source_system,
        tier_rules.tier_rank,
        program_level,
        partner_status,
        contract_start_date,
        contract_end_date,
        {{ identity_utc_timestamp("last_verified_at") }} as last_verified_at,
        finance_currency_code as billing_currency_code,
        is_finance_inactive,
        -- The channel account manager is a person: only the pseudonym of their e-mail (PRM, else the CRM account
        -- owner's) reaches the mart; name, e-mail and CRM user id stay in staging.
        {{ pseudonymize('coalesce(prm_channel_manager_email, owners.email)') }} as channel_manager_key,

        -- resolution
        anchor_source_system,
        anchor_record_id,
        source_system_count > 1 as is_matched_across_systems,
        -- A system that flags its partners (not only the LMS) knows this partner.
        (
            {%- for source in sources if source.flags_partners %}
            {{ source.system }}_record_count{{ ' +' if not loop.last }}
            {%- endfor %}
        ) > 0 as is_known_partner,
        has_duplicate_records,
        min_match_confidence,
        source_system_count,
        source_record_count,
        -- The published per-system columns (dim_partner's enforced contract): a new system is in
        -- source_record_ids, the counts and the attributes above; a column of its own is a change to the contract.
        prm_primary_id as prm_partner_id,
        crm_primary_id as crm_account_id,
        lms_primary_id as lms_organization_id,
        marketing_primary_id as marketing_company_id,
        finance_primary_id as finance_entity_id,
        prm_record_count,
        crm_record_count,
        lms_record_count,
        marketing_record_count,
        finance_record_count,
        prm_record_ids as prm_partner_ids,
        crm_record_ids as crm_account_ids,
        lms_record_ids as lms_organization_ids,
        marketing_record_ids as marketing_company_ids,
        finance_record_ids as finance_entity_ids,
        source_record_ids

    from joined
    left join {{ ref('countries') }} as countries
        on coalesce({{ chain.country_code | join(', ') }}) = countries.iso2
    left join {{ ref('partner_tier_rules') }} as tier_rules
        on coalesce(prm_tier, crm_tier) = tier_rules.tier
    left join users as owners on joined.crm_owner_user_id = owners.user_id

)

select * from final
