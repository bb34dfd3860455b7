"""Write an evaluation run to disk: ``per_question.jsonl``, ``summary.json`` and ``report.html``.

The HTML is self-contained (inline CSS and hand-drawn SVG, no scripts, no external assets) so it
can be attached to a CI run or opened from a laptop offline. All dataset and answer text is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "items"),
    ("pass_rate", "pass rate"),
    ("answer_pass_rate", "answer pass"),
    ("refusal_accuracy", "refusal acc."),
    ("false_refusals", "false refusals"),
    ("wrong_figures", "wrong figures"),
    ("errors", "errors"),
    ("hit_at_1", "hit@1"),
    ("hit_at_k", "hit@k"),
    ("mrr", "MRR"),
    ("ndcg_at_k", "nDCG@k"),
    ("citation_precision", "cit. precision"),
    ("citation_recall", "cit. recall"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def fmt(value: Any, key: str = "") -> str:
    """Human format: rates as 0.000, milliseconds as integers, ``None`` as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.0f}" if key.endswith("_ms") else f"{value:.3f}"
    return str(value)


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _summary_table(summary: dict[str, Any]) -> str:
    k = summary.get("k", "k")
    head = "".join(f"<th>{escape(label.replace('@k', f'@{k}'))}</th>" for _, label in SUMMARY_COLUMNS)
    body = []
    groups = [("overall", summary["overall"])] + list(summary.get("by_category", {}).items())
    for name, stats in groups:
        cells = "".join(f"<td>{escape(fmt(stats.get(key), key))}</td>" for key, _ in SUMMARY_COLUMNS)
        cls = ' class="overall"' if name == "overall" else ""
        body.append(f"<tr{cls}><th>{escape(name)}</th>{cells}</tr>")
    return f'<table class="summary"><tr><th></th>{head}</tr>{"".join(body)}</table>'


def category_chart(by_category: dict[str, dict[str, Any]]) -> str:
    """Horizontal bars: pass rate per category (0..1), with the item count."""
    names = list(by_category)
    bar_h, gap, label_w, width = 18, 6, 130, 360
    height = max(1, len(names)) * (bar_h + gap) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pass rate per category" '
             f'width="{label_w + width + 90}" height="{height}">']
    for frac in (0, 0.5, 1):
        x = label_w + frac * width
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#ccc"/>'
                     f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle">{frac:.1f}</text>')
    for i, name in enumerate(names):
        stats = by_category[name]
        rate = stats.get("pass_rate") or 0.0
        y = i * (bar_h + gap)
        colour = "#2e7d32" if rate >= 0.8 else "#f9a825" if rate >= 0.5 else "#c62828"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" font-size="12" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{width}" height="{bar_h}" fill="#f1f1f1"/>'
            f'<rect x="{label_w}" y="{y}" width="{rate * width:.1f}" height="{bar_h}" fill="{colour}">'
            f"<title>{escape(name)}: {rate:.3f}</title></rect>"
            f'<text x="{label_w + rate * width + 4:.1f}" y="{y + bar_h - 5}" font-size="11">'
            f'{rate:.2f} (n={stats.get("n", 0)})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def latency_histogram(latencies: Sequence[float], bins: int = 12) -> str:
    """Histogram of total latency per question (ms)."""
    vals = [float(v) for v in latencies if isinstance(v, int | float)]
    if not vals:
        return "<p>No latency recorded.</p>"
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in vals:
        counts[min(bins - 1, int((v - lo) / span * bins))] += 1
    width, height, pad = 480, 160, 28
    bw = width / bins
    top = max(counts)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="latency histogram" '
             f'width="{width + 2 * pad}" height="{height + 2 * pad}">']
    for i, c in enumerate(counts):
        h = (c / top) * height if top else 0
        x = pad + i * bw
        lo_i, hi_i = lo + span * i / bins, lo + span * (i + 1) / bins
        parts.append(f'<rect x="{x + 1:.1f}" y="{pad + height - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                     f'fill="#1565c0"><title>{lo_i:.0f}–{hi_i:.0f} ms: {c}</title></rect>')
        if c:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{pad + height - h - 3:.1f}" font-size="10" '
                         f'text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{pad}" y="{height + pad + 16}" font-size="11">{lo:.0f} ms</text>'
                 f'<text x="{pad + width}" y="{height + pad + 16}" font-size="11" text-anchor="end">{hi:.0f} ms</text>'
                 "</svg>")
    return "".join(parts)


def _failure(row: dict[str, Any]) -> str:
    reasons = []
    if row.get("error"):
        reasons.append(f"error: {row['error']}")
    if row["answerable"]:
        if row.get("false_refusal"):
            reasons.append("false refusal")
        for g in row.get("missing_groups", []):
            reasons.append("missing one of: " + " | ".join(g))
    else:
        reasons.append("should abstain and state no figures" + ("" if row["abstained"] else " (did not abstain)"))
    for f in row.get("forbidden_found", []):
        reasons.append(f"forbidden string present: {f}")
    history = "".join(f"<div class='turn'><b>{escape(t['role'])}:</b> {escape(t['content'])}</div>"
                      for t in row.get("history", []))
    evidence = "".join(f"<li>{escape(e)}</li>" for e in row.get("evidence", [])) or "<li><i>none</i></li>"
    retrieved = []
    hits = row.get("hits") or []
    for i, ctx in enumerate(row.get("retrieved", [])):
        mark = "hit" if i < len(hits) and hits[i] else "miss"
        retrieved.append(f"<li class='{mark}'><code>{escape(ctx['chunk_id'])}</code> "
                         f"<small>{escape(ctx.get('section', ''))} · {ctx.get('score', 0):.3f}</small>"
                         f"<div class='ctx'>{escape(ctx['text'])}</div></li>")
    cites = "".join(f"<li>[{c['n']}] <code>{escape(c['chunk_id'])}</code> “{escape(c['quote'])}”</li>"
                    for c in row.get("citations", [])) or "<li><i>none</i></li>"
    return (
        f"<details class='fail'><summary><b>{escape(row['id'])}</b> [{escape(row['category'])}] "
        f"{escape(row['question'])}</summary>"
        f"{history}<p class='why'>{'<br>'.join(escape(r) for r in reasons)}</p>"
        f"<p><b>standalone:</b> {escape(row.get('standalone_question') or '')}</p>"
        f"<p><b>answer</b> (abstained: {fmt(row['abstained'])}):</p><pre>{escape(row['answer'])}</pre>"
        f"<p><b>citations</b></p><ul>{cites}</ul>"
        f"<div class='cols'><div><b>expected evidence</b><ul>{evidence}</ul></div>"
        f"<div><b>retrieved</b><ol>{''.join(retrieved) or '<li><i>nothing</i></li>'}</ol></div></div>"
        "</details>"
    )


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1300px}
table.summary{border-collapse:collapse;font-size:13px}
table.summary td,table.summary th{border:1px solid #ddd;padding:3px 6px;text-align:right}
tr.overall{background:#eef}
pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}
.cols{display:grid;grid-template-columns:1fr 2fr;gap:1em}
li.hit{border-left:4px solid #2e7d32;padding-left:4px} li.miss{border-left:4px solid #bbb;padding-left:4px}
.ctx{font-size:12px;color:#444;max-height:8em;overflow:auto}
details.fail{border:1px solid #e0e0e0;margin:.4em 0;padding:.3em .6em}
.why{color:#c62828}
"""


def render_html(rows: Sequence[dict[str, Any]], summary: dict[str, Any], title: str = "scarbot evaluation") -> str:
    """The whole report as one HTML string."""
    failures = [r for r in rows if not r["passed"]]
    meta = summary.get("meta", {})
    meta_html = "".join(f"<li>{escape(str(key))}: {escape(str(val))}</li>" for key, val in meta.items())
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><ul>{meta_html}</ul>"
        f"<h2>Summary (k={escape(str(summary.get('k')))})</h2>{_summary_table(summary)}"
        "<p>Rates are over eligible items only (answer pass: answerable items; refusal accuracy: "
        "unanswerable items; retrieval: answerable items with evidence); — means not measured.</p>"
        f"<h2>Pass rate per category</h2>{category_chart(summary.get('by_category', {}))}"
        f"<h2>Latency per question</h2>{latency_histogram([r.get('latency_ms') for r in rows])}"
        f"<h2>Failures ({len(failures)} of {len(rows)})</h2>"
        + ("".join(_failure(r) for r in failures) or "<p>None.</p>")
        + "</body></html>"
    )


def write_report(out_dir: Path, rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Path]:
    """Write the three files into ``out_dir`` (created if needed) and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "per_question": out_dir / "per_question.jsonl",
        "summary": out_dir / "summary.json",
        "report": out_dir / "report.html",
    }
    write_jsonl(paths["per_question"], rows)
    paths["summary"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["report"].write_text(render_html(rows, summary), encoding="utf-8")
    return paths
