"""LMS (Cornerstone/Docebo-like): Windows-1252 CSV with vendor headers, CRLF lines, 'YYYY-MM-DD HH:MM:SS'.

Partner organisations and their learners are what the truth hangs on (certifications per partner), so only
the LMS's own extra records (internal staff, customer orgs) are ever made contract-invalid.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sample import reference as ref
from sample.delivery import Batch
from sample.dirt import blank, country_form, email_case, name_variant
from sample.formats import Layout, text_renderer
from sample.world import Chunk, Partner, World, between, customer_name, person

SYSTEM = "lms"
GENERATION_ORDER = 30
LAYOUT = Layout(ext="csv", encoding="cp1252", newline="\r\n",
                render=text_renderer(lambda d: d.isoformat(" "), "Yes", "No"))
COURSE_COUNT = 40


def file_stem(entity: str) -> str:
    return entity


def partner_id(world: World, number: int) -> str:
    return str(20000 + world.ids.take("lms_org"))


# ---------------------------------------------------------------------------------------------- courses
def make_courses(world: World) -> Batch:
    rng = world.rng("lms.course")
    batch = Batch()
    codes = list(ref.CERTIFICATIONS)
    for i in range(COURSE_COUNT):
        exam = i < len(codes)
        topic = ref.COURSE_TOPICS[i % len(ref.COURSE_TOPICS)]
        title = f"{ref.CERTIFICATIONS[codes[i]]} Exam" if exam else f"{topic} {'I' * (1 + i // len(ref.COURSE_TOPICS))}"
        batch.main.append({
            "course_id": f"CRS-{101 + i}", "title": title,
            "course_type": "exam" if exam else rng.choice(ref.COURSE_TYPES),
            "certification_code": codes[i] if exam else (rng.choice(codes) if rng.random() < 0.3 else None),
            "duration_hours": rng.choice((0.5, 1.0, 1.5, 2.0, 4.0, 8.0, 16.0)),
        })
    world.courses = batch.main
    return batch


# ---------------------------------------------------------------------------------------------- organisations
def organizations(chunk: Chunk) -> Batch:
    rng = chunk.rng("lms.organization")
    batch = Batch()
    for p in chunk.partners:
        batch.main.append(_organization(chunk, rng, p))
        if rng.random() < 0.06:
            batch.main.append(_other_organization(chunk, rng))
    return batch


def _organization(chunk: Chunk, rng: random.Random, p: Partner) -> dict:
    ref_roll = rng.random()
    external = p.id("prm") if ref_roll < 0.24 else (p.id("crm") if ref_roll < 0.30 else None)
    return {"organization_id": p.id(SYSTEM), "organization_name": name_variant(rng, p.name, 0.5),
            "email_domain": blank(rng, p.mail_domain, 0.1), "country": blank(rng, country_form(rng, p.country), 0.05),
            "external_ref": external, "modified_at": chunk.clock.days_ago(rng, 1, 800), "_k": p.key, "_p": True}


def _other_organization(chunk: Chunk, rng: random.Random) -> dict:
    country = rng.choice(ref.COUNTRY_CODES)
    internal = rng.random() < 0.3
    return {"organization_id": str(20000 + chunk.ids.take("lms_org")),
            "organization_name": f"Lumenfield {rng.choice(('Sales', 'Support', 'Academy'))}" if internal else customer_name(rng, country),
            "email_domain": ref.VENDOR_DOMAIN if internal else None, "country": country_form(rng, country),
            "external_ref": None, "modified_at": chunk.clock.days_ago(rng, 1, 800)}


# ---------------------------------------------------------------------------------------------- users
def users(chunk: Chunk) -> Batch:
    rng = chunk.rng("lms.user")
    batch = Batch()
    learners = []
    for p in chunk.partners:
        for who in p.people:
            row = _user(chunk, rng, who, p.id(SYSTEM) if rng.random() < 0.97 else None, p.inactive)
            row.update(_k=p.key, _p=True)
            batch.main.append(row)
            learners.append(row)
        if rng.random() < 0.08:
            batch.main.append(_user(chunk, rng, person(rng, ref.VENDOR_DOMAIN), None, False))
    chunk.shared["learners"] = learners
    return batch


def _user(chunk: Chunk, rng: random.Random, who, organization_id: str | None, inactive: bool) -> dict:
    created = chunk.clock.days_ago(rng, 30, 1500)
    return {"user_id": f"U{chunk.ids.take('lms_user'):07d}", "first_name": who.first, "last_name": who.last,
            "email": email_case(rng, who.email), "organization_id": organization_id, "job_title": who.job_title or None,
            "is_active": rng.random() < (0.5 if inactive else 0.92), "created_at": created,
            "modified_at": between(rng, created, chunk.clock.main_at)}


# ---------------------------------------------------------------------------------------------- enrolments
def enrollments(chunk: Chunk) -> Batch:
    rng = chunk.rng("lms.enrollment")
    by_key = {p.key: p for p in chunk.partners}
    batch = Batch()
    for learner in chunk.shared["learners"]:
        inactive = by_key[learner["_k"]].inactive
        batch.main += [_enrollment(chunk, rng, learner["user_id"], inactive, learner["_k"]) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.03:
            orphan = _enrollment(chunk, rng, f"U9{chunk.ids.take('lms_orphan'):07d}", inactive, None)
            orphan["_p"] = True
            chunk.orphan(SYSTEM, "enrollment", orphan["enrollment_id"], "user_id", orphan["user_id"])
            batch.main.append(orphan)
    return batch


def _enrollment(chunk: Chunk, rng: random.Random, user_id: str, inactive: bool, key: str | None) -> dict:
    clock = chunk.clock
    enrolled = clock.days_ago(rng, 185, 900) if inactive else clock.days_ago(rng, 0, 700)
    status = rng.choices(("completed", "in_progress", "enrolled", "failed", "withdrawn"), (55, 15, 15, 8, 7))[0]
    done = status in ("completed", "failed")
    completed = enrolled + timedelta(days=rng.randint(0, 60), seconds=rng.randrange(3600, 86400)) if done else None
    if completed:
        completed = min(completed, (clock.inactive_before - timedelta(days=1)) if inactive else clock.main_at)
        completed = max(completed, enrolled)
    score = (rng.randint(70, 100) if status == "completed" else rng.randint(20, 69)) if done else None
    return {"enrollment_id": f"ENR{chunk.ids.take('enrollment'):08d}", "user_id": user_id,
            "course_id": rng.choice(chunk.world.courses)["course_id"], "status": status, "score": score,
            "enrolled_at": enrolled, "completed_at": completed, "_k": key}


# ---------------------------------------------------------------------------------------------- certifications
def certifications(chunk: Chunk) -> Batch:
    rng = chunk.rng("lms.certification")
    by_key = {p.key: p for p in chunk.partners}
    batch = Batch()
    for learner in chunk.shared["learners"]:
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
            batch.main.append(_certification(chunk, rng, learner, by_key[learner["_k"]].inactive))
    return batch


def _certification(chunk: Chunk, rng: random.Random, learner: dict, inactive: bool) -> dict:
    as_of = chunk.clock.as_of
    issued = as_of - timedelta(days=rng.randint(185 if inactive else 7, 1100))
    expiry = issued + timedelta(days=730) if rng.random() < 0.95 else None
    revoked = rng.random() < 0.03
    expired = expiry is not None and expiry < as_of
    status = "revoked" if revoked else ("expired" if expired and rng.random() < 0.75 else "active")
    code = rng.choice(list(ref.CERTIFICATIONS))
    return {"certification_record_id": f"CR{chunk.ids.take('certification'):08d}", "user_id": learner["user_id"],
            "certification_code": code, "certification_name": blank(rng, ref.CERTIFICATIONS[code], 0.1),
            "issued_date": issued, "expiry_date": expiry, "status": status, "_k": learner["_k"], "_revoked": revoked}


ENTITIES = (("organization", organizations), ("user", users), ("enrollment", enrollments),
            ("certification", certifications))
REVISE: dict = {}
OLDER: dict = {}
GLOBAL_ENTITIES = (("course", make_courses),)
