"""The ground truth: every fact the generator planted, written as one JSON file at the end of the run.

List entries are spilled to part files as chunks finish (a 50k-partner run holds millions of facts), then
streamed into `_ground_truth/ground_truth.json`, one list element per line.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from sample.delivery import Batch
from sample.world import Chunk, Clock, Partner, conflicts

TRUTH_DIR = "_ground_truth"
LISTS = ("files", "invalid_rows", "partners", "duplicates", "stale", "inactive_partners", "orphans", "conflicts",
         "corrections", "opportunities", "certifications")
DEFINITIONS = {
    "invalid_rows": "rows of main files breaking exactly one contract rule; line = physical line (CSV header = 1), "
                    "JSON line or Parquet row (1-based); a redelivered file repeats the invalid rows of its copy_of",
    "partners.ids": "record ids as the file carries them (a duplicate CRM account may carry a 15-char id)",
    "stale": "PRM profile whose newest last_verified_at is more than 365 days before as_of",
    "inactive_partners": "no portal event, deal registration (submitted_at), MDF request (requested_at) or LMS "
                         "enrolment (enrolled_at/completed_at) in the 180 days before as_of, counting valid rows only",
    "corrections": "records whose newest version is in the delta file; column = the value that changed",
    "opportunities": "newest valid version, deleted ones left out; sourced_by = partner of an approved deal "
                     "registration converted into it, or the primary partner when LeadSource is Partner Referral; "
                     "influenced_by = the other partners on the opportunity",
    "certifications": "valid certification records; status as of as_of: revoked, expired, expiring (within 90 "
                      "days) or active",
}


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {value!r}")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


class TruthWriter:
    def __init__(self, out: Path) -> None:
        self.dir = out / TRUTH_DIR
        self.parts = self.dir / ".parts"
        shutil.rmtree(self.parts, ignore_errors=True)
        self.parts.mkdir(parents=True)
        self._files = {name: open(self.parts / f"{name}.jsonl", "w", encoding="utf-8") for name in LISTS}
        self.counts = dict.fromkeys(LISTS, 0)

    def add(self, name: str, entries) -> None:
        handle = self._files[name]
        for entry in entries:
            handle.write(dumps(entry) + "\n")
            self.counts[name] += 1

    def finish(self, header: dict) -> Path:
        for handle in self._files.values():
            handle.close()
        path = self.dir / "ground_truth.json"
        with open(path, "w", encoding="utf-8") as out:
            out.write("{\n" + "".join(f"{dumps(k)}:{dumps(v)},\n" for k, v in header.items()))
            out.write(f'"definitions":{dumps(DEFINITIONS)}')
            for name in LISTS:
                out.write(f',\n"{name}":[\n')
                with open(self.parts / f"{name}.jsonl", encoding="utf-8") as part:
                    first = True
                    for line in part:
                        out.write(line if first else "," + line)
                        first = False
                out.write("]")
            out.write("\n}\n")
        shutil.rmtree(self.parts)
        return path


# ---------------------------------------------------------------------------------------------- facts of one chunk
def record_chunk(truth: TruthWriter, chunk: Chunk, files: dict, keys: dict) -> None:
    """`files[(system, entity)]` -> {kind: relative path}; `keys[(system, entity)]` -> its key column."""
    batches = chunk.batches
    truth.add("partners", (_partner(p) for p in chunk.partners))
    truth.add("duplicates", _duplicates(chunk.partners))
    truth.add("conflicts", (c for p in chunk.partners for c in conflicts(p)))
    truth.add("orphans", chunk.orphans)
    truth.add("stale", _stale(batches[("prm", "partner")], chunk.clock))
    truth.add("inactive_partners", _inactive(chunk))
    truth.add("opportunities", _opportunities(chunk))
    truth.add("certifications", _certifications(batches[("lms", "certification")], chunk.clock))
    record_corrections(truth, batches, files, keys)


def _partner(p: Partner) -> dict:
    return {"partner_key": p.key, "name": p.name, "country": p.country, "domain": p.domain, "tier": p.tier,
            "type": p.ptype, "ids": p.ids}


_DUPLICATE_ENTITY = {"prm": "partner", "crm": "account", "marketing": "company", "finance": "entity"}


def _duplicates(partners: list[Partner]):
    for p in partners:
        if p.dup_system:
            system = p.dup_system
            yield {"system": system, "entity": _DUPLICATE_ENTITY[system], "record_id": p.dup_id(system),
                   "duplicate_of": p.id(system)}


def _stale(batch: Batch, clock: Clock):
    for row in batch.final_rows():
        if row["last_verified_at"] < clock.stale_before:
            yield {"system": "prm", "entity": "partner", "record_id": row["partner_id"],
                   "rule": "last_verified_at older than 365 days", "value": row["last_verified_at"].isoformat() + "Z"}


_ACTIVITY = {("prm", "portal_activity"): ("occurred_at",), ("prm", "deal_registration"): ("submitted_at",),
             ("prm", "mdf_request"): ("requested_at",), ("lms", "enrollment"): ("enrolled_at", "completed_at")}


def _inactive(chunk: Chunk) -> list[str]:
    last: dict[str, datetime] = {}
    for key, columns in _ACTIVITY.items():
        for row in chunk.batches[key].final_rows():
            for column in columns:
                moment, partner = row.get(column), row.get("_k")
                if partner and moment and moment > last.get(partner, datetime.min):
                    last[partner] = moment
    cutoff = chunk.clock.inactive_before
    return [p.key for p in chunk.partners if last.get(p.key, datetime.min) < cutoff]


def _opportunities(chunk: Chunk):
    on_deal: dict[str, list[str]] = {}
    for row in chunk.batches[("crm", "opportunity_partner")].final_rows():
        if row["_k"]:
            on_deal.setdefault(row["opportunity_id"], []).append(row["_k"])
    for opp in chunk.batches[("crm", "opportunity")].final_rows():
        if opp["is_deleted"]:
            continue
        sourced = opp["_k"] if opp["_src"] else None
        yield {"opportunity_id": opp["id"], "amount": opp["amount"], "currency": opp["_currency"],
               "is_won": opp["is_won"], "close_date": opp["close_date"], "sourced_by": sourced,
               "influenced_by": sorted({k for k in on_deal.get(opp["id"], []) if k != sourced})}


def _certifications(batch: Batch, clock: Clock):
    as_of = clock.as_of
    for row in batch.final_rows():
        expiry = row["expiry_date"]
        if row["_revoked"]:
            status = "revoked"
        elif expiry is not None and expiry < as_of:
            status = "expired"
        elif expiry is not None and expiry <= as_of + timedelta(days=90):
            status = "expiring"
        else:
            status = "active"
        yield {"partner_key": row["_k"], "certification_code": row["certification_code"], "user_id": row["user_id"],
               "expiry_date": expiry, "status": status}


def record_corrections(truth: TruthWriter, batches: dict, files: dict, keys: dict) -> None:
    truth.add("corrections", _corrections(batches, files, keys))


def _corrections(batches: dict, files: dict, keys: dict):
    for (system, entity), batch in batches.items():
        if not batch.corrections:
            continue
        delta_file = files[(system, entity)]["delta"]
        for index in sorted(batch.corrections):
            row, column = batch.corrections[index]
            yield {"system": system, "entity": entity, "record_id": row[keys[(system, entity)]], "latest_file": delta_file,
                   "column": column}
