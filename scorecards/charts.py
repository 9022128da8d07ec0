"""The scorecard's charts as inline SVG, written by hand.

matplotlib drew them before at about 0.3 s a partner (5 minutes for 1,000 partners); three simple charts need a
few rectangles, lines and labels, written here in well under a millisecond. Every text that can come from data
(tier names, labels, the partner's figures) goes through `_text`/`_attribute`, which escape it: a chart is never a
way into the page. Numbers appear only in drawing attributes (x, y, width, height, points, viewBox, which the
isolation check does not read as figures) and in the labels a reader sees.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape

import pandas as pd

SOURCED, INFLUENCED, CURRENT, BAND, MUTED = "#1f5f8b", "#e07a1f", "#3a9d5d", "#b8c4d0", "#666"
WIDTH = 640
FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


def _attribute(value: str) -> str:
    return escape(str(value), quote=True)


def _text(x: float, y: float, text: str, size: int = 9, anchor: str = "start", fill: str = "#222",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(str(text))}</text>')


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{max(height, 0):.1f}" fill="{fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = "#999", width: float = 1) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width}"/>'


def _svg(title: str, height: float, body: list[str]) -> str:
    label = _attribute(title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" class="chart" '
            f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" style="{FONT}">'
            f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _empty(title: str, text: str) -> str:
    """A chart with nothing to draw: its title and why."""
    return _svg(title, 70, [_text(10, 18, title, 11, weight="bold"), _text(WIDTH / 2, 48, text, 10, "middle", MUTED)])


def compact_usd(value: float, _pos=None) -> str:
    """Axis labels: $0, $850, $12k, $1.2M (never an exact figure)."""
    a = abs(value)
    if a >= 1e6:
        return f"${value / 1e6:.1f}M"
    if a >= 1e3:
        return f"${value / 1e3:.0f}k"
    return f"${value:.0f}"


def nice_ticks(high: float, most: int = 5) -> list[float]:
    """0 and multiples of 1, 2 or 5 x 10^k up to at least `high`: labels of at most 2 significant digits."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(math.ceil(high / step - 1e-9)) + 1)]


def revenue_by_quarter(quarters: list[dict]) -> str:
    """Sourced and influenced won revenue as bars per quarter; this quarter (to date) shaded."""
    title = "Won revenue by quarter"
    if not any(q["sourced_won_usd"] or q["influenced_won_usd"] for q in quarters):
        return _empty(title, "no won revenue in the quarters shown")
    height, left, top, bottom = 250, 56, 34, 210
    ticks = nice_ticks(max(max(q["sourced_won_usd"], q["influenced_won_usd"]) for q in quarters))
    scale = (bottom - top) / ticks[-1]
    slot = (WIDTH - left - 10) / len(quarters)
    body = [_text(10, 16, title + " (shaded: this quarter to date)", 11, weight="bold"),
            _rect(left + slot * (len(quarters) - 1), top, slot, bottom - top, "#f0f4f8")]
    for tick in ticks:
        y = bottom - tick * scale
        body += [_line(left, y, WIDTH - 10, y, "#eceff2"), _text(left - 6, y + 3, compact_usd(tick), 8, "end")]
    for i, q in enumerate(quarters):
        x = left + slot * i
        for offset, key, color in ((0.1, "sourced_won_usd", SOURCED), (0.5, "influenced_won_usd", INFLUENCED)):
            bar = max(q[key], 0) * scale
            body.append(_rect(x + slot * offset, bottom - bar, slot * 0.4, bar, color))
        fiscal_year, _, quarter = q["quarter"].partition("-")
        body += [_text(x + slot / 2, bottom + 13, fiscal_year, 8, "middle"),
                 _text(x + slot / 2, bottom + 24, quarter, 8, "middle")]
    body += [_line(left, bottom, WIDTH - 10, bottom, "#555"),
             _rect(left + 6, top - 10, 10, 8, SOURCED), _text(left + 20, top - 3, "sourced", 8),
             _rect(left + 70, top - 10, 10, 8, INFLUENCED), _text(left + 84, top - 3, "influenced", 8)]
    return _svg(title, height, body)


def peer_position(peers: dict, format_value) -> str:
    """One panel per shown metric: the p25-p75 band, the median and the partner's own value, each labelled with the
    number the table shows."""
    title = "Position against peers of the same tier"
    metrics = [m for m in peers.get("metrics", {}).values() if m.get("reported")]
    if not peers.get("reported") or not metrics:
        return _empty(title, peers.get("reason") or "no peer statistic to show")
    panel, left, right = 62, 20, WIDTH - 20
    body = [_text(10, 16, title, 11, weight="bold"),
            _rect(WIDTH - 250, 8, 14, 8, BAND), _text(WIDTH - 232, 15, "p25-p75 of peers", 8),
            _rect(WIDTH - 150, 6, 3, 12, SOURCED), _text(WIDTH - 143, 15, "peer median", 8),
            _rect(WIDTH - 75, 8, 8, 8, INFLUENCED), _text(WIDTH - 63, 15, "you", 8)]
    for n, m in enumerate(metrics, 1):
        top = 30 + panel * (n - 1)
        shown = [m[k] for k in ("p25", "p50", "p75") if m.get(k) is not None]
        own = m.get("own_value")
        low, high = min(shown + ([own] if own is not None else [])), max(shown + ([own] if own is not None else []))
        pad = (high - low) * 0.15 or abs(high) * 0.15 or 1
        low, high = low - pad, high + pad

        def x(value, low=low, high=high):
            return left + (value - low) / (high - low) * (right - left)

        y = top + 28
        position = m.get("own_position")
        group = [_text(left, top + 10, m["label"] + (f" — you: {position}" if position else ""), 9),
                 _line(left, y, right, y, "#dde2e7")]
        if m.get("p25") is not None and m.get("p75") is not None:
            group.append(_rect(x(m["p25"]), y - 5, x(m["p75"]) - x(m["p25"]), 10, BAND))
        for key in ("p25", "p50", "p75"):
            if m.get(key) is not None:
                if key == "p50":
                    group.append(_rect(x(m[key]) - 1.5, y - 9, 3, 18, SOURCED))
                group.append(_text(x(m[key]), y + 22, format_value(m[key], m["kind"], approx=True), 8, "middle"))
        if own is not None:
            cx = x(own)
            group.append(f'<polygon points="{cx:.1f},{y - 6:.1f} {cx + 6:.1f},{y:.1f} {cx:.1f},{y + 6:.1f} '
                         f'{cx - 6:.1f},{y:.1f}" fill="{INFLUENCED}"/>')
        body.append(f'<g id="axes_{n}">{"".join(group)}</g>')
    return _svg(title, 30 + panel * len(metrics), body)


def _day(value) -> date:
    return pd.Timestamp(value).date()


def tier_history(history: list[dict], current_tier: str | None, tier_rules: pd.DataFrame, as_of: date) -> str:
    """One row per tier of the program, a bar for each period the partner held it (the current one green); the
    time axis labelled with the first day and as_of, and the years in between."""
    title = "Tier history"
    if not history:
        return _empty(title, f"no PRM tier history (current tier: {current_tier or 'none'})")
    ranks = dict(zip(tier_rules.tier, tier_rules.tier_rank))
    rows = sorted(ranks, key=ranks.get, reverse=True)
    first = min(_day(r["valid_from"]) for r in history)
    last = max([as_of] + [_day(r["valid_to"]) for r in history if r["valid_to"]])
    left, right, top, row = 90, WIDTH - 20, 30, 20
    bottom = top + row * len(rows)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + (day - first).days / span * (right - left)

    body = [_text(10, 16, f"{title} (to {as_of})", 11, weight="bold")]
    for i, tier in enumerate(rows):
        body += [_text(left - 6, top + row * i + 13, tier, 8, "end"), _line(left, top + row * (i + 1), right,
                                                                             top + row * (i + 1), "#eceff2")]
    for r in history:
        if r["tier"] not in ranks:
            continue
        start, end = _day(r["valid_from"]), _day(r["valid_to"]) if r["valid_to"] else as_of
        body.append(_rect(x(start), top + row * rows.index(r["tier"]) + 5, max(x(end) - x(start), 2), row - 10,
                          CURRENT if r["is_current"] else SOURCED))
    body += [_line(left, bottom, right, bottom, "#555"), _text(left, bottom + 13, first.isoformat(), 8),
             _text(right, bottom + 13, last.isoformat(), 8, "end")]
    for year in range(first.year + 1, last.year + 1):
        tick = x(date(year, 1, 1))
        if x(first) + 60 < tick < x(last) - 60:
            body += [_line(tick, bottom, tick, bottom + 4, "#555"), _text(tick, bottom + 13, str(year), 8, "middle")]
    return _svg(title, bottom + 22, body)
