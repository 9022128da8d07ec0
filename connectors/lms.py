"""LMS connector: Cornerstone/Docebo-style report exports with display headers, in any file format. Text
exports that are not UTF-8 are Windows-1252 (the sample's are), so that encoding is tried before any guess."""

from connectors.base import SourceSystem

SOURCE = SourceSystem(
    name="lms",
    description="Learning management: organisations, learners, courses, enrolments, certifications.",
    legacy_encoding="cp1252",
)
