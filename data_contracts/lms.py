"""LMS (Cornerstone/Docebo-like) raw contracts. Exports are Windows-1252 CSV with vendor headers."""

from data_contracts._fields import contract, email, field
from data_contracts._sources import PartnerRecord, Person

organization = contract(
    "lms",
    "organization",
    [
        field("organization_id", required=True, export="Organization ID"),
        field("organization_name", required=True, export="Organization Name", not_pii="company name: a legal entity, not a person"),
        field("email_domain", export="Email Domain",
              not_pii="the organisation's company mail domain (no local part); used for identity matching"),
        field("country", export="Country"),
        field("external_ref", export="External Reference", description="Partner id typed in by the LMS admin."),
        field("modified_at", "timestamp", required=True, export="Last Modified"),
    ],
    key=["organization_id"],
    version="modified_at",
    description="Partner companies (organisations) in the LMS.",
)

user = contract(
    "lms",
    "user",
    [
        field("user_id", required=True, export="User ID", pii="person_identifier"),
        field("first_name", pii="person_name", export="First Name"),
        field("last_name", pii="person_name", export="Last Name"),
        email("email", required=True, export="Email"),
        field("organization_id", export="Organization ID"),
        field("job_title", pii="job_title", export="Job Title"),
        field("is_active", "boolean", export="Active"),
        field("created_at", "timestamp", export="Created"),
        field("modified_at", "timestamp", required=True, export="Last Modified"),
    ],
    key=["user_id"],
    version="modified_at",
    description="Learners, each in a partner organisation.",
)

course = contract(
    "lms",
    "course",
    [
        field("course_id", required=True, export="Course ID"),
        field("title", required=True, export="Title", not_pii="course title from the catalogue, not a job title"),
        field("course_type", allowed=["e-learning", "classroom", "webinar", "exam"], export="Type"),
        field("certification_code", export="Certification Code", description="Certification the course leads to."),
        field("duration_hours", "number", minimum=0, export="Duration (h)"),
    ],
    key=["course_id"],
    description="Course catalogue.",
)

enrollment = contract(
    "lms",
    "enrollment",
    [
        field("enrollment_id", required=True, export="Enrollment ID"),
        field("user_id", required=True, export="User ID", pii="person_identifier", description="The learner."),
        field("course_id", required=True, export="Course ID"),
        field("status", required=True, allowed=["enrolled", "in_progress", "completed", "failed", "withdrawn"], export="Status"),
        field("score", "number", minimum=0, maximum=100, export="Score"),
        field("enrolled_at", "timestamp", required=True, export="Enrollment Date"),
        field("completed_at", "timestamp", export="Completion Date"),
    ],
    key=["enrollment_id"],
    description="Enrolments and completions.",
)

certification = contract(
    "lms",
    "certification",
    [
        field("certification_record_id", required=True, export="Record ID"),
        field("user_id", required=True, export="User ID", pii="person_identifier", description="The holder."),
        field("certification_code", required=True, export="Certification Code"),
        field("certification_name", export="Certification", not_pii="name of a certification, not of a person"),
        field("issued_date", "date", required=True, export="Issued"),
        field("expiry_date", "date", export="Expires"),
        field("status", allowed=["active", "expired", "revoked"], export="Status"),
    ],
    key=["certification_record_id"],
    description="Certifications held by learners, with expiry.",
)

CONTRACTS = [organization, user, course, enrollment, certification]

PEOPLE = [Person("user", "user_id", records={"enrollment": "user_id", "certification": "user_id"})]

# Every organisation (the LMS has no partner flag). external_ref is typed in by the LMS admin: usually the PRM id,
# sometimes the CRM account id, in whatever scheme those systems use; staging calls it prm_partner_id. It is
# matched as either only when it is a known PRM partner id or CRM account id (unverified_ids).
PARTNER_RECORD = PartnerRecord(
    entity="organization",
    record_id="organization_id",
    name="organization_name",
    updated_at="modified_at",
    identity_rank=5,
    external_ids={"prm_partner_ref": "prm_partner_id", "crm_account_ref": "prm_partner_id"},
    unverified_ids=("prm_partner_ref", "crm_account_ref"),
    flags_partners=False,
    vendor_domain_is_internal=True,
)
