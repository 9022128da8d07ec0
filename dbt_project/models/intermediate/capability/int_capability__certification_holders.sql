-- Every LMS certification record with the person holding it, the person's organisation and, through the identity
-- crosswalk, the partner: certification -> LMS user -> LMS organisation -> partner_id. The person is their
-- learner_key (pseudonym of the LMS user id), never the user id or a name.
with

certifications as (

    select
        certification_record_id,
        {{ pseudonymize('user_id') }} as learner_key,
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
        learner_key,
        organization_id,
        organization_link
    from {{ ref('int_capability__lms_learner_organization') }}

),

final as (

    select
        certifications.certification_record_id,
        crosswalk.partner_id,
        certifications.certification_code,
        certifications.certification_name,
        certifications.learner_key,
        learners.organization_id,
        learners.organization_link,
        certifications.certification_status as lms_certification_status,
        certifications.issued_date,
        certifications.expiry_date,
        certifications._source_file,
        certifications._source_line
    from certifications
    left join learners
        on certifications.learner_key = learners.learner_key
    {{ resolve_partner_id("'lms'", 'learners.organization_id') }}

)

select * from final
