{#-
    Orphans: records that reference a partner, user or entity no system knows, one row per finding. Each check
    looks the reference up in the system it belongs to (its staging table, deleted rows out): CRM opportunity
    partners -> accounts, PRM deal registrations / MDF requests / portal events -> PRM partners, LMS enrolments and
    certifications -> LMS users, finance payouts / rebate accruals / MDF disbursements -> finance entities.
    triggering_value is the unknown reference; a reference to a person (an LMS user id) is given as its pseudonym
    (`pseudonymize`, README "Privacy"): the finding's source_record_id leads a data owner to the record.
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
{%- set value = pseudonymize('referencing.' ~ reference) if reference in person_references
                 else 'referencing.' ~ reference %}
{{ system }}_{{ entity }} as (

    select
        {{ audit_finding(
            "'orphan'", "'unknown_reference'", "'" ~ severity ~ "'", "'" ~ system ~ "'", "'" ~ entity ~ "'",
            'referencing.' ~ key, 'null', "'" ~ reference ~ "'", value, 'null',
            "'references a " ~ target_key ~ " unknown to " ~ target ~ "'"
        ) }}
    from {{ ref(model) }} as referencing
    where referencing.{{ reference }} is not null
        and not exists (
            select 1
            from {{ ref(target) }} as known
            where known.{{ target_key }} = referencing.{{ reference }}
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
