"""Write the scorecards: `<out>/<partner_id>/scorecard.html|.json|.csv` per partner, and the vendor's index
(`<out>/index.html`, `<out>/index.csv`) outside the partner folders."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd

from audit.people_csv import write_frame, write_rows
from scorecards import charts
from scorecards.build import Lookup, build_scorecard, flatten
from scorecards.data import ScorecardData
from scorecards.parallel import map_chunks
from scorecards.peers import APPROX_DIGITS, MIN_PEERS, PEER_METRICS


def format_value(value, kind: str = "usd", axis: bool = False, approx: bool = False) -> str:
    """How the HTML shows numbers: money as whole dollars with thousands separators ($211,973), counts as
    integers, ratios as percentages, scores with one decimal. `approx` prefixes '≈' (peer percentiles)."""
    if value is None:
        return "n/a"
    if axis and kind == "usd":
        return charts.compact_usd(value)
    if kind == "usd":
        text = f"${value:,.0f}" if value >= 0 else f"-${-value:,.0f}"
    elif kind == "ratio":
        text = f"{value * 100:.0f}%" if axis or approx else f"{value * 100:.1f}%"
    elif approx or (axis and kind in ("count", "score")):
        text = f"{value:g}"
    elif kind == "count":
        text = f"{value:,.0f}" if float(value).is_integer() or axis else f"{value:,.1f}"
    else:
        text = f"{value:,.1f}" if not axis else f"{value:,.0f}"
    return ("≈ " + text) if approx else text


@dataclass
class WriteResult:
    out: Path
    partners: list[str]
    files: int
    seconds: float
    peer_groups_reported: int = 0
    index: Path | None = None
    scorecards: dict[str, dict] = field(default_factory=dict)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("scorecards", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["usd"] = lambda v: format_value(v, "usd")
    env.filters["fmt"] = format_value
    return env


def write_partner(data: ScorecardData, partner_id: str, out: Path, env: jinja2.Environment | None = None,
                  generated_at: str | None = None, **build_options) -> dict:
    env = env or _env()
    card = build_scorecard(data, partner_id, **build_options)
    folder = Path(out) / partner_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scorecard.json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    write_rows(folder / "scorecard.csv", ["field", "value"], flatten(card))
    html = env.get_template("scorecard.html.j2").render(
        c=card, generated_at=generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        min_peers=MIN_PEERS, approx_digits=APPROX_DIGITS, peer_metrics=PEER_METRICS,
        charts={
            "revenue": charts.revenue_by_quarter(card["revenue"]["quarters"]),
            "peers": charts.peer_position(card["peers"], format_value),
            "tier_history": charts.tier_history(card["tier"]["history"], card["tier"]["current"], data.tier_rules,
                                                data.as_of_date),
        },
    )
    (folder / "scorecard.html").write_text(html, encoding="utf-8")
    return card


def write_all(data: ScorecardData, out: Path, partner_ids: list[str] | None = None,
              progress: Callable[[int, int, str], None] | None = None, processes: int | None = None,
              **build_options) -> WriteResult:
    """`processes`: worker processes writing scorecards (default: the CPUs, at most 4; 1: none)."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    known = list(data.partners.partner_id)
    ids = known if not partner_ids else list(dict.fromkeys(partner_ids))
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise KeyError(f"unknown partner id(s): {', '.join(unknown)}")
    env = _env()
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    Lookup.of(data)  # built once, before any worker is forked
    cards: dict[str, dict] = {}
    for chunk, written in map_chunks(lambda pid: write_partner(data, pid, out, env, generated_at, **build_options),
                                     ids, processes):
        cards.update(zip(chunk, written))
        if progress:
            progress(len(cards), len(ids), chunk[-1])
    if not partner_ids:
        remove_stale(out, set(known))
    index = write_index(cards, out, env, generated_at, data)
    return WriteResult(out, ids, 3 * len(ids) + 2, time.perf_counter() - started,
                       sum(bool(c["peers"]["reported"]) for c in cards.values()), index, cards)


def remove_stale(out: Path, keep: set[str]) -> list[Path]:
    """Remove the folders of partners no longer in the warehouse (merged away, erased): a full run leaves exactly
    the current partners. Only folders holding nothing but scorecard files are touched."""
    removed = []
    for folder in Path(out).iterdir():
        if folder.is_dir() and folder.name not in keep:
            files = list(folder.iterdir())
            if files and all(f.is_file() and f.name.startswith("scorecard.") for f in files):
                for f in files:
                    f.unlink()
                folder.rmdir()
                removed.append(folder)
    return removed


def progress_tier(card: dict) -> str | None:
    """The tier a scorecard's progress section is about: the assigned tier for `keep` (not met today), else the
    next tier; None without a progress section (a top-tier partner that meets its tier)."""
    progress = card["tier"]["progress"]
    if not progress:
        return None
    return card["tier"]["current"] if progress["kind"] == "keep" else progress["next_tier"]


def write_index(cards: dict[str, dict], out: Path, env: jinja2.Environment, generated_at: str,
                data: ScorecardData) -> Path:
    """For the vendor only (it names every partner): kept beside, never inside, the partner folders."""
    rows = [{
        "partner_id": pid, "partner_name": c["partner"]["partner_name"], "tier": c["tier"]["current"],
        "next_tier": (c["tier"]["progress"] or {}).get("next_tier"),
        "progress": (c["tier"]["progress"] or {}).get("kind"),
        "progress_tier": progress_tier(c),
        "open_requirements": (c["tier"]["progress"] or {}).get("open_requirements"),
        "sourced_won_usd_l4q": c["revenue"]["sourced_won_usd_l4q"],
        "peer_comparison": "reported" if c["peers"]["reported"] else c["peers"]["reason"],
        "folder": f"{pid}/",
    } for pid, c in cards.items()]
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["open_requirements"] = frame.open_requirements.astype("Int64")
        frame = frame.sort_values(["tier", "partner_name"], na_position="last")
    write_frame(frame, out / "index.csv")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    html = env.get_template("index.html.j2").render(rows=records, generated_at=generated_at,
                                                    as_of=data.as_of_date, min_peers=MIN_PEERS)
    (out / "index.html").write_text(html, encoding="utf-8")
    return out / "index.html"
