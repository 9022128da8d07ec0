"""The scorecard's charts as inline SVG, drawn with the audit report's matplotlib setup (audit.charts)."""

from __future__ import annotations

import functools
from datetime import date

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from audit.charts import PALETTE, _empty, _svg, plt


@functools.lru_cache(maxsize=64)
def _empty_chart(title: str, text: str) -> str:
    """A chart with nothing to draw: the same few messages for many partners, so drawn once each."""
    return _empty(title, text)


def compact_usd(value: float, _pos=None) -> str:
    """Axis labels: $0, $850, $12k, $1.2M (never an exact figure)."""
    a = abs(value)
    if a >= 1e6:
        return f"${value / 1e6:.1f}M"
    if a >= 1e3:
        return f"${value / 1e3:.0f}k"
    return f"${value:.0f}"


def revenue_by_quarter(quarters: list[dict]) -> str:
    title = "Won revenue by quarter"
    if not any(q["sourced_won_usd"] or q["influenced_won_usd"] for q in quarters):
        return _empty_chart(title, "no won revenue in the quarters shown")
    labels = [q["quarter"].replace("-", "\n") for q in quarters]
    x = range(len(labels))
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    ax.bar([i - 0.2 for i in x], [q["sourced_won_usd"] for q in quarters], width=0.4, label="sourced", color=PALETTE[0])
    ax.bar([i + 0.2 for i in x], [q["influenced_won_usd"] for q in quarters], width=0.4, label="influenced",
           color=PALETTE[1])
    ax.set_xticks(list(x), labels, rotation=0, fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(compact_usd))
    ax.axvspan(len(labels) - 1.5, len(labels) - 0.5, color="#f0f4f8", zorder=0)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title + " (shaded: this quarter to date)")
    return _svg(fig, title)


def peer_position(peers: dict, format_value) -> str:
    title = "Position against peers of the same tier"
    metrics = {k: m for k, m in peers.get("metrics", {}).items() if m.get("reported")}
    if not peers.get("reported") or not metrics:
        return _empty_chart(title, peers.get("reason") or "peer group too small")
    fig, axes = plt.subplots(len(metrics), 1, figsize=(6.5, 0.75 * len(metrics) + 0.6), squeeze=False)
    for ax, (_, m) in zip(axes[:, 0], metrics.items()):
        p25, p50, p75 = m["p25"], m["p50"], m["p75"]
        own = m.get("own_value")
        ax.plot([p25, p75], [0, 0], color="#b8c4d0", linewidth=9, solid_capstyle="butt", label="p25-p75 of peers")
        ax.plot([p50], [0], marker="|", markersize=16, color=PALETTE[0], markeredgewidth=2.5, label="peer median")
        if own is not None:
            ax.plot([own], [0], marker="D", markersize=7, color=PALETTE[1], label="you", linestyle="none")
        low = min(v for v in (p25, own) if v is not None)
        high = max(v for v in (p75, own) if v is not None)
        pad = (high - low) * 0.15 or abs(high) * 0.15 or 1
        ax.set_xlim(low - pad, high + pad)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p, kind=m["kind"]: format_value(v, kind, axis=True)))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=m["kind"] == "count"))
        ax.tick_params(axis="x", labelsize=7)
        rank = m.get("own_percentile_rank")
        ax.set_title(f"{m['label']}" + (f" — you: {rank}th percentile" if rank is not None else ""), fontsize=8,
                     loc="left")
    # fixed spacing (tight_layout costs more than drawing the whole chart)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.03, right=0.97, bottom=0.35 / height, top=1 - 0.55 / height, hspace=1.1)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=7, loc="upper right", ncol=3, frameon=False)
    return _svg(fig, title)


def tier_history(history: list[dict], current_tier: str | None, tier_rules: pd.DataFrame, as_of: date) -> str:
    title = "Tier history"
    if not history:
        return _empty_chart(title, f"no PRM tier history (current tier: {current_tier or 'none'})")
    ranks = dict(zip(tier_rules.tier, tier_rules.tier_rank))
    fig, ax = plt.subplots(figsize=(6.5, 2.0))
    for row in history:
        start = pd.Timestamp(row["valid_from"])
        end = pd.Timestamp(row["valid_to"]) if row["valid_to"] else pd.Timestamp(as_of)
        rank = ranks.get(row["tier"], 0)
        ax.plot([start, end], [rank, rank], linewidth=6, solid_capstyle="butt",
                color=PALETTE[2] if row["is_current"] else PALETTE[0])
    ax.set_yticks(list(ranks.values()), list(ranks.keys()), fontsize=8)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(0.5, max(ranks.values()) + 0.5)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title + f" (to {as_of})")
    return _svg(fig, title)
