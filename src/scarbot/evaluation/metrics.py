"""Pure scoring functions for the QA set (no I/O, no models), so every number in a report can be
recomputed by hand.

Conventions:

* Text matching is case-insensitive after :func:`normalize` (whitespace collapsed, typographic
  quotes turned into ASCII ones).
* A metric with no eligible item is ``None``, never NaN: "not measured" must not look like a score.
* Refusals are scored on their own (:func:`refusal_pass`); they are never averaged into the
  answer or retrieval metrics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from scarbot.text import figures

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, typographic quotes to ASCII, runs of whitespace to one space."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip().lower()


def contains(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` after normalising both."""
    return normalize(needle) in normalize(text)


def forbidden_found(text: str, forbid: Iterable[str]) -> list[str]:
    """The forbid strings that occur in ``text`` (a wrong figure, a wrong place)."""
    return [f for f in forbid if f and contains(text, f)]


def answer_pass(text: str, expect_all: Sequence[Sequence[str]], forbid: Iterable[str] = ()) -> bool:
    """Every group has at least one alternative in ``text`` and no forbid string is present."""
    norm = normalize(text)
    for group in expect_all:
        if not any(normalize(alt) in norm for alt in group):
            return False
    return not forbidden_found(text, forbid)


def states_figures(text: str) -> bool:
    """True when the text states a figure in the sense of :mod:`scarbot.text` (money, a percentage,
    a number).

    ``[n]`` citation markers and digits inside names (``CO2``) are not figures; an abstention that
    still quotes "$500" or "3-6 sessions" is treated as stating figures.
    """
    return bool(figures(text))


def refusal_pass(abstained: bool, text: str, forbid: Iterable[str] = ()) -> bool:
    """An unanswerable item is handled well when the assistant abstained, stated no figures and
    repeated none of the forbid strings (e.g. the word an injection demanded)."""
    return bool(abstained) and not states_figures(text) and not forbidden_found(text, forbid)


def hits(contexts_texts: Sequence[str], evidence: Iterable[str]) -> list[bool]:
    """Per ranked context: does it contain at least one evidence string?"""
    ev = [normalize(e) for e in evidence if e.strip()]
    return [any(e in normalize(t) for e in ev) for t in contexts_texts]


def hit_at_k(hit_list: Sequence[bool], k: int) -> bool:
    """At least one relevant context among the first ``k``."""
    return any(hit_list[:k])


def mrr(hit_list: Sequence[bool], k: int | None = None) -> float:
    """Reciprocal rank of the first relevant context (within ``k`` if given); 0.0 when none."""
    ranked = hit_list if k is None else hit_list[:k]
    for rank, hit in enumerate(ranked, 1):
        if hit:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(hit_list: Sequence[bool], k: int) -> float:
    """Binary-relevance nDCG@k.

    relevant = a context containing any evidence string. DCG = sum over ranks i<=k of
    rel_i / log2(i + 1). The ideal DCG assumes the same number R of relevant chunks that were
    retrieved in the top k, all ranked first: IDCG = sum_{i=1..R} 1 / log2(i + 1). So the score says
    how well the retrieved relevant chunks are *ordered*; 0.0 when none was retrieved (hit@k
    already tells whether any was found).
    """
    top = list(hit_list[:k])
    dcg = sum(1.0 / math.log2(i + 1) for i, h in enumerate(top, 1) if h)
    n_rel = sum(1 for h in top if h)
    if n_rel == 0:
        return 0.0
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, n_rel + 1))
    return dcg / idcg


def citation_correct(
    chunk_text: str | None, quote: str, evidence: Sequence[str], corpus_text: str
) -> bool:
    """One citation is correct when its chunk was among the retrieved contexts and that chunk holds
    an evidence string; for items without evidence, when the quote appears verbatim (after
    normalising) in the corpus. A citation to a chunk that was not retrieved is never correct."""
    if chunk_text is None:
        return False
    if evidence:
        return any(hits([chunk_text], evidence))
    return bool(quote.strip()) and contains(corpus_text, quote)


def citation_precision(
    citations: Sequence[tuple[str | None, str]], evidence: Sequence[str], corpus_text: str
) -> float | None:
    """Share of correct citations among ``(chunk_text_or_None, quote)`` pairs; ``None`` if none."""
    if not citations:
        return None
    good = sum(citation_correct(t, q, evidence, corpus_text) for t, q in citations)
    return good / len(citations)


def citation_recall_hit(citations: Sequence[tuple[str | None, str]], evidence: Sequence[str]) -> bool | None:
    """For an answerable item with evidence: does at least one citation point to a chunk holding
    evidence? ``None`` when the item has no evidence (not eligible)."""
    if not evidence:
        return None
    return any(t is not None and any(hits([t], evidence)) for t, _ in citations)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks; ``None`` if empty."""
    data = sorted(v for v in values if v is not None and not math.isnan(v))
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(data[lo])
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the non-``None`` values; ``None`` when nothing was eligible."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None
    return sum(vals) / len(vals)
