"""Charts as inline SVG strings (matplotlib, Agg backend): the report needs no network and no JavaScript."""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

PALETTE = ["#1f5f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d46", "#d16ba5", "#6c757d"]
plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "svg.fonttype": "none", "axes.prop_cycle": matplotlib.cycler(color=PALETTE)})


def _svg(fig, title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: the SVG is inlined into HTML
    # The title may one day carry data (a partner's name): escaped as an attribute, and inserted verbatim (no
    # regex replacement syntax reading a backslash in it as a group reference).
    label = html.escape(title, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)
    return svg


def _empty(title: str, text: str) -> str:
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#666")
    return _svg(fig, title)


def completeness_by_system(completeness: pd.DataFrame) -> str:
    title = "Impact-weighted completeness by system"
    if completeness.empty:
        return _empty(title, "no completeness snapshot in this quarter")
    c = completeness.assign(w=completeness.impact_weight * completeness.completeness)
    by = (c.groupby("source_system").w.sum() / c.groupby("source_system").impact_weight.sum()).sort_values()
    fig, ax = plt.subplots(figsize=(6, 2.6))
    bars = ax.barh(by.index, by.values * 100, color=PALETTE[0])
    ax.bar_label(bars, labels=[f"{v:.1%}" for v in by.values], padding=3)
    ax.set_xlim(0, 105)
    ax.set_xlabel("weighted completeness (%)")
    ax.set_title(title)
    return _svg(fig, title)


def completeness_by_field(completeness: pd.DataFrame, top: int = 15) -> str:
    title = f"Largest impact-weighted gaps (top {top} fields)"
    if completeness.empty:
        return _empty(title, "no completeness snapshot in this quarter")
    c = completeness.sort_values("weighted_gap", ascending=False).head(top).iloc[::-1]
    labels = c.source_system + "." + c.table_name + "." + c.field_name
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(c) + 1))
    bars = ax.barh(labels, c.completeness * 100, color=[PALETTE[3] if v < 0.9 else PALETTE[1] for v in c.completeness])
    ax.bar_label(bars, labels=[f"{v:.0%} (w{w:g})" for v, w in zip(c.completeness, c.impact_weight)], padding=3,
                 fontsize=8)
    ax.set_xlim(0, 115)
    ax.set_xlabel("completeness (%), impact weight in brackets")
    ax.set_title(title)
    return _svg(fig, title)


def completeness_trend(trend: pd.DataFrame) -> str:
    title = "Weighted completeness by system across quarters"
    if trend.empty:
        return _empty(title, "no completeness history")
    pivot = trend.pivot(index="quarter", columns="source_system", values="weighted_completeness").sort_index()
    fig, ax = plt.subplots(figsize=(6, 2.8))
    for column in pivot.columns:
        ax.plot(pivot.index, pivot[column] * 100, marker="o", label=column)
    ax.set_ylabel("weighted completeness (%)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, ncol=5, loc="lower center")
    ax.set_title(title + (" (one quarter of history so far)" if len(pivot) == 1 else ""))
    return _svg(fig, title)


def findings_by_type_and_system(findings: pd.DataFrame) -> str:
    title = "Findings by type and source system"
    if findings.empty:
        return _empty(title, "no findings")
    pivot = findings.pivot_table(index="finding_type", columns="source_system", values="finding_id",
                                 aggfunc="count", fill_value=0)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    left = pd.Series(0, index=pivot.index)
    for i, column in enumerate(pivot.columns):
        ax.barh(pivot.index, pivot[column], left=left, label=column, color=PALETTE[i % len(PALETTE)])
        left = left + pivot[column]
    for y, total in enumerate(left):
        ax.text(total, y, f" {int(total)}", va="center", fontsize=8)
    ax.set_xlabel("findings")
    ax.legend(fontsize=8, ncol=5, loc="lower right")
    ax.set_title(title)
    return _svg(fig, title)


def top_partners(top: pd.DataFrame) -> str:
    title = "Partners with the most open findings"
    if top.empty:
        return _empty(title, "no findings attributed to partners")
    t = top.iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * len(t) + 1))
    bars = ax.barh(t.label, t.findings, color=PALETTE[4])
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_xlabel("open findings")
    ax.set_title(title)
    return _svg(fig, title)
