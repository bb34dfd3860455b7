"""Prices from the parsed tables and price lists: look-ups, comparisons, extremes.

A "-" cell is "no figure given", never zero. Comparisons are computed from the parsed ranges.
The article's own price list and the comparison table are named as distinct sources.
"""

from __future__ import annotations

import re

from scarbot.answer.base import (
    GENERAL,
    NOT_TREATMENT,
    AnswerContext,
    CorpusView,
    Draft,
    Part,
    PriceFact,
    average_of,
    cap,
    join_names,
    money,
    pretty,
    refusal,
    span,
)
from scarbot.nlp import stem, words
from scarbot.query import Query
from scarbot.text import figures

_ANY_COUNTRY = re.compile(r"\b(?:any|which|what)\s+(?P<other>other\s+)?(?:countries|country|places|destinations)\b"
                          r"|\b(?P<else>elsewhere|anywhere else)\b")
_WHICH_COUNTRIES = re.compile(r"\b(?:which|what)\s+(?:other\s+)?(?:countries|country|places|destinations)\b")
_RELATIVE = re.compile(r"\b(cheaper|less expensive|more affordable|more expensive|pricier|costlier)\s+than\b"
                       r"|\b(?:start|starts|starting|begin|begins|beginning)\s+(below|under|lower than|above|over|higher than)\b")
# where a cost question names the thing priced: "how much is X", "the price of X", "X cost(s)"
_PRICE_OF = re.compile(r"\bhow much (?:is|are|does|do|for|would|will)\s+(?:an?|the|one|some)?\s*([a-z -]{2,40}?)"
                       r"(?:\s+(?:cost|costs|be|run|set)\b|\s+in\b|\?|$)|\b(?:price|cost|fee|charge)s?\s+(?:of|for)\s+"
                       r"(?:an?|the|one)?\s*([a-z -]{2,40}?)(?:\s+in\b|\?|$)|\b([a-z-]+(?:\s[a-z-]+)?)\s+(?:price|cost)s?\b"
                       r"|\bwhat (?:does|do|would|will)\s+(?:an?|the|one)?\s*([a-z -]{2,40}?)\s+(?:cost|run|set)\b"
                       r"|^\s*([a-z -]{2,30}?)\s*(?::|\s[—–-])\s+(?:what|how much)\b")
_SAME = re.compile(r"\b(?:the same|same as|identical|equal)\b")
_COMPARATIVE = re.compile(r"\b(?:cheaper|pricier|dearer|costlier|more expensive|less expensive|more affordable|"
                          r"(?:higher|lower) than)\b")
_TIMES = re.compile(r"\bhow many times\b|\btimes (?:more|less|cheaper|dearer|as)\b|\bratio\b|\bfold\b|\btwice\b")
# words that say which price, not what is priced ("Thailand's top price", "the going rate")
_PRICE_MODIFIERS = {"top", "bottom", "highest", "lowest", "upper", "lower", "max", "maximum", "min", "minimum",
                    "starting", "entry", "average", "typical", "usual", "full", "base", "total", "cheapest", "dearest",
                    "final", "rough", "ballpark", "exact", "current", "quoted", "listed", "standard", "overall",
                    "combined", "peak", "high", "low", "end"}
_TREATMENT_WORDS = re.compile(r"\b(treatment|treatments|procedure|procedures|scar|scars|it|session|sessions|"
                              r"them|therapy)\b")
# words that name the general condition rather than a priced thing ("my pitted acne scars")
_CONDITION = {stem(w) for w in ("scar", "scars", "acne", "pitted", "depressed", "sunken", "indented",
                                "holes", "skin", "face", "treat", "treatment", "procedure", "session", "therapy",
                                "option", "clinic", "hospital")}


_WHICH_TREATMENT = re.compile(r"\b(?:which|what)\s+(?!(?:\w+\s+){0,3}?(?:country|countries|place|where)\b)(?:\w+\s+){0,3}?"
                              r"(?:treatments?|procedures?|options?|therap(?:y|ies))\b")


_AVG_NOTE = re.compile(r"\s*\(avg[^)]*\)")
_WHERE = re.compile(r"\b(?:country|countries|where|destination|destinations)\b")
_EXTRA = re.compile(r"\b(?:extra|additional|add-on|addon|adding|add|on top)\b")
_EXTRA_WORDS = {"extra", "additional", "add", "adding", "addon", "top", "cost", "price", "much", "charge", "fee"}


class PriceStrategy:
    name = "prices"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        if q.asking and not q.asking_cost and not (q.count or q.superlative):
            return False  # "my budget is $3,000 ... which procedure suits them?" asks no price
        other = set(q.attributes) - {"cost"}  # "which clinic has the highest success rate?": not a price
        if _TIMES.search(q.text.lower()):
            other.discard("sessions")  # "how many times pricier ...?": a ratio of prices, no count of sessions
        return not q.why and (q.asks_cost or bool(q.superlative and (q.procedures or q.countries) and not other))

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        c = self.corpus
        procs = [p for p in q.procedures if p in c.priced]
        unpriced = [p for p in q.procedures if p not in c.priced]
        if unpriced and not procs:
            return refusal(f"The article gives no price for {unpriced[0]}: its prices cover "
                           f"{join_names(sorted(c.priced - {GENERAL}))} and treatment in general.")
        if q.other_countries and set(q.countries) <= {c.home} and (q.compare or q.superlative or q.saving):
            what = f" for {procs[0]}" if procs else ""  # "is Korea cheaper than Nigeria?": nothing to compare with
            return refusal(f"The article gives no prices{what} in {q.other_countries[0].title()}, so it cannot compare "
                           f"{c.home} with it; its cost table covers only {join_names(c.countries)}.")
        if q.clinics and not procs:
            return None
        variant = self._variant(q, procs)
        if variant is not None:
            return variant
        addon = self._addon(q, procs)
        if addon is not None:
            return addon
        if q.filler_types and not q.compare:
            return refusal(f"The article gives prices for dermal fillers in general, not for {q.filler_types[0]} "
                           "specifically, so I can't say what that costs.")
        if not procs and q.budget is not None and not set(q.tokens) & NOT_TREATMENT:
            return self._within_budget(q)  # (a budget for the consultation is no budget for treatments)
        one_country = len([x for x in q.countries if x not in q.excluded_countries]) == 1 and not q.compare \
            and not _WHERE.search(q.text.lower())  # "the dearest option in Korea": there is no other country to rank
        if set(procs) <= {GENERAL} and q.superlative and len(q.countries) <= 1 and (
                _WHICH_TREATMENT.search(q.text.lower()) or (one_country and not procs)):
            ranked = self._across_procs(next(iter(q.countries), c.home), q.superlative)  # "which treatment costs most?"
            if ranked is not None:
                return ranked
        if q.other_countries and (not q.countries or q.other_asked):
            what = f" for {procs[0]} in" if procs else " for"
            return refusal(f"The article gives no prices{what} {q.other_countries[0].title()}; its cost table "
                           f"covers only {join_names(c.countries)}.")
        if not procs:
            other = self._unpriced_subject(q)
            if other is not None:
                return other
            if set(q.tokens) & NOT_TREATMENT or (not q.countries and not _TREATMENT_WORDS.search(" ".join(q.tokens))):
                return None  # the price of a deposit or a consultation: the text answers, or says it can't
        return self._priced(q, procs or [GENERAL])

    def _addon(self, q: Query, procs: list[str]) -> Draft | None:
        """"How much extra is adding PRP?": an add-on the article never prices on its own (added to the
        treatment named, or to the one whose own section mentions the add-on)."""
        if not _EXTRA.search(q.text.lower()):
            return None
        named = {w for p in procs for w in words(p)} | {w for c in q.countries for w in words(c.lower())}
        extra = [w for w in q.salient if w not in _EXTRA_WORDS and w not in named and w not in self.corpus.background
                 and w not in q.framing]
        if not extra or any(w in r.procedure.lower() for r in self.corpus.prices for w in extra):
            return None
        c = self.corpus
        if any(stem(extra[0]) in c.label_stems[i] for i in c.label_prefix.get(extra[0][:4], ())):
            return None  # "the consultation on top?": a topic with its own item ("Consultation: Free ..."), no add-on
        if not procs:
            hosts = [p for p, units in c.proc_units.items() if p in c.priced
                     and any(re.search(rf"\b{re.escape(extra[0])}\b", c.units[i].text.lower()) for i in units)]
            if len(hosts) != 1:
                return None
            procs = hosts
        return refusal(f"The article gives no separate price for adding {extra[0].upper() if len(extra[0]) <= 4 else extra[0]} "
                       f"to {pretty(procs[0])}: it prices {pretty(procs[0])} as a whole.", strategy=self.name)

    def _within_budget(self, q: Query) -> Draft | None:
        """"I have about $500, which treatments could I afford?": every procedure whose price starts within it."""
        c = self.corpus
        country = next(iter(q.countries), c.home)
        rows = [r for r in c.prices if r.country == country and r.given and r.canonical != GENERAL]
        rows.sort(key=lambda r: (r.kind != "price list", r.low))
        best: dict[str, PriceFact] = {}
        for r in rows:
            best.setdefault(r.canonical, r)
        within = [r for r in best.values() if r.low <= q.budget]
        d = Draft(strategy=self.name)
        if not within:
            return refusal(f"No procedure in the article's prices for {country} starts at or below your budget.",
                           strategy=self.name)
        d.add(f"In {country}, these start at or below your budget (per session unless stated):", derived=())
        for r in sorted(within, key=lambda r: r.low):
            d.add(f"- {r.procedure}: {r.cell.rstrip('.')}", r.chunk_id, r.quote)
        d.steps.append(f"prices: budget {q.budget:g}")
        return d

    def _variant(self, q: Query, procs: list[str]) -> Draft | None:
        """"The price of TCA CROSS?": a priced treatment named together with a name the article never uses
        (written with a capital mid-sentence): another thing, whose price the article does not give."""
        if not procs or not q.asks_cost:
            return None
        joined = f" {' '.join(q.tokens)} "
        odd = set()
        for start, end, kind, _name in q.spans:
            if kind != "procedure":
                continue
            near = joined[:start].split()[-1:] + joined[end:].split()[:1]  # the words either side of the name
            odd |= {w for w in near if w in q.unbound and _as_name(w, q.text)}
        if not odd:
            return None
        phrase = re.search(rf"(?:\b[\w-]+\s+)?\b{re.escape(sorted(odd)[0])}\b(?:\s+[\w-]+)?", q.text, re.I)
        shown = phrase.group(0) if phrase else sorted(odd)[0]  # "TCA CROSS for", trimmed below
        shown = re.sub(r"\s+(?:for|in|at|with|of|on|to|from|and|or)$", "", re.sub(r"^(?:of|for|the|a|an)\s+", "", shown,
                                                                               flags=re.I), flags=re.I)
        return refusal(f"The article gives no price for {shown}; the nearest thing it prices is "
                       f"{pretty(procs[0])} in general.", strategy=self.name)

    def _unpriced_subject(self, q: Query) -> Draft | None:
        """"How much is botox in <city>?": the thing asked about is not a priced procedure."""
        m = _PRICE_OF.search(q.text.lower())
        if m is None or set(q.tokens) & NOT_TREATMENT:
            return None
        phrase = next(g for g in m.groups() if g)
        named = {self.corpus.analyzer.speller.correct(w) for w in re.findall(r"[a-z]+", phrase)}
        subject = [w for w in q.salient if w in named and stem(w) not in _CONDITION and not w.endswith("ing")
                   and w not in _PRICE_MODIFIERS
                   and w not in self.corpus.background
                   and not any(w in p.lower() for p in q.countries)]
        if not subject:
            return None
        stems = {stem(w) for w in subject}
        # priced when a price names it (a row's procedure, a list label) or prose states a figure for it;
        # a note inside another procedure's cell ("(with PRP)") does not price it
        c = self.corpus
        if c.units_with(c.price_name_stems, stems) or c.units_with(c.priced_prose, stems):
            return None
        shown = [(re.search(rf"\b{re.escape(w)}\b", q.text, re.I) or re.search(".*", w))[0] for w in subject[:3]]
        return refusal(f"The article gives no price for {' '.join(shown)}: its prices cover "
                       f"{join_names(sorted(self.corpus.priced - {GENERAL}))} and treatment in general.")

    def _priced(self, q: Query, procs: list[str]) -> Draft | None:
        c = self.corpus
        countries = [x for x in q.countries if x not in q.excluded_countries]
        if q.yesno and _SAME.search(q.text.lower()) and len(procs) == 2 and len(countries) <= 1:
            same = self._same(procs, countries[0] if countries else c.home)  # "is X's price the same as Y's?"
            if same is not None:
                return same
        rel = _RELATIVE.search(q.text.lower())
        if q.superlative and len(procs) >= 2 and len(countries) <= 1:
            return self._versus_procs(procs, countries[0] if countries else c.home, q.superlative, q.price_end)
        if rel and len(countries) == 1:
            word = rel.group(1) or rel.group(2)
            which = "min" if word in ("cheaper", "less expensive", "more affordable", "below", "under", "lower than") \
                else "max"
            start = "min" if rel.group(2) else None  # "prices that start below Korea's": the bottoms compared
            low = q.text.lower()
            # "which countries is India cheaper than?": the countries asked for come after "than", India is the subject
            if _WHICH_COUNTRIES.search(low[: rel.start()]) and not c.analyzer.frame(low[rel.end():]).countries:
                which = "max" if which == "min" else "min"
            return self._relative(procs[0], countries[0], which, start)
        if q.at_average and not q.compare:
            average = self._average(procs, countries[0] if len(countries) == 1 else c.home_for(procs[0])[0])
            if average is not None:
                return average
        one = countries[0] if len(countries) == 1 else \
            c.home_for(procs[0])[0] if not countries and q.price_end and not q.superlative else None
        if (q.superlative or q.price_end) and one and not q.compare and not q.yesno and not _WHERE.search(q.text.lower()):
            end = self._end_of(procs, one, q.price_end or q.superlative)  # "cheapest laser in Thailand?"
            if end is not None:
                return end
            if countries:  # a "-" cell: that country's missing figure is the answer, not another country's
                return self._lookup(q, procs, countries)
        if q.superlative and len(countries) == 1 and len(procs) == 1 \
                and not any(r.given for r in c.records(procs[0], countries[0])):
            return self._lookup(q, procs, countries)  # "is stem cell therapy cheaper in Turkey?": no figure there
        if q.superlative and q.yesno and len(countries) == 1 and countries[0] != c.home_for(procs[0])[0] \
                and _COMPARATIVE.search(q.text.lower()):  # "is laser cheaper in Turkey?": than at the article's home
            return self._versus(procs[0], [countries[0], c.home_for(procs[0])[0]], q.superlative, q.price_end,
                                times=bool(_TIMES.search(q.text.lower())))
        if q.superlative and not (len(countries) == 2 and q.compare):
            d = Draft(strategy=self.name)
            among = countries if len(countries) > 2 else None
            best: list[str] = []
            for proc in procs:
                best += self._extreme(d, proc, q.superlative, among, q.excluded_countries, q.price_end,
                                      shown=countries[0] if len(countries) == 1 else c.home)
            if procs == [GENERAL] and among is None and not q.excluded_countries and not q.price_end and q.yesno:
                self._per_treatment(d, q.superlative)  # "is Korea the cheapest overall?": each treatment's too
            if d.parts and q.yesno and len(countries) == 1:  # "is Korea the cheapest?": the verdict first
                d.parts.insert(0, Part("Yes." if set(best) == {countries[0]} else "No."))
            return d if d.parts else None
        if len(countries) == 2 and q.superlative:
            return self._versus(procs[0], countries, q.superlative, q.price_end, times=bool(_TIMES.search(q.text.lower())))
        listed = _ANY_COUNTRY.search(q.text.lower()) if not countries and not (q.superlative or q.price_end) else None
        if q.excluded_countries or (q.operation == "list" and not countries) or listed:
            # "any other country in the table with a price for it?": every country given, the home one left out
            excluded = q.excluded_countries or ([c.home] if listed and (listed.group("other") or listed.group("else"))
                                                else [])
            return self._listing(procs, excluded)
        if not countries:
            countries = c.countries if q.compare else c.home_for(procs[0])
        return self._lookup(q, procs, countries)

    def _lookup(self, q: Query, procs: list[str], countries: list[str]) -> Draft:
        c = self.corpus
        d = Draft(strategy=self.name)
        missing: list[str] = []
        for proc in procs:
            if len(countries) > 3:
                self._across(d, proc, countries)
                continue
            for country in countries:
                self._price_sentence(d, proc, country, missing, explicit=bool(q.countries) or not q.compare)
                self._disagreement(d, proc, country)
            if len(countries) > 1 or q.compare:
                d.prices.extend(c.chart_rows(c.records(proc, kind="comparison table")))
        if not d.parts:
            where = join_names(missing) if missing else "there"
            return refusal(f"The article's cost table gives no figure for {pretty(procs[0])} in {where} (the "
                           "cell is \"-\"), so the article does not say what it costs there.",
                           *self._row_ref(procs[0]), strategy=self.name)
        if missing:
            d.add(f"The table gives no figure for {pretty(procs[0])} in {join_names(missing)}.",
                  *self._row_ref(procs[0]))
        return d

    def _disagreement(self, d: Draft, proc: str, country: str) -> None:
        """Two articles give different figures for the same thing: show both, say they disagree."""
        given = [r for r in self.corpus.records(proc, country) if r.given]
        by_source: dict[str, PriceFact] = {}
        for r in given:
            by_source.setdefault(r.source, r)
        if len({(r.low, r.high) for r in by_source.values()}) < 2:
            return
        listing = "; ".join(f"{r.source}: {r.cell.rstrip('.')}" for r in by_source.values())
        d.parts.insert(0, Part(f"The sources disagree on {pretty(proc)} in {country} ({listing}), so check with "
                               "the clinic", derived=tuple(f for r in by_source.values() for f in figures(r.cell))))
        for r in by_source.values():
            if all(p.quote != r.quote for p in d.parts):
                d.add(f"{r.procedure} in {country} ({r.source}): {r.cell.rstrip('.')}", r.chunk_id, r.quote)
        d.steps.append("prices: sources disagree")

    def _listing(self, procs: list[str], excluded: list[str]) -> Draft | None:
        """"Which countries besides X have a price for Y?": the given cells, one bullet each."""
        c = self.corpus
        d = Draft(strategy=self.name)
        for proc in procs:
            rows = [r for r in c.records(proc, kind="comparison table") if r.country not in excluded]
            given = [r for r in rows if r.given]
            if not rows:
                continue
            none = [r.country for r in rows if not r.given]
            besides = f" besides {join_names(excluded)}" if excluded else ""
            if not given:
                d.add(f"The cost comparison table gives no figure for {pretty(proc)}{besides}: the cells for "
                      f"{join_names(none)} are empty (\"-\")", rows[0].chunk_id, rows[0].quote)
                continue
            lead = f"The cost comparison table gives a figure for {pretty(proc)}{besides}"
            lead += f" in {join_names([r.country for r in given])}"
            listing = "".join(f"\n- {r.country}: {r.cell}" for r in given)
            tail = f"\n\nNo figure is given for {join_names(none)}" if none else ""
            d.add(f"{lead}:{listing}{tail}", rows[0].chunk_id, rows[0].quote)
            d.prices.extend(c.chart_rows(rows))
        return d if d.parts else None

    def _across(self, d: Draft, proc: str, countries: list[str]) -> None:
        """Every country's cell for one procedure as a list; "-" cells named as having no figure."""
        c = self.corpus
        if c.home in countries:
            for p in c.records(proc, c.home, "price list"):
                if p.given:
                    d.add(f"{p.procedure} in {c.home}: {p.cell.rstrip('.')} ({c.origin(p)})",
                          p.chunk_id, p.quote)
        rows = [r for r in c.records(proc, kind="comparison table") if r.country in countries]
        d.prices.extend(c.chart_rows(rows))
        given = [r for r in rows if r.given]
        if not given:
            return
        listing = "".join(f"\n- {r.country}: {r.cell}" for r in given)
        none = [r.country for r in rows if not r.given]
        tail = f"\n\nNo figure is given for {join_names(none)}" if none else ""
        d.add(f"The cost comparison table lists {pretty(proc)} at:{listing}{tail}", given[0].chunk_id,
              given[0].quote)

    def _row_ref(self, proc: str) -> tuple[str | None, str]:
        rows = self.corpus.records(proc, kind="comparison table")
        return (rows[0].chunk_id, rows[0].quote) if rows else (None, "")

    def _price_sentence(self, d: Draft, proc: str, country: str, missing: list[str], explicit: bool) -> None:
        c = self.corpus
        listed = [p for p in c.records(proc, country, "price list") if p.given]
        table = c.records(proc, country, "comparison table")
        name = pretty(proc)
        if proc == GENERAL and country == c.home:
            for u in self._price_list_intro(country):
                d.add(u.text, u.chunk_id, u.text)
        for p in listed:
            d.add(f"{p.procedure} in {country}: {p.cell.rstrip('.')} ({c.origin(p)})",
                  p.chunk_id, p.quote)
        for p in table:
            if p.given:
                text = (f"The cost comparison table lists {p.cell} for {country}" if listed
                        else f"{cap(name)} in {country}: {p.cell} ({c.origin(p)})")
                d.add(text, p.chunk_id, p.quote)
            elif explicit and not listed:
                missing.append(country)
        if not table and not listed and explicit:
            missing.append(country)

    def _price_list_intro(self, country: str) -> list:
        """The prose of the section holding a country's price list that states a range (its overall figure)."""
        c = self.corpus
        units = [c.units[i] for sec in c.price_list_sections.get(country, []) for i in c.section_units.get(sec, [])]
        return [u for u in units if not u.label and u.kind == "sentence"
                and re.search(r"\$[\d,]+.{0,12}\$[\d,]+", u.text)][:1]

    def _average(self, procs: list[str], country: str) -> Draft | None:
        """"The average laser price in Thailand": the average a cell states, when it states one."""
        d = Draft(strategy=self.name)
        for proc in procs:
            r = next((r for r in self.corpus.records(proc, country) if r.given and average_of(r.cell)), None)
            if r is None:
                d.add(f"The article gives no average price for {pretty(proc)} in {country}, only its range")
                continue
            whole = _AVG_NOTE.sub("", r.cell).rstrip(".")
            d.add(f"The average the article gives for {pretty(proc)} in {country} is {span(*average_of(r.cell))} "
                  f"per session, within a range of {whole}", r.chunk_id, r.quote)
        return d if any(p.chunk_id for p in d.parts) else None

    def _end_of(self, procs: list[str], country: str, which: str) -> Draft | None:
        """One country's figure at the asked end: "the lowest price for laser in Thailand" is the bottom of
        Thailand's range, not the country with the lowest price."""
        d = Draft(strategy=self.name)
        for proc in procs:
            r = next((r for r in self.corpus.records(proc, country) if r.given), None)
            if r is None:
                return None
            figure = r.low if which == "min" else r.high
            d.add(f"The {'lowest' if which == 'min' else 'highest'} price the article gives for {pretty(proc)} in "
                  f"{country} is {money(figure)}: its range there is {r.cell.rstrip('.')}", r.chunk_id, r.quote,
                  derived=(money(figure),))
        return d if d.parts else None

    def _extreme(self, d: Draft, proc: str, which: str, among: list[str] | None, excluded: list[str],
                 end: str | None = None, shown: str | None = None) -> list[str]:
        """Adds the country (or tied countries) at the asked extreme for ``proc``, and returns them."""
        c = self.corpus
        rows = [r for r in c.records(proc, kind="comparison table") if r.given and r.country not in excluded
                and (among is None or r.country in among)]
        if not rows:
            return []
        by_top = end == "max" if end else which == "max"  # "cheapest at the top end": ranked by the top of each range
        sign = 1 if which == "min" else -1
        key = (lambda r: (sign * r.high, sign * r.low)) if by_top else (lambda r: (sign * r.low, sign * r.high))
        best = min(rows, key=key)
        word = "lowest" if which == "min" else "highest"
        if end:
            word += f" {'top' if by_top else 'bottom'}-of-range"
        ties = [r.country for r in rows if r is not best and key(r) == key(best)]
        table = "the article's cost comparison table" if len(c.sources) < 2 else f"the cost comparison table of {best.source}"
        d.add(f"For {pretty(proc)}, the {word} price in {table} is in "
              f"{join_names([best.country, *ties])}: {best.cell}", best.chunk_id, best.quote)
        home = next((r for r in rows if r.country == (shown or c.home)), None)
        if home is not None and home.country not in (best.country, *ties):
            d.add(f"{home.country} is listed at {home.cell}", home.chunk_id, home.quote)
        d.prices.extend(c.chart_rows(c.records(proc, kind="comparison table")))
        return [best.country, *ties]

    def _versus(self, proc: str, countries: list[str], which: str, end: str | None = None,
                times: bool = False) -> Draft | None:
        """One procedure, two countries: "Is laser cheaper in Thailand or Turkey?"."""
        a, b = (next(iter(self.corpus.records(proc, x, "comparison table")), None) for x in countries)
        if a is None or b is None:
            return None
        return self._pair(a, b, a.country, b.country, f"for {pretty(proc)}", which, end, times)

    def _same(self, procs: list[str], country: str) -> Draft | None:
        """"Is the Thai laser price the same as the Thai general price?": both figures, and whether they match."""
        a, b = (next((r for r in self.corpus.records(p, country, "comparison table") if r.given), None) for p in procs)
        if a is None or b is None:
            return None
        equal = (a.low, a.high) == (b.low, b.high)
        d = Draft(strategy=self.name)
        d.add(f"{'Yes: the table gives the same range' if equal else 'No: the table gives different ranges'} for "
              f"both in {country}:")
        for proc, r in zip(procs, (a, b), strict=True):
            d.add(f"- {cap(pretty(proc))}: {r.cell.rstrip('.')}", r.chunk_id, r.quote)
        return d

    def _per_treatment(self, d: Draft, which: str) -> None:
        """Beside the general row: for each treatment priced in several countries, the country with the lowest
        (bottom of range) or highest (top) figure, one cited bullet each."""
        c = self.corpus
        found = []
        for proc in sorted(c.priced - {GENERAL}):
            rows = [r for r in c.records(proc, kind="comparison table") if r.given]
            if len(rows) >= 2:  # one country priced: nothing is compared
                found.append((proc, min(rows, key=lambda r: r.low) if which == "min" else max(rows, key=lambda r: r.high)))
        if not found:
            return
        d.add(f"Treatment by treatment, the {'lowest' if which == 'min' else 'highest'} figures in the table:")
        for proc, r in found:
            d.add(f"- {cap(pretty(proc))}: {r.country}, {r.cell.rstrip('.')}", r.chunk_id, r.quote)

    def _across_procs(self, country: str, which: str) -> Draft | None:
        """Every priced treatment of one country, the cheapest (by the bottom of its range) or the dearest
        (by the top) first."""
        rows = [(p, r) for p in sorted(self.corpus.priced - {GENERAL})
                for r in [next((r for r in self.corpus.records(p, country) if r.given), None)] if r is not None]
        if len(rows) < 2:
            return None
        rows.sort(key=(lambda pr: -pr[1].high) if which == "max" else (lambda pr: pr[1].low))
        word = "most expensive" if which == "max" else "cheapest"
        by = "the top" if which == "max" else "the bottom"
        p, r = rows[0]
        d = Draft(strategy=self.name)
        d.add(f"In {country}, {pretty(p)} is the {word} treatment the article prices (by {by} of its range): "
              f"{r.cell.rstrip('.')}", r.chunk_id, r.quote)
        d.add("The article's prices there:")
        for p, r in rows:
            d.add(f"- {cap(pretty(p))}: {r.cell.rstrip('.')}", r.chunk_id, r.quote)
        return d

    def _versus_procs(self, procs: list[str], country: str, which: str, end: str | None = None) -> Draft | None:
        """Two procedures, one country: "Is microneedling cheaper than laser resurfacing in India?"."""
        a, b = (next(iter(self.corpus.records(p, country, "comparison table")), None) for p in procs[:2])
        if a is None or b is None:
            return None
        return self._pair(a, b, pretty(procs[0]), pretty(procs[1]), f"in {country}", which, end)

    def _pair(self, a: PriceFact, b: PriceFact, name_a: str, name_b: str, where: str, which: str,
              end: str | None = None, times: bool = False) -> Draft:
        """Compare two cells by their parsed ranges, or by one end when asked ("at the low end"); "-" means the
        article cannot say."""
        if not a.given or not b.given:
            gone, name = (a, name_a) if not a.given else (b, name_b)
            return refusal(f"The article's cost table gives no figure for {name} ({gone.country}: "
                           f"{pretty(gone.canonical)}), so it doesn't say which is cheaper.", gone.chunk_id,
                           gone.quote, strategy=self.name)
        d = Draft(strategy=self.name)
        d.prices.extend(self.corpus.chart_rows([a, b]))
        order = _order(a, b, end)
        if end and order is not None:
            at = "bottom" if end == "min" else "top"
            (first, n1), (second, n2) = ((a, name_a), (b, name_b)) if (order < 0) == (which == "min") else \
                ((b, name_b), (a, name_a))
            verb = "cheaper" if which == "min" else "more expensive"
            v1, v2 = (first.low, second.low) if end == "min" else (first.high, second.high)
            ratio = max(v1, v2) / min(v1, v2) if times and min(v1, v2) > 0 else None
            times_text = f"{ratio:.1f}".removesuffix(".0") if ratio else ""
            ratio_text = f"; ${max(v1, v2):,.0f} is about {times_text} times ${min(v1, v2):,.0f}" if ratio else ""
            at_n2 = "in" if n2 in self.corpus.countries else "for"  # two countries, or two treatments in one
            d.add(f"At the {at} of the range, {n1} is {verb} {where}: ${v1:,.0f} against ${v2:,.0f} {at_n2} {n2} "
                  f"(a difference of ${abs(v2 - v1):,.0f}{ratio_text})", first.chunk_id, first.quote,
                  derived=(f"${abs(v2 - v1):,.0f}", f"${v1:,.0f}", f"${v2:,.0f}", *((times_text,) if ratio else ())))
            d.add(f"{cap(n1)} is listed at {first.cell}; {n2} at {second.cell}", second.chunk_id, second.quote)
            return d
        if order is None:
            d.add(f"The ranges overlap {where}: {name_a} is listed at {a.cell}", a.chunk_id, a.quote)
            d.add(f"{cap(name_b)} is listed at {b.cell}", b.chunk_id, b.quote)
            return d
        cheaper, dearer = ((a, name_a), (b, name_b)) if order < 0 else ((b, name_b), (a, name_a))
        (first, n1), (second, n2) = (cheaper, dearer) if which == "min" else (dearer, cheaper)
        verb = "cheaper" if which == "min" else "more expensive"
        other = "more expensive" if which == "min" else "cheaper"  # both ways, whichever way the claim was put
        d.add(f"{cap(n1)} is {verb} {where}, and {n2} {other}: the cost comparison table lists {first.cell} for {n1}",
              first.chunk_id, first.quote)
        d.add(f"{cap(n2)} is listed at {second.cell}", second.chunk_id, second.quote)
        return d

    def _relative(self, proc: str, ref: str, which: str, end: str | None = None) -> Draft | None:
        """Countries cheaper (or dearer) than ``ref`` for one procedure: both ends of the range compared, or
        only the bottoms with ``end`` ("start below")."""
        c = self.corpus
        base = next((r for r in c.records(proc, ref, "comparison table") if r.given), None)
        if base is None:
            return None
        rows = [r for r in c.records(proc, kind="comparison table") if r.given and r.country != ref]
        lo, hi = base.low, base.high
        if end:  # one end of each range only
            found = [r for r in rows if (r.low < lo if which == "min" else r.low > lo)]
            word = f"{'lower' if which == 'min' else 'higher'} starting"
        elif which == "min":
            found, word = [r for r in rows if r.low < lo and r.high < hi], "lower"
        else:
            found, word = [r for r in rows if r.low > lo and r.high > hi], "higher"
        d = Draft(strategy=self.name)
        if not found:
            d.add(f"No country in the article's cost table has a {word} range than {ref} ({base.cell}) for "
                  f"{pretty(proc)}", base.chunk_id, base.quote)
        else:
            listing = "".join(f"\n- {r.country}: {r.cell}" for r in found)
            d.add(f"For {pretty(proc)}, the cost comparison table lists a {word} range than {ref} ({base.cell}) "
                  f"in:{listing}", base.chunk_id, base.quote)
        d.prices.extend(c.chart_rows(c.records(proc, kind="comparison table")))
        return d


def _as_name(word: str, text: str) -> str:
    """The word as written when written as a name or an acronym ("CROSS", "Fraxel"), else ""."""
    m = re.search(rf"(?<=[a-z,;] )\b{re.escape(word)}\b", text, re.I)
    return m.group(0) if m and m.group(0)[0].isupper() else ""


def _order(a: PriceFact, b: PriceFact, end: str | None = None) -> int | None:
    """-1 when ``a`` is the cheaper range, 1 when ``b`` is, None when they overlap without an order; with
    ``end`` ("min"/"max"), by that end of each range only."""
    if end:
        x, y = (a.low, b.low) if end == "min" else (a.high, b.high)
        return None if x == y else -1 if x < y else 1
    if (a.low, a.high) == (b.low, b.high):
        return None
    if a.high < b.low or (a.low <= b.low and a.high <= b.high):
        return -1
    if b.high < a.low or (b.low <= a.low and b.high <= a.high):
        return 1
    return None
