-- One row per certification record held as of the as-of date, with its status on that day
-- (int_capability__certifications defines the status).
with

certifications as (

    select * from {{ ref('int_capability__certifications') }}

),

final as (

    select
        certification_record_id,
        partner_id,
        certification_code,
        certification_name,
        learner_key,
        organization_id,
        organization_link,
        certification_status,
        is_valid,
        lms_certification_status,
        issued_date,
        expiry_date,
        days_to_expiry,
        as_of_date,
        _source_file,
        _source_line
    from certifications

)

select * from final
