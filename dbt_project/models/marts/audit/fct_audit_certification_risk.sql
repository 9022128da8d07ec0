{#-
    Certification risk, one row per finding:
    - certification_expiring: every valid certification record of a partner expiring within the window
      (fct_certification status expiring: var certification_expiring_days, default 90), whether or not the
      partner's tier requires the code; the detail says whether it does (severity medium when it does, else low).
      The record is the LMS certification record, field_name expiry_date.
    Partners about to lose (or that have lost) the right to sell at their tier, one row per partner and
    certification the tier requires (fct_partner_certification_requirement):
    - tier_certification_expiring: met today, but not once the certifications expiring within 90 days lapse;
    - tier_certification_lapsed: not met, and the partner's people held it before (their records expired or were
      revoked);
    - tier_certification_missing: not met, and nobody at the partner ever held it.
    For these three the record is the partner's LMS organization (else its partner_id); field_name is the
    certification code.
    Without any LMS data (int_coverage__source_entities) nobody's certifications are known: no tier finding is
    raised, rather than one "missing" finding per partner and required certification.
-#}
with

coverage as (

    {{ source_has_data_flags(['lms']) }}

),

requirements as (

    select requirements.*
    from {{ ref('fct_partner_certification_requirement') }} as requirements
    cross join coverage
    where (requirements.is_at_risk or not requirements.is_met)
        and coverage.has_lms_data

),

history as (

    select partner_id, certification_code, max(expiry_date) as last_expiry_date, count(*) as records
    from {{ ref('fct_certification') }}
    where partner_id is not null
    group by partner_id, certification_code

),

partners as (

    select partner_id, tier, lms_organization_id
    from {{ ref('dim_partner') }}

),

tier_requirements as (

    select distinct tier, certification_code
    from {{ ref('tier_certification_requirements') }}

),

expiring_records as (

    select
        certifications.certification_record_id,
        certifications.partner_id,
        certifications.certification_code,
        certifications.expiry_date,
        certifications.days_to_expiry,
        partners.tier as partner_tier,
        tier_requirements.certification_code is not null as is_required_by_tier
    from {{ ref('fct_certification') }} as certifications
    inner join partners on certifications.partner_id = partners.partner_id
    left join tier_requirements
        on partners.tier = tier_requirements.tier
        and certifications.certification_code = tier_requirements.certification_code
    where certifications.certification_status = 'expiring'

),

certification_expiring as (

    select
        {{ audit_finding(
            "'certification_risk'", "'certification_expiring'",
            "case when is_required_by_tier then 'medium' else 'low' end",
            "'lms'", "'certification'", 'certification_record_id', 'partner_id', "'expiry_date'",
            audit_text('expiry_date'), 'null',
            dbt.concat([
                'certification_code', "' expires in '", dbt.safe_cast('days_to_expiry', dbt.type_string()),
                "' days; tier '", "coalesce(partner_tier, '(none)')",
                "case when is_required_by_tier then ' requires it' else ' does not require it' end"
            ])
        ) }}
    from expiring_records

),

classified as (

    select
        requirements.*,
        partners.lms_organization_id,
        history.last_expiry_date,
        case
            when requirements.is_at_risk then 'tier_certification_expiring'
            when history.records is not null then 'tier_certification_lapsed'
            else 'tier_certification_missing'
        end as rule
    from requirements
    inner join partners on requirements.partner_id = partners.partner_id
    left join history
        on requirements.partner_id = history.partner_id
        and requirements.certification_code = history.certification_code

),

tier_findings as (

    select
        {{ audit_finding(
            "'certification_risk'", 'rule', "case when rule = 'tier_certification_missing' then 'medium' else 'high' end",
            "'lms'", "'certification'", 'coalesce(lms_organization_id, partner_id)', 'partner_id', 'certification_code',
            dbt.concat([
                dbt.safe_cast('certified_people', dbt.type_string()), "' of '",
                dbt.safe_cast('required_people', dbt.type_string()), "' required certified'",
                "case when earliest_expiry_date is not null then '; next expiry ' || "
                ~ dbt.safe_cast('earliest_expiry_date', dbt.type_string()) ~ " "
                ~ "when last_expiry_date is not null then '; last expiry ' || "
                ~ dbt.safe_cast('last_expiry_date', dbt.type_string()) ~ " else '' end"
            ]),
            'null',
            dbt.concat(["'tier '", 'partner_tier', "' requires '", 'certification_code'])
        ) }}
    from classified

),

final as (

    select * from certification_expiring
    union all
    select * from tier_findings

)

select * from final
