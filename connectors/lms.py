"""LMS connector: Cornerstone/Docebo-style report exports, Windows-1252 CSV with display headers."""

from connectors.base import SourceSystem
from connectors.readers import FileFormat

SOURCE = SourceSystem(
    name="lms",
    file_format=FileFormat("csv", encoding="cp1252"),
    description="Learning management: organisations, learners, courses, enrolments, certifications.",
)
