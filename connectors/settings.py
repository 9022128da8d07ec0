"""Moved to the top-level `settings` package. Kept only for connectors/sample/__main__.py until the sample
generator moves to `sample/` (issue 12, point 2): delete this file then."""

from settings import PROJECT_ROOT, Settings  # noqa: F401
