"""The router: the first strategy that applies and gives a verified draft answers.

Order matters only where two strategies could both answer: refusals first (nothing outside the
article is answered), then computed answers (they need several facts), recommendations, clinics,
prices, and extraction last (it always has something to say, or declines).
"""

from __future__ import annotations

import logging
import threading

from scarbot.answer.acronyms import AcronymStrategy
from scarbot.answer.base import AnswerContext, CorpusView, Draft, Strategy
from scarbot.answer.clinics import ClinicStrategy
from scarbot.answer.compose import ComputeStrategy
from scarbot.answer.extract import ExtractStrategy
from scarbot.answer.kinds import of_parent
from scarbot.answer.lasting import LastingStrategy
from scarbot.answer.prices import PriceStrategy
from scarbot.answer.properties import PropertyStrategy
from scarbot.answer.recommend import RecommendStrategy
from scarbot.answer.refusals import OtherCountryRefusal, RefusalPolicy
from scarbot.answer.verify import (
    absolute_premise,
    numeric_premise,
    said_of_another,
    session_premise,
    superlative_premise,
    verify,
)
from scarbot.query import Query

log = logging.getLogger(__name__)

ADVICE = ("This is general information from the article, not medical advice: for a decision about your own "
          "skin, please see a dermatologist")


MAX_SOURCES = 3  # a structured answer reads the records of at most this many articles, those retrieval ranked


def ranked_sources(corpus: CorpusView, hits: list, limit: int = MAX_SOURCES) -> tuple[str, ...]:
    """The articles of the retrieved chunks, best-ranked first, at most ``limit``."""
    out: list[str] = []
    for h in hits:
        src = corpus.chunks[h.index].source
        if src not in out:
            out.append(src)
            if len(out) == limit:
                break
    return tuple(out)


def others_note(full: CorpusView, view: CorpusView, q: Query, draft: Draft) -> None:
    """One line, not one per article: how many articles outside the answer's also price what was asked."""
    procs = [p for p in q.procedures if p in full.priced]
    if not procs or draft.abstained or draft.strategy not in ("prices", "compose"):
        return
    others = {p.source for p in full.by_proc.get(procs[0], ()) if p.source not in view.scope}
    if others:
        n = len(others)
        draft.add(f"{n} other article{'s' if n > 1 else ''} in the collection also list{'' if n > 1 else 's'} a "
                  f"price for {procs[0]}", derived=(str(n),))


class Router:
    def __init__(self, corpus: CorpusView):
        self.corpus = corpus
        self.strategies: list[Strategy] = self._strategies(corpus)
        self._by_source: dict[str, list[Strategy]] = {}
        self._by_scope: dict[tuple[str, ...], list[Strategy]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _strategies(corpus: CorpusView) -> list[Strategy]:
        return [RefusalPolicy(corpus), ComputeStrategy(corpus), RecommendStrategy(corpus), PropertyStrategy(corpus),
                LastingStrategy(corpus), AcronymStrategy(corpus), ClinicStrategy(corpus),
                PriceStrategy(corpus), OtherCountryRefusal(corpus), ExtractStrategy(corpus)]

    def answer(self, q: Query, hits: list, qvec, fvec=None) -> Draft:
        ctx = AnswerContext(hits, qvec, fvec)
        steps = [f"operation: {q.operation}"]
        strategies = self.strategies
        source = self.corpus.about(q)
        if source is not None:  # "laser for hair loss in the UK": that article's tables and clinics only
            if source not in self._by_source:
                self._by_source[source] = self._strategies(self.corpus.only(source))
            strategies = self._by_source[source]
            steps.append(f"about: {source}")
        elif len(self.corpus.sources) > MAX_SOURCES and hits:
            # many articles: answer from the records of those retrieval ranked, never from every record
            named = [self.corpus.clinic_source[c] for c in q.clinics if c in self.corpus.clinic_source]
            scope = tuple(dict.fromkeys([*named, *ranked_sources(self.corpus, hits)]))[:MAX_SOURCES]
            view = self.corpus.scoped(scope)  # the articles of the clinics it names, then those retrieved
            strategies = self._by_scope.get(view.scope) or self._strategies(view)
            with self._lock:  # request threads share the cache
                while len(self._by_scope) >= 128:
                    self._by_scope.pop(next(iter(self._by_scope)), None)
                self._by_scope[view.scope] = strategies
            steps.append(f"scope: {', '.join(view.scope)}")
        draft = self._run(q, ctx, strategies, steps)
        if draft.abstained and q.filler_types and any(x.startswith(("verify: no ", "extract: about ")) for x in draft.steps):
            draft = of_parent(q, strategies[0].corpus, draft)
        if q.advice and not draft.abstained:
            draft.add(ADVICE)
        return draft

    def _run(self, q: Query, ctx: AnswerContext, strategies: list[Strategy], steps: list[str]) -> Draft:
        """The first strategy that applies and answers, its draft verified."""
        hits = ctx.hits
        for strategy in strategies:
            if not strategy.applies(q):
                continue
            try:
                draft = strategy.answer(q, ctx)
            except Exception:  # noqa: BLE001 - one strategy's bug must not reach the user as a traceback
                log.exception("strategy %s failed on %r", strategy.name, q.text[:200])
                steps.append(f"{strategy.name}: failed")
                continue
            if draft is None:
                steps.append(f"{strategy.name}: nothing")
                continue
            draft = verify(q, draft, self.corpus.rare_prefix, self.corpus.background, tuple(self.corpus.homes))
            units = [i for h in hits for i in strategies[0].corpus.index.units_by_chunk.get(
                strategies[0].corpus.chunks[h.index].id, [])]
            draft = superlative_premise(q, draft, strategies[0].corpus.units, units)
            draft = numeric_premise(q, draft, strategies[0].corpus.units, units)
            view = strategies[0].corpus  # the claim may be about a treatment the retrieved price rows only name
            named = [i for p in q.procedures for i in view.proc_units.get(p, [])]
            draft = absolute_premise(q, draft, view.units, list(dict.fromkeys([*units, *named])))
            draft = session_premise(q, draft, view.sessions)
            draft = said_of_another(q, draft, view, units)
            draft.steps = [*steps, f"{strategy.name}: answered", *draft.steps]
            if strategies and strategies[0].corpus.scope:
                others_note(self.corpus, strategies[0].corpus, q, draft)
            return draft
        return Draft(abstained=True, strategy="refusal", steps=steps).add(
            "Sorry, I could not answer that from the article; please rephrase the question")
