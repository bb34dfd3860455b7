"""The regression gate: compare a run's headline metrics with a committed baseline.

Baseline file (``evals/baseline.json``)::

    {"metrics": {"pass_rate": 0.81, "hit_at_k": 0.93, "wrong_figures": 2, ...},
     "tolerance": {"default": 0.02, "wrong_figures": 1, ...},
     "k": 4, "n": 213, "split": "dev", "created": "...",
     "failing_ids": ["def-003", ...], "passing_ids": [...]}

The id lists (written by ``--update-baseline``) let ``--compare`` and a failed gate name the items
that newly fail or newly pass; a baseline without them still gates on the metrics.

Rates fail when ``current < baseline - tolerance``; counts (false refusals, wrong figures, errors)
fail when ``current > baseline + tolerance``. A metric the baseline has but the run could not
measure (``None``) fails too: silence is not a pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scarbot.evaluation.runner import CONVERSATION_METRICS, COUNT_METRICS, RATE_METRICS, headline_metrics

GATED_METRICS = RATE_METRICS + CONVERSATION_METRICS + COUNT_METRICS

DEFAULT_RATE_TOLERANCE = 0.02
DEFAULT_COUNT_TOLERANCE = 1


class BaselineError(ValueError):
    """The baseline file is missing or malformed."""


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise BaselineError(f"baseline {path} must be a JSON object")
    metrics = data.get("metrics")
    if metrics is None:  # also accept a flat file of metric: value pairs
        metrics = {k: v for k, v in data.items() if k in GATED_METRICS}
    if not isinstance(metrics, dict) or not metrics:
        raise BaselineError(f"baseline {path} holds no headline metrics (expected a 'metrics' object)")
    for name, value in metrics.items():
        if value is not None and not isinstance(value, int | float):
            raise BaselineError(f"baseline {path}: metric {name!r} must be a number or null")
    tolerance = data.get("tolerance", {})
    if not isinstance(tolerance, dict):
        raise BaselineError(f"baseline {path}: 'tolerance' must be an object of metric: number")
    for key in ("failing_ids", "passing_ids"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(i, str) for i in data[key])):
            raise BaselineError(f"baseline {path}: '{key}' must be a list of item ids")
    return {**data, "metrics": metrics, "tolerance": tolerance}


def _tolerance(name: str, tolerance: dict[str, Any]) -> float:
    if name in tolerance:
        return float(tolerance[name])
    if name in COUNT_METRICS:
        return float(tolerance.get("default_count", DEFAULT_COUNT_TOLERANCE))
    return float(tolerance.get("default", DEFAULT_RATE_TOLERANCE))


def check_gate(overall: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Return one sentence per regressed metric; an empty list means the gate passes.

    ``overall`` is a flat dict of metrics (:func:`scarbot.evaluation.runner.headline_metrics`)."""
    problems: list[str] = []
    tolerance = baseline.get("tolerance", {})
    for name, base in baseline["metrics"].items():
        if base is None:
            continue
        tol = _tolerance(name, tolerance)
        current = overall.get(name)
        if current is None:
            problems.append(f"{name}: not measured in this run (baseline {base})")
            continue
        lower_is_better = name in COUNT_METRICS or name.endswith("_ms")
        if lower_is_better and current > base + tol:
            problems.append(f"{name}: {current} is above baseline {base} + tolerance {tol:g}")
        elif not lower_is_better and current < base - tol:
            problems.append(f"{name}: {current:.3f} is below baseline {base:.3f} - tolerance {tol:g}")
    return problems


def make_baseline(
    summary: dict[str, Any],
    previous: dict[str, Any] | None = None,
    rows: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A baseline from this run's headline metrics and per-item outcomes, keeping a previous
    file's tolerance map."""
    overall = headline_metrics(summary)
    tolerance = (previous or {}).get("tolerance") or {
        "default": DEFAULT_RATE_TOLERANCE,
        "default_count": DEFAULT_COUNT_TOLERANCE,
    }
    return {
        "metrics": {name: overall.get(name) for name in GATED_METRICS},
        "tolerance": tolerance,
        "k": summary.get("k"),
        "n": overall.get("n"),
        "dataset": summary.get("meta", {}).get("dataset"),
        "split": summary.get("meta", {}).get("split"),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "failing_ids": sorted(r["id"] for r in rows if not r["passed"]),
        "passing_ids": sorted(r["id"] for r in rows if r["passed"]),
    }
