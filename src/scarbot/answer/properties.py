"""Treatments chosen by a property: "which treatment has the least downtime?", "I want results straight
away, what should I get?", "is there anything that uses my own cells?".

The question names no treatment and no scar type; it names a property. Every treatment whose own
sentences (its section, or a list item labelled with its name) say the asked words is a candidate,
with its best sentence. A degree asked ("least", "no", "don't want") must be matched by the
sentence ("minimal downtime", "low-risk"), not contradicted ("requires downtime"). Nothing here
names a treatment or a property: the words come from the question, the treatments from the article.
"""

from __future__ import annotations

import re

from scarbot import lexicon
from scarbot.answer import weights as W
from scarbot.answer.base import GENERAL, AnswerContext, CorpusView, Draft, body, cap, join_names
from scarbot.nlp import STOPWORDS, content_words, stem, words
from scarbot.query import Query, related
from scarbot.text import COUNT_WORDS

# the message asks to pick a treatment: "which one …", "what should I get", "is there anything that …"
_CHOOSE = re.compile(
    r"\b(?:which|what|what'?s|what\s+(?:is|are))\s+(?:[\w'-]+\s+){0,3}?(?:treatments?|procedures?|options?|therap(?:y|ies)|"
    r"methods?|techniques?|"
    r"ones?)\b(?!\s+(?:is|are)\s+(?:called|named))"
    r"|\bwhich\s+(?:is|are|has|have|gives?|lasts?|needs?|uses?|works?|helps?|of)\b"
    r"|\bwhat\s+(?:should|could|can|would|do)\s+(?:i|we|you)\s+(?:get|do|try|choose|pick|go for|go with|book|"
    r"recommend|suggest|ask for|consider|look into|have)\b"
    r"|\bwhat\s+(?:fits|suits|would fit|would suit|fits best|suits me)\b"
    r"|\bwhat\s+(?:has|gives|offers|needs|works)\s+(?:the\s+)?(?:least|most|fewest|minimal|lowest|highest|best|fastest|"
    r"quickest|shortest|longest|immediate|instant)\b"  # "what has the least downtime?"
    r"|\bwhat\s+does\s+(?:the\s+)?(?:article|it|the text)\s+(?:point to|suggest|recommend|propose)\b"
    r"|\b(?:is there|are there|do you have|do they have|anything|something)\s+(?:\w+\s+)?(?:that|which|with|for)\b"
    r"|\bwhat(?:'s| is| are)\s+(?:good|best)\b"
    r"|\bwhat\s+(?:\w+\s+)?(?:to\s+)?(?:works?|helps?)\s+(?:for|with|on|best)\b"  # "what tends to work for deep ones?"
    r"|\b(?:what'?s|whats|what is|what are)\s+(?:my|the)\s+options?\b"
    r"|\b(?:best|safest|surest)\s+(?:bet|option|choice|pick)\b|\bthe go[- ]to\b"
    r"|^\s*(?:\w+[,.]?\s+)?(?:i|we)\s+(?:want|need|would like|'d like|prefer|am looking for|'m looking for)\s+"
    r"(?:something|anything|a treatment|an option|one)\b"  # "We'd like something non-surgical."
    r"|(?:^|[,;:—–-])\s*(?:so\s+)?(?:any\s+|your\s+|my\s+)?(?:options|suggestions|recommendations|ideas|thoughts)\s*\??\s*$")
# "(a description). options?", "..., any ideas?"
# the question asks for little of the property ("least downtime", "I don't want any downtime")
_LOW_ASKED = re.compile(r"\b(?:least|less|lowest|fewest|fewer|minimal|minimum|little|no|without|zero|avoid|"
                        r"not much|low)\b|\b(?:don'?t|do not|does not|can'?t|cannot|won'?t|doesn'?t)\s+(?:\w+\s+)?(?:want|have|"
                        r"afford|take|need|like|require|involve|cause|leave)\b")
# … and the sentence says little of it ("minimal downtime", "low-risk", "few side effects", "non-surgical")
_LOW_SAID = {"minimal", "minimally", "low", "few", "little", "less", "no", "non", "mild", "minor", "without"}
# … or much of it ("requires downtime", "more recovery time", "higher risks")
_HIGH_SAID = {"more", "require", "requires", "required", "high", "higher", "strong", "significant", "some", "up"}
# words that frame the choice, not the property
_FRAME = {"treatment", "treatments", "procedure", "procedures", "option", "options", "therapy", "therapies", "method",
          "methods", "technique", "techniques", "one", "ones", "thing", "things", "anything", "something", "get",
          "want", "need", "needs", "should", "would", "could", "best", "good", "better", "recommend", "suggest",
          "choose", "pick", "try", "like", "prefer", "looking", "work", "works", "help", "helps", "offer",
          "least", "less", "lowest", "fewest", "fewer", "minimal", "minimum", "most", "more", "highest",
          "any", "really", "much", "take", "kind", "type", "go", "book", "way", "ways", "give", "gives", "have",
          "has", "don", "dont", "doesn", "can", "cannot", "available", "there", "possible", "them", "those",
          # how soon is left to the encoder ("right away" ~ "immediate"): as words they match any sentence
          "show", "shows", "right", "away", "now", "soon", "asap", "straight", "quick", "quickly", "fast", "fastest",
          "point", "article", "ask", "fits", "fit", "suits", "suit", "rather", "mind", "basically", "look", "looks",
          # the condition itself, not a property of a treatment
          "acne", "skin", "face", "scar", "scars", "scarring", "pitted", "marks",
          # who said so, not what is wanted
          "derm", "doctor", "dermatologist", "says", "said", "told", "thinks",
          "suggestion", "suggestions", "recommendation", "recommendations", "idea", "ideas", "advice"}
_FRAME_STEMS = frozenset(stem(w) for w in _FRAME)  # the words and their inflections ("kinds", "options")
_HEDGES = {"semi", "non", "not", "no", "less", "without", "never", "partly", "partially"}
_NOUN_SLOT = {"a", "an", "the", "my", "your", "their", "our", "his", "her", "for", "by", "with", "of", "in", "on", "about",
              "any", "some", "no", "from", "under", "through", "via"}
_COUNTED = re.compile(r"\b(?:\d+|one|two|three|four|five|six|a single|single)\s+(?:\w+\s+)?(?:sessions?|treatments?|"
                      r"rounds?|visits?|times)\b")  # "which needs only one session?": a count, not a property
# a choice among places or people, not treatments; or a property asked in the negative ("not surgical")
_NOT_A_TREATMENT = re.compile(r"\b(?:clinics?|hospitals?|doctors?|surgeons?|countr(?:y|ies)|city|cities|places?)\b")
_NEGATED = re.compile(r"\b(?:isn'?t|aren'?t|is not|are not|not (?:\w+ )?(?:class\w*|consider\w*|count\w*|call\w*|"
                      r"seen|regard\w*|a|an))\b")
MAX_TREATMENTS = 4
_GOAL = re.compile(r"\b(?:want|like|get|make|have|see|need)\s+(?:my|the|these|those|them|it|our)\s+(?:[a-z]+\s+){0,2}?"
                   r"((?:a\s+(?:lot|bit)\s+)?(?:less|more|much|far)\s+[a-z]+(?:\s+by\s+then)?)")


def chooses(text: str) -> bool:
    return bool(_CHOOSE.search(text.lower()))


_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def choosing_sentence(q: Query) -> str:
    """The sentence that asks for a treatment ("Exams are over soon! I want something that works fast"): its
    words are the property; the story around it is not."""
    text = q.asking or q.paraphrased or q.text  # "the quickest recovery" read as the article's "minimal downtime"
    return next((x for x in _SENTENCES.split(text) if chooses(x)), text)


class PropertyStrategy:
    name = "property"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus
        self._treatment_units: dict[str, list[int]] | None = None
        self._by_prefix: dict[str, list[str]] | None = None

    def applies(self, q: Query) -> bool:
        named = [p for p in q.procedures if p != GENERAL]
        text = choosing_sentence(q)
        return (chooses(text) and not named and not _NOT_A_TREATMENT.search(text.lower())
                and not _NEGATED.search(text.lower()) and not q.all_scar_types and not q.clinics
                and set(q.countries) <= {*q.home_countries, *self.corpus.homes}  # "a party in Seoul soon": where
                and not (q.asks_cost and (q.asking_cost or not q.asking))  # (a budget told before "what would
                # you suggest?" is no price asked)
                and not _COUNTED.search(text.lower()) and q.count is None and not q.why
                and not q.identify and not q.filler_types)

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        text = choosing_sentence(q)
        terms = self._terms(q, text) or (self._terms(q, q.text) if text != q.text else [])
        if not terms or self._absent_topic(q, text):
            return None
        c = self.corpus
        lows = self._little((q.paraphrased or q.text).lower(), terms)
        low = bool(lows)
        weight = {g: max(c.idf.get(stem(t), c.idf_default) for t in g) for g in terms}
        total = sum(weight.values())
        # a treatment has the property when its sentences, together, say the asked words
        found: dict[str, list[tuple[int, list[tuple[str, ...]]]]] = {}
        for proc, units in self.treatment_units().items():
            said = [(i, g) for i in units if (g := self._said(i, terms, lows))]
            if said:
                found[proc] = said
        if not found:
            return None
        share = {p: sum(weight[g] for g in {g for _i, gs in said for g in gs}) / total for p, said in found.items()}
        top = max(share.values())
        if top < 0.5:  # the article's sentences say too little of what was asked
            return None
        best: dict[str, tuple[float, list[int]]] = {}
        for proc, said in found.items():
            if share[proc] < top:
                continue
            sims = {i: float(c.index.snap.unit_vectors[i] @ ctx.qvec) for i, _g in said}
            whole = max(len(g) for _i, g in said) == len(terms)  # one sentence says it all
            best[proc] = (max(sims.values()) + (W.PROPERTY_ONE_SENTENCE if whole else 0.0), self._quotes(said, sims))
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        first = ranked[0][1][0]
        # a degree the sentences were checked for ("minimal downtime") is evidence enough; otherwise the
        # sentences nearest the whole question ("good for redness" is not "redness is common")
        gap = 1.0 if low else W.PROPERTY_GAP
        chosen = [(p, units) for p, (sim, units) in ranked if sim >= first - gap][:MAX_TREATMENTS]
        d = Draft(strategy=self.name)
        d.add(f"{cap(join_names([p for p, _ in chosen]))}, going by what the article says of each:")
        for proc, units in chosen:
            for n, i in enumerate(units):
                u = c.units[i]
                kind = f"{u.label}: " if u.depth >= 2 and u.label else ""  # "Autologous Fat Transfer: ...": its own name
                d.add(f"{'- ' + cap(proc) + ': ' if n == 0 else ''}{kind}{body(u.text) or u.text}", u.chunk_id, u.text)
        d.similarity = first
        d.steps.append(f"property: {', '.join(('little ' if g in lows else '') + '/'.join(g) for g in terms)}")
        return d

    @staticmethod
    def _quotes(said: list[tuple[int, list[tuple[str, ...]]]], sims: dict[int, float]) -> list[int]:
        """The fewest sentences (two at most) that say the asked words: the one saying most, nearest the
        question first, then one saying what it left out."""
        ranked = sorted(said, key=lambda ig: (-len(ig[1]), -sims[ig[0]]))
        first, got = ranked[0]
        rest = next((i for i, gs in ranked[1:] if set(gs) - set(got)), None)
        return [first] if rest is None else [first, rest]

    @staticmethod
    def _absent_topic(q: Query, text: str) -> bool:
        """A word the article has nothing near, where a topic goes ("covered by medicare", "for my wedding"):
        the property asked is one the article never speaks of. In a verb's place ("what tends to work") it
        only frames the question."""
        toks = words(text)
        return any(w in q.absent and w not in _FRAME and k > 0 and toks[k - 1] in _NOUN_SLOT for k, w in enumerate(toks))

    @staticmethod
    def _little(lowered: str, terms: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
        """The groups of which little is asked: a word of little a few words before one of their words
        ("the least downtime", "I don't want any downtime"; not "no luck with X, which lasts longest?")."""
        out = set()
        for m in _LOW_ASKED.finditer(lowered):
            near = words(lowered[m.end():])[:4]
            out |= {g for g in terms if any(related(t, w) for t in g for w in near)}
        return out

    def _terms(self, q: Query, text: str) -> list[tuple[str, ...]]:
        """The asked property's words, as groups of alternatives: the asking sentence's content words the
        article uses, less the words that frame a choice and the corpus's background words. Words that
        are cues of one asked attribute ("time off", "downtime") are one group: either says it."""
        c = self.corpus
        toks = words(text)
        lowered = " ".join(toks)
        # "I'd like the marks far less obvious": how the user wants the scars to end up, which every treatment aims at
        goal = {w for m in _GOAL.finditer(lowered) for w in m.group(1).split()}
        goal |= {toks[k + 1] for k in range(len(toks) - 1)
                 if toks[k] in ("next", "this", "coming", "few", "several", "couple")}  # "next week", "a few days"
        joined = f" {' '.join(q.tokens)} "
        goal |= {w for start, end, kind, _name in q.spans if kind == "country" for w in joined[start:end].split()}  # "in Seoul"
        counted = goal | {toks[k + 1] for k in range(len(toks) - 1) if toks[k].isdigit() or toks[k] in COUNT_WORDS}  # "in 10
        # days", "in ten days": a story's time
        kept = [w for w in dict.fromkeys(content_words(text))
                if w.isalpha() and stem(w) not in _FRAME_STEMS and w not in STOPWORDS and w not in c.background and len(w) >= 3
                and w not in q.excluded_words and w not in counted and self._known(w)]
        groups: list[tuple[str, ...]] = []
        for a in q.attributes:
            cues = [cue for cue in lexicon.ATTRIBUTES[a]["cues"] if re.search(rf"\b{re.escape(cue)}\b", lowered)]
            if not any(" " in cue for cue in cues):  # "time off" beside "downtime": one wish in two phrasings
                continue
            group = tuple(w for w in kept if any(w in cue.split() for cue in cues))
            if group:
                groups.append(group)
        grouped = {w for g in groups for w in g}
        return groups + [(w,) for w in kept if w not in grouped]

    def _known(self, w: str) -> bool:
        """The article uses the word or one derived from the same root ("risky" ~ "risk")."""
        vocab = self.corpus.analyzer.corpus_words
        if w in vocab or stem(w) in self.corpus.idf:
            return True
        if self._by_prefix is None:
            self._by_prefix = {}
            for v in vocab:
                self._by_prefix.setdefault(v[:3], []).append(v)
        return any(related(w, v) for v in self._by_prefix.get(w[:3], ()))

    def _said(self, i: int, terms: list[tuple[str, ...]], lows: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """The groups of asked words the sentence says, in the degree asked: of a group in ``lows``, a matched
        word must follow a word of little ("minimal downtime") and never one of much ("requires downtime")."""
        if not body(self.corpus.units[i].text):  # an intro line ("Types:") says nothing itself
            return []
        toks = words(self.corpus.lowered[i])
        return [g for g in terms if any(self._says(toks, t, g in lows) for t in g)]

    @staticmethod
    def _says(toks: list[str], t: str, low: bool) -> bool:
        at = [k for k, w in enumerate(toks) if related(t, w)]
        if not low:  # "semi-permanent" is not "permanent", "non-surgical" not "surgical"
            return any(k == 0 or toks[k - 1] not in _HEDGES for k in at)
        before = [set(toks[max(0, k - 2):k]) for k in at]
        return any(b & _LOW_SAID and not b & _HIGH_SAID for b in before)

    def treatment_units(self) -> dict[str, list[int]]:
        """Each treatment's own sentences: its section's, and list items elsewhere labelled with its name."""
        if self._treatment_units is None:
            c = self.corpus
            procs = {p for p in c.proc_sections.values() if p != GENERAL}
            out: dict[str, list[int]] = {p: list(c.proc_units.get(p, ())) for p in procs}  # scoped: these articles'
            keys = {p: {stem(w) for w in content_words(p.split("(")[0]) if w not in ("scar", "scars")}
                    for p in {*procs, *c.priced} if p != GENERAL}
            labelled = c.labelled if not c.scope else [i for i in c.units_in_view() if c.units[i].label]
            for i in labelled:
                if c.units[i].section in c.proc_sections:
                    continue
                for p, k in keys.items():
                    if k and k <= c.label_stems[i]:
                        out.setdefault(p, []).append(i)
            self._treatment_units = {p: list(dict.fromkeys(v)) for p, v in out.items() if v}
        return self._treatment_units

