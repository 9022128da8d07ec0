"""Errors that stop a load. Each names the file, the line where known, and the rule that was broken."""

from __future__ import annotations


class ExtractFileError(Exception):
    """An extract file cannot be loaded at all (unreadable, truncated, wrong encoding, missing columns,
    or too many rows breaking the contract). Nothing from the asset's run is loaded."""

    def __init__(self, file: str, rule: str, detail: str, line: int | None = None):
        self.file, self.rule, self.detail, self.line = file, rule, detail, line
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")
