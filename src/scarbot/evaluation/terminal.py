"""The terminal view of a run: summary table, failure kinds, strategies, conversations, comparison.

Everything fits the console width it is given (``COLUMNS`` or the terminal's): columns of the
summary table are kept in order of importance while the table fits, the rest are named in a note,
and ``--wide`` shows them all. No cell is ever cut to "…".
"""

from __future__ import annotations

import shutil
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from scarbot.evaluation.compare import fmt_delta
from scarbot.evaluation.report import fmt
from scarbot.evaluation.runner import strategy_of

# (summary key, header): the table's column order.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "n"),
    ("pass_rate", "pass"),
    ("answer_pass_rate", "answer"),
    ("refusal_accuracy", "refusal"),
    ("false_refusals", "false\nref."),
    ("wrong_figures", "wrong\nfig."),
    ("errors", "errors"),
    ("hit_at_1", "hit@1"),
    ("hit_at_k", "hit@k"),
    ("mrr", "MRR"),
    ("ndcg_at_k", "nDCG\n@k"),
    ("citation_precision", "cit.P"),
    ("citation_recall", "cit.R"),
    ("latency_p50_ms", "p50\nms"),
    ("latency_p95_ms", "p95\nms"),
)
# Which columns survive first when the terminal is narrow.
PRIORITY = ("pass_rate", "n", "answer_pass_rate", "refusal_accuracy", "false_refusals", "wrong_figures",
            "hit_at_k", "citation_precision", "latency_p50_ms", "mrr", "citation_recall", "errors", "hit_at_1",
            "ndcg_at_k", "latency_p95_ms")
MAX_IDS = 12  # failing ids listed per kind in the terminal; the report lists them all


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def make_console(width: int, stderr: bool = False) -> Console:
    return Console(width=width, stderr=stderr, highlight=False, soft_wrap=False)


def _label(label: str, k: int) -> str:
    return label.replace("@k", f"@{k}")


def _summary_table(summary: dict[str, Any], keys: list[str]) -> Table:
    k = summary["k"]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("group", no_wrap=True)
    for key, label in TABLE_COLUMNS:
        if key in keys:
            table.add_column(_label(label, k), justify="right", no_wrap=True)
    groups = [("overall", summary["overall"])] + list(summary["by_category"].items())
    for name, stats in groups:
        table.add_row(name, *(fmt(stats.get(key), key) for key, _ in TABLE_COLUMNS if key in keys),
                      style="bold" if name == "overall" else None)
    return table


def _fits(console: Console, table: Table, width: int) -> bool:
    return Measurement.get(console, console.options.update(width=10_000), table).maximum <= width


def choose_columns(console: Console, summary: dict[str, Any], width: int, wide: bool) -> list[str]:
    """The summary keys to show: all with ``wide``, else as many as fit, most important first."""
    if wide:
        return [key for key, _ in TABLE_COLUMNS]
    chosen: list[str] = []
    for key in PRIORITY:
        trial = chosen + [key]
        if _fits(console, _summary_table(summary, trial), width) or len(chosen) < 1:
            chosen = trial
    return chosen


def _line(console: Console, text: str, style: str | None = None) -> None:
    console.print(Text(text, style=style or ""), overflow="fold")


def header(summary: dict[str, Any]) -> str:
    meta = summary.get("meta", {})
    where = f"split {meta['split']} ({meta['dataset']})" if meta.get("split") else f"dataset {meta.get('dataset')}"
    parts = [f"scarbot eval · {where}", f"k={summary['k']}", f"{summary['overall']['n']} scored items"]
    conv = summary.get("conversations")
    if conv:
        parts[-1] += f" ({conv['turns']} turns of {conv['n']} conversations)"
    if meta.get("categories") not in (None, "all"):
        parts.append("categories: " + ", ".join(meta["categories"]))
    return " · ".join(parts)


def print_summary(console: Console, summary: dict[str, Any], width: int, wide: bool) -> None:
    _line(console, header(summary), "bold")
    if summary.get("meta", {}).get("sealed"):
        _line(console, "sealed split: measure only; never tune on its failures (once they are read, add a fresh "
                       "split).", "yellow")
    keys = choose_columns(console, summary, width, wide)
    console.print(_summary_table(summary, keys))
    hidden = [_label(label, summary["k"]).replace("\n@", "@").replace("\n", " ")
              for key, label in TABLE_COLUMNS if key not in keys]
    if hidden:
        _line(console, f"(not shown at {width} columns: {', '.join(hidden)}; --wide shows all)", "dim")


def print_conversations(console: Console, summary: dict[str, Any]) -> None:
    conv = summary.get("conversations")
    if not conv:
        return
    _line(console, f"conversations: {conv['n']} ({conv['turns']} turns) · turn pass {fmt(conv['turn_pass_rate'])}"
                   f" · all turns pass {fmt(conv['conversation_pass_rate'])}"
                   f" · refusal acc. {fmt(conv['refusal_accuracy'])} · wrong figures {conv['wrong_figures']}")


def print_failures(console: Console, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    failing = [r for r in rows if not r["passed"]]
    kinds = {k: n for k, n in summary["failure_kinds"].items() if n}
    if not failing:
        _line(console, f"failures: none of {len(rows)}", "green")
    else:
        _line(console, f"failures: {len(failing)} of {len(rows)} — "
                       + " · ".join(f"{k} {n}" for k, n in kinds.items()), "bold")
        for kind in kinds:
            ids = [f"{r['id']} ({strategy_of(r)})" for r in failing if r.get("failure_kind") == kind]
            more = f" … and {len(ids) - MAX_IDS} more (see the report)" if len(ids) > MAX_IDS else ""
            _line(console, f"  {kind}: {', '.join(ids[:MAX_IDS])}{more}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, title="by answer strategy",
                  title_justify="left")
    table.add_column("strategy", no_wrap=True)
    for label in ("n", "pass", "p50 ms", "p95 ms"):
        table.add_column(label, justify="right", no_wrap=True)
    table.add_column("failures", overflow="fold")
    for name, stats in summary["by_strategy"].items():
        kinds_txt = ", ".join(f"{k} {n}" for k, n in stats["failure_kinds"].items()) or "-"
        table.add_row(name, str(stats["n"]), fmt(stats["pass_rate"]), fmt(stats["latency_p50_ms"], "_ms"),
                      fmt(stats["latency_p95_ms"], "_ms"), kinds_txt)
    console.print(table)


def compare_lines(result: dict[str, Any]) -> list[str]:
    """The item-level part of a comparison as plain lines (also printed when the gate fails)."""
    if not result["per_item"]:
        return [f"{result['against']} holds no per-item results (write them with --update-baseline); "
                "only metrics are compared."]
    failing = [f"{f['id']} ({f['failure_kind']})" for f in result["newly_failing"]]
    lines = [f"newly failing ({len(failing)}): {', '.join(failing) or '-'}",
             f"newly passing ({len(result['newly_passing'])}): {', '.join(result['newly_passing']) or '-'}"]
    if result["new_items"]:
        lines.append(f"not in the reference ({len(result['new_items'])}): {', '.join(result['new_items'][:MAX_IDS])}"
                     + (" …" if len(result["new_items"]) > MAX_IDS else ""))
    return lines


def print_compare(console: Console, result: dict[str, Any] | None) -> None:
    if result is None:
        return
    ref = result.get("reference", {})
    about = ", ".join(f"{key} {ref[key]}" for key in ("split", "dataset", "k", "n") if ref.get(key) is not None)
    _line(console, f"compared with {result['against']} ({result['kind']}{', ' + about if about else ''})", "bold")
    for line in compare_lines(result):
        _line(console, "  " + line)
    changed = [d for d in result["deltas"] if fmt_delta(d["delta"], d["metric"]) != "0"]
    if not changed:
        _line(console, f"  metrics: {len(result['deltas'])} compared, none changed" if result["deltas"]
              else "  metrics: none in common")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for label, justify in (("metric", "left"), ("before", "right"), ("now", "right"), ("change", "right")):
        table.add_column(label, justify=justify, no_wrap=True)
    for d in changed:
        table.add_row(d["metric"], fmt(d["before"], d["metric"]), fmt(d["now"], d["metric"]),
                      fmt_delta(d["delta"], d["metric"]))
    console.print(table)
    unchanged = len(result["deltas"]) - len(changed)
    if unchanged:
        _line(console, f"  ({unchanged} other metric{'s' if unchanged > 1 else ''} unchanged)", "dim")
