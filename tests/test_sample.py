"""The sample generator: deterministic, readable as declared, and exactly as dirty as its ground truth says."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
import pytest

from data_contracts import CONTRACTS
from sample import generate
from sample.invalid import bad_value, injection_options
from sample.systems import SYSTEM_MODULES

AS_OF = date(2026, 11, 24)
PARTNERS = 60
ENCODING = {"crm": "utf-8", "lms": "cp1252", "marketing": "utf-8-sig"}
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    """One generated night (60 partners), shared by the tests of this module; treat as read-only."""
    out = tmp_path_factory.mktemp("night")
    generate(out, partners=PARTNERS, seed=11, as_of=AS_OF, progress=False)
    return out


@pytest.fixture(scope="module")
def truth(night) -> dict:
    return json.loads((night / "_ground_truth" / "ground_truth.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- reading files
def as_text(value) -> str | None:
    """A Parquet/JSON value as the text a CSV export would carry."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _frame(records: list[dict], schema: pa.DataFrameSchema) -> pd.DataFrame:
    columns = {name: [as_text(r.get(name)) for r in records] for name in schema.columns if any(name in r for r in records)}
    return pd.DataFrame(columns, dtype="str")


def read_as_text(path: Path, system: str, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, int]:
    """Every column as text under its canonical name, nulls as NA; plus the line number of row 0."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding=ENCODING[system])
        frame = frame.rename(columns={c.metadata["export"]: name for name, c in schema.columns.items()})
        return frame.replace("", pd.NA), 2
    if path.suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return _frame([json.loads(line) for line in lines], schema), 1
    return _frame(pq.read_table(path).to_pylist(), schema), 1


def contract_failures(path: Path, system: str, entity: str) -> set[tuple[int, str, str]]:
    schema = CONTRACTS[(system, entity)]
    frame, first_line = read_as_text(path, system, schema)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return set()
    assert cases["index"].notna().all(), cases[cases["index"].isna()].to_string()  # no file-level failures
    key = schema.metadata["key"][0]
    failures = set()
    for row in cases.itertuples():
        if row.check == "multiple_fields_uniqueness":
            failures.add((int(row.index) + first_line, key, "unique_key"))
        else:
            failures.add((int(row.index) + first_line, row.column, row.check))
    return failures


def expected_failures(truth: dict) -> dict[str, set[tuple[int, str, str]]]:
    expected = defaultdict(set)
    for bad in truth["invalid_rows"]:
        expected[bad["file"]].add((bad["line"], bad["column"], bad["rule"]))
    for f in truth["files"]:
        if f["kind"] == "redelivered":
            expected[f["file"]] = set(expected[f["copy_of"]])
    return expected


def file_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------- tests
def test_same_inputs_give_identical_bytes(night, tmp_path):
    generate(tmp_path, partners=PARTNERS, seed=11, as_of=AS_OF, progress=False)
    assert file_digests(tmp_path) == file_digests(night)


def test_another_seed_gives_other_data(night, tmp_path):
    generate(tmp_path, partners=PARTNERS, seed=12, as_of=AS_OF, progress=False)
    assert file_digests(tmp_path) != file_digests(night)


def test_every_contract_entity_has_main_file_and_layout(truth):
    mains = {(f["system"], f["entity"]) for f in truth["files"] if f["kind"] == "main"}
    assert mains == set(CONTRACTS)
    kinds = Counter(f["kind"] for f in truth["files"])
    assert kinds["late"] == 1 and kinds["redelivered"] == 1 and kinds["delta"] == 9
    for f in truth["files"]:
        stamp = {"main": "20261123", "delta": "20261124", "late": "20261122", "redelivered": "20261123_resend"}[f["kind"]]
        assert Path(f["file"]).stem.endswith(stamp), f
        assert f["file"].startswith(f"{f['system']}/{f['entity']}/")
    assert {Path(f["file"]).name for f in truth["files"] if f["system"] == "crm" and f["kind"] == "main"} == {
        "Account_20261123.csv", "Opportunity_20261123.csv", "OpportunityPartner_20261123.csv", "User_20261123.csv"}


def test_files_on_disk_are_exactly_the_listed_ones(night, truth):
    on_disk = {p.relative_to(night).as_posix() for p in night.rglob("*") if p.is_file()
               and not p.relative_to(night).parts[0].startswith("_")}
    # Beside them, one `_SUCCESS` marker per folder, written last: the files are complete (connectors/landing.py).
    markers = {f"{Path(f['file']).parent.as_posix()}/_SUCCESS" for f in truth["files"]}
    assert on_disk == {f["file"] for f in truth["files"]} | markers
    newest = max((night / f["file"]).stat().st_mtime for f in truth["files"])
    assert all((night / marker).stat().st_mtime >= newest for marker in markers)


def test_files_readable_in_declared_format_with_truth_row_counts(night, truth):
    for f in truth["files"]:
        path, system = night / f["file"], f["system"]
        raw = path.read_bytes()
        if path.suffix == ".csv":
            assert raw.startswith(BOM) == (system == "marketing"), f["file"]
            text = raw.decode(ENCODING[system])  # strict: raises on anything outside the code page
            lines = text.splitlines()
            assert len(lines) == f["rows"] + 1, f["file"]  # physical lines: header + one per row
            schema = CONTRACTS[(system, f["entity"])]
            assert lines[0].replace('"', "").split(",")[: len(schema.columns)] == [
                c.metadata["export"] for c in schema.columns.values()]
        elif path.suffix == ".jsonl":
            lines = raw.decode("utf-8").splitlines()
            assert len(lines) == f["rows"] and all(isinstance(json.loads(line), dict) for line in lines)
        else:
            assert pq.read_metadata(path).num_rows == f["rows"], f["file"]


def test_text_details_per_system(night):
    lms = (night / "lms" / "user" / "user_20261123.csv").read_bytes()
    assert b"\r\n" in lms and any(ch in lms.decode("cp1252") for ch in "éüßø")
    crm = (night / "crm" / "account" / "Account_20261123.csv").read_text(encoding="utf-8")
    header = crm.splitlines()[0]
    assert "SystemModstamp" in header and "CreatedById" in header
    assert "+0000" in crm and '"true"' in crm
    prm = (night / "prm" / "partner" / "partner_20261123.jsonl").read_text(encoding="utf-8")
    assert 'Z"' in prm


def test_parquet_types(night):
    for path in night.glob("finance/*/*.parquet"):
        schema = CONTRACTS[("finance", path.parent.name)]
        arrow = pq.read_schema(path)
        for name, column in schema.columns.items():
            expected = {"number": pa_arrow.float64(), "date": pa_arrow.date32(),
                        "timestamp": pa_arrow.timestamp("us", tz="UTC")}.get(column.metadata["logical_type"], pa_arrow.string())
            assert arrow.field(name).type == expected, (path.name, name)


def test_contract_failures_are_exactly_the_ground_truth(night, truth):
    expected = expected_failures(truth)
    for f in truth["files"]:
        found = contract_failures(night / f["file"], f["system"], f["entity"])
        assert found == expected.get(f["file"], set()), f["file"]


def test_invalid_rows_only_in_main_files_at_the_planned_rate(truth):
    files = {f["file"]: f for f in truth["files"]}
    per_file = Counter(bad["file"] for bad in truth["invalid_rows"])
    assert all(files[name]["kind"] == "main" for name in per_file)
    for name, count in per_file.items():
        assert count <= 0.05 * files[name]["rows"], name
    total_main = sum(f["rows"] for f in truth["files"] if f["kind"] == "main")
    assert 0.01 < len(truth["invalid_rows"]) / total_main < 0.02
    rules = {bad["rule"] for bad in truth["invalid_rows"]}
    assert {"not_nullable", "is_iso_timestamp", "allowed_values", "matches_pattern", "unique_key", "value_range"} <= rules


def _records(night: Path, f: dict) -> pd.DataFrame:
    schema = CONTRACTS[(f["system"], f["entity"])]
    return read_as_text(night / f["file"], f["system"], schema)[0]


def test_delta_and_late_files(night, truth):
    files = {(f["system"], f["entity"], f["kind"]): f for f in truth["files"]}
    late = files[("crm", "opportunity", "late")]
    delta = _records(night, files[("crm", "opportunity", "delta")]).set_index("id")
    main = _records(night, files[("crm", "opportunity", "main")]).drop_duplicates("id").set_index("id")
    older = _records(night, late)
    assert len(older) > 0
    for row in older.itertuples():
        assert row.id in delta.index  # the delta also has the record...
        assert pd.Timestamp(row.last_modified_date) < pd.Timestamp(main.loc[row.id, "last_modified_date"])
        assert pd.Timestamp(delta.loc[row.id, "last_modified_date"]) > pd.Timestamp(row.last_modified_date)
    resend = files[("crm", "opportunity", "redelivered")]
    assert (night / resend["file"]).read_bytes() == (night / resend["copy_of"]).read_bytes()
    corrected = {(c["system"], c["entity"], c["record_id"]) for c in truth["corrections"]}
    assert {("crm", "opportunity", i) for i in delta.index} & corrected


def test_ground_truth_partners_and_problems(night, truth):
    assert truth["seed"] == 11 and truth["partner_count"] == PARTNERS and truth["as_of"] == "2026-11-24"
    partners = {p["partner_key"]: p for p in truth["partners"]}
    assert len(partners) == PARTNERS
    prm = _records(night, next(f for f in truth["files"] if f["file"].startswith("prm/partner/") and f["kind"] == "main"))
    prm_ids = set(prm["partner_id"])
    assert all(set(p["ids"]["prm"]) <= prm_ids for p in partners.values())
    assert all(len(p["ids"][s]) >= 1 for p in partners.values() for s in ("prm", "crm", "lms", "marketing", "finance"))
    for dup in truth["duplicates"]:
        owner = next(p for p in partners.values() if dup["duplicate_of"] in p["ids"][dup["system"]])
        assert dup["record_id"] in owner["ids"][dup["system"]]
    assert truth["stale"] and truth["inactive_partners"] and truth["conflicts"]
    assert set(truth["inactive_partners"]) <= set(partners)


def test_orphans_reference_nothing(night, truth):
    targets = {("crm", "opportunity_partner"): ("crm", "account", "id"),
               ("prm", "deal_registration"): ("prm", "partner", "partner_id"),
               ("lms", "enrollment"): ("lms", "user", "user_id"),
               ("finance", "commission_payout"): ("finance", "entity", "entity_id")}
    known = {}
    for f in truth["files"]:
        for (system, entity, column) in targets.values():
            if (f["system"], f["entity"]) == (system, entity):
                known.setdefault((system, entity), set()).update(_records(night, f)[column].dropna())
    assert {(o["system"], o["entity"]) for o in truth["orphans"]} <= set(targets)
    for orphan in truth["orphans"]:
        system, entity, _ = targets[(orphan["system"], orphan["entity"])]
        assert orphan["value"] not in known[(system, entity)]


def test_opportunity_truth_is_consistent_with_the_files(night, truth):
    opportunities = {o["opportunity_id"]: o for o in truth["opportunities"]}
    won = [o for o in opportunities.values() if o["is_won"]]
    assert won and any(o["sourced_by"] for o in won) and any(o["influenced_by"] for o in won)
    for opp in opportunities.values():
        assert opp["sourced_by"] not in opp["influenced_by"]
        assert opp["currency"] in {"USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "SEK", "INR", "BRL", "SGD", "MXN", "ZAR"}
    registrations = pd.concat([_records(night, f) for f in truth["files"]
                               if f["system"] == "prm" and f["entity"] == "deal_registration"])
    converted = registrations[registrations["status"].str.lower().str.strip() == "approved"]["converted_opportunity_id"].dropna()
    by_prefix = {i[:15]: i for i in opportunities}
    assert {by_prefix[c[:15]] for c in converted if c[:15] in by_prefix}  # registrations point at real deals


def newest_valid(night: Path, truth: dict, system: str, entity: str) -> pd.DataFrame:
    """What a correct loader keeps: valid rows of main, delta and late files, newest version per key."""
    schema = CONTRACTS[(system, entity)]
    key, version = schema.metadata["key"][0], schema.metadata["version"]
    bad = {(b["file"], b["line"]) for b in truth["invalid_rows"]}
    frames = []
    for f in truth["files"]:
        if (f["system"], f["entity"]) == (system, entity) and f["kind"] != "redelivered":
            frame, first_line = read_as_text(night / f["file"], system, schema)
            keep = [(f["file"], i + first_line) not in bad for i in range(len(frame))]
            frames.append(frame[keep])
    rows = pd.concat(frames, ignore_index=True)
    if version:
        rows = rows.assign(_v=pd.to_datetime(rows[version], format="ISO8601", utc=True)).sort_values("_v", kind="stable")
    return rows.drop_duplicates(key, keep="last").set_index(key)


def test_revenue_truth_can_be_derived_from_the_files(night, truth):
    """Re-derive sourced/influenced partners per opportunity from the files the way the warehouse must."""
    crm_partner = {i[:15]: p["partner_key"] for p in truth["partners"] for i in p["ids"]["crm"]}
    prm_partner = {i: p["partner_key"] for p in truth["partners"] for i in p["ids"]["prm"]}
    on_deal, primary, registered = defaultdict(set), {}, {}
    for row in newest_valid(night, truth, "crm", "opportunity_partner").itertuples():
        partner = crm_partner.get(row.account_to_id[:15])
        if partner:
            on_deal[row.opportunity_id[:15]].add(partner)
            if row.is_primary == "true":
                primary[row.opportunity_id[:15]] = partner
    for row in newest_valid(night, truth, "prm", "deal_registration").itertuples():
        if row.status.strip().lower() == "approved" and isinstance(row.converted_opportunity_id, str):
            registered[row.converted_opportunity_id[:15]] = prm_partner.get(row.partner_id)
    derived = {}
    for opp_id, row in newest_valid(night, truth, "crm", "opportunity").iterrows():
        if row["is_deleted"] == "true":
            continue
        sourced = registered.get(opp_id[:15]) or (primary.get(opp_id[:15]) if row["lead_source"] == "Partner Referral" else None)
        derived[opp_id] = {"is_won": row["is_won"] == "true", "close_date": row["close_date"],
                           "amount": None if pd.isna(row["amount"]) else float(row["amount"]), "sourced_by": sourced,
                           "influenced_by": sorted(on_deal[opp_id[:15]] - {sourced})}
    expected = {o["opportunity_id"]: {k: o[k] for k in ("is_won", "close_date", "amount", "sourced_by", "influenced_by")}
                for o in truth["opportunities"]}
    assert derived == expected


def test_certification_and_activity_truth_can_be_derived_from_the_files(night, truth):
    lms_partner = {i: p["partner_key"] for p in truth["partners"] for i in p["ids"]["lms"]}
    prm_partner = {i: p["partner_key"] for p in truth["partners"] for i in p["ids"]["prm"]}
    users = newest_valid(night, truth, "lms", "user")
    certs = newest_valid(night, truth, "lms", "certification")
    assert sorted(certs["user_id"]) == sorted(c["user_id"] for c in truth["certifications"])
    by_org = users["organization_id"].map(lms_partner).dropna()
    assert all(by_org.get(c["user_id"], c["partner_key"]) == c["partner_key"] for c in truth["certifications"])
    cutoff = pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=180)
    recent = set()
    for entity, column in (("portal_activity", "occurred_at"), ("deal_registration", "submitted_at"),
                           ("mdf_request", "requested_at")):
        rows = newest_valid(night, truth, "prm", entity)
        moments = pd.to_datetime(rows[column], format="ISO8601", utc=True)
        recent |= {prm_partner.get(p) for p in rows.loc[moments >= cutoff, "partner_id"]}
    enrolled = newest_valid(night, truth, "lms", "enrollment")
    latest = pd.concat([pd.to_datetime(enrolled[c], format="ISO8601", utc=True) for c in ("enrolled_at", "completed_at")], axis=1).max(axis=1)
    recent |= {by_org.get(u) for u in enrolled.loc[latest >= cutoff, "user_id"]}
    assert sorted(p["partner_key"] for p in truth["partners"] if p["partner_key"] not in recent) == sorted(truth["inactive_partners"])


def test_certification_statuses(truth):
    statuses = Counter(c["status"] for c in truth["certifications"])
    assert statuses["active"] and statuses["expired"] and statuses["expiring"]


_ORIGINALS = {"integer": 120, "number": 1234.5, "date": date(2026, 3, 14), "timestamp": datetime(2026, 3, 14, 9, 5),
              "boolean": True}
_PATTERN_ORIGINALS = ["0015g000000c9bCAAQ", "jane.doe@example.com", "123456789", "30001", "2026-05", "P-12345",
                      "DR-100", "MDF-100"]


def _clean_original(meta: dict):
    """A value the column accepts, for the maker to spoil (like the generator's clean value)."""
    if meta["pattern"]:
        return next(v for v in _PATTERN_ORIGINALS if re.match(meta["pattern"], v))
    return _ORIGINALS.get(meta["logical_type"], "x")


def _as_file_text(value, layout) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return as_text(value)  # JSON numbers and Parquet doubles reach the contract via str()
    return (layout.render or str)(value)  # JSON lines: strings as they are


@pytest.mark.parametrize("key", sorted(CONTRACTS), ids=lambda k: "/".join(k))
def test_every_injectable_value_breaks_exactly_its_rule(key):
    """For every (rule, column) the generator may break, drawn values fail that rule and no other."""
    schema = CONTRACTS[key]
    layout = SYSTEM_MODULES[key[0]].LAYOUT
    rng = random.Random(1)
    for rule, columns in injection_options(schema, layout.typed).items():
        for column in columns:
            meta = schema.columns[column].metadata
            single = pa.DataFrameSchema({column: schema.columns[column]})
            for _ in range(8):
                value = bad_value(rule, meta, _clean_original(meta), rng)
                frame = pd.DataFrame({column: [_as_file_text(value, layout)]}, dtype="str")
                with pytest.raises(pa.errors.SchemaErrors) as failed:
                    single.validate(frame, lazy=True)
                assert set(failed.value.failure_cases["check"]) == {rule}, (key, column, value)


def test_cli_help():
    result = subprocess.run([sys.executable, "-m", "sample", "--help"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1], check=True)
    assert "--partners" in result.stdout and "--as-of" in result.stdout and "--seed" in result.stdout
