"""Run a QA set through an assistant and score every item.

The runner only needs an object with ``ask(question, history=...) -> Answer`` (the contract in
``scarbot.types``), so tests drive it with a scripted fake and maintainers with the real assistant.

Conversations are played live: turn n is asked with the bot's *own* earlier answers as the
assistant turns of its history, as in a chat, and is then scored like a single item.

Every failing row gets one failure kind, the first that applies in :data:`FAILURE_KINDS` order:

* ``crash``: ``ask`` raised;
* ``wrong_figure``: a ``forbid`` string is in the answer (a neighbouring cell, an injected word);
* ``false_refusal``: the bot abstained on an answerable item;
* ``false_answer``: an unanswerable item that was answered, or whose refusal states figures;
* ``retrieval_miss``: no evidence string in the top k retrieved chunks;
* ``selection_miss``: the evidence was retrieved, but the answer did not pass;
* ``answer_miss``: an answerable item without evidence strings (conversation turns) whose answer
  did not pass: retrieval and selection cannot be told apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from scarbot.evaluation import metrics as m
from scarbot.evaluation.dataset import Conversation, Entry, QAItem
from scarbot.types import Answer

# Metrics where higher is better, and counts where lower is better: the gate reads these names.
RATE_METRICS = (
    "pass_rate",
    "answer_pass_rate",
    "refusal_accuracy",
    "hit_at_1",
    "hit_at_k",
    "mrr",
    "ndcg_at_k",
    "citation_precision",
    "citation_recall",
)
COUNT_METRICS = ("false_refusals", "wrong_figures", "errors")
# Rates measured on conversation turns only (``summary["conversations"]``); gated like the others.
CONVERSATION_METRICS = ("turn_pass_rate", "conversation_pass_rate")
FAILURE_KINDS = (
    "crash",
    "wrong_figure",
    "false_refusal",
    "false_answer",
    "retrieval_miss",
    "selection_miss",
    "answer_miss",
)
NO_STRATEGY = "unknown"


class AskLike(Protocol):
    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer: ...


def score_item(item: QAItem, answer: Answer, k: int, corpus_text: str) -> dict[str, Any]:
    """Every metric for one item, as a JSON-ready row (``None`` where the item is not eligible)."""
    contexts = list(answer.contexts)
    texts = [c.text for c in contexts]
    by_id = {c.chunk_id: c.text for c in contexts}
    cited = [(by_id.get(c.chunk_id), c.quote) for c in answer.citations]
    forbidden = m.forbidden_found(answer.text, item.forbid)

    has_evidence = item.answerable and bool(item.evidence)
    hit_list = m.hits(texts, item.evidence) if has_evidence else []
    first_hit = next((i for i, h in enumerate(hit_list, 1) if h), None)

    if item.answerable:
        a_pass: bool | None = m.answer_pass(answer.text, item.expect_all, item.forbid)
        r_pass: bool | None = None
        passed = bool(a_pass)
    else:
        a_pass = None
        r_pass = m.refusal_pass(answer.abstained, answer.text, item.forbid)
        passed = r_pass
    norm = m.normalize(answer.text)
    missing = [g for g in item.expect_all if not any(m.normalize(a) in norm for a in g)]
    correct_citations = sum(m.citation_correct(t, q, item.evidence, corpus_text) for t, q in cited)
    return {
        "id": item.id,
        "category": item.category,
        "question": item.question,
        "history": item.history,
        "answerable": item.answerable,
        "standalone_question": answer.standalone_question,
        "strategy": getattr(answer, "strategy", "") or "",
        "answer": answer.text,
        "abstained": bool(answer.abstained),
        "citations": [asdict(c) for c in answer.citations],
        "retrieved_ids": [c.chunk_id for c in contexts],
        "retrieved": [{"chunk_id": c.chunk_id, "section": c.section, "text": c.text, "score": c.score}
                      for c in contexts[:k]],
        "expect_all": item.expect_all,
        "evidence": item.evidence,
        "forbid": item.forbid,
        "hits": hit_list[:k],
        "first_hit_rank": first_hit if first_hit is not None and first_hit <= k else None,
        "hit_at_1": m.hit_at_k(hit_list, 1) if has_evidence else None,
        "hit_at_k": m.hit_at_k(hit_list, k) if has_evidence else None,
        "mrr": m.mrr(hit_list, k) if has_evidence else None,
        "ndcg_at_k": m.ndcg_at_k(hit_list, k) if has_evidence else None,
        "n_citations": len(cited),
        "n_citations_correct": correct_citations,
        "citation_precision": m.citation_precision(cited, item.evidence, corpus_text),
        "citation_recall": m.citation_recall_hit(cited, item.evidence) if item.answerable else None,
        "answer_pass": a_pass,
        "missing_groups": missing if item.answerable else [],
        "refusal_pass": r_pass,
        "false_refusal": bool(item.answerable and answer.abstained),
        "wrong_figure": bool(forbidden),
        "forbidden_found": forbidden,
        "latency_ms": answer.timings_ms.get("total"),
        "timings_ms": dict(answer.timings_ms),
        "error": None,
        "passed": passed,
    }


def failure_kind(row: dict[str, Any]) -> str | None:
    """Why a row failed, as one of :data:`FAILURE_KINDS` (first match wins); ``None`` when it passed."""
    if row["passed"] and not row.get("error"):
        return None
    if row.get("error"):
        return "crash"
    if row["wrong_figure"]:
        return "wrong_figure"
    if row["answerable"]:
        if row["abstained"]:
            return "false_refusal"
        if row.get("hit_at_k") is None:
            return "answer_miss"
        return "selection_miss" if row["hit_at_k"] else "retrieval_miss"
    return "false_answer"


def error_row(item: QAItem, exc: BaseException, k: int, corpus_text: str) -> dict[str, Any]:
    """An item whose ``ask`` raised: scored as an empty, non-abstaining answer, with the error kept."""
    row = score_item(item, Answer(text=""), k, corpus_text)
    row.update(error=f"{type(exc).__name__}: {exc}", passed=False, refusal_pass=False if not item.answerable else None)
    return row


def failure_kind_counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """``{kind: n}`` for every kind (zeros included), in precedence order."""
    counts = dict.fromkeys(FAILURE_KINDS, 0)
    for r in rows:
        if r.get("failure_kind"):
            counts[r["failure_kind"]] = counts.get(r["failure_kind"], 0) + 1
    return counts


def strategy_of(row: dict[str, Any]) -> str:
    """The answer strategy of a row, ``unknown`` when the answer named none (or ``ask`` raised)."""
    return row.get("strategy") or NO_STRATEGY


def by_strategy(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per answer strategy: items, pass rate, latency p50/p95 and the failure kinds seen."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted({strategy_of(r) for r in rows}):
        group = [r for r in rows if strategy_of(r) == name]
        latencies = [r["latency_ms"] for r in group if isinstance(r.get("latency_ms"), int | float)]
        kinds = {k: n for k, n in failure_kind_counts(group).items() if n}
        out[name] = {
            "n": len(group),
            "pass_rate": m.mean(r["passed"] for r in group),
            "latency_p50_ms": m.percentile(latencies, 50),
            "latency_p95_ms": m.percentile(latencies, 95),
            "failure_kinds": kinds,
        }
    return out


def conversation_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Scores over conversation turns only; ``None`` when the dataset has no conversation."""
    turns = [r for r in rows if r.get("conversation")]
    if not turns:
        return None
    convs: dict[str, list[bool]] = {}
    for r in turns:
        convs.setdefault(r["conversation"], []).append(bool(r["passed"]))
    return {
        "n": len(convs),
        "turns": len(turns),
        "turn_pass_rate": m.mean(r["passed"] for r in turns),
        "refusal_accuracy": m.mean(r["refusal_pass"] for r in turns if not r["answerable"]),
        "wrong_figures": sum(1 for r in turns if r["wrong_figure"]),
        "conversation_pass_rate": m.mean(all(v) for v in convs.values()),
    }


def headline_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    """The numbers the gate and ``--compare`` look at: the overall metrics plus conversation rates."""
    flat = dict(summary.get("overall", {}))
    conv = summary.get("conversations") or {}
    for name in CONVERSATION_METRICS:
        flat[name] = conv.get(name)
    return flat


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate rows: rates over eligible items only, counts as integers, ``None`` when not measured."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    n_cit = sum(r["n_citations"] for r in rows)
    latencies = [r["latency_ms"] for r in rows if isinstance(r.get("latency_ms"), int | float)]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "pass_rate": m.mean(r["passed"] for r in rows),
        "answer_pass_rate": m.mean(r["answer_pass"] for r in answerable),
        "refusal_accuracy": m.mean(r["refusal_pass"] for r in unanswerable),
        "false_refusals": sum(1 for r in answerable if r["false_refusal"]),
        "wrong_figures": sum(1 for r in rows if r["wrong_figure"]),
        "errors": sum(1 for r in rows if r["error"]),
        "hit_at_1": m.mean(r["hit_at_1"] for r in rows),
        "hit_at_k": m.mean(r["hit_at_k"] for r in rows),
        "mrr": m.mean(r["mrr"] for r in rows),
        "ndcg_at_k": m.mean(r["ndcg_at_k"] for r in rows),
        "citation_precision": (sum(r["n_citations_correct"] for r in rows) / n_cit) if n_cit else None,
        "citation_recall": m.mean(r["citation_recall"] for r in answerable),
        "latency_p50_ms": m.percentile(latencies, 50),
        "latency_p95_ms": m.percentile(latencies, 95),
    }


def _ask_and_score(assistant: AskLike, item: QAItem, k: int, corpus_text: str) -> tuple[dict[str, Any], Answer | None]:
    started = time.perf_counter()
    answer = None
    try:
        answer = assistant.ask(item.question, history=[dict(t) for t in item.history])
        row = score_item(item, answer, k, corpus_text)
    except Exception as exc:  # noqa: BLE001 - recorded per item on purpose
        row = error_row(item, exc, k, corpus_text)
        answer = None
    if row["latency_ms"] is None:
        row["latency_ms"] = (time.perf_counter() - started) * 1000.0
    row["failure_kind"] = failure_kind(row)
    return row, answer


def run_conversation(assistant: AskLike, conv: Conversation, k: int, corpus_text: str) -> Iterator[dict[str, Any]]:
    """Play ``conv`` live and yield one scored row per turn.

    Turn n's history is the earlier user turns with the bot's own answers to them. A turn whose
    ``ask`` raised is left out of the later history, as the chat leaves out a failed message.
    """
    history: list[dict[str, str]] = []
    for n in range(1, len(conv.turns) + 1):
        item = conv.turn_item(n, history)
        row, answer = _ask_and_score(assistant, item, k, corpus_text)
        row.update(conversation=conv.id, turn=n, persona=conv.persona)
        yield row
        if answer is not None:
            history += [{"role": "user", "content": item.question}, {"role": "assistant", "content": answer.text}]


def count_rows(entries: Sequence[Entry]) -> int:
    """How many scored rows a dataset gives: one per single item, one per conversation turn."""
    return sum(len(e.turns) if isinstance(e, Conversation) else 1 for e in entries)


def run_eval(
    assistant: AskLike,
    items: Sequence[Entry],
    k: int,
    corpus_text: str,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Ask every item (with its history; conversations live) and return ``(rows, summary)``.

    An exception from ``ask`` fails that item (kept in ``error``, kind ``crash``) rather than the
    whole run, so one bad answer does not hide the other scores.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    rows: list[dict[str, Any]] = []
    for entry in items:
        if isinstance(entry, Conversation):
            new = run_conversation(assistant, entry, k, corpus_text)
        else:
            new = iter([_ask_and_score(assistant, entry, k, corpus_text)[0]])
        for row in new:
            rows.append(row)
            if progress is not None:
                progress(row)
    return rows, build_summary(rows, k)


def build_summary(rows: Sequence[dict[str, Any]], k: int) -> dict[str, Any]:
    """Overall and per-category metrics, failure kinds, per-strategy figures and conversation scores."""
    categories = sorted({r["category"] for r in rows})
    return {
        "k": k,
        "overall": summarize(rows),
        "by_category": {c: summarize([r for r in rows if r["category"] == c]) for c in categories},
        "failure_kinds": failure_kind_counts(rows),
        "by_strategy": by_strategy(rows),
        "conversations": conversation_summary(rows),
    }
