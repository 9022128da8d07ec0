{#-
    Every partner record of every system (PARTNER_RECORD in data_contracts/<system>.py, rendered into
    partner_record_sources()), in one shape, with the keys identity resolution matches on.

    Scope (see the yml): the PRM is all partners; CRM accounts flagged or typed as partners (or carrying a PRM id);
    every LMS organisation (the LMS has no partner flag; its external reference counts as a PRM or CRM id only
    when it is one some record holds for sure, see unverified_ids in data_contracts/_sources.py); finance entities typed `partner`; marketing companies
    flagged is_partner, or carrying a PRM id. Marketing companies whose is_partner is blank and finance entities of
    other types (vendor, customer) are `candidate`s: they enter the crosswalk only when exact evidence (a shared
    id, a domain and the same name, the same name and country) ties them to a partner record of another system.
    Records on the vendor's own web domain are `internal` (the vendor's staff org in the LMS): not partners, never matched.
-#}
{%- set internal_systems = [] %}
{%- for source in partner_record_sources() if source.vendor_domain_is_internal %}
{%- do internal_systems.append("'" ~ source.system ~ "'") %}
{%- endfor %}
{%- set internal_systems = internal_systems | join(', ') %}
{#- key -> the systems whose claim of it is a guess (unverified_ids): kept only when a sure claim holds the value. -#}
{%- set guessed = {} %}
{%- for source in partner_record_sources() %}
{%- for key in source.external_ids %}
{%- if key in (source.unverified_ids or []) %}
{%- do guessed.update({key: guessed.get(key, []) + ["'" ~ source.system ~ "'"]}) %}
{%- endif %}
{%- endfor %}
{%- endfor %}
with

-- The vendor's own web domain(s): the e-mail domain of at least a fifth of the CRM users (the vendor's staff).
-- An LMS organisation, marketing company or finance entity on it is the vendor itself (its staff's training
-- org, say): scope `internal`, never matched and left out of the crosswalk.
user_domains as (

    select
        {{ email_domain('email') }} as web_domain,
        count(*) as user_count
    from {{ ref('stg_crm__user') }}
    group by 1

),

vendor_domains as (

    select user_domains.web_domain
    from user_domains
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on user_domains.web_domain = free_mail_domains.domain
    where user_domains.web_domain is not null
        and free_mail_domains.domain is null
        and user_domains.user_count >= 0.2 * (select sum(all_domains.user_count) from user_domains as all_domains)

),

{#- One CTE per partner record declared beside its contract (PARTNER_RECORD in data_contracts/<system>.py). -#}
{%- for source in partner_record_sources() %}
{{ source.system }} as (

    select
        '{{ source.system }}' as source_system,
        {{ source.record_id }} as source_record_id,
        {{ source.name }} as record_name,
        {{ source.name }}_normalized as name_normalized,
        {{ source.country }},
        case when not is_free_mail_domain then web_domain end as web_domain,
        {%- for key, expression in source.external_ids.items() %}
        {{ expression or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as {{ key }},
        {%- endfor %}
        {{ source.scope }} as scope,
        {{ source.updated_at }} as record_updated_at
    from {{ ref(source.model) }}
    {%- if source.where %}
    where {{ source.where }}
    {%- endif %}

),
{% endfor %}

unioned as (

    {%- for source in partner_record_sources() %}
    select * from {{ source.system }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}

),

{#- The values of each guessed key that a system holds as a sure claim (its own id, an id field for that purpose). -#}
{%- for key, systems in guessed.items() %}
sure_{{ key }} as (

    select distinct {{ key }} as id_value
    from unioned
    where {{ key }} is not null and source_system not in ({{ systems | join(', ') }})

),
{% endfor %}

final as (

    select
        {{ dbt.concat(['unioned.source_system', "':'", 'unioned.source_record_id']) }} as node_id,
        unioned.source_system,
        unioned.source_record_id,
        {{ identity_system_rank('unioned.source_system') }} as system_rank,
        unioned.record_name,
        unioned.name_normalized,
        {{ identity_name_key('unioned.name_normalized') }} as name_key,
        unioned.country_code,
        unioned.web_domain,
        {%- for key in ['prm_partner_ref', 'crm_account_ref', 'duns_number', 'tax_id'] %}
        {%- if key in guessed %}
        -- A guess counts only when it is an id some system holds for sure ("P-1" or "12345" alike).
        case
            when unioned.source_system not in ({{ guessed[key] | join(', ') }}) or sure_{{ key }}.id_value is not null
                then unioned.{{ key }}
        end as {{ key }},
        {%- else %}
        unioned.{{ key }},
        {%- endif %}
        {%- endfor %}
        case
            when vendor_domains.web_domain is not null and unioned.source_system in ({{ internal_systems }})
                then 'internal'
            else unioned.scope
        end as scope,
        unioned.record_updated_at
    from unioned
    left join vendor_domains on unioned.web_domain = vendor_domains.web_domain
    {%- for key in guessed %}
    left join sure_{{ key }} on unioned.{{ key }} = sure_{{ key }}.id_value
    {%- endfor %}

)

select * from final
