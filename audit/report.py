"""Render the quarterly audit into `reports/audit-<YYYY>-Q<n>/`:
index.html (self-contained, charts as inline SVG), findings.csv, findings.parquet, summary.md, gx/ (Data Docs)
and expectations.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd

from audit import charts
from audit.data import AuditData, load
from audit.expectations import ExpectationOutcome, run_suite, summarize
from audit.people_csv import write_frame
from audit.quarter import Quarter
from warehouse.connection import read_published

TYPE_LABELS = {"stale": "Stale records", "duplicate": "Duplicate partners", "conflict": "Cross-system conflicts",
               "orphan": "Orphans", "certification_risk": "Certification risk", "data_quality": "Data quality",
               "source_file": "Source files (rejected, schema drift)"}
FINDING_COLUMNS = ["finding_id", "finding_type", "rule", "severity", "source_system", "source_table",
                   "source_record_id", "partner_id", "partner_name", "field_name", "triggering_value",
                   "related_record_id", "detail", "as_of_date"]


@dataclass
class ReportResult:
    folder: Path
    headline: dict
    expectations_failed: int


def _top_partners(data: AuditData, n: int = 10) -> pd.DataFrame:
    f = data.findings[data.findings.partner_id.notna()]
    if f.empty:
        return pd.DataFrame(columns=["partner_id", "partner_name", "findings", "high", "label", "types"])
    grouped = f.groupby("partner_id").agg(
        findings=("finding_id", "count"),
        high=("severity", lambda s: int((s == "high").sum())),
        types=("finding_type", lambda s: ", ".join(sorted(set(s)))),
    ).reset_index()
    grouped = grouped.merge(data.partners, on="partner_id", how="left")
    grouped["partner_name"] = grouped.partner_name.fillna(grouped.partner_id)
    grouped = grouped.sort_values(["findings", "high", "partner_name"], ascending=[False, False, True]).head(n)
    grouped["label"] = grouped.partner_name.str.slice(0, 40)
    return grouped.reset_index(drop=True)


def headline(data: AuditData, outcomes: list[ExpectationOutcome] | None) -> dict:
    f, c = data.findings, data.completeness
    weighted = float((c.impact_weight * c.completeness).sum() / c.impact_weight.sum()) if not c.empty else None
    by_type = {t: int((f.finding_type == t).sum()) for t in TYPE_LABELS}
    out = {
        "quarter": data.quarter.label,
        "as_of_date": str(data.as_of_date),
        "findings": int(len(f)),
        "high_severity": int((f.severity == "high").sum()),
        "partners_with_findings": int(f.partner_id.nunique()),
        "partners": int(len(data.partners)),
        "by_type": by_type,
        "weighted_completeness": round(weighted, 4) if weighted is not None else None,
        "fields_below_90pct": int((c.completeness < 0.9).sum()),
    }
    if outcomes is not None:
        out["expectations"] = summarize(outcomes)
    return out


def _summary_md(h: dict, rules: pd.DataFrame, gaps: pd.DataFrame, top: pd.DataFrame,
                outcomes: list[ExpectationOutcome] | None) -> str:
    lines = [f"# Partner data-hygiene audit {h['quarter']}", "",
             f"As of {h['as_of_date']} (the last build of the quarter in the warehouse history).", "",
             "## Headline numbers", "",
             f"- **{h['findings']}** findings, **{h['high_severity']}** of high severity, on "
             f"**{h['partners_with_findings']}** of {h['partners']} partners",
             *[f"- {TYPE_LABELS[t]}: {n}" for t, n in h["by_type"].items()],
             f"- Impact-weighted completeness: **{h['weighted_completeness']:.1%}**; "
             f"{h['fields_below_90pct']} measured fields below 90%" if h["weighted_completeness"] is not None
             else "- Completeness: no snapshot in this quarter"]
    if outcomes is not None:
        e = h["expectations"]
        lines.append(f"- Expectations (great-expectations): {e['passed']} of {e['evaluated']} passed, "
                     f"**{e['failed']} failed**")
    lines += ["", "## Findings by rule", "", "| type | rule | findings |", "|---|---|---:|"]
    lines += [f"| {r.finding_type} | {r.rule} | {r.findings} |" for r in rules.itertuples()]
    lines += ["", "## Largest impact-weighted completeness gaps", "", "| field | completeness | weight |", "|---|---:|---:|"]
    lines += [f"| {r.source_system}.{r.table_name}.{r.field_name} | {r.completeness:.1%} | {r.impact_weight:g} |"
              for r in gaps.head(5).itertuples()]
    lines += ["", "## Partners with the most open findings", "", "| partner | findings | high |", "|---|---:|---:|"]
    lines += [f"| {r.partner_name} | {r.findings} | {r.high} |" for r in top.head(5).itertuples()]
    if outcomes is not None and any(not o.success for o in outcomes):
        lines += ["", "## Failed expectations", ""]
        lines += [f"- {o.mart}: {o.description} — observed {o.observed}" for o in outcomes if not o.success]
    return "\n".join(lines) + "\n"


def render(data: AuditData, out_root: Path, outcomes: list[ExpectationOutcome] | None,
           gx_docs: bool = False) -> ReportResult:
    folder = Path(out_root) / data.quarter.folder
    folder.mkdir(parents=True, exist_ok=True)

    findings = data.findings.merge(data.partners[["partner_id", "partner_name"]], on="partner_id", how="left")
    findings = findings[FINDING_COLUMNS]
    write_frame(findings, folder / "findings.csv")
    findings.to_parquet(folder / "findings.parquet", index=False)

    h = headline(data, outcomes)
    top = _top_partners(data)
    rules = (data.findings.groupby(["finding_type", "rule"]).size().rename("findings").reset_index()
             .sort_values(["finding_type", "findings"], ascending=[True, False]))
    by_system = data.findings.pivot_table(index="finding_type", columns="source_system", values="finding_id",
                                          aggfunc="count", fill_value=0)
    gaps = data.completeness.sort_values("weighted_gap", ascending=False)

    (folder / "summary.md").write_text(_summary_md(h, rules, gaps, top, outcomes), encoding="utf-8")
    (folder / "headline.json").write_text(json.dumps(h, indent=2), encoding="utf-8")
    if outcomes is not None:
        (folder / "expectations.json").write_text(json.dumps([o.as_dict() for o in outcomes], indent=2),
                                                  encoding="utf-8")

    # select_autoescape matches the template's last suffix: "html" alone missed report.html.j2, so every value
    # (partner names, record ids, details) reached the page unescaped. Charts are marked |safe in the template.
    env = jinja2.Environment(loader=jinja2.PackageLoader("audit", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    samples = {t: findings[findings.finding_type == t].head(25).to_dict("records") for t in TYPE_LABELS}
    html = env.get_template("report.html.j2").render(
        h=h, quarter=data.quarter, as_of=data.as_of_date, run_id=data.run_id,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        type_labels=TYPE_LABELS, rules=rules.to_dict("records"),
        by_system=by_system.reset_index().to_dict("records"), systems=list(by_system.columns),
        gaps=gaps.head(20).to_dict("records"), top=top.to_dict("records"), samples=samples,
        outcomes=outcomes, gx_docs=gx_docs,
        charts={
            "completeness_by_system": charts.completeness_by_system(data.completeness),
            "completeness_by_field": charts.completeness_by_field(data.completeness),
            "completeness_trend": charts.completeness_trend(data.completeness_trend),
            "findings_by_type": charts.findings_by_type_and_system(data.findings),
            "top_partners": charts.top_partners(top),
        },
    )
    (folder / "index.html").write_text(html, encoding="utf-8")
    return ReportResult(folder, h, sum(not o.success for o in outcomes or []))


def generate(published: Path, quarter: Quarter, out_root: Path, expectations: bool = True) -> ReportResult:
    """Read the published warehouse (read-only) and write the quarter's report folder."""
    con = read_published(published)
    try:
        data = load(con, quarter)
        outcomes = None
        folder = Path(out_root) / quarter.folder
        if expectations:
            outcomes = run_suite(con, docs_dir=folder / "gx")
        return render(data, out_root, outcomes, gx_docs=expectations)
    finally:
        con.close()
