{#-
    Unknown references, one row per record that references a partner, user or entity no system knows: each check
    looks the reference up in the system it belongs to (its staging table, deleted rows out): CRM opportunity
    partners -> accounts, PRM deal registrations / MDF requests / portal events -> PRM partners, LMS enrolments and
    certifications -> LMS users, finance payouts / rebate accruals / MDF disbursements -> finance entities.
    A reference to a person (an LMS user id) is given as its pseudonym (`pseudonymize`, README "Privacy").
    fct_audit_orphan publishes them as audit findings.
-#}
{%- set checks = [
    ('crm', 'opportunity_partner', 'stg_crm__opportunity_partner', 'opportunity_partner_id', 'partner_account_id',
     'stg_crm__account', 'account_id', 'high'),
    ('prm', 'deal_registration', 'stg_prm__deal_registration', 'deal_registration_id', 'prm_partner_id',
     'stg_prm__partner', 'prm_partner_id', 'high'),
    ('prm', 'mdf_request', 'stg_prm__mdf_request', 'mdf_request_id', 'prm_partner_id',
     'stg_prm__partner', 'prm_partner_id', 'high'),
    ('prm', 'portal_activity', 'stg_prm__portal_activity', 'portal_event_id', 'prm_partner_id',
     'stg_prm__partner', 'prm_partner_id', 'low'),
    ('lms', 'enrollment', 'stg_lms__enrollment', 'enrollment_id', 'user_id', 'stg_lms__user', 'user_id', 'medium'),
    ('lms', 'certification', 'stg_lms__certification', 'certification_record_id', 'user_id',
     'stg_lms__user', 'user_id', 'medium'),
    ('finance', 'commission_payout', 'stg_finance__commission_payout', 'commission_payout_id', 'entity_id',
     'stg_finance__entity', 'entity_id', 'high'),
    ('finance', 'rebate_accrual', 'stg_finance__rebate_accrual', 'rebate_accrual_id', 'entity_id',
     'stg_finance__entity', 'entity_id', 'high'),
    ('finance', 'mdf_disbursement', 'stg_finance__mdf_disbursement', 'mdf_disbursement_id', 'entity_id',
     'stg_finance__entity', 'entity_id', 'high'),
] %}
{#- References whose value identifies a person (data_contracts: pii person_identifier). -#}
{%- set person_references = ['user_id'] %}
with

{% for system, entity, model, key, reference, target, target_key, severity in checks %}
{%- set value = pseudonymize('records.' ~ reference) if reference in person_references
                 else 'records.' ~ reference %}
{{ system }}_{{ entity }} as (

    select
        '{{ system }}' as source_system,
        '{{ entity }}' as source_table,
        cast(records.{{ key }} as {{ dbt.type_string() }}) as source_record_id,
        '{{ reference }}' as reference_field,
        cast({{ value }} as {{ dbt.type_string() }}) as reference_value,
        '{{ target }}' as target_model,
        '{{ target_key }}' as target_key,
        '{{ severity }}' as severity
    from {{ ref(model) }} as records
    where records.{{ reference }} is not null
        and not exists (
            select 1
            from {{ ref(target) }} as known
            where records.{{ reference }} = known.{{ target_key }}
        )

),

{% endfor %}
final as (

    {% for system, entity, model, key, reference, target, target_key, severity in checks %}
    select * from {{ system }}_{{ entity }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
