"""Errors that reject a whole extract file. Each names the file, the line and column where known, and the rule
that was broken, and never a value of the file: these texts go into ops.loaded_files, ops.load_runs and Dagster's
event log, which erasure does not rewrite (the rows themselves are in the quarantine, which it does)."""

from __future__ import annotations


class ExtractFileError(Exception):
    """An extract file cannot be loaded at all (unreadable, truncated, wrong encoding, missing columns,
    or too many rows breaking the contract). Nothing of the file is loaded; the other files are."""

    def __init__(self, file: str, rule: str, detail: str, line: int | None = None, column: str | None = None):
        self.file, self.rule, self.detail, self.line, self.column = file, rule, detail, line, column
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")

    def as_dict(self) -> dict:
        """The rejection as Dagster metadata and run summaries show it."""
        return {"file": self.file, "line": self.line, "column": self.column, "rule": self.rule, "reason": self.detail}
