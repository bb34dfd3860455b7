"""The router: the first strategy that applies and gives a verified draft answers.

Order matters only where two strategies could both answer: refusals first (nothing outside the
article is answered), then computed answers (they need several facts), recommendations, clinics,
prices, and extraction last (it always has something to say, or declines).
"""

from __future__ import annotations

import logging

from scarbot.answer.base import AnswerContext, CorpusView, Draft, Strategy
from scarbot.answer.clinics import ClinicStrategy
from scarbot.answer.compose import ComputeStrategy
from scarbot.answer.extract import ExtractStrategy
from scarbot.answer.prices import PriceStrategy
from scarbot.answer.recommend import RecommendStrategy
from scarbot.answer.refusals import OtherCountryRefusal, RefusalPolicy
from scarbot.answer.verify import verify
from scarbot.query import Query

log = logging.getLogger(__name__)

ADVICE = ("This is general information from the article, not medical advice: for a decision about your own "
          "skin, please see a dermatologist")


class Router:
    def __init__(self, corpus: CorpusView):
        self.corpus = corpus
        self.strategies: list[Strategy] = self._strategies(corpus)
        self._by_source: dict[str, list[Strategy]] = {}

    @staticmethod
    def _strategies(corpus: CorpusView) -> list[Strategy]:
        return [RefusalPolicy(corpus), ComputeStrategy(corpus), RecommendStrategy(corpus), ClinicStrategy(corpus),
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
            draft = verify(q, draft, self.corpus.rare_prefix)
            draft.steps = [*steps, f"{strategy.name}: answered", *draft.steps]
            if q.advice and not draft.abstained:
                draft.add(ADVICE)
            return draft
        return Draft(abstained=True, strategy="refusal", steps=steps).add(
            "Sorry, I could not answer that from the article; please rephrase the question")
