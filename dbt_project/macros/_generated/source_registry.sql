{#-
    Generated from the source declarations (PEOPLE, PARTNER_RECORD in data_contracts/<system>.py), the staging
    models yml and seeds/field_impact_weights.csv by `python -m data_contracts._dbt --write`: do not edit by hand.
    tests/test_dbt_sources_sync.py fails when this file and the declarations disagree.
-#}

{#- Every source system, in identity preference order, then by name. -#}
{% macro source_systems() -%}
    {{ return([
        'prm',
        'crm',
        'finance',
        'marketing',
        'lms'
    ]) }}
{%- endmacro %}

{#- Per system with a partner record, in identity preference order: its staging model and identity columns. -#}
{% macro partner_record_sources() -%}
    {{ return([
        {
            'system': 'prm',
            'model': 'stg_prm__partner',
            'record_id': 'prm_partner_id',
            'name': 'partner_name',
            'country': 'country_code',
            'website': 'website',
            'updated_at': 'updated_at',
            'external_ids': {'prm_partner_ref': 'prm_partner_id', 'crm_account_ref': 'upper(crm_account_id)', 'duns_number': 'duns_number', 'tax_id': none},
            'unverified_ids': [],
            'scope': "'partner'",
            'where': none,
            'flags_partners': true,
            'vendor_domain_is_internal': false
        },
        {
            'system': 'crm',
            'model': 'stg_crm__account',
            'record_id': 'account_id',
            'name': 'account_name',
            'country': 'country_code',
            'website': 'website',
            'updated_at': 'last_modified_at',
            'external_ids': {'prm_partner_ref': 'prm_partner_id', 'crm_account_ref': 'upper(account_id)', 'duns_number': 'duns_number', 'tax_id': none},
            'unverified_ids': [],
            'scope': "'partner'",
            'where': "is_partner or account_type in ('Partner', 'Reseller', 'Distributor') or lower(account_type_raw) like '%partner%' or prm_partner_id is not null",
            'flags_partners': true,
            'vendor_domain_is_internal': false
        },
        {
            'system': 'finance',
            'model': 'stg_finance__entity',
            'record_id': 'entity_id',
            'name': 'entity_name',
            'country': 'country_code',
            'website': 'website',
            'updated_at': 'last_modified_at',
            'external_ids': {'prm_partner_ref': none, 'crm_account_ref': 'upper(crm_account_id)', 'duns_number': 'duns_number', 'tax_id': 'tax_id'},
            'unverified_ids': [],
            'scope': "case when entity_type = 'partner' then 'partner' else 'candidate' end",
            'where': none,
            'flags_partners': true,
            'vendor_domain_is_internal': true
        },
        {
            'system': 'marketing',
            'model': 'stg_marketing__company',
            'record_id': 'company_id',
            'name': 'company_name',
            'country': 'country_code',
            'website': none,
            'updated_at': 'updated_at',
            'external_ids': {'prm_partner_ref': 'prm_partner_id', 'crm_account_ref': none, 'duns_number': none, 'tax_id': none},
            'unverified_ids': [],
            'scope': "case when is_partner or prm_partner_id is not null then 'partner' else 'candidate' end",
            'where': 'is_partner or is_partner is null or prm_partner_id is not null',
            'flags_partners': true,
            'vendor_domain_is_internal': true
        },
        {
            'system': 'lms',
            'model': 'stg_lms__organization',
            'record_id': 'organization_id',
            'name': 'organization_name',
            'country': 'country_code',
            'website': none,
            'updated_at': 'modified_at',
            'external_ids': {'prm_partner_ref': 'prm_partner_id', 'crm_account_ref': 'prm_partner_id', 'duns_number': none, 'tax_id': none},
            'unverified_ids': ['prm_partner_ref', 'crm_account_ref'],
            'scope': "'partner'",
            'where': none,
            'flags_partners': false,
            'vendor_domain_is_internal': true
        }
    ]) }}
{%- endmacro %}

{#- System -> staging entity -> record id column (completeness measures these tables). -#}
{% macro completeness_tables() -%}
    {{ return({
        'prm': {'partner': 'prm_partner_id', 'deal_registration': 'deal_registration_id', 'mdf_request': 'mdf_request_id', 'portal_activity': 'portal_event_id'},
        'crm': {'account': 'account_id', 'opportunity': 'opportunity_id', 'opportunity_partner': 'opportunity_partner_id', 'user': 'user_id'},
        'finance': {'entity': 'entity_id', 'rebate_accrual': 'rebate_accrual_id', 'mdf_disbursement': 'mdf_disbursement_id', 'commission_payout': 'commission_payout_id'},
        'marketing': {'company': 'company_id', 'campaign': 'campaign_id', 'lead': 'lead_id', 'campaign_member': 'campaign_member_id'},
        'lms': {'organization': 'organization_id', 'user': 'user_id', 'course': 'course_id', 'enrollment': 'enrollment_id', 'certification': 'certification_record_id'}
    }) }}
{%- endmacro %}

{#- Identity fields of partner records the field_impact_weights seed does not list yet. -#}
{% macro default_field_impact_weights() -%}
    {{ return([]) }}
{%- endmacro %}
