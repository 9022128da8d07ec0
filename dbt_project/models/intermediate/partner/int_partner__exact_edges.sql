{#-
    Exact-evidence match edges between partner records (stage 1 of matching; one row per evidence and pair, the
    pair keeps its strongest in int_partner__match_edges):

    shared_external_id  both records hold the same PRM id, CRM account id, DUNS number or tax id. A record's own
                        id counts: the CRM account id stored in the PRM meets the CRM account itself. A value held by
                        more than identity_max_id_group records is a placeholder and ignored.
    web_domain          the same normalized web domain (free-mail domains were blanked in source_records), unless
                        the domain is crowded: more than identity_max_per_system partner records of one system hold it

    Guards against over-merging:
    - a DUNS / tax id or domain edge is dropped when the two records hold conflicting strong evidence
      (identity_conflict: different PRM ids, CRM account ids, DUNS or tax ids);
    - two records of the same system sharing a domain must be in the same country (when both say) and have
      similar names (identity_names_similar), so two departments sharing a company's domain are not called
      duplicates;
    - a `candidate` (a marketing company or finance entity of unknown partner status) must have the same name key
      as the partner record it meets on a domain, or its leading words ("sharma" / "sharma partners"): customers
      often own a partner's stem domain ("weiss.com") and add words ("weiss hospital"); two candidates prove
      nothing about each other.
-#}
{%- set max_per_system = identity_setting('identity_max_per_system') -%}
{%- set max_id_group = identity_setting('identity_max_id_group') -%}

with

records as (

    select * from {{ ref('int_partner__source_records') }}
    where scope in ('partner', 'candidate')

),

-- ------------------------------------------------------------------------------------------ shared external ids
claims as (

    select node_id, 'prm_partner_id' as id_kind, prm_partner_ref as id_value from records
    where prm_partner_ref is not null
    union all
    select node_id, 'crm_account_id', crm_account_ref from records
    where crm_account_ref is not null
    union all
    select node_id, 'duns_number', duns_number from records
    where duns_number is not null
    union all
    select node_id, 'tax_id', tax_id from records
    where tax_id is not null

),

usable_ids as (

    select id_kind, id_value
    from claims
    group by id_kind, id_value
    having count(*) between 2 and {{ max_id_group }}

),

id_pairs as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        a.id_kind,
        a.id_value
    from claims as a
    inner join usable_ids
        on a.id_kind = usable_ids.id_kind
        and a.id_value = usable_ids.id_value
    inner join claims as b
        on a.id_kind = b.id_kind
        and a.id_value = b.id_value
        and a.node_id < b.node_id

),

id_edges as (

    select
        id_pairs.node_id_a,
        id_pairs.node_id_b,
        'shared_external_id' as match_rule,
        case when id_pairs.id_kind in ('prm_partner_id', 'crm_account_id') then 0.99 else 0.97 end as match_confidence,
        {{ dbt.concat(['id_pairs.id_kind', "'='", 'id_pairs.id_value']) }} as evidence
    from id_pairs
    inner join records as a on id_pairs.node_id_a = a.node_id
    inner join records as b on id_pairs.node_id_b = b.node_id
    -- A shared PRM or CRM id is the records' own word; a shared DUNS / tax id must not contradict them.
    where id_pairs.id_kind in ('prm_partner_id', 'crm_account_id')
        or not {{ identity_conflict('a', 'b') }}

),

-- ------------------------------------------------------------------------------------------ web domain
crowded_domains as (

    -- distinct: a domain crowded in several systems is one crowded domain
    select distinct web_domain  -- noqa: AM01
    from records
    where web_domain is not null and scope = 'partner'
    group by web_domain, source_system
    having count(*) > {{ max_per_system }}

),

-- Crowded domains leave before the pairs are formed: a domain block then holds at most identity_max_per_system
-- records of each system, so its pairs do not grow with the data (a hosting domain held by thousands would).
domain_records as (

    select records.*
    from records
    left join crowded_domains
        on records.web_domain = crowded_domains.web_domain
    where records.web_domain is not null
        and crowded_domains.web_domain is null

),

domain_edges as (

    select
        a.node_id as node_id_a,
        b.node_id as node_id_b,
        'web_domain' as match_rule,
        0.9 as match_confidence,
        {{ dbt.concat(["'web_domain='", 'a.web_domain']) }} as evidence
    from domain_records as a
    inner join domain_records as b
        on a.web_domain = b.web_domain
        and a.node_id < b.node_id
    where not (a.scope = 'candidate' and b.scope = 'candidate')
        and not {{ identity_conflict('a', 'b') }}
        and case
            -- A candidate must have the same name or the other's leading words ("sharma" / "sharma partners"):
            -- a customer often owns a partner's stem domain, and then adds words ("weiss hospital" / "weiss").
            when a.scope = 'candidate' and b.scope = 'partner'
                then coalesce({{ names_compatible('a.name_key', 'b.name_key') }} and length(a.name_key) <= length(b.name_key), false)
            when b.scope = 'candidate' and a.scope = 'partner'
                then coalesce({{ names_compatible('a.name_key', 'b.name_key') }} and length(b.name_key) <= length(a.name_key), false)
            when a.source_system <> b.source_system then true
            else {{ identity_names_similar('a.name_key', 'b.name_key') }}
        end
        -- One company's records in two countries are two legal entities, not a duplicate.
        and (a.source_system <> b.source_system or coalesce(a.country_code = b.country_code, true))

),

final as (

    select * from id_edges
    union all
    select * from domain_edges

)

select * from final
