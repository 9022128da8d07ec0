"""What an erasure did, step by step: printed as a table and written to ops.erasure_log (counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass
class Step:
    layer: str
    table: str
    action: str  # delete | redact | rebuild | publish | remove_files | suppress | rewrite
    rows_deleted: int = 0
    rows_redacted: int = 0
    detail: str = ""


@dataclass
class ErasureReport:
    erasure_id: str
    dry_run: bool
    steps: list[Step]
    seconds: float = 0.0

    def table(self) -> str:
        lines = [f"{'layer':<10} {'table':<44} {'action':<13} {'deleted':>8} {'redacted':>9}  detail"]
        for s in self.steps:
            lines.append(f"{s.layer:<10} {s.table:<44} {s.action:<13} {s.rows_deleted:>8} {s.rows_redacted:>9}  {s.detail}")
        verb = "would change (dry run, nothing written)" if self.dry_run else "changed"
        lines.append(f"erasure {self.erasure_id}: {verb}; {self.seconds:.1f}s")
        return "\n".join(lines)


def write_log(con: duckdb.DuckDBPyConnection, erasure_id: str, requested_at: datetime, completed_at: datetime,
              reason: str | None, steps: list[Step]) -> None:
    """One ops.erasure_log row per step: when, why and how many rows, never the email, a name or a pseudonym."""
    for s in steps:
        con.execute("INSERT INTO ops.erasure_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [erasure_id, requested_at, completed_at, reason, s.layer, s.table, s.action,
                     s.rows_deleted, s.rows_redacted, s.detail])
