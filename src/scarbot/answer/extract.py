"""Explanation and extraction: 1–3 verbatim sentences that answer the question.

Candidates are the quotable units of the retrieved chunks, plus units under a heading that names
an asked entity; each is scored by MiniLM similarity, IDF-weighted word overlap, the list label
asked for ("Recovery", "Sessions") and the entity it is about (weights in ``weights.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scarbot import lexicon
from scarbot.answer import weights as W
from scarbot.answer.base import NAVIGATION, AnswerContext, CorpusView, Draft, add_location, body, cap, refusal
from scarbot.answer.verify import answer_type, superlatives, type_pattern
from scarbot.chunking import Unit, split_sentences
from scarbot.nlp import STOPWORDS, content_words, normalize, stem, words
from scarbot.query import Query, related
from scarbot.text import WHERE_STAY

_DEFINITION = re.compile(r"\s*(?:(?:so|ok|okay|and|but|sorry|hi|hello)[,!]?\s+)?(?:"
                         r"what\s+(?:does|do)\s+(?:the\s+word\s+|the\s+term\s+)?(?:an?\s+|the\s+)?([a-z][a-z\s-]{2,40}?)\s+mean"
                         r"|(?:define|meaning of|definition of)\s+(?:an?\s+|the\s+)?([a-z][a-z\s-]{2,40}?)"
                         r"|([a-z][a-z\s-]{2,40}?)\s+(?:meaning|definition|defined|means)"
                         r"|(?:(?:can you |could you |please )?(?:tell me|explain)(?:\s+(?:a bit|a little|more))?\s+about)\s+"
                         r"(?:an?\s+|the\s+)?([a-z][a-z\s-]{2,40}?)(?:\s+(?:for|on)\s+[a-z\s]{2,30}?)?"
                         r"|(?:what|what's|whats)\s+(?:exactly\s+|actually\s+|really\s+|even\s+)?(?:is|are|'s)?\s*(?:exactly\s+|even\s+)?"
                         r"(?:an?\s+|the\s+)?([a-z][a-z\s-]{2,40}?)"
                         r"(?:\s+(?:exactly|actually|really|again|in simple terms|in plain english|anyway))?)\s*[?.!]*\s*$")
_ABOUT_ALL = re.compile(r"\b(?:overall|in general|generally|these treatments|the treatments|such treatments|"
                        r"treatments like (?:this|these)|most people|people usually|on average)\b")
_WHICH_TREATMENTS = re.compile(r"(?:^\W*|[,;:]\s*)(?:(?:so|and|ok|also)\W+)?(?:which|what)\s+(?:\w+\s+){0,2}?(?:treatments|procedures|"
                               r"options|therapies|treatment|procedure|option|therapy)\b(?!\s+(?:is|are)\s+best)")
# words that state a reason: what a "why" question is answered by
_REASON = re.compile(r"\b(because|since|due to|thanks to|as a result|so that|aim to|explains?|helps? (?:keep|explain)|"
                     r"(?:is|are) key to|essential (?:to|for)|in order to|"
                     r"leads? to|results? in|caused by|driven by|influenced by|the reason|(?:forms?|happens?|occurs?|develops?) when)\b"
                     r"|,\s+as\s+(?!well\b|such\b|an?\b|part\b|long\b|much\b|many\b|soon\b|far\b|of\b|with\b)")  # "..., as creams can't"
_CAUSE = re.compile(r"\b(because|due to|caused by|leads? to|results? in|as a result|the reason|(?:forms?|happens?|occurs?|"
                    r"develops?) when|most common cause|other causes)\b")
_ASKS_CAUSE = re.compile(r"\bwhat (?:\w+ly\s+)?causes?\b|\bwhat leads to\b|\bhow do (?:they|these|atrophic scars|scars) (?:form|develop)\b")
_GENERIC_STEMS = frozenset(stem(w) for w in lexicon.GENERIC_WORDS)
_ATTR_WORDS = {"sessions": "number of sessions", "procedure": "procedure steps", "status": "approval status",
               "mechanism": "mechanism"}
_NAME_ASKED = re.compile(r"\bwhat(?:'s| is| are)\s+(?:it|they|that|this|the place|the clinic|the hospital)\s+(?:called|named)\b"
                         r"|\b(?:the|its|their) name\b")
_WHICH_PLACE = re.compile(r"\b(?:which|what)\b[^?]{0,40}\b(?:clinic|hospital|center|centre|one|place)\b"
                          r"|\bthe (?:one|place)\s+(?:that|which|who|with)\b")  # "where's the one that does X?"
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s?%|\$[\d,]+|\b\d{2,}(?:[.,]\d+)?\b")  # 60%, $1,200, 2019
_HAS_FIGURE = re.compile(r"\d")
NOT_COVERED = "The article does not cover that, so I can't answer it from the article."


# people a question speaks of ("she", "my client"): words for the asker, not for the fact asked
_PERSON = {"she", "he", "her", "him", "his", "hers", "husband", "wife", "son", "daughter", "client", "friend",
           "sister", "brother", "mum", "mom", "dad", "partner", "boyfriend", "girlfriend"}
_STAY = re.compile(r"\b(?:hotels?|cent(?:er|re)s|accommodation|lodging)\b", re.I)


@dataclass(frozen=True)
class _Asked:
    """The question's side of ``ExtractStrategy._score`` (see ``_asked``)."""

    stems: set[str]  # the stems of the question's words that weigh (IDF-weighted overlap)
    weight: float  # their total weight (1 when none)
    keys: list[set[str]]  # each asked entity's stems
    labels: set[str]  # the list labels the asked attributes go by
    reason: re.Pattern | None  # what a "why" question's answer says; None when no reason is asked
    figures: frozenset[str]  # the figures the question quotes
    wanted: str | None  # the kind of answer asked ("percent", "duration", "count", "price")
    specific: list[set[str]]  # the filler kinds named
    about_all: bool  # the treatments as a whole ("overall")
    kind: bool  # "which filler ...?": one of a treatment's kinds
    superlatives: set[str]
    excluded: set[str]  # the stems of the words set aside ("apart from fillers")
    chunk_rank: dict[str, int]  # each retrieved chunk's rank
    row_off: bool  # a table row answers only price questions (not deposits, consultations or visas)
    stay: bool  # "where do I stay while I heal?": somewhere to stay


class ExtractStrategy:
    name = "extract"

    def __init__(self, corpus: CorpusView, unit_threshold: float = W.UNIT_SIMILARITY,
                 score_threshold: float = W.ANSWER_SCORE):
        self.corpus = corpus
        self.unit_threshold = unit_threshold
        self.score_threshold = score_threshold
        self._rare_units: dict[str, list[int]] | None = None

    def applies(self, q: Query) -> bool:
        return True

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        idx = self.corpus.index
        subject = self._subject(q)
        cand = self._candidates(q, ctx, subject)
        if not cand:
            return refusal(NOT_COVERED)
        sims = idx.snap.unit_vectors[cand] @ ctx.qvec
        if ctx.fvec is not None:  # a story around the question: the question alone may match better
            sims = np.maximum(sims, idx.snap.unit_vectors[cand] @ ctx.fvec)
        asked = self._asked(q, ctx)
        scores = [self._score(q, ui, float(sims[j]), subject, asked) for j, ui in enumerate(cand)]
        order = [int(j) for j in np.argsort(-np.asarray(scores), kind="stable")]
        best_j = order[0]
        top_dense = max((h.dense for h in ctx.hits), default=0.0)
        if scores[best_j] < self.score_threshold and max(float(sims[best_j]), top_dense) < self.unit_threshold \
                and not self._clear_winner(scores, order):
            return refusal(NOT_COVERED)
        best_j = self._reason_first(q, cand, scores, order, best_j)
        best = cand[best_j]
        missing = self._missing_attribute(q, cand, scores, best)
        if isinstance(missing, Draft):
            return missing
        if missing is not None:
            best, best_j = missing, cand.index(missing)
        chosen = self._support(q, cand, scores, order, best_j, subject)
        if subject or (q.why and "mechanism" in q.attributes):  # "why does it help?": what it does, too
            chosen = self._with_mechanism(q, chosen)
        after = self._continuation(chosen[0]) if q.why else None
        if after is not None and after not in chosen:  # "why do they form?": "... This leads to a loss of collagen"
            chosen = [chosen[0], after, *chosen[1:2]]
        if _WHICH_TREATMENTS.search(q.text.lower()) and not q.procedures and not q.filler_types:
            chosen = self._each_treatment(q, cand, scores, order, chosen)
        neighbour = self._about_a_neighbour(q, chosen)
        if neighbour is not None:
            return neighbour
        draft = self._render(q, chosen)
        self._other_article(q, draft, cand, scores, order, best_j)
        draft.similarity = float(sims[best_j])
        draft.steps.append(f"extract: score {scores[best_j]:.2f}, similarity {float(sims[best_j]):.2f}")
        return draft

    def _clear_winner(self, scores: list[float], order: list[int]) -> bool:
        """A long list item that says several things ("a deposit ..., and appointments should be booked 2-4
        weeks ahead") is a weak match for a short question as a whole, yet far ahead of every other sentence:
        close enough to the threshold and clear of the runner-up, it answers."""
        best = scores[order[0]]
        second = scores[order[1]] if len(order) > 1 else 0.0
        return best >= self.score_threshold - W.CLEAR_SHORTFALL and best - second >= W.CLEAR_MARGIN

    def _each_treatment(self, q: Query, cand: list[int], scores: list[float], order: list[int],
                        chosen: list[int]) -> list[int]:
        """"Which treatments have minimal downtime?": every treatment's own sentence that says all the
        question's words, not only the best one (at most four)."""
        c = self.corpus
        asked = {stem(w) for w in q.salient if w not in c.background and w not in q.excluded_words}
        if not asked:
            return chosen
        out, seen = list(chosen), {self._treatment_of(i) for i in chosen}
        for j in order:
            i = cand[j]
            proc = self._treatment_of(i)
            if proc and proc not in seen and asked <= c.unit_stems[i] and scores[j] >= scores[order[0]] - 0.35:
                out.append(i)
                seen.add(proc)
            if len(out) >= 4:
                break
        return out

    def _treatment_of(self, ui: int) -> str:
        """The procedure a unit is about: the one its label or headings name ("" when none)."""
        c = self.corpus
        u = c.units[ui]
        if u.section in c.proc_sections:
            return c.proc_sections[u.section]
        for name in {*c.proc_sections.values(), *c.priced}:
            key = self._entity_keys_of(name)
            if key and key <= c.label_stems[ui]:
                return name
        return ""

    def _other_article(self, q: Query, draft: Draft, cand: list[int], scores: list[float], order: list[int],
                       best_j: int) -> None:
        """A question several articles answer ("how far ahead should I book?"): each article's answer,
        labelled with its title, unless the question's words pick one article."""
        c = self.corpus
        if len(c.sources) < 2 or c.about(q) is not None:
            return
        first = c.chunk(c.units[cand[best_j]].chunk_id).source
        other = next((j for j in order if c.chunk(c.units[cand[j]].chunk_id).source != first), None)
        if other is None or scores[other] < scores[best_j] - W.OTHER_ARTICLE_GAP:
            return
        u = c.units[cand[other]]
        titles = c.source_titles
        draft.parts[0].text = f"In \"{titles[first]}\": {draft.parts[0].text}"
        draft.add(f"In \"{titles[c.chunk(u.chunk_id).source]}\": {self._sentence(u)}", u.chunk_id, u.text)
        draft.steps.append("extract: two articles answer")

    def _reason_first(self, q: Query, cand: list[int], scores: list[float], order: list[int], best_j: int) -> int:
        """A "why" question is answered by a sentence that gives a reason, not by the one that restates the
        question's premise best: the best reason-giving sentence about the asked words wins when it is close
        enough (the restatement can still follow as support)."""
        c = self.corpus
        reason = _CAUSE if _ASKS_CAUSE.search(q.text.lower()) else _REASON  # "what causes X?": a cause, not a purpose
        if not q.why or reason.search(c.units[cand[best_j]].text.lower()):
            return best_j
        topic = {stem(w) for w in content_words(q.text) if len(w) > 2} - {stem(w) for w in c.background} - {"why"}
        cues = {stem(w) for a in q.attributes for cue in lexicon.ATTRIBUTES[a]["cues"] for w in words(cue)
                if len(w) > 3 and w not in STOPWORDS}
        if not topic - cues - _GENERIC_STEMS:  # "how come it costs so little there?": a reason about prices; "why is the consultation dear?": about it
            topic |= cues
        for j in order:
            if scores[j] < scores[best_j] - W.REASON_GAP:
                break
            ui = cand[j]
            if reason.search(c.units[ui].text.lower()) and topic & c.unit_stems[ui]:
                return j
        return best_j

    def _about_a_neighbour(self, q: Query, chosen: list[int]) -> Draft | None:
        """The sentences found are about another filler or procedure than the one asked ("is Bellafill
        permanent?" → another filler's duration): the asked fact is missing, not this neighbour's."""
        c, idx = self.corpus, self.corpus.index
        for kind, asked in (("filler_types", q.filler_types), ("procedures", q.procedures)):
            if len(asked) != 1:
                continue
            key = self._entity_keys_of(asked[0])
            if not key or any(key <= idx.unit_heads[ui] or key <= idx.unit_text_stems[ui] for ui in chosen):
                continue
            said = [n for ui in chosen for n in getattr(c.analyzer.frame(c.units[ui].text), kind) if n != asked[0]]
            if said:
                u = c.units[chosen[0]]
                d = refusal(f"The article does not say that about {asked[0]}; what it says is about {said[0]}",
                            strategy=self.name)
                d.add(f"Here is that passage: {u.text}", u.chunk_id, u.text) if not _HAS_FIGURE.search(u.text) \
                    else d.add("That passage is quoted in the source below", u.chunk_id, u.text)
                d.steps.append(f"extract: about {said[0]}, not {asked[0]}")
                return d
        return self._about_another_treatment(q, chosen)

    def _about_another_treatment(self, q: Query, chosen: list[int]) -> Draft | None:
        """"How many sessions of dermabrasion?", the article naming dermabrasion only in passing: the
        sentences found are from another treatment's section, and a rare word the question asks about
        appears nowhere in that section. The asked fact is missing, not that treatment's."""
        if q.entities or not chosen:
            return None
        c = self.corpus
        proc = self._treatment_of(chosen[0])
        if not proc:
            return None
        own = set().union(*(c.unit_stems[i] for i in c.proc_units.get(proc, chosen)))
        focus = {stem(w) for w in words(q.asking)} if q.asking else None
        missing = [w for w in q.salient if stem(w) in c.rare and stem(w) not in own and stem(w) not in c.background
                   and (focus is None or stem(w) in focus) and self._listed_with_treatments(stem(w))]
        if not missing:
            return None
        u = c.units[chosen[0]]
        d = refusal(f"The article does not say that about {missing[0]}; the passage closest to it is about {proc}",
                    strategy=self.name)
        d.add("That passage is quoted in the source below", u.chunk_id, u.text)
        d.steps.append(f"extract: about {proc}, not {missing[0]}")
        return d

    def _listed_with_treatments(self, st: str) -> bool:
        """The article names the word beside two treatments or more ("peels, laser therapy, and dermabrasion"):
        it is a treatment too, one the article only names."""
        c = self.corpus
        return any(len(c.analyzer.frame(c.units[i].text).procedures) >= 2 for i in self._rare_index().get(st, ()))

    def _rare_index(self) -> dict[str, list[int]]:
        """The few sentences of each rare word, found once."""
        if self._rare_units is None:
            c = self.corpus
            rare: dict[str, list[int]] = {}
            for i in c.units_in_view():  # a scoped view: its articles' units only
                for w in c.unit_stems[i] & c.rare:
                    rare.setdefault(w, []).append(i)
            self._rare_units = rare
        return self._rare_units

    def _with_mechanism(self, q: Query, chosen: list[int]) -> list[int]:
        """"What is subcision?": the sentence that defines it, and its own "How It Works" item, which says what is
        done (quoted second when the defining sentences do not already include it)."""
        c = self.corpus
        procs = [p for p in q.procedures if p != lexicon.GENERAL_PROCEDURE]
        labels = set(lexicon.ATTRIBUTES["mechanism"]["labels"])
        if len(procs) != 1 or any(c.units[i].label in labels for i in chosen) or "types" in q.attributes \
                or not body(c.units[chosen[0]].text):  # "what types of X are there?": the list, not how X works
            return chosen
        how = next((i for i in c.proc_units.get(procs[0], []) if c.units[i].label in labels), None)
        return chosen if how is None else [chosen[0], how, *chosen[1:2]]

    def _enumerates(self, ui: int) -> bool:
        """The unit names three or more of the corpus's scar types, or three of its treatments ("three main types: icepick,
        boxcar, and rolling")."""
        c, text = self.corpus, self.corpus.index.unit_text_stems[ui]
        return any(sum(1 for n in names if (k := self._entity_keys_of(n)) and k <= text) >= 3
                   for names in (set(c.scar_profiles), set(c.proc_sections.values())))

    @staticmethod
    def _entity_keys_of(name: str) -> set[str]:
        return {stem(w) for w in content_words(name.split("(")[0]) if w not in ("scars", "scar")}

    # ------------------------------------------------------------------ candidates and scores
    def _subject(self, q: Query) -> list[str]:
        """"What is X?" / "What are X?" → the stems of X, the thing being defined."""
        m = _DEFINITION.match(q.text.lower())
        return [stem(w) for w in content_words(next(g for g in m.groups() if g))] if m else []

    def _defines(self, ui: int, subject: list[str]) -> bool:
        """The sentence starts with the thing asked about ("Subcision is ..."), or is the list item
        labelled with it ("Icepick Scars: Deep, narrow ...")."""
        c = self.corpus
        label = c.label_stems[ui]  # "Ablative Lasers:" defines "ablative": the label and at most one head word
        return bool(subject) and (c.body_stems[ui][: len(subject)] == subject
                                  or (set(subject) <= label and len(label) <= len(subject) + 1))

    def _entity_keys(self, q: Query) -> list[set[str]]:
        # "is a visa required for scar treatment?": treatment in general is what the whole article is about,
        # so it tells no sentence apart from another
        named = [e for e in q.entities if e != lexicon.GENERAL_PROCEDURE] if len(q.entities) > 1 or q.salient else q.entities
        keys = [k for k in map(self._entity_keys_of, named) if k]
        if q.asking and len(keys) > 1:  # "I know X and Y last long, but how long does Z last?": the asked one
            asked = {stem(w) for w in words(q.asking)}
            return [k for k in keys if k <= asked] or keys
        return keys

    def _candidates(self, q: Query, ctx: AnswerContext, subject: list[str]) -> list[int]:
        idx, c = self.corpus.index, self.corpus
        cand = [i for h in ctx.hits for i in idx.units_by_chunk.get(c.chunks[h.index].id, [])]
        extra: set[int] = set()
        for key in self._entity_keys(q):
            extra |= c.units_with(c.head_index, key)
        if subject:
            extra |= {i for i in c.first_stem.get(subject[0], ()) if self._defines(i, subject)}
        prefixes = {w[:4] for w in q.tokens if len(w) > 2}
        extra |= {i for p in prefixes for i in c.label_prefix.get(p, ()) if self._label_named(q, i)}
        seen = set(cand)
        cand += sorted(extra - seen)
        asked = {stem(w) for w in q.tokens}
        labels = self._wanted_labels(q)
        # a bare "Types:" (its sub-items follow) answers only a question about that list
        excluded = [k for k in map(self._entity_keys_of, q.excluded_entities) if k]
        return [i for i in cand if not NAVIGATION.search(c.units[i].text) and i not in c.voice
                and not any(k <= idx.unit_heads[i] or k <= c.label_stems[i] for k in excluded)
                and (c.source is None or c.chunk(c.units[i].chunk_id).source == c.source)
                and (body(c.units[i].text) or c.units[i].label in labels
                     or (c.label_stems[i] and c.label_stems[i] <= asked))]

    def _about_asked(self, q: Query, ui: int, keys: list[set[str]]) -> bool:
        """A labelled item ("Procedure: ... 15-30 minutes") answers an attribute of what was asked: an
        asked entity's own item, or one sharing a word the question is about ("visa")."""
        c, idx = self.corpus, self.corpus.index
        if keys:
            return any(k <= idx.unit_heads[ui] or k <= idx.unit_text_stems[ui] for k in keys)
        topic = {stem(w) for w in q.salient if w not in c.background}
        return not topic or bool(topic & c.unit_stems[ui])

    def _label_named(self, q: Query, ui: int) -> bool:
        """Every word of the unit's label is a word of the question ("choose a clinic" ↔ "Choosing a Clinic:")."""
        label = self.corpus.label_words[ui]
        return bool(label) and all(any(related(x, w) for w in q.tokens if len(w) > 2) for x in label)

    @staticmethod
    def _wanted_labels(q: Query) -> set[str]:
        return {lab for a in q.attributes for lab in lexicon.ATTRIBUTES[a]["labels"]}

    def _asked(self, q: Query, ctx: AnswerContext) -> _Asked:
        """What ``_score`` reads of the question and the retrieval, worked out once per question rather than
        once per candidate sentence (a few dozen of them)."""
        c = self.corpus
        said = {*words(q.asking), *q.asking_tokens} if q.asking else None  # the story around a question does not weigh in
        qwords = [w for w in q.tokens if w not in c.background and len(w) > 2 and w not in q.excluded_words
                  and not (w in _PERSON and stem(w) not in c.idf) and (said is None or w in said)]
        # ("she", "my husband's": a person the article never writes of would weigh as its rarest word)
        qstems = {stem(w) for w in qwords}
        low = q.text.lower()
        reason = _CAUSE if _ASKS_CAUSE.search(low) else _REASON  # "what causes X?" wants a cause, not a purpose
        ranks: dict[str, int] = {}
        for r, h in enumerate(ctx.hits):  # each chunk's best rank among the hits
            ranks.setdefault(c.chunks[h.index].id, r)
        return _Asked(
            stems=qstems, weight=c.weight(qstems) or 1.0, keys=self._entity_keys(q), labels=self._wanted_labels(q),
            reason=reason if q.why else None,
            figures=frozenset(_FIGURE.findall(q.asking or q.text)),  # (a budget told first is no quote)
            wanted=answer_type(q) or _soft_type(low) or ("percent" if q.percent is not None and q.yesno else None),
            specific=[k for k in map(self._entity_keys_of, q.filler_types) if k],  # "Bellafill": that kind, not fillers
            about_all=bool(_ABOUT_ALL.search(low)), kind=self._asks_a_kind(q), superlatives=set(superlatives(q.text)),
            excluded={stem(w) for w in q.excluded_words}, chunk_rank=ranks,
            row_off=not q.asks_cost or bool(set(q.tokens) & {"deposit", "consultation", "visa"}),
            stay=bool(WHERE_STAY.match(q.asking or q.text)))

    def _score(self, q: Query, ui: int, sim: float, subject: list[str], a: _Asked) -> float:
        c, idx = self.corpus, self.corpus.index
        u = c.units[ui]
        overlap = c.weight(a.stems & c.unit_stems[ui]) / a.weight
        s = sim + W.OVERLAP * overlap
        keys = a.keys
        label = c.label_stems[ui]
        if u.label and u.label in a.labels and self._about_asked(q, ui, keys):
            s += W.ASKED_LABEL
        elif self._label_named(q, ui) and not any(label <= k or k <= label for k in keys):
            s += W.NAMED_LABEL
        if a.reason is not None and a.reason.search(u.text.lower()):
            s += W.REASON
        if a.figures & set(_FIGURE.findall(u.text)):  # "where does the 60-70% come from?": the sentence with it
            s += W.FIGURE
        if self._defines(ui, subject):
            s += W.DEFINITION
        # "icepick %?": a sentence with a share; "are X 25% of scars?": a share claimed is held against a share
        typed = a.wanted in ("percent", "duration") and type_pattern(a.wanted).search(u.text)
        about = not keys or any(k <= idx.unit_heads[ui] or k <= idx.unit_text_stems[ui] for k in keys)
        own = about and (not a.specific or any(k <= idx.unit_heads[ui] or k <= idx.unit_text_stems[ui]
                                               for k in a.specific))
        if (typed or (a.wanted == "count" and _COUNT.search(u.text))) and own:
            s += W.ANSWER_TYPE  # "how many people ...?": the sentence with the number (one about what was asked)
        if keys:
            if about:
                s += W.ENTITY
            elif q.procedures and u.section in c.proc_sections:
                s -= W.OTHER_ENTITY
        elif u.section in c.proc_sections and (a.about_all or a.stay):
            s -= W.ONE_OF_MANY  # "how effective are these treatments overall?", "where do I stay while I recover?":
            # not one treatment's own sentence
        if a.stay and _STAY.search(u.text):
            s += W.ANSWER_TYPE
        if u.depth >= 2 and u.label and a.kind:
            s += W.KIND  # "which filler builds collagen?": one of the kinds listed under it, by name
        if not keys and "types" in q.attributes and self._enumerates(ui):
            s += W.ENUMERATES  # "what kinds of scars are there?": the sentence that names them all, not one's own
        if len(u.text.split()) <= 8 and _LEANS.search(u.text):
            s -= W.DANGLING  # (when it still wins, it is quoted with the sentence before it, which names "these")
        if a.superlatives and a.superlatives & set(superlatives(u.text)):
            s += W.SUPERLATIVE
        if a.excluded & c.unit_stems[ui]:
            s -= W.EXCLUDED
        s += W.CHUNK_RANK / (1 + a.chunk_rank.get(u.chunk_id, 6))
        if u.kind == "row" and a.row_off:
            s -= W.ROW
        return s

    def _missing_attribute(self, q: Query, cand: list[int], scores: list[float], best: int) -> Draft | int | None:
        """A procedure's attribute the article never gives (laser session counts): say so, or find the
        sentence of its own section that carries the fact ("minimal downtime")."""
        c = self.corpus
        labels = self._wanted_labels(q)
        if not (q.procedures and labels and "cost" not in q.attributes):
            return None
        own = [c.units[i] for i in c.proc_units.get(q.procedures[0], [])]
        cue_stems = {stem(x) for a in q.attributes if lexicon.ATTRIBUTES[a]["labels"]
                     for x in lexicon.ATTRIBUTES[a]["cues"] if " " not in x and x not in STOPWORDS}
        if not own or any(u.label in labels for u in own) or c.units[best].label in labels \
                or cue_stems & c.unit_stems[best]:
            return None
        carriers = [i for i in cand if c.proc_sections.get(c.units[i].section) == q.procedures[0]
                    and cue_stems & c.unit_stems[i]]
        if carriers:
            return max(carriers, key=lambda i: scores[cand.index(i)])
        attr = next(a for a in q.attributes if lexicon.ATTRIBUTES[a]["labels"])
        return refusal(f"The article does not say anything about the {_ATTR_WORDS.get(attr, attr)} of "
                       f"{q.procedures[0]}.", strategy=self.name)

    def _support(self, q: Query, cand: list[int], scores: list[float], order: list[int], best_j: int,
                 subject: list[str]) -> list[int]:
        """The best unit, then close runners-up from the same section (or other definitions), article order."""
        c = self.corpus
        best = cand[best_j]
        bu = c.units[best]
        if not body(bu.text):  # a bare "Types:" introduces sub-items: the answer is the sub-items
            out = [best]
            for i in range(best + 1, len(c.units)):
                if c.units[i].chunk_id != bu.chunk_id or c.units[i].depth <= bu.depth:
                    break
                out.append(i)
            return out
        chosen = [best]
        kinds = [k for k in map(self._entity_keys_of, q.filler_types) if k]
        for j in [x for x in order if x != best_j][:3]:
            u = c.units[cand[j]]
            if kinds and u.depth >= 2 and u.label and not any(k <= c.label_stems[cand[j]] for k in kinds):
                continue  # "how long does Bellafill last?": another kind's own item is no support
            if len(q.scar_types) == 1 and any(i == cand[j] for t, i in c.scar_units.items() if t != q.scar_types[0]):
                continue  # "what share are icepick scars?": another type's own description is no support
            both_define = self._defines(cand[j], subject) and self._defines(best, subject)
            near = scores[j] >= scores[best_j] - (W.DEFINITION_GAP if both_define else W.RUNNER_UP_GAP)
            if near and (u.section == bu.section or both_define) and u.text != bu.text and u.kind == "sentence" and not u.text.rstrip().endswith(":"):
                chosen.append(cand[j])
        return chosen[:1] + sorted(chosen[1:3])

    # ------------------------------------------------------------------ rendering
    def _render(self, q: Query, chosen: list[int]) -> Draft:
        c = self.corpus
        d = Draft(strategy=self.name)
        bu = c.units[chosen[0]]
        if not body(bu.text) and len(chosen) > 1:
            topic = bu.section.split(" > ")[-1].split(" (")[0]
            items = [c.units[i] for i in chosen[1:]]
            d.add(f"{bu.label or 'Kinds'} of {topic.lower()}:\n- {items[0].text}", items[0].chunk_id, items[0].text)
            for u in items[1:]:
                d.add(f"- {u.text}", u.chunk_id, u.text)
            return d
        for ui in chosen:
            u, before = c.units[ui], self._antecedent(ui)
            if before is not None and len(u.text.split()) <= 8 and _LEANS.search(u.text) and before not in chosen:
                both = f"{c.units[before].text} {u.text}"  # "Many people have a mix of these.": of what, said first
                d.add(self._whose(q, u) + both, u.chunk_id, both)
                continue
            d.add(self._whose(q, u) + self._asked_part(q, self._sentence(u)), u.chunk_id, u.text)
        self._where_it_is(q, d, [c.units[ui] for ui in chosen])
        return d

    def _where_it_is(self, q: Query, d: Draft, units: list[Unit]) -> None:
        """"... its name, and which district?": the clinic a sentence of its own section described, where it is."""
        if "location" not in q.attributes or not _WHICH_PLACE.search(q.text.lower()) and not _NAME_ASKED.search(q.text.lower()):
            return
        owners = {name for u in units for name in self.corpus.clinic_units if u.section.endswith(name)}
        for clinic in self.corpus.clinics:
            if clinic.name in owners and clinic.location and clinic.location.lower() not in d.text.lower():
                add_location(d, clinic)

    @staticmethod
    def _asks_a_kind(q: Query) -> bool:
        """"Which filler ...?", "which laser ...?": the word after "which" names a treatment, so one of its kinds is asked."""
        m = _WHICH_WORD.match(" ".join(q.tokens))
        return bool(m) and any(kind in ("procedure", "filler_type") and start <= m.start(1) + 1 < end
                               for start, end, kind, _name in q.spans)

    def _continuation(self, ui: int) -> int | None:
        """The next sentence of the passage when it carries this one on ("This incomplete healing leads to ...")."""
        c = self.corpus
        if ui + 1 >= len(c.units) or self._antecedent(ui + 1) != ui or not _CARRIES_ON.match(c.units[ui + 1].text):
            return None
        return ui + 1

    def _antecedent(self, ui: int) -> int | None:
        """The sentence just before this one in the same passage, when the two stand together in its text."""
        c = self.corpus
        if ui == 0 or c.units[ui].kind != "sentence" or c.units[ui - 1].chunk_id != c.units[ui].chunk_id:
            return None
        if f"{c.units[ui - 1].text} {c.units[ui].text}" not in c.chunk(c.units[ui].chunk_id).text:
            return None
        return ui - 1

    def _asked_part(self, q: Query, text: str) -> str:
        """An item of several sentences ("Scheduling and Payment: a deposit ... VAT refunds ...") shows only the
        sentences about what was asked, when some are and some are not; the citation keeps the whole item."""
        label, sep, rest = text.partition(": ") if ": " in text[:60] else ("", "", text)
        sentences = split_sentences(rest)
        asked = [w for w in q.salient if w not in self.corpus.background]
        if len(sentences) < 2 or not asked or q.asking or q.why or q.numbers or q.percent is not None:
            return text
        wanted = answer_type(q) or _soft_type(q.text.lower())
        typed = type_pattern(wanted) if wanted in ("percent", "duration") else None  # "what share ...?": the one with it
        def says(x: str, terms: list[str]) -> int:
            return sum(1 for a in terms if any(related(a, w) or stem(a) == stem(w) for w in words(x)))

        # a sentence that says more of the question than a kept one is kept too, background words included
        # ("... 96% improvement after one month" beside "Patients often report ...": both, not the second alone)
        said = [w for w in content_words(q.text) if len(w) > 2]
        counts = [(x, says(x, asked), says(x, said)) for x in sentences]
        floor = min((n_said for _x, n_asked, n_said in counts if n_asked), default=0)
        keep = [x for x, n_asked, n_said in counts if n_asked or (floor and n_said > floor)
                or (typed is not None and typed.search(x))]
        if not keep or len(keep) == len(sentences):
            return text
        return f"{label}{sep}{' '.join(keep)}"

    def _whose(self, q: Query, u: Unit) -> str:
        """"Which hospital ...?" answered by a sentence of one clinic's own section: lead with that clinic."""
        if not (_WHICH_PLACE.search(q.text.lower()) or _NAME_ASKED.search(q.text.lower()) or _POINTS_BACK.search(u.text)):
            return ""  # ("The clinic is renowned for ...": whichever the question, the sentence says which clinic)
        owner = next((name for name in self.corpus.clinic_units if u.section.endswith(name)), None)
        return f"{owner}: " if owner and owner.lower() not in u.text.lower() else ""

    def _sentence(self, u: Unit) -> str:
        """The verbatim sentence, led by the section it belongs to when it does not name it."""
        if u.kind == "row":  # the header-repeating rendering reads better than "| a | b |"
            lines = self.corpus.chunk(u.chunk_id).text.split("\n")
            return lines[1] if len(lines) > 1 else u.text
        topic = u.section.split(" > ")[-1].split(" (")[0]
        if not u.label or u.depth > 1 or u.section not in self.corpus.proc_sections:
            return u.text  # prose, or an item whose label is its subject ("Icepick Scars: ...")
        text = body(u.text)
        return text if topic.lower() in normalize(text).lower() else f"{topic}: {cap(text)}"


# kinds of answer a question leans to without demanding them (only the sentence choice weighs them, not the check)
_SOFT_PERCENT = re.compile(r"\bhow much (?:better|improvement|improve\w*|smoother|difference)\b|\bwhat (?:fraction|portion|"
                           r"proportion)\b|\bhow (?:common|likely|often)\b|\bwhat are the (?:odds|chances)\b")
_SOFT_COUNT = re.compile(r"\bin numbers\b|\bhow many (?:people|patients|foreigners|visitors|tourists|clinics)\b|\bhow big\b")
_COUNT = re.compile(r"\b\d[\d,.]*\s*(?:million|thousand|billion|k)\b|\b\d{1,3}(?:,\d{3})+\b")


def _soft_type(low: str) -> str | None:
    if _SOFT_PERCENT.search(low):
        return "percent"
    if _SOFT_COUNT.search(low):
        return "count"
    return None


_WHICH_WORD = re.compile(r"^(?:so |and |ok )?which (?:type of |kind of |one of the )?(\w+)")
_CARRIES_ON = re.compile(r"(?:This|These|That|Such|It|They)\b")
_POINTS_BACK = re.compile(r"^(?:the (?:clinic|hospital|centre|center|practice)|it|its|they|their)\b", re.I)
_LEANS = re.compile(r"\b(?:these|those|they|them|this|it)\b", re.I)
