"""``--compare``: what changed since a baseline or an earlier run.

The reference is either a baseline file (``evals/baseline.json``; ``--update-baseline`` stores the
ids of the items that failed and passed) or an earlier run folder (its ``per_question.jsonl`` and
``summary.json``). The comparison lists items that newly fail or newly pass and the change of
every headline metric both sides measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scarbot.evaluation.runner import (
    CONVERSATION_METRICS,
    COUNT_METRICS,
    RATE_METRICS,
    headline_metrics,
)

DELTA_METRICS = RATE_METRICS + CONVERSATION_METRICS + COUNT_METRICS + ("latency_p50_ms", "latency_p95_ms")
RUN_ROWS = "per_question.jsonl"
RUN_SUMMARY = "summary.json"


class CompareError(ValueError):
    """The reference cannot be read; the message says what was expected."""


@dataclass
class Reference:
    """What a run is compared with: headline metrics and, when known, each item's pass/fail."""

    label: str
    kind: str  # "baseline" | "run"
    metrics: dict[str, Any]
    outcomes: dict[str, bool] | None = None  # id -> passed; None when the reference has no per-item data
    meta: dict[str, Any] = field(default_factory=dict)


def baseline_reference(data: dict[str, Any], label: str) -> Reference:
    """A reference from an already loaded baseline (see :func:`scarbot.evaluation.gate.load_baseline`)."""
    failing, passing = data.get("failing_ids"), data.get("passing_ids")
    outcomes = None
    if isinstance(failing, list) and isinstance(passing, list):
        outcomes = {str(i): False for i in failing} | {str(i): True for i in passing}
    meta = {key: data.get(key) for key in ("dataset", "split", "k", "n", "created") if data.get(key) is not None}
    return Reference(label=label, kind="baseline", metrics=dict(data.get("metrics", {})), outcomes=outcomes, meta=meta)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CompareError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CompareError(f"{path}, line {n}: invalid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or "id" not in row or "passed" not in row:
            raise CompareError(f"{path}, line {n}: not a per-question row (needs 'id' and 'passed')")
        rows.append(row)
    return rows


def run_reference(folder: Path) -> Reference:
    """A reference from a run folder written by ``scarbot eval``."""
    rows = _read_rows(folder / RUN_ROWS)
    metrics: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    summary_path = folder / RUN_SUMMARY
    if summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CompareError(f"cannot read {summary_path}: {exc}") from exc
        metrics = headline_metrics(summary)
        meta = {key: val for key, val in summary.get("meta", {}).items() if key in ("dataset", "split", "started")}
        meta["k"] = summary.get("k")
    return Reference(label=str(folder), kind="run", metrics=metrics,
                     outcomes={str(r["id"]): bool(r["passed"]) for r in rows}, meta=meta)


def load_reference(path: Path) -> Reference:
    """A run folder, a run's ``per_question.jsonl`` / ``summary.json``, or a baseline JSON file."""
    from scarbot.evaluation.gate import BaselineError, load_baseline

    if path.is_dir():
        if not (path / RUN_ROWS).exists():
            raise CompareError(f"{path} is not a run folder: it has no {RUN_ROWS} (expected a folder written by "
                               "'scarbot eval', or a baseline JSON file)")
        return run_reference(path)
    if path.name in (RUN_ROWS, RUN_SUMMARY) and (path.parent / RUN_ROWS).exists():
        return run_reference(path.parent)
    if not path.exists():
        raise CompareError(f"nothing to compare with: {path} does not exist (give evals/baseline.json or a run "
                           "folder under evals/runs/)")
    try:
        return baseline_reference(load_baseline(path), str(path))
    except BaselineError as exc:
        raise CompareError(str(exc)) from exc


def compare(reference: Reference, rows: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """Newly failing / newly passing items and metric deltas, as a JSON-ready dict."""
    now = headline_metrics(summary)
    deltas = []
    for name in DELTA_METRICS:
        before, after = reference.metrics.get(name), now.get(name)
        if isinstance(before, int | float) and isinstance(after, int | float):
            deltas.append({"metric": name, "before": before, "now": after, "delta": after - before})
    result: dict[str, Any] = {
        "against": reference.label,
        "kind": reference.kind,
        "reference": reference.meta,
        "per_item": reference.outcomes is not None,
        "newly_failing": [],
        "newly_passing": [],
        "new_items": [],
        "deltas": deltas,
    }
    if reference.outcomes is None:
        return result
    for row in rows:
        before = reference.outcomes.get(row["id"])
        if before is None:
            result["new_items"].append(row["id"])
        elif before and not row["passed"]:
            result["newly_failing"].append({"id": row["id"], "failure_kind": row.get("failure_kind")})
        elif not before and row["passed"]:
            result["newly_passing"].append(row["id"])
    return result


def fmt_delta(value: float, name: str) -> str:
    """``+0.012`` for rates, ``+1`` for counts, ``+3`` ms for latencies; ``0`` when unchanged at
    that precision."""
    text = f"{value:+.0f}" if name in COUNT_METRICS or name.endswith("_ms") else f"{value:+.3f}"
    return "0" if text.strip("+-0.") == "" else text
