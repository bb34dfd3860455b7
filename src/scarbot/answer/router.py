"""The router: the first strategy that applies and gives a verified draft answers.

Order matters only where two strategies could both answer: refusals first (nothing outside the
article is answered), then computed answers (they need several facts), recommendations, clinics,
prices, and extraction last (it always has something to say, or declines).
"""

from __future__ import annotations

from scarbot.answer.base import AnswerContext, CorpusView, Draft, Strategy
from scarbot.answer.clinics import ClinicStrategy
from scarbot.answer.compose import ComputeStrategy
from scarbot.answer.extract import ExtractStrategy
from scarbot.answer.prices import PriceStrategy
from scarbot.answer.recommend import RecommendStrategy
from scarbot.answer.refusals import OtherCountryRefusal, RefusalPolicy
from scarbot.answer.verify import verify
from scarbot.query import Query

ADVICE = ("This is general information from the article, not medical advice: for a decision about your own "
          "skin, please see a dermatologist")


class Router:
    def __init__(self, corpus: CorpusView):
        self.corpus = corpus
        self.strategies: list[Strategy] = [
            RefusalPolicy(corpus), ComputeStrategy(corpus), RecommendStrategy(corpus), ClinicStrategy(corpus),
            PriceStrategy(corpus), OtherCountryRefusal(corpus), ExtractStrategy(corpus),
        ]

    def answer(self, q: Query, hits: list, qvec) -> Draft:
        ctx = AnswerContext(hits, qvec)
        steps = [f"operation: {q.operation}"]
        for strategy in self.strategies:
            if not strategy.applies(q):
                continue
            draft = strategy.answer(q, ctx)
            if draft is None:
                steps.append(f"{strategy.name}: nothing")
                continue
            draft = verify(q, draft, self.corpus.rare_prefix)
            draft.steps = [*steps, f"{strategy.name}: answered", *draft.steps]
            if q.advice and not draft.abstained:
                draft.add(ADVICE)
            return draft
        raise AssertionError("the extraction strategy always answers")  # pragma: no cover
