{#-
    Cross-system conflicts, one row per finding:
    - tier_mismatch / country_mismatch / name_mismatch: the same partner (partner_id) with a different value in the
      PRM, the CRM and finance, compared on each system's primary record (int_partner__system_records). The
      reference is the PRM value (the program's system of record), else the CRM's; one finding per other system
      whose value is present and differs. Names compare on their normalized matching keys and count as a conflict
      only when not similar (identity_names_similar): spelling variants are not conflicts.
    - status_mismatch: active in the PRM while finance marks the entity inactive.
    - sourced_without_registration: a closed-won CRM opportunity that carries a deal registration id (the CRM counts
      it as partner-sourced) while the PRM has no approved registration converted into it ("inconsistent definitions").
-#}
with

system_records as (

    select partner_id, source_system, primary_record_id
    from {{ ref('int_partner__system_records') }}
    where source_system in ('prm', 'crm', 'finance')

),

attributes as (

    select
        system_records.partner_id,
        system_records.source_system,
        system_records.primary_record_id,
        case system_records.source_system when 'prm' then 1 when 'crm' then 2 else 3 end as system_rank,
        records.partner_tier as tier,
        records.country_code,
        records.record_name,
        {{ identity_name_key('records.name_normalized') }} as name_key,
        records.partner_status as status
    from system_records
    left join {{ ref('int_partner__record_attributes') }} as records
        on system_records.source_system = records.source_system
        and system_records.primary_record_id = records.source_record_id

),

{%- set fields = [
    ('tier', 'tier', "in ('prm', 'crm')", 'high'),
    ('country', 'country_code', "in ('prm', 'crm', 'finance')", 'medium'),
    ('name', 'name_key', "in ('prm', 'crm', 'finance')", 'low'),
    ('status', 'status', "in ('prm', 'finance')", 'medium'),
] %}

{% for field, column, systems, severity in fields %}
{{ field }}_reference as (

    select partner_id, source_system, primary_record_id, {{ column }} as reference_value, record_name
    from (
        select
            attributes.*,
            row_number() over (partition by partner_id order by system_rank) as reference_rank
        from attributes
        where source_system {{ systems }}
            and {{ column }} is not null
    ) as ranked
    where reference_rank = 1

),

{{ field }}_mismatch as (

    select
        {{ audit_finding(
            "'conflict'", "'" ~ field ~ "_mismatch'", "'" ~ severity ~ "'", 'attributes.source_system',
            "case attributes.source_system when 'prm' then 'partner' when 'crm' then 'account' else 'entity' end",
            'attributes.primary_record_id', 'attributes.partner_id', "'" ~ column ~ "'",
            dbt.concat([
                'reference.source_system', "'='", ('reference.record_name' if field == 'name' else 'reference.reference_value'),
                "' vs '", 'attributes.source_system', "'='", ('attributes.record_name' if field == 'name' else 'attributes.' ~ column)
            ]),
            'reference.primary_record_id',
            dbt.concat(["'" ~ field ~ " differs from the '", 'reference.source_system', "' record'"])
        ) }}
    from attributes
    inner join {{ field }}_reference as reference
        on attributes.partner_id = reference.partner_id
        and attributes.source_system <> reference.source_system
    where attributes.source_system {{ systems }}
        and attributes.{{ column }} is not null
        and attributes.{{ column }} <> reference.reference_value
        {%- if field == 'name' %}
        and not {{ identity_names_similar('attributes.name_key', 'reference.reference_value') }}
        {%- elif field == 'status' %}
        and reference.reference_value = 'active'
        and attributes.{{ column }} = 'inactive'
        {%- endif %}

),
{% endfor %}

approved_conversions as (

    select distinct converted_opportunity_id
    from {{ ref('fct_deal_registration') }}
    where is_approved
        and converted_opportunity_id is not null

),

-- The primary partner of each opportunity (the partner on it flagged primary, resolved through the crosswalk).
primary_partners as (

    select
        opportunity_id,
        max(partner_id) as partner_id
    from {{ ref('int_revenue__partner_touches') }}
    where touch_kind = 'opportunity_partner'
        and is_primary_partner
        and partner_id is not null
    group by opportunity_id

),

sourced_without_registration as (

    select
        {{ audit_finding(
            "'conflict'", "'sourced_without_registration'", "'high'", "'crm'", "'opportunity'",
            'opportunities.opportunity_id', 'primary_partners.partner_id', "'deal_registration_id'",
            'opportunities.deal_registration_id', 'opportunities.deal_registration_id',
            "'closed-won, partner-sourced in the CRM, no approved PRM registration converted into it'"
        ) }}
    from {{ ref('int_revenue__opportunities') }} as opportunities
    left join approved_conversions on opportunities.opportunity_id = approved_conversions.converted_opportunity_id
    left join primary_partners on opportunities.opportunity_id = primary_partners.opportunity_id
    where opportunities.is_won
        and opportunities.deal_registration_id is not null
        and approved_conversions.converted_opportunity_id is null

),

final as (

    {% for field, column, systems, severity in fields %}
    select * from {{ field }}_mismatch
    union all
    {% endfor %}
    select * from sourced_without_registration

)

select * from final
