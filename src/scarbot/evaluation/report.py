"""Write an evaluation run to disk: ``per_question.jsonl``, ``summary.json`` and ``report.html``.

The HTML is self-contained (inline CSS and hand-drawn SVG, no scripts, no external assets) so it
can be attached to a CI run or opened from a laptop offline. All dataset and answer text is escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from scarbot.evaluation.runner import strategy_of

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


KIND_MEANING = {
    "crash": "ask() raised",
    "wrong_figure": "a forbid string (a wrong figure, an injected word) is in the answer",
    "false_refusal": "abstained where an answer was due",
    "false_answer": "answered, or stated figures, where a refusal was due",
    "retrieval_miss": "no evidence string in the top k retrieved chunks",
    "selection_miss": "the evidence was retrieved, but the answer did not pass",
    "answer_miss": "the answer did not pass; no evidence strings, so retrieval and selection cannot be told apart",
}


def anchor(item_id: str) -> str:
    """An HTML id for an item (``conv-001#2`` → ``item-conv-001_2``)."""
    return "item-" + re.sub(r"[^A-Za-z0-9_-]", "_", item_id)


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
    strategy = strategy_of(row)
    persona = f"<p><b>persona:</b> {escape(row['persona'])}</p>" if row.get("persona") else ""
    return (
        f"<details class='fail' id='{anchor(row['id'])}'><summary><b>{escape(row['id'])}</b> "
        f"[{escape(row['category'])}] <span class='strategy'>{escape(strategy)}</span> "
        f"{escape(row['question'])}</summary>"
        f"{persona}{history}<p class='why'>{'<br>'.join(escape(r) for r in reasons)}</p>"
        f"<p><b>standalone:</b> {escape(row.get('standalone_question') or '')}</p>"
        f"<p><b>answer</b> (strategy: {escape(strategy)}, abstained: {fmt(row['abstained'])}):</p>"
        f"<pre>{escape(row['answer'])}</pre>"
        f"<p><b>citations</b></p><ul>{cites}</ul>"
        f"<div class='cols'><div><b>expected evidence</b><ul>{evidence}</ul></div>"
        f"<div><b>retrieved</b><ol>{''.join(retrieved) or '<li><i>nothing</i></li>'}</ol></div></div>"
        "</details>"
    )


def _strategy_table(summary: dict[str, Any]) -> str:
    body = []
    for name, stats in summary.get("by_strategy", {}).items():
        kinds = ", ".join(f"{k} {n}" for k, n in stats.get("failure_kinds", {}).items()) or "—"
        body.append(f"<tr><th>{escape(name)}</th><td>{stats['n']}</td><td>{fmt(stats['pass_rate'])}</td>"
                    f"<td>{fmt(stats['latency_p50_ms'], '_ms')}</td><td>{fmt(stats['latency_p95_ms'], '_ms')}</td>"
                    f"<td class='left'>{escape(kinds)}</td></tr>")
    return ("<table class='summary'><tr><th>strategy</th><th>items</th><th>pass rate</th><th>p50 ms</th>"
            f"<th>p95 ms</th><th>failures</th></tr>{''.join(body)}</table>")


def _kind_matrix(rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> str:
    """Failure kinds (rows) × answer strategies (columns), counts of failing items."""
    kinds = [k for k, n in summary.get("failure_kinds", {}).items() if n]
    if not kinds:
        return ""
    strategies = sorted({strategy_of(r) for r in rows if r.get("failure_kind")})
    head = "".join(f"<th>{escape(s)}</th>" for s in strategies)
    body = []
    for kind in kinds:
        cells = "".join(
            f"<td>{sum(1 for r in rows if r.get('failure_kind') == kind and strategy_of(r) == s) or ''}"
            "</td>" for s in strategies)
        body.append(f"<tr><th><a href='#kind-{kind}'>{kind}</a></th><td>{summary['failure_kinds'][kind]}</td>"
                    f"{cells}</tr>")
    return (f"<table class='summary'><tr><th>failure kind</th><th>all</th>{head}</tr>{''.join(body)}</table>"
            "<p>Columns are answer strategies (<code>Answer.strategy</code>).</p>")


def _failures_by_kind(rows: Sequence[dict[str, Any]]) -> str:
    parts = []
    failing = [r for r in rows if not r["passed"]]
    for kind, meaning in KIND_MEANING.items():
        group = [r for r in failing if r.get("failure_kind") == kind]
        if not group:
            continue
        group.sort(key=lambda r: r.get("strategy") or "")
        by_strategy: dict[str, list[dict[str, Any]]] = {}
        for r in group:
            by_strategy.setdefault(strategy_of(r), []).append(r)
        parts.append(f"<h3 id='kind-{kind}'>{kind} ({len(group)})</h3><p>{escape(meaning)}.</p>")
        for strategy, items in by_strategy.items():
            parts.append(f"<h4>strategy: {escape(strategy)} ({len(items)})</h4>" + "".join(_failure(r) for r in items))
    return "".join(parts) or "<p>None.</p>"


def _conversations(rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> str:
    conv = summary.get("conversations")
    if not conv:
        return ""
    per: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("conversation"):
            per.setdefault(r["conversation"], []).append(r)
    body = "".join(
        f"<tr><th>{escape(cid)}</th><td>{sum(r['passed'] for r in turns)}/{len(turns)}</td>"
        f"<td class='left'>{' '.join(('✓' if r['passed'] else '✗') for r in turns)}</td>"
        f"<td class='left'>{escape(turns[0].get('persona') or '')}</td></tr>"
        for cid, turns in per.items())
    return (
        f"<h2>Conversations (played live)</h2><p>{conv['n']} conversations, {conv['turns']} turns: "
        f"turn pass rate {fmt(conv['turn_pass_rate'])}, conversations with every turn passing "
        f"{fmt(conv['conversation_pass_rate'])}, refusal accuracy on unanswerable turns "
        f"{fmt(conv['refusal_accuracy'])}, turns with a wrong figure {conv['wrong_figures']}.</p>"
        "<table class='summary'><tr><th>conversation</th><th>turns passed</th><th>turn by turn</th>"
        f"<th>persona</th></tr>{body}</table>"
    )


def _compare(result: dict[str, Any] | None) -> str:
    if not result:
        return ""
    from scarbot.evaluation.compare import fmt_delta

    ref = result.get("reference", {})
    about = ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in ref.items() if v is not None)
    if result["per_item"]:
        failing = "".join(f"<li><a href='#{anchor(f['id'])}'>{escape(f['id'])}</a> "
                          f"({escape(str(f['failure_kind']))})</li>" for f in result["newly_failing"])
        passing = "".join(f"<li>{escape(i)}</li>" for i in result["newly_passing"])
        items = (f"<h3>Newly failing ({len(result['newly_failing'])})</h3><ul>{failing or '<li><i>none</i></li>'}</ul>"
                 f"<h3>Newly passing ({len(result['newly_passing'])})</h3><ul>{passing or '<li><i>none</i></li>'}</ul>")
        if result["new_items"]:
            items += f"<p>Not in the reference: {escape(', '.join(result['new_items']))}</p>"
    else:
        items = "<p>The reference holds no per-item results; only metrics are compared.</p>"
    deltas = "".join(
        f"<tr><th>{escape(d['metric'])}</th><td>{fmt(d['before'], d['metric'])}</td><td>{fmt(d['now'], d['metric'])}"
        f"</td><td>{fmt_delta(d['delta'], d['metric'])}</td></tr>" for d in result["deltas"])
    table = (f"<table class='summary'><tr><th>metric</th><th>before</th><th>now</th><th>change</th></tr>{deltas}"
             "</table>") if deltas else "<p>No metric in common.</p>"
    return (f"<h2>Compared with {escape(result['against'])}</h2><p>{escape(result['kind'])}"
            f"{' (' + about + ')' if about else ''}</p>{items}{table}")


def _header(summary: dict[str, Any]) -> str:
    meta = summary.get("meta", {})
    if meta.get("split"):
        where = f"Split <b>{escape(meta['split'])}</b> ({escape(str(meta.get('dataset')))})"
    else:
        where = f"Dataset <b>{escape(str(meta.get('dataset')))}</b>"
    sealed = ("<p class='sealed'>Sealed split: measure only. Never tune on its failures; once they are read, "
              "add a fresh split.</p>") if meta.get("sealed") else ""
    return f"<p class='where'>{where}, k={escape(str(summary.get('k')))}</p>{sealed}"


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1300px}
table.summary{border-collapse:collapse;font-size:13px;margin:.5em 0}
table.summary td,table.summary th{border:1px solid #ddd;padding:3px 6px;text-align:right}
table.summary td.left{text-align:left}
tr.overall{background:#eef}
pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}
.cols{display:grid;grid-template-columns:1fr 2fr;gap:1em}
li.hit{border-left:4px solid #2e7d32;padding-left:4px} li.miss{border-left:4px solid #bbb;padding-left:4px}
.ctx{font-size:12px;color:#444;max-height:8em;overflow:auto}
details.fail{border:1px solid #e0e0e0;margin:.4em 0;padding:.3em .6em}
.why{color:#c62828}
.strategy{font-size:12px;background:#eef;padding:0 4px;border-radius:3px}
.where{font-size:16px} .sealed{color:#8a5a00;font-weight:bold}
"""


def render_html(rows: Sequence[dict[str, Any]], summary: dict[str, Any], title: str = "scarbot evaluation") -> str:
    """The whole report as one HTML string."""
    failures = [r for r in rows if not r["passed"]]
    meta = summary.get("meta", {})
    meta_html = "".join(f"<li>{escape(str(key))}: {escape(str(val))}</li>" for key, val in meta.items())
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{_header(summary)}<ul>{meta_html}</ul>"
        f"<h2>Summary (k={escape(str(summary.get('k')))})</h2>{_summary_table(summary)}"
        "<p>Rates are over eligible items only (answer pass: answerable items; refusal accuracy: "
        "unanswerable items; retrieval: answerable items with evidence); — means not measured.</p>"
        f"{_compare(summary.get('compare'))}"
        f"{_conversations(rows, summary)}"
        f"<h2>Pass rate per category</h2>{category_chart(summary.get('by_category', {}))}"
        f"<h2>Answer strategies</h2>{_strategy_table(summary)}"
        f"<h2>Latency per question</h2>{latency_histogram([r.get('latency_ms') for r in rows])}"
        f"<h2>Failures ({len(failures)} of {len(rows)})</h2>{_kind_matrix(rows, summary)}"
        f"{_failures_by_kind(rows)}"
        "</body></html>"
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
