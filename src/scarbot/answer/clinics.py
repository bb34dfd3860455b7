"""Clinics: where each is, what it offers, which one does a procedure, which one is in a place."""

from __future__ import annotations

import re

from scarbot.answer.base import (
    GENERAL,
    NAVIGATION,
    AnswerContext,
    CorpusView,
    Draft,
    add_location,
    cap,
    join_names,
    procedure_keys,
    refusal,
)
from scarbot.chunking import ClinicRecord
from scarbot.nlp import STOPWORDS, content_words, normalize, stem, words
from scarbot.query import Query, related

_WHICH_CLINIC = re.compile(r"\b(which|what|list|names?|recommend\w*|top|best|good)\s+(?:(?!(?:do|does|did|are|is|can|will|would|should)\b)\w+\s+){0,2}?"
                           r"(clinics?|hospitals?)\b")
_LOOKS_FOR = re.compile(r"\b(which|what|any|list|name|recommend\w*|top|best|good|where)\b(?:\s+\w+){0,4}\s+"
                       r"(clinic|clinics|hospital|hospitals)\b|\b(clinic|clinics|hospital|hospitals)\b(?:\s+\w+){0,3}"
                       r"\s+(in|near|at|offers?|does|do|provides?)\b")
_PICKS = re.compile(r"\b(?:which|any|list|name|recommend\w*|top|best|good|where)\b(?:\s+\w+){0,4}\s+(?:clinic|clinics|"
                    r"hospital|hospitals)\b")
# "where is it?", "where can I get it?"; not "X is where I'd go for Y" (a claim about what it offers)
_WHERE_ASKED = re.compile(r"\bwhere\b(?!\s+(?:i|i'd|i'll|i'm|we|we'd|you'd|to)\s+(?:\w+\s+)?(?:go|get|have|book|find)\b)")
_ELSE = re.compile(r"\bwhat else\b|\b(?:besides|apart from|aside from|other than|in addition to)\b.{0,40}\b(?:what|which|does|do|offer)"
                   r"|\bother (?:services|treatments|procedures|things)\b|\banything else\b")
_MORE = re.compile(r"\b(?:beyond|additional|in addition|as well as|also offers|also provides|wide array|range of)\b")
_RANKS = re.compile(r"\b(?:highest|best|most|top|lowest|fewest|greatest|largest|biggest|leading)\s+"
                    r"(?!(?:for|clinic|clinics|place|places|one|ones|option|options|choice|hospital|hospitals|known|"
                    r"famous|renowned|recognised|recognized|rated)\b)\w+")  # "best known for X": what it offers
_HOW_TO_CHOOSE = re.compile(r"\bhow\s+(?:do|should|can|would|to)\s+(?:i\s+|we\s+|you\s+|one\s+)?(?:choose|pick|select|find|"
                            r"spot|tell|judge|know)\b.{0,30}\b(?:clinic|hospital|doctor|dermatologist)s?\b")
_SELECTS = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:which|who)\b(?!\s+(?:is|are)\s+(?:closer|nearer|cheaper|better))")
_NAME_ASKED = re.compile(r"\b(?:called|named)\s*\W*$|\bthe name of\b|\bits name\b")
# questions whose answer is a person, a count or a date, which a clinic's features never are
_ASKS_FACT = re.compile(r"^\W*(?:[\w']+\W+){0,4}?(?:who|whom|whose|how many|when|what year|which year|since when|"
                        r"how old|how long has|how big|how large)\b")
_GENERIC = {stem(w) for w in ("offer", "offers", "provide", "do", "does", "clinic", "hospital", "treatment",
                              "treatments", "scar", "scars", "service", "services", "have", "get", "there",
                              "located", "where", "tell", "about", "special", "technique", "techniques")}


class ClinicStrategy:
    name = "clinics"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        """A named clinic, or a question that looks for one ("which clinic ...", "a clinic in <district>")."""
        if not q.clinics and _HOW_TO_CHOOSE.search(q.text.lower()):
            return False  # "how should one choose a hospital?": what to look for, which the article says in general
        looks_for = bool(_LOOKS_FOR.search(" ".join(q.tokens)))
        if not q.clinics and q.asks_cost and q.countries and not _PICKS.search(" ".join(q.tokens)):
            # "what do Indian clinics charge for peels?": that country's price, not a clinic to pick
            return False
        return bool(q.clinics) or ((looks_for or "provider" in q.attributes) and not q.why)

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        named = [c for c in self.corpus.clinics if c.name in q.clinics]
        if len(named) >= 2 and _SELECTS.search(q.text.lower()) and "location" not in q.attributes:
            picked = self._by_detail(q, named)  # "which of A and B has ...?": the one whose own text says it
            if picked is not None:
                return picked
        if named:
            return self._named(q, named)
        return self._find(q)

    # ------------------------------------------------------------------ a named clinic
    def _named(self, q: Query, named: list[ClinicRecord]) -> Draft | None:
        if q.why and not q.asks_cost and "location" not in q.attributes and not q.other_countries \
                and not any(p in words(q.text) for p in self.corpus.places):
            return None  # "why is X singled out for complex cases?": the reason its own sentences give (extraction);
            # "why is X in Busan?" rests on a place, checked below
        if q.asks_cost and any(p in self.corpus.priced for p in q.procedures) and not _charges(q, named[0]):
            return None  # "the stem cell therapy that clinic offers, what does it cost?": the treatment's price
        if q.asks_cost:
            return refusal(f"The article gives no prices for {named[0].name} or any other single clinic; it only "
                           "gives typical price ranges per procedure.", strategy=self.name)
        if q.ungiven and not self.corpus.corpus_has(q.ungiven):
            return None
        if len(named) == 1 and _ELSE.search(q.text.lower()) and not q.procedures:
            more = self._besides(named[0])
            if more is not None:
                return more
        if len(named) == 1 and _NAME_ASKED.search(q.text.lower()) and named[0].location:
            # "what's the clinic in Pangyo called?" (read as "what is Louis Clinic called?"): the name is the answer
            c = named[0]
            return Draft(strategy=self.name).add(f"That is {c.name}, located in {c.location}", c.location_chunk_id,
                                                 c.location_sentence)
        d = Draft(strategy=self.name)
        said = set(words(_unlead(q.text, named)))  # "Staying in Gangnam: what does X offer?" asks no place
        asked_places = [*q.other_countries, *(p for p in self.corpus.places if p in said)]
        choosing = len(named) >= 2 and bool(asked_places)  # "which of X and Y is in Gangnam?": the one that is
        if choosing:
            there = [c for c in named if c.location and all(p in normalize(c.location).lower() for p in asked_places)]
            place = asked_places[0].title()
            d.add(f"{join_names([c.name for c in there])} {'is' if len(there) == 1 else 'are'} the one{'s' * (len(there) > 1)} "
                  f"in {place}" if there else f"Neither is in {place}, going by the article")
        for c in named:
            places = asked_places
            wrong = [] if choosing else [o for o in places if o not in normalize(c.location).lower()]
            wants_loc = "location" in q.attributes or _WHERE_ASKED.search(q.text.lower()) or places
            if (wants_loc or wrong) and not c.location:
                d.add(f"The article does not say where {c.name} is", c.chunk_id, c.quote)
            elif wants_loc or wrong:
                lead = f"No — the article does not place {c.name} in {wrong[0].title()}; " if wrong else ""
                d.add(cap(f"{lead}{c.name} is located in {c.location}"), c.location_chunk_id, c.location_sentence)
                there = [x for x in self.corpus.clinics if wrong and x.name != c.name and x.name not in q.clinics
                         and wrong[0] in normalize(x.location).lower()]
                for x in there:  # "X is the hospital over in Y, yes?": the clinic that is there
                    if len(there) == 1:
                        d.add(f"The clinic it places in {wrong[0].title()} is {x.name}", x.location_chunk_id,
                              x.location_sentence)
                    else:
                        add_location(d, x)
            elif (q.yesno or not q.attributes) and not q.procedures and self._unlisted(c, q):
                return self._not_said(c, q)  # "how many surgeons does it employ?": no sentence of it gives a count
            elif (found := self._detail(c, q) or (self._detail(c, q, story=True) if q.asking else None)) is not None:
                full = q.yesno and len(named) == 1 and found[0] >= 0.999 * self.corpus.weight(self._asked(c, q))
                d.add(f"Yes — {found[1]}" if full else found[1], *found[2:])
            elif q.yesno and (elsewhere := self._elsewhere(c, q)) is not None:
                return elsewhere
            elif (q.yesno or not q.attributes) and not q.procedures and self._unsaid(c, q):
                return self._not_said(c, q)  # "Does it have English-speaking staff?", "what languages do they speak?"
            elif "offerings" in q.attributes or q.procedures or not q.attributes:
                self._offerings(d, q, c)
        return d if d.parts else None

    def _besides(self, clinic: ClinicRecord) -> Draft | None:
        """"What else does X do besides scars?": the sentences of its own section that add services to its main
        ones ("Beyond facial aesthetics, X offers ...", "With additional services in ...")."""
        c = self.corpus
        units = [c.units[i] for i in c.clinic_units.get(clinic.name, [])]
        more = [u for u in units if u.kind == "sentence" and _MORE.search(u.text.lower())
                and not NAVIGATION.search(u.text)]
        if not more:
            return None
        d = Draft(strategy=self.name)
        for u in more[:3]:
            d.add(u.text, u.chunk_id, u.text)
        return d

    def _elsewhere(self, clinic: ClinicRecord, q: Query) -> Draft | None:
        """"Does clinic A do X?" when only clinic B's text says X: not A, as far as the article says; B does."""
        others = [x for x in self.corpus.clinics if x.name != clinic.name]
        found = self._by_detail(q, others) if others else None
        if found is None:
            return None
        d = Draft(strategy=self.name)
        d.add(f"Not according to the article: it does not say that of {clinic.name}, but it does of another clinic:")
        d.parts += found.parts
        return d

    def _unsaid(self, clinic: ClinicRecord, q: Query) -> bool:
        """Whether a yes/no question asks something of the clinic that the article says of no clinic: a word
        that none of the clinics' sentences contains and that nothing in the article binds ("parking")."""
        asked = self._asked(clinic, q)
        if not asked:
            return False
        said = set().union(*(self.corpus.unit_stems[i] for x in self.corpus.clinics
                             for i in [*self.corpus.clinic_units.get(x.name, []),
                                       *self.corpus.index.units_by_chunk.get(x.chunk_id, [])]))
        return bool((asked - said) & {stem(w) for w in q.unbound})  # a word the article binds nowhere

    def _unlisted(self, clinic: ClinicRecord, q: Query) -> bool:
        """Whether a question asks for a person, a number or a date about the clinic ("who heads it?", "how many
        patients has it seen?") with words its own text does not have: its features are no answer to that."""
        if not _ASKS_FACT.search(q.text.lower()):
            return False
        asked = self._asked(clinic, q)
        c = self.corpus
        units = [*c.clinic_units.get(clinic.name, []), *c.index.units_by_chunk.get(clinic.chunk_id, [])]
        own = set().union(*(c.unit_stems[i] for i in units))
        counted = re.search(r"\bhow many\s+((?:[a-z]+\s+){0,2}?[a-z]+)\s+(?:do|does|did|has|have|had|is|are|work|works)\b",
                            q.text.lower())
        if counted:  # "how many surgeons ...?": a sentence of its own counts them ("a team of 12 surgeons")
            head = stem(counted.group(1).split()[-1])
            return not any(head in c.unit_stems[i] and re.search(r"\d", c.units[i].text) for i in units)
        return c.weight(asked - own) > c.weight(asked & own)

    def _not_said(self, clinic: ClinicRecord, q: Query) -> Draft:
        key, value = _offer_field(clinic)
        d = Draft(abstained=True, strategy=self.name)
        d.add(f"The article does not say; what it does say of {clinic.name} is its {key.lower()}: {value}",
              clinic.chunk_id, clinic.quote)
        return d

    def _offerings(self, d: Draft, q: Query, c: ClinicRecord) -> None:
        mentions = self.corpus.mentions(c, q.procedures) if q.procedures else []
        if q.procedures and not mentions:
            key, value = _offer_field(c)
            lead = "No — the" if q.yesno else "The"
            d.add(f"{lead} article does not list {q.procedures[0]} among {c.name}'s treatments; its "
                  f"{key.lower()}: {value}", c.chunk_id, c.quote)
            others = [o for o in self.corpus.clinics if o.name != c.name and self.corpus.mentions(o, q.procedures)]
            for o in others[:2]:  # "X is the place for stem cells, yes?": the clinic that does list it
                cid, quote = self.corpus.mentions(o, q.procedures)[0]
                d.add(f"{o.name} does: {quote}" if quote != o.quote else f"{o.name} lists it", cid, quote)
            return
        if mentions:  # "Does <clinic> do microneedling?" → where the article says so
            keys = procedure_keys(q.procedures)
            for cid, quote in mentions[:2]:
                text = quote
                if quote == c.quote:
                    key, value = next(((k, v) for k, v in c.fields.items()
                                       if any(re.search(rf"\b{re.escape(a)}\b", v.lower()) for a in keys)),
                                      next(iter(c.fields.items())))
                    text = f"{'Yes — ' if q.yesno else ''}{c.name} lists it among its {key.lower()}: {value}"
                d.add(text, cid, quote)
            return
        for key, value in c.fields.items():
            d.add(f"{c.name}'s {key.lower()}: {value}", c.chunk_id, c.quote)
        if not q.attributes and not q.procedures:
            d.add(f"It is located in {c.location}", c.location_chunk_id, c.location_sentence)

    def _pool(self, q: Query) -> list[ClinicRecord]:
        """The clinics a question can mean: those of the country it names, when some are."""
        c = self.corpus
        if q.countries:
            local = [x for x in c.all_clinics if c.source_home.get(c.clinic_source.get(x.name, "")) in q.countries
                     or any(w in x.location.lower() for n in q.countries for w in words(n))]
            if local:
                return local
        return c.clinics

    # ------------------------------------------------------------------ which clinic
    def _find(self, q: Query) -> Draft | None:
        c = self.corpus
        d = Draft(strategy=self.name)
        if q.asks_cost and (q.superlative or _WHICH_CLINIC.search(q.text.lower())):  # "which clinic is cheapest?"
            return refusal("The article gives no prices for single clinics, so it does not say which clinic is "
                           "cheaper; it gives typical price ranges per treatment and country.", strategy=self.name)
        pool = self._pool(q)
        if _RANKS.search(q.text.lower()) and _WHICH_CLINIC.search(q.text.lower()) and pool:
            found = self._by_detail(q, pool)  # "which clinic has the highest success rate?": only if a clinic's text says it
            if found is not None:
                return found
            return refusal(f"The article does not rank the clinics that way; it describes "
                           f"{join_names([x.name for x in pool])} without comparing them on it.", strategy=self.name)
        by_place = [x for x in pool if set(words(x.location.split(",")[0])) & set(q.tokens)]
        if not by_place:  # "in Seoul": the city, when it tells the clinics apart
            in_city = [x for x in pool if set(words(x.location)) & set(q.tokens)]
            by_place = in_city if len(in_city) < len(pool) else []
        if by_place:
            for x in by_place:
                if _specific(q) and len(by_place) == 1:  # "any chance the Pangyo place offers X?": what it offers, then where
                    self._offerings(d, q, x)
                add_location(d, x)
            return d
        if q.other_countries and ("location" in q.attributes or " in " in f" {q.text.lower()} "):
            return refusal(f"The article does not mention any clinic in {q.other_countries[0].title()}; the clinics "
                           f"it lists are in {join_names([x.location for x in c.clinics])}.", strategy=self.name)
        if not _specific(q):  # "scar treatment" in general tells no clinic apart
            found = self._by_detail(q)
            if found is not None and _asks_where(q):
                for x in self.corpus.clinics:  # "who offers X, and whereabouts?"
                    if x.name in found.text and x.location and x.location not in found.text:
                        add_location(found, x)
            return found or self._listing(q)
        found = [(x, self.corpus.mentions(x, q.procedures)) for x in pool]
        found = [(x, m) for x, m in found if m]
        if not found:
            return None
        found = self._narrowed(q, found)
        for x, m in found:
            d.add(f"{x.name} offers {q.procedures[0]}", *m[0])
        if _asks_where(q):
            for x, _ in found:
                add_location(d, x)
        return d

    def _narrowed(self, q: Query, found: list[tuple[ClinicRecord, list]]) -> list[tuple[ClinicRecord, list]]:
        """"Who does PDO thread lifts and microneedling?": of the clinics offering the treatment, those whose own text
        also has the other things asked for."""
        if len(found) < 2:
            return found
        named = {stem(w) for p in q.procedures for w in content_words(p)}
        c = self.corpus
        gains = []
        for x, _m in found:
            asked = {a for a in self._asked(x, q, story=True) - named if a in c.idf}
            own = set().union(*(c.unit_stems[i] for i in [*c.clinic_units.get(x.name, []),
                                                          *c.index.units_by_chunk.get(x.chunk_id, [])]))
            gains.append(c.weight(asked & own))
        top = max(gains)
        return [f for f, g in zip(found, gains, strict=True) if g == top] if top > 0 else found

    def _by_detail(self, q: Query, pool: list[ClinicRecord] | None = None) -> Draft | None:
        """"Which clinic does hair transplant on scars?": clinics whose own text carries the asked words."""
        pool = pool or self._pool(q)
        scored = [(x, s) for x in pool if (s := self._detail(x, q)) is not None]
        if not scored and q.asking:  # the question's own words match no clinic: the story's may
            scored = [(x, s) for x in pool if (s := self._detail(x, q, story=True)) is not None]
        top = max((s[0] for _, s in scored), default=0.0)
        scored = [(x, s) for x, s in scored if s[0] >= 0.8 * top]
        if not scored or len(scored) == len(pool):
            return None
        d = Draft(strategy=self.name)
        for x, (_, text, cid, quote) in scored:
            d.add(text if x.name in text else f"{x.name}: {text}", cid, quote)
        return d

    def _listing(self, q: Query) -> Draft | None:
        if q.asks_cost or q.all_scar_types or not _WHICH_CLINIC.search(q.text.lower()):
            return None
        d = Draft(strategy=self.name)
        pool = self._pool(q)
        if not pool:  # the articles retrieved name no clinic
            return None
        d.add(f"The article lists {len(pool)} clinics: {join_names([x.name for x in pool])}",
              pool[0].chunk_id, pool[0].quote)
        for x in pool:
            d.add(f"- {x.name} is located in {x.location}", x.location_chunk_id, x.location_sentence)
        return d

    def _asked(self, clinic: ClinicRecord, q: Query, story: bool = False) -> set[str]:
        """The question's own words (with ``story``, the whole message's), less the clinic's name and words
        any clinic question has."""
        own = {stem(w) for w in content_words(clinic.name)}
        said = words(q.asking) if q.asking and not story else q.tokens
        background = self.corpus.background
        asked = {stem(w) for w in said if w not in background and w not in STOPWORDS and len(w) > 2
                 and not (w.endswith("n") and w[:-1] in background)}  # "Korean" says the article's country again
        return asked - own - _GENERIC

    def _detail(self, clinic: ClinicRecord, q: Query, story: bool = False) -> tuple[float, str, str, str] | None:
        """The clinic's own sentence (or table cell) carrying the asked words, with its score: the question's
        words ("... bald patch on my scalp — which clinic does hair transplants?"), or with ``story`` the whole
        message's ("A patient asked about thread lifts. Which clinic does those?")."""
        if _specific(q):
            return None
        return self._detail_of(clinic, q, self._asked(clinic, q, story), story)

    def _detail_of(self, clinic: ClinicRecord, q: Query, asked: set[str], story: bool = False
                   ) -> tuple[float, str, str, str] | None:
        c = self.corpus
        if not asked:
            return None
        best, best_gain, matched = None, 0.0, set()
        own = [*c.clinic_units.get(clinic.name, []), *c.index.units_by_chunk.get(clinic.chunk_id, [])]
        for i in own:
            # "collaborate" is the word of "Collaboration among dermatologists ...": derivations count
            hit = {a for a in asked if a in c.unit_stems[i] or len(a) >= 8 and any(related(a, w) for w in c.unit_stems[i])}
            gain = c.weight(hit)
            if gain > best_gain:
                best, best_gain, matched = c.units[i], gain, hit
        # half of what is asked, or two or more of its words when the message also tells a story around them; in the
        # story, words the article never uses ("an old burn on my knee") match no clinic and weigh nothing in that share
        wanted = c.weight({a for a in asked if a in c.idf or not story})
        if best is None or (best_gain < 0.5 * wanted and (len(matched) < 2 or best_gain < 0.3 * wanted)):
            return None
        if best.kind == "row":  # quote the row, but say which column matched
            key, value = max(clinic.fields.items(),
                             key=lambda kv: c.weight(asked & {stem(w) for w in content_words(kv[1])}))
            return best_gain, f"{clinic.name}'s {key.lower()}: {value}", best.chunk_id, best.text
        return best_gain, best.text, best.chunk_id, best.text


def _charges(q: Query, clinic: ClinicRecord) -> bool:
    """Whether the clinic itself is asked what it charges ("what does Louis Clinic charge", "at Louis Clinic",
    "Louis Clinic's price"), not named beside a treatment whose price is asked."""
    first = re.escape(words(clinic.name)[0])
    low = q.text.lower()
    return bool(re.search(rf"\b(?:at|from|by|with)\s+(?:the\s+)?{first}\b|\b{first}\b[\w\s'’]{{0,30}}?\b(?:charges?|costs?|"
                          rf"prices?|fees?|asks?|bills?|rates?)\b(?!\s+(?:in|there))", low))


def _asks_where(q: Query) -> bool:
    return "location" in q.attributes or bool(re.search(r"\bwhere\b", q.text.lower()))


def _unlead(text: str, clinics: list[ClinicRecord]) -> str:
    """The message without a lead that sets the scene and names none of the clinics ("Staying in Gangnam — ...")."""
    m = re.match(r"^([^—–:?.!]{3,60})\s*(?:[—–:]|\s-\s)\s*(\S.*)$", text, re.S)
    if m and not any(words(c.name)[0] in words(m.group(1)) for c in clinics):
        return m.group(2)
    return text


def _specific(q: Query) -> list[str]:
    return [p for p in q.procedures if p != GENERAL]


def _offer_field(clinic: ClinicRecord) -> tuple[str, str]:
    """The clinic-table column that lists what a clinic does (techniques, treatments, services)."""
    fields = list(clinic.fields.items()) or [("treatments", "")]
    return next(((k, v) for k, v in fields if re.search(r"techni|treatment|service|procedure", k, re.I)), fields[-1])
