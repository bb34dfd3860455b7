"""Recommendations: every treatment the article ties to a scar type, each with the sentence that
ties it; a lay description of the scars is mapped to the type the article describes that way."""

from __future__ import annotations

import re

from scarbot import lexicon
from scarbot.answer.base import GENERAL, AnswerContext, CorpusView, Draft, Tie, body, cap, join_names
from scarbot.query import Query

_PRICE = re.compile(r"\b(?:how much|price|prices|cost|costs|fee|fees|cheap\w*|expensive|afford\w*)\b")
_WHERE = re.compile(r"\b(clinic|clinics|hospital|where can i|where do i|where to|who offers|who does)\b")


_WHICH = re.compile(r"\bwhich\b|\bwhat\b.{0,40}\b(?:or|vs\.?|versus)\b|\b(?:either|both)\b")
_FOR_ALL = re.compile(r"\b(?:both|all (?:of )?(?:them|those|these|three|two)|at once|same (?:treatment|procedure)|"
                      r"one (?:treatment|procedure|option|thing)|single (?:treatment|procedure|option)|in common)\b")
_TREATMENT = re.compile(r"\b(?:treatments?|procedures?|options?|therap(?:y|ies)|methods?|something|anything|fix)\b")
_SUITS = re.compile(r"\b(?:help|helps|work|works|fix|fixes|treat|treats|good for|suit|suits|suitable|effective|"
                    r"do anything for|get rid of)\b|\b(?:is|are)\s+(?:(?:it|they|mainly|mostly|only|meant|used)\s+)?for\b")
_USED_FOR = re.compile(r"\bused (?:for|in|during|with|on|before|after)\s+(?:an?\s+|the\s+)?$")
_CLINICS = re.compile(r"\b(?:which|what|any|list|name)\s+(?:\w+\s+){0,2}?(?:clinics?|hospitals?)\b")


class RecommendStrategy:
    name = "recommend"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        asks_price = q.asks_cost and q.asking_cost and (q.budget is not None or _PRICE.search(q.text.lower()))  # not "a tight budget"
        if self._scars_for(q):
            return not asks_price
        if self._which_of(q):
            return not asks_price
        if len(q.all_scar_types) >= 2 and _FOR_ALL.search(q.text.lower()) and _TREATMENT.search(q.text.lower()) \
                and not [p for p in q.procedures if p != GENERAL]:
            return not asks_price  # "is there one procedure that helps with both kinds?"
        asks_clinics = bool(_CLINICS.search(q.text.lower()))  # "which clinics would you point me to?"
        named = [p for p in q.procedures if p != GENERAL]  # "scar treatment" in general names no treatment
        return (q.operation in ("recommend", "identify") and not asks_price and not q.clinics and not named
                and not asks_clinics)

    @staticmethod
    def _scars_for(q: Query) -> bool:
        """"Which scars does a peel suit?": the other way round, the types one treatment suits (not "what
        anaesthetic is used for subcision?", where the treatment is what something else is used for)."""
        joined = f" {' '.join(q.tokens)} "
        used_for = any(kind == "procedure" and _USED_FOR.search(joined[:start + 1]) for start, _e, kind, _n in q.spans)
        return len(q.procedures) == 1 and "suitability" in q.attributes and not q.all_scar_types and not q.clinics \
            and not used_for

    @staticmethod
    def _which_of(q: Query) -> bool:
        """"Which of subcision and peels works for rolling scars?": a choice among named treatments; "is
        subcision good for icepick scars?": whether the article ties the one named to that type."""
        named = [p for p in q.procedures if p != GENERAL]
        one = len(named) == 1 and q.yesno and ("suitability" in q.attributes or q.recommend
                                               or bool(_SUITS.search(q.text.lower())))
        return (len(named) >= 2 and bool(_WHICH.search(q.text.lower())) or one) and len(q.all_scar_types) == 1 \
            and not q.clinics

    def _chosen(self, q: Query) -> Draft | None:
        scar = q.all_scar_types[0]
        named = [p for p in q.procedures if p != GENERAL]
        ties = {t.procedure: t for t in reversed(self._ties(scar))}  # the strongest tie of each procedure
        fit = [p for p in named if p in ties]
        d = Draft(strategy=self.name)
        if not fit:
            verb = "suit" if named[0].endswith("s") else "suits"  # "dermal fillers suit", "subcision suits"
            d.add(f"The article does not say that {named[0]} {verb} {scar}" if len(named) == 1
                  else f"The article ties neither {join_names(named)} to {scar}")
            if len(named) == 1:  # "punch excision is for rolling scars?": what it is tied to instead
                own = [t for t in self.corpus.scar_profiles if t != scar
                       and any(x.procedure == named[0] for x in self._ties(t))]
                if own:
                    d.add(f"It ties {named[0]} to {join_names(own)}")
                else:  # tied to no type: what the article says it does for such scars in general
                    how = self._how_it_works(named[0])
                    if how is not None:
                        d.add(f"It ties {named[0]} to no single scar type, and says: {body(how.text)}",
                              how.chunk_id, how.text)
            tied = list(dict.fromkeys(p for p in ties if p not in named))
            if tied:  # what it does name for them, each with its sentence
                d.add(f"For {scar}, it names {join_names(tied)}:")
                for p in tied:
                    d.add(f"- {cap(p)}: {body(ties[p].unit.text)}", ties[p].unit.chunk_id, ties[p].unit.text)
            return d
        if len(named) == 1:
            d.add(f"Yes: the article ties {named[0]} to {scar}")
            d.add(f"- {cap(named[0])}: {body(ties[named[0]].unit.text)}", ties[named[0]].unit.chunk_id,
                  ties[named[0]].unit.text)
            return d
        others = [p for p in named if p not in fit]
        lead = f"{'Both' if len(fit) == 2 and not others else cap(join_names(fit))}" if len(fit) > 1 else cap(fit[0])
        d.add(f"{lead}: the article ties {join_names(fit)} to {scar}"
              + (f"; it does not tie {join_names(others)} to them" if others else ""))
        for p in fit:
            d.add(f"- {cap(p)}: {body(ties[p].unit.text)}", ties[p].unit.chunk_id, ties[p].unit.text)
        return d

    def _how_it_works(self, proc: str):
        """The treatment's own list item on how it works (its label one the lexicon gives that fact), if any."""
        labels = {lab.lower() for lab in lexicon.ATTRIBUTES.get("mechanism", {}).get("labels", [])}
        units = self.corpus.proc_units.get(proc, [])
        return next((self.corpus.units[i] for i in units if self.corpus.units[i].label.lower() in labels), None)

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        d = Draft(strategy=self.name)
        if self._scars_for(q):
            return self._types_for(q.procedures[0])
        if self._which_of(q):
            return self._chosen(q)
        if q.inferred_scar_types or q.operation == "identify":
            self._matched(d, q.inferred_scar_types or q.all_scar_types)
        if q.operation == "identify":  # "what are these called?": the type the description matches
            if q.describes:  # a description with no question: what treats them too, in one line
                self._named_treatments(d, q.inferred_scar_types or q.all_scar_types)
            return d if d.parts else None
        if len(q.all_scar_types) >= 2 and _FOR_ALL.search(q.text.lower()):  # "one treatment for both kinds?"
            ties = {scar: {t.procedure: t for t in reversed(self._ties(scar))} for scar in q.all_scar_types}
            common = [p for p in ties[q.all_scar_types[0]] if all(p in ties[s] for s in q.all_scar_types[1:])]
            kinds = join_names(q.all_scar_types)
            if common:
                lead = "Yes: the article" if q.yesno else "The article"  # "is there one ...?" / "what's best for all three?"
                d.add(f"{lead} ties {join_names(common)} to {kinds} alike")
                for p in common:  # the sentence naming most of the types, for each treatment
                    t = max((ties[scar][p] for scar in q.all_scar_types),
                            key=lambda t: sum(scar.split()[0] in t.unit.text.lower() for scar in q.all_scar_types))
                    d.add(f"- {cap(p)}: {body(t.unit.text)}", t.unit.chunk_id, t.unit.text)
                return d
            d.add(f"The article ties no single treatment to {kinds} alike; by type:")
        found = False
        for scar in q.all_scar_types:
            ties = self._ties(scar)
            if not ties:
                continue
            found = True
            procs = [p for p in dict.fromkeys(t.procedure for t in ties) if p not in q.excluded_entities]
            d.add(f"For {scar}, the article names {join_names(procs)}:")
            for proc in procs:
                t = next(t for t in ties if t.procedure == proc)
                d.add(f"- {cap(proc)}: {body(t.unit.text)}", t.unit.chunk_id, t.unit.text)
            if _WHERE.search(q.text.lower()):
                self._clinics(d, procs)
        return d if found else None

    def _types_for(self, proc: str) -> Draft | None:
        ties = sorted((t for t in self.corpus.ties if t.procedure == proc), key=lambda t: -t.strength)
        scars = list(dict.fromkeys(t.scar_type for t in ties))
        if not scars:
            return None
        d = Draft(strategy=self.name)
        d.add(f"The article ties {proc} to {join_names(scars)}:")
        for t in list({t.unit.text: t for t in ties}.values())[:3]:
            d.add(f"- {body(t.unit.text)}", t.unit.chunk_id, t.unit.text)
        return d

    def _named_treatments(self, d: Draft, scars: list[str]) -> None:
        for scar in scars:
            ties = self._ties(scar)
            if ties:
                procs = list(dict.fromkeys(t.procedure for t in ties))
                d.add(f"For {scar}, the article names {join_names(procs)}.", ties[0].unit.chunk_id, ties[0].unit.text)

    def _ties(self, scar: str) -> list[Tie]:
        ties = [t for t in self.corpus.ties if t.scar_type == scar]
        return sorted(ties, key=lambda t: -t.strength)

    def _matched(self, d: Draft, scars: list[str]) -> None:
        """Say which description the lay words matched, citing the article's own description."""
        for scar in scars:
            i = self.corpus.scar_units.get(scar)
            if i is not None:
                unit = self.corpus.units[i]
                d.add(f"What you describe matches how the article describes {scar}: {unit.text}", unit.chunk_id,
                      unit.text)

    def _clinics(self, d: Draft, procs: list[str]) -> None:
        """Which of the article's clinics mention one of the recommended procedures, and where they are."""
        for c in self.corpus.clinics:
            hits = self.corpus.mentions(c, procs)
            if hits:
                d.add(f"{c.name} ({c.location}) mentions it", *hits[0])
