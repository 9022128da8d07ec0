-- Every LMS certification record with the person holding it, the person's organisation and, through the identity
-- crosswalk, the partner: certification -> LMS user -> LMS organisation -> partner_id.
with

certifications as (

    select
        certification_record_id,
        user_id,
        certification_code,
        certification_name,
        certification_status,
        issued_date,
        expiry_date,
        _source_file,
        _source_line
    from {{ ref('stg_lms__certification') }}

),

learners as (

    select
        user_id,
        organization_id,
        organization_link
    from {{ ref('int_capability__lms_learner_organization') }}

),

lms_partners as (

    select
        source_record_id as organization_id,
        partner_id
    from {{ ref('int_partner__crosswalk') }}
    where source_system = 'lms'

),

final as (

    select
        certifications.certification_record_id,
        lms_partners.partner_id,
        certifications.certification_code,
        certifications.certification_name,
        certifications.user_id,
        learners.organization_id,
        learners.organization_link,
        certifications.certification_status as lms_certification_status,
        certifications.issued_date,
        certifications.expiry_date,
        certifications._source_file,
        certifications._source_line
    from certifications
    left join learners
        on certifications.user_id = learners.user_id
    left join lms_partners
        on learners.organization_id = lms_partners.organization_id

)

select * from final
