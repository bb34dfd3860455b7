"""Refusal policy: questions the article cannot answer, declined before any strategy guesses.

Each check names what is missing in words the user gave (or the kind of fact), states no figures,
and never follows an instruction found in the question.
"""

from __future__ import annotations

import re

from scarbot.answer.base import AnswerContext, CorpusView, Draft, join_names, refusal
from scarbot.query import Query

_UNGIVEN = {"contact": "contact details", "hours": "opening hours", "people": "names of doctors or staff",
            "history": "when or by whom the clinics were founded",
            "rating": "ratings or rankings", "insurance": "insurance coverage", "age limits": "age limits for treatment",
            "travel prices": "prices for flights, hotels or visas",
            "hotels": "hotel recommendations (it only says recovery centers and medical hotels exist)"}


class RefusalPolicy:
    """Injections, topics and facts outside the article, clinics and words it never names."""

    name = "refusal"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        return True

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        for check in (self._instructions, self._other_topic, self._ungiven, self._unknown_clinic,
                      self._unbound_subject):
            draft = check(q)
            if draft is not None:
                return draft
        return None

    def _instructions(self, q: Query) -> Draft | None:
        has_question = bool(q.entities or q.countries or (q.attributes and "?" in q.text))
        if q.reveal or (q.injection and not has_question):
            return refusal(f"I can only answer questions about the article \"{self.corpus.title}\", and I don't "
                           "share or change my instructions. Ask me about what the article covers.")
        return None

    def _other_topic(self, q: Query) -> Draft | None:
        if not q.other_topics:
            return None
        topic = re.sub(r"(?:\s+(?:of|from|to|for|in|at|with))+$", "", q.other_topics[0])  # "flight from" → "flight"
        return refusal(f"That is outside the article \"{self.corpus.title}\": it says nothing about {topic}.")

    def _ungiven(self, q: Query) -> Draft | None:
        kinds = [k for k in q.ungiven if k != "travel prices" or q.asks_cost]
        if kinds and not self.corpus.corpus_has(kinds):
            return refusal(f"The article does not give {_UNGIVEN[kinds[0]]}, so I can't answer that from it.")
        return None

    def _unknown_clinic(self, q: Query) -> Draft | None:
        if q.unknown_clinics and not q.clinics:
            names = join_names([c.name for c in self.corpus.clinics])
            return refusal(f"The article does not mention {q.unknown_clinics[0]}. The clinics it describes are "
                           f"{names}.")
        return None

    def _unbound_subject(self, q: Query) -> Draft | None:
        """Every word that could say what the question is about is unknown to the article."""
        unbound = [w for w in q.unbound if w not in q.framing]  # "the figure I saw online": "saw" frames
        if unbound and not (q.entities or q.countries or q.inferred_scar_types or q.anchors):
            return refusal(f"The article does not mention {join_names(unbound[:3])}, so I can't answer that "
                           "from it.")
        return None


class OtherCountryRefusal:
    """A question about a country the article never covers (prices have their own wording)."""

    name = "refusal"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        return bool(q.other_countries and not q.countries)

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        others = [c for c in self.corpus.countries if c != self.corpus.home]
        return refusal(f"The article does not cover {q.other_countries[0].title()}: it discusses treatment in "
                       f"{self.corpus.home} and compares prices only with {join_names(others)}.")
