{#-
    True when two partner records (aliases `a` and `b` of int_partner__source_records) carry conflicting strong
    evidence: both hold a PRM id, a CRM account id, a DUNS number or a tax id, and the two values differ. A weak
    edge (shared domain, name) between such records is not trusted. A system's own id (the PRM id of two PRM
    records, the account id of two CRM accounts) always differs within that system, so it only counts across
    systems.
-#}
{% macro identity_conflict(a, b) -%}
    (
        coalesce({{ a }}.prm_partner_ref <> {{ b }}.prm_partner_ref
            and not ({{ a }}.source_system = 'prm' and {{ b }}.source_system = 'prm'), false)
        or coalesce({{ a }}.crm_account_ref <> {{ b }}.crm_account_ref
            and not ({{ a }}.source_system = 'crm' and {{ b }}.source_system = 'crm'), false)
        or coalesce({{ a }}.duns_number <> {{ b }}.duns_number, false)
        or coalesce({{ a }}.tax_id <> {{ b }}.tax_id, false)
    )
{%- endmacro %}


{#- True when both records have a web domain and the domains differ: two companies, whatever their names say. -#}
{% macro identity_domain_conflict(a, b) -%}
    coalesce({{ a }}.web_domain <> {{ b }}.web_domain, false)
{%- endmacro %}
