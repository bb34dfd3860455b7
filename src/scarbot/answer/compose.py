"""Answers computed from several facts: a course total, procedures added together, a saving.

The result comes first, as a calculation a reader can check, followed by each input quoted with
its own citation. A part the article lacks (no session count) is named instead of guessed.
"""

from __future__ import annotations

import dataclasses
import re

from scarbot.answer.base import (
    GENERAL,
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
    span,
)
from scarbot.chunking import Unit
from scarbot.nlp import content_words, stem
from scarbot.query import Query
from scarbot.text import COUNT_WORDS, figures

_COURSE_IN_CELL = re.compile(r"\b(full treatment|full course|course|total|package)\b[^$]{0,20}"
                             r"(\$[\d,]+(?:\s*[-–]\s*\$[\d,]+)?)", re.I)


_PERCENT_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


_ASKS_TIME = re.compile(r"\bhow long\b|\bhow many (?:months|weeks|days)\b|\bhow much time\b|\bwhat timeframe\b")
_SPACING = re.compile(r"(?:about |roughly |around )?\b(a|an|one|two|three|four|six|\d+)\s+(month|week)s?\s+apart\b")
_EACH_SESSION = re.compile(r"\b(?:per|a|each|one|single)\s+(?:session|sitting|visit|go)\b")


def _quoted(u: Unit) -> str:
    """A list item led by its treatment's section instead of its own label ("Subcision: Usually 3-6 ...")."""
    return f"{u.section.split(' > ')[-1].split(' (')[0]}: {u.text.split(': ', 1)[-1]}"


def _asks_course_time(q: Query) -> bool:
    """How long a course takes, asked in the question itself ("how many months is a course of X?"; not "how long is
    the visa valid? it must cover the course")."""
    asked = (q.asking or q.text).lower()
    return bool((q.course or q.count) and not q.asks_cost and _ASKS_TIME.search(asked)
                and re.search(r"\b(?:course|sessions?|treatments?|rounds?|they|them|whole|overall)\b", asked))


def _times_each(text: str, amount: float) -> int | None:
    """"three peels at $150 apiece" → 3: a count of things at one stated price each."""
    figure = f"{amount:,.0f}".replace(",", ",?")
    m = re.search(rf"\b(\d{{1,2}}|{'|'.join(COUNT_WORDS)})\s+(?:[\w-]+\s+){{0,3}}?(?:at|for|of|costing)\s+\$\s?{figure}"
                  rf"(?:\.00)?\s*(?:each|apiece|a (?:session|go|time|pop)|per (?:session|treatment|visit))\b", text, re.I)
    if not m:
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else COUNT_WORDS[m.group(1).lower()]
    return n if 2 <= n <= 30 else None


def _share_of(text: str, word: str) -> float | None:
    """The percentage a text gives as the size of ``word``: "a down payment (about 20%)", "a 20% down
    payment", "a down payment of 20%" — not "80% said they would return"."""
    w = re.escape(word.rstrip("s"))
    m = re.search(rf"\b{w}\w*\W{{1,3}}(?:(?:about|around|roughly|approximately|of|is|usually|typically)\s+)?"
                  rf"(\d+(?:\.\d+)?)\s*%", text, re.I) or re.search(rf"(\d+(?:\.\d+)?)\s*%\s+{w}", text, re.I)
    return float(m.group(1)) if m else None


_END_WORDS = {"min": " (the bottom of the range)", "max": " (the top of the range)"}
_END_AT = {"min": " at the bottom of the range", "max": " at the top of the range", "avg": " at the average price"}
_END_INLINE = {"min": "the bottom of the range: ", "max": "the top of the range: "}


def _sessions_of(rows: list[tuple[str, int, PriceFact | None, float, float]]) -> str:
    """"2 sessions of laser resurfacing plus 1 session of chemical peels"."""
    return " plus ".join(f"{n} {'session' if n == 1 else 'sessions'} of {pretty(p)}" for p, n, _x, _a, _b in rows)


def _at_end(low: float, high: float, end: str | None) -> tuple[float, float]:
    """A range narrowed to the end asked for ("the minimum number of sessions", "at the top price")."""
    return (low, low) if end == "min" else (high, high) if end == "max" else (low, high)


_OF_BUDGET = re.compile(r"\b(?:of|on)\s+(?:my|our|the|a|your)\s+(?:whole\s+|entire\s+|total\s+|full\s+)?budget\b")
_VERSUS = re.compile(r"\b(?:vs\.?|versus|cheaper|compare|compared|which|difference|save|saving)\b")
_ALTOGETHER = re.compile(r"\b(?:total|altogether|all together|combined|in all|overall|together|sum)\b")


def _leftover(d: Draft, budget: float) -> None:
    """"How much of my $2,000 is left?": the budget less the total just computed (its two ends)."""
    part = next((p for p in d.parts if len(p.derived) >= 3), None)
    if part is None:
        return
    low, high = (float(x.strip("$").replace(",", "")) for x in part.derived[1:3])
    b = money(budget)
    if budget >= high:
        rest = span(budget - high, budget - low)
        d.add(f"That is within your {b} budget, leaving about {rest}", derived=(rest, money(budget - high),
                                                                                money(budget - low), b))
    elif budget >= low:
        d.add(f"At the low end that leaves about {money(budget - low)} of your {b} budget; at the high end "
              f"({money(high)}) it is {money(high - budget)} over", derived=(money(budget - low), money(high),
                                                                              money(high - budget), b))
    else:
        over = span(low - budget, high - budget)
        d.add(f"That is over your {b} budget, by about {over}", derived=(over, money(low - budget),
                                                                              money(high - budget), b))






class ComputeStrategy:
    name = "compose"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus
        self._percent_index: dict[str, list[int]] | None = None

    def applies(self, q: Query) -> bool:
        if self._share(q) is not None:
            return True
        if _asks_course_time(q) and any(p in self.corpus.sessions for p in q.procedures):
            return True  # "6 sessions a month apart: how many months?": a course's length
        return q.operation == "compute" and bool(self._priced_of(q))

    def _priced_of(self, q: Query) -> list[str]:
        """The priced treatments asked about; "the difference between the top ends of Thailand and the UK" with
        none named is about the price of treatment in general."""
        priced = [p for p in q.procedures if p in self.corpus.priced]
        if not priced and not q.procedures and not q.filler_types and q.saving and q.asks_cost \
                and len(q.countries) == 2 and GENERAL in self.corpus.priced:
            return [GENERAL]
        return priced

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        d = self._compose(q)
        budget = q.budget or (q.amounts[0] if len(q.amounts) == 1 else None)  # "I have $2,000 ... what's left?"
        if d is not None and budget and q.leftover:
            _leftover(d, budget)
        return d

    def _compose(self, q: Query) -> Draft | None:
        share = self._share(q)
        if share is not None:
            return self._percent(q, *share)
        priced = self._priced_of(q)
        if q.range_math and len(q.countries) <= 1 and priced:
            proc = next((p for p in priced if p != GENERAL), priced[0])  # the in-general range too
            return self._range_math(proc, q.countries[0] if q.countries else self.corpus.home_for(proc)[0], q.range_math)
        if q.saving and priced and len(q.countries) >= 1:  # a saving on treatment in general is one too
            return self._saving(priced[0], q)
        timed = [p for p in q.procedures if p != GENERAL]
        if timed and _asks_course_time(q):
            return self._course_time(timed[0], q.count)  # "a course of X lasts how many months?": months, not money
        procs = [p for p in priced if p != GENERAL]
        if not procs:
            return None
        countries = [c for c in q.countries if c not in q.excluded_countries]
        if q.affordable:
            budget = q.budget or q.amounts[0]
            return self._affordable(procs[0], countries[0] if countries else self.corpus.home_for(procs[0])[0],
                                    budget, q.price_end)
        if q.count and len(countries) >= 2:
            low = q.text.lower()
            both = bool(_ALTOGETHER.search(low)) and not q.saving and not _VERSUS.search(low)
            ends = q.country_ends or ({c: q.price_end for c in countries} if q.price_end in ("min", "max") else None)
            return self._each(procs[0], countries, q.count, both, ends)
        country = countries[0] if countries else self.corpus.home_for(procs[0])[0]
        counts = [q.entity_counts.get(p) or q.count or 1 for p in procs]
        summed = q.plus or bool(_ALTOGETHER.search(q.text.lower()))
        if len(procs) >= 2 and ((len(set(counts)) > 1 and (summed or len(q.entity_counts) >= 2))
                                or (q.count and summed and not _VERSUS.search(q.text.lower()))
                                or ((summed or len(q.entity_counts) >= 2) and all(p in q.entity_counts for p in procs)
                                    and not _VERSUS.search(q.text.lower()))):  # "a peel plus that laser session"
            return self._mixed(procs, counts, country, q.price_end)  # "6 X plus one Y", "4 sessions of both, total?"
        if q.course and summed and len(procs) >= 2 and 0 < len(q.entity_counts) < len(procs):
            return self._course_plus(procs, q.entity_counts, country, q.session_end, q.price_end)
        if q.count:
            return self._planned(procs, country, q.count, q.price_end or ("avg" if q.at_average else None), q.count_low)
        if q.plus and len(procs) >= 2 and (1 in q.numbers or not q.course):  # "one X session plus one Y"
            return self._sum(procs, country)
        if q.course and len(countries) >= 2:  # "a course of X here and there, what does each come to?": each country's
            d = Draft(strategy=self.name)
            for each in countries[:3]:
                part = self._course(procs, each, q.session_end, q.price_end)
                d.parts += [p for p in (part.parts if part else []) if all(p.text != m.text for m in d.parts)]
            return d if d.parts else None
        if q.course:
            return self._course(procs, country, q.session_end, q.price_end, bool(_EACH_SESSION.search(q.text.lower())))
        return None

    def _course_time(self, proc: str, count: int | None) -> Draft | None:
        """A course's length: its sessions (the user's number, else the article's) at the spacing the article gives,
        from the first session to the last."""
        sessions = self.corpus.sessions.get(proc)
        d = Draft(strategy=self.name)
        gap = _SPACING.search(sessions.unit.text) if sessions is not None else None
        if sessions is None or gap is None:
            d.abstained = True
            said = "how many sessions" if sessions is None else "how far apart the sessions are"
            d.add(f"The article does not say {said} {pretty(proc)} takes, so it gives no length for a course")
            return d
        every = {"a": 1, "an": 1}.get(gap.group(1)) or COUNT_WORDS.get(gap.group(1)) or int(gap.group(1))
        unit = gap.group(2)
        low, high = (count, count) if count else (sessions.low, sessions.high)
        first, last = (low - 1) * every, (high - 1) * every
        length = f"{first}" if first == last else f"{first}–{last}"
        plural = "" if last == 1 else "s"
        n = str(low) if low == high else f"{low}–{high}"
        d.add(f"About {length} {unit}{plural} from the first session to the last: {n} sessions of {pretty(proc)}, "
              f"spaced {gap.group(0).removesuffix(' apart')} apart", derived=(length, n, str(first), str(last)))
        d.add(_quoted(sessions.unit), sessions.unit.chunk_id, sessions.unit.text)
        return d

    # ------------------------------------------------------------------ a number of sessions the user plans
    def _planned(self, procs: list[str], country: str, n: int, price_end: str | None = None,
                 fewest: int | None = None) -> Draft | None:
        d = Draft(strategy=self.name)
        for proc in procs:
            self._times(d, proc, country, n, price_end, fewest)
        return d if d.parts else None

    def _each(self, proc: str, countries: list[str], n: int, both: bool = False,
              ends: dict[str, str] | None = None) -> Draft | None:
        """N sessions in each of the countries (each at its end of the range, when asked); ``both``: done in all
        of them, so their sum too; two single figures: their difference first."""
        d = Draft(strategy=self.name)
        for country in countries[:3]:
            self._times(d, proc, country, n, (ends or {}).get(country))
        totals = [p.derived for p in d.parts if len(p.derived) >= 3]
        if len(countries) == 2 and len(totals) == 2 and all(t[1] == t[2] for t in totals) and not both:
            figures_of = [float(t[1].strip("$").replace(",", "")) for t in totals]
            (a, x), (b, y) = sorted(zip(countries, figures_of, strict=True), key=lambda cv: cv[1])
            d.parts.insert(0, Part(f"{n} sessions of {pretty(proc)} cost about {money(y - x)} more in {b} ({money(y)}) "
                                   f"than in {a} ({money(x)})" if y != x else
                                   f"{n} sessions of {pretty(proc)} cost the same in {a} and {b}: {money(x)}",
                                   derived=(money(y - x), money(x), money(y), str(n))))
        if both and len(totals) >= 2:
            low = sum(float(t[1].strip("$").replace(",", "")) for t in totals)
            high = sum(float(t[2].strip("$").replace(",", "")) for t in totals)
            d.add(f"Together that comes to about {span(low, high)}", derived=(span(low, high), money(low), money(high)))
        return d if d.parts else None

    def _times(self, d: Draft, proc: str, country: str, n: int, price_end: str | None = None,
               fewest: int | None = None) -> None:
        price = self._price(proc, country)
        if price is None:
            d.add(f"The article gives no price for {pretty(proc)} in {country}")
            return
        if price_end == "avg":  # "at the average price": a cell's own "avg." figures, when the article gives one
            price, average = next(((r, a) for r in self.corpus.records(proc, country) if r.given
                                   and (a := average_of(r.cell))), (price, None))
            if average is None:
                d.add(f"The article gives no average price for {pretty(proc)} in {country}, only its range")
                price_end = None
        plow, phigh = average if price_end == "avg" else _at_end(price.low, price.high, price_end)
        low, high = (fewest or n) * plow, n * phigh
        total = span(low, high)
        count = f"{fewest}–{n}" if fewest else str(n)
        d.add(f"{count} {'session' if count == '1' else 'sessions'} of {pretty(proc)} in {country} "
              f"{'comes' if count == '1' else 'come'} to about {total} ({count} × "
              f"{span(plow, phigh)}{_END_AT.get(price_end, '')})",
              derived=(total, money(low), money(high), str(n), *([str(fewest)] if fewest else [])))
        d.add(self._price_line(price), price.chunk_id, price.quote)

    def _affordable(self, proc: str, country: str, budget: float, end: str | None) -> Draft | None:
        """"How many sessions can $1,500 pay for?": the budget over the per-session price, at each end asked."""
        price = self._price(proc, country)
        d = Draft(strategy=self.name)
        if price is None:
            d.add(f"The article gives no price for {pretty(proc)} in {country}, so it cannot say how many sessions "
                  "your budget covers")
            return d
        b = money(budget)
        ends = [("the top", price.high)] if end == "max" else [("the bottom", price.low)] if end == "min" else \
            [("the bottom", price.low), ("the top", price.high)] if price.low != price.high else [("", price.low)]
        said, figs = [], [b]
        for where, each in ends:
            n = int(budget // each) if each else 0
            at = f" at {where} of the range" if where else ""
            paid, rest = money(n * each), money(budget - n * each)
            said.append(f"{n} {'session' if n == 1 else 'sessions'}{at} ({n} × {money(each)} = {paid}, leaving {rest})")
            figs += [money(each), paid, rest, str(n)]
        d.add(f"With {b} you could pay for {' or '.join(said)} of {pretty(proc)} in {country}", derived=tuple(figs))
        d.add(self._price_line(price), price.chunk_id, price.quote)
        d.steps.append(f"compose: {b} over the per-session price")
        return d

    # ------------------------------------------------------------------ a share of a price ("a 10% deposit")
    def _share(self, q: Query) -> tuple[float, Unit | None] | None:
        """The percentage a question asks about: one it states, or the one the article gives for the word it
        asks about ("what is the down payment?" → "a down payment (about 20%) is due")."""
        paid = q.percent is not None and q.paid_share  # "what's the 10% deposit on ...?"
        if not (q.asks_cost or q.amounts or paid or q.paid_share) or not (q.amounts or [p for p in q.procedures
                                                                         if p in self.corpus.priced]):
            return None
        if q.percent is not None and (q.amounts or q.procedures):
            return q.percent, None
        if q.count and q.percent is None and not q.paid_share:  # a number of sessions is a total, not a share
            return None  # (but "the deposit on 4 sessions of both" is a share of that total)
        said = list(q.salient)
        if q.asking and re.search(r"\b(?:it|that|this)\b", q.asking, re.I):  # "a deposit is asked - what is it on
            said += [w for w in content_words(q.text) if w not in said]  # $2,000?": "it" is the lead's deposit
        for w in said:
            for ui in self._percent_units().get(stem(w), ()):
                text = self.corpus.units[ui].text
                m = _share_of(text, w)
                if m is not None:
                    return m, self.corpus.units[ui]
        return None

    def _percent_units(self) -> dict[str, list[int]]:
        if self._percent_index is None:
            stored = (getattr(self.corpus.index, "derived", None) or {}).get("percent_units")
            if stored is not None:  # built by ingest (scarbot.precompute): no unit decoded to find them
                self._percent_index = stored
                return stored
            index: dict[str, list[int]] = {}
            for i, u in enumerate(self.corpus.units):
                if "%" in u.text and "$" not in u.text:
                    for st in self.corpus.unit_stems[i]:
                        index.setdefault(st, []).append(i)
            self._percent_index = index
        return self._percent_index

    def _percent(self, q: Query, pct: float, unit: Unit | None) -> Draft | None:
        d = Draft(strategy=self.name)
        base = self._base_amount(q)
        if base is None:
            return None
        low, high, label, prices = base
        price = prices[0] if prices else None
        if unit is not None and price is not None and self.corpus.chunk(unit.chunk_id).source != price.source:
            return None  # one article's deposit is not another article's
        lo, hi = low * pct / 100, high * pct / 100
        total = span(lo, hi)
        stated = (f"{pct:g}%", *(money(a) for a in q.amounts), *figures(label))  # figures given or just computed
        d.add(f"{pct:g}% of {label} is about {total}", derived=(total, money(lo), money(hi), *stated))
        if unit is not None:
            d.add(unit.text, unit.chunk_id, unit.text)
        for price in prices:
            d.add(self._price_line(price), price.chunk_id, price.quote)
        return d

    def _base_amount(self, q: Query) -> tuple[float, float, str, list[PriceFact]] | None:
        if q.amounts:
            a = q.amounts[0]
            n = _times_each(q.text, a)  # "3 peels at $150 apiece": the share is of their total
            return (n * a, n * a, f"{n} × {money(a)} ({money(n * a)})", []) if n else (a, a, money(a), [])
        if q.budget and _OF_BUDGET.search(q.text.lower()):  # "the deposit on my whole budget": a share of the budget
            return q.budget, q.budget, f"your {money(q.budget)} budget", []
        procs = [p for p in q.procedures if p in self.corpus.priced and p != GENERAL]
        proc = procs[0] if procs else next((p for p in q.procedures if p in self.corpus.priced), None)
        if proc is None:
            return None
        country = next((c for c in q.countries if c not in q.excluded_countries), self.corpus.home_for(proc)[0])
        if len(procs) >= 2 and (q.plus or all(p in q.entity_counts for p in procs)):
            return self._summed_base(q, procs, country)  # "a 10% deposit on a peel plus one laser session"
        price = self._price(proc, country)
        if price is None:
            return None
        whole = _COURSE_IN_CELL.search(price.cell)
        if whole and q.course:
            figs = [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+)", whole.group(2))]
            low, high = _at_end(figs[0], figs[-1], q.price_end)  # "a full treatment at the top price"
            shown = span(low, high) if q.price_end else whole.group(2)  # "the top of the range: $2,000"
            return low, high, (f"a full treatment of {pretty(proc)} in {country} ({_END_INLINE.get(q.price_end, '')}"
                               f"{shown})"), [price]
        low, high = _at_end(price.low, price.high, q.price_end)  # "10% of the top price"
        if q.count:  # "10% of 4 sessions of that": the total of the sessions
            n = q.count
            return n * low, n * high, (f"{n} sessions of {pretty(proc)} in {country} ({n} × "
                                       f"{_END_INLINE.get(q.price_end, '')}{span(low, high)})"), [price]
        return low, high, f"{pretty(proc)} in {country} ({_END_INLINE.get(q.price_end, '')}{span(low, high)})", [price]

    def _summed_base(self, q: Query, procs: list[str], country: str
                     ) -> tuple[float, float, str, list[PriceFact]] | None:
        """Several treatments added up, each with its own number of sessions (one when none is given)."""
        rows = self._each_at(procs, [q.entity_counts.get(p) or q.count or 1 for p in procs], country, q.price_end)
        if any(x is None for _p, _n, x, _a, _b in rows):
            return None
        low, high = sum(n * a for _p, n, _x, a, _b in rows), sum(n * b for _p, n, _x, _a, b in rows)
        terms = " + ".join(f"{n} × {_END_INLINE.get(q.price_end, '')}{span(a, b)}" for _p, n, _x, a, b in rows)
        return (low, high, f"{_sessions_of(rows)} in {country} ({terms} = {span(low, high)})",
                [x for _p, _n, x, _a, _b in rows if x is not None])

    def _each_at(self, procs: list[str], counts: list[int], country: str, end: str | None
                 ) -> list[tuple[str, int, PriceFact | None, float, float]]:
        """Each treatment with its number of sessions, its price there (None when the article gives none) and
        the ends of that price at the asked end of the range."""
        rows: list[tuple[str, int, PriceFact | None, float, float]] = []
        for p, n in zip(procs, counts, strict=True):
            x = self._price(p, country)
            rows.append((p, n, x, *(_at_end(x.low, x.high, end) if x is not None else (0.0, 0.0))))
        return rows

    def _price(self, proc: str, country: str) -> PriceFact | None:
        rows = [r for r in self.corpus.records(proc, country) if r.given]
        rows.sort(key=lambda r: r.kind != "price list")  # the country's own price list first
        return rows[0] if rows else None

    def _course(self, procs: list[str], country: str, session_end: str | None = None,
                price_end: str | None = None, each_too: bool = False) -> Draft | None:
        """A full course of each treatment; with ``each_too`` ("one sitting, and the whole treatment?") the price of one
        session as well, where the article gives a full-treatment figure of its own."""
        d = Draft(strategy=self.name)
        for proc in procs:
            price = self._price(proc, country)
            sessions = self.corpus.sessions.get(proc)
            if price is None:
                d.add(f"The article gives no price for {pretty(proc)} in {country}, so it cannot give a course "
                      "total there")
                continue
            whole = _COURSE_IN_CELL.search(price.cell)
            if whole:  # the price itself names a full-course figure
                if each_too:
                    d.add(self._price_line(price), price.chunk_id, price.quote)
                d.add(f"A full treatment of {pretty(proc)} in {country} is listed at {whole.group(2)}",
                      price.chunk_id, price.quote)
                continue
            if sessions is None:
                per = "" if re.search(r"\bper\b|session", price.cell) else " per session"
                d.add(f"The article gives {pretty(proc)} in {country} at {price.cell.rstrip('.')}{per}",
                      price.chunk_id, price.quote)
                d.add(f"It does not say how many sessions {pretty(proc)} takes, so it gives no course total")
                continue
            nlow, nhigh = _at_end(sessions.low, sessions.high, session_end)
            plow, phigh = _at_end(price.low, price.high, price_end)
            low, high = nlow * plow, nhigh * phigh
            total = span(low, high)
            count = str(nlow) if nlow == nhigh else f"{nlow}–{nhigh}"
            which = {"min": "At the fewest sessions the article gives, a", "max": "At the most sessions the "
                     "article gives, a"}.get(session_end, "A")
            d.add(f"{which} full course of {pretty(proc)} in {country} comes to about {total}: {count} "
                  f"sessions × {span(plow, phigh)} per session{_END_WORDS.get(price_end, '')}, from the two "
                  "figures below", derived=(total, money(low), money(high), *(str(x) for x in {nlow, nhigh})))
            d.add(_quoted(sessions.unit), sessions.unit.chunk_id, sessions.unit.text)
            d.add(self._price_line(price), price.chunk_id, price.quote)
        return d if d.parts else None

    def _course_plus(self, procs: list[str], counts: dict[str, int], country: str, session_end: str | None,
                     price_end: str | None) -> Draft | None:
        """A full course of one treatment plus sessions of another ("a full microneedling course, plus one
        subcision session"): the course as the article gives it (a full-treatment figure, or its sessions ×
        the per-session price), the sessions at their price, added up."""
        low = high = 0.0
        terms: list[str] = []
        derived: list[str] = []
        cited: list = []
        for proc in procs:
            price = self._price(proc, country)
            if price is None:
                return None
            plow, phigh = _at_end(price.low, price.high, price_end)
            whole = _COURSE_IN_CELL.search(price.cell)
            sessions = self.corpus.sessions.get(proc)
            if proc in counts:
                n = counts[proc]
                a, b = n * plow, n * phigh
                terms.append(f"{n} {'session' if n == 1 else 'sessions'} of {pretty(proc)} ({n} × {span(plow, phigh)})")
                derived.append(str(n))
            elif whole:
                figs = [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+)", whole.group(2))]
                a, b = _at_end(figs[0], figs[-1], price_end)
                terms.append(f"a full treatment of {pretty(proc)} ({span(a, b)})")
            elif sessions is not None:
                nlow, nhigh = _at_end(sessions.low, sessions.high, session_end)
                a, b = nlow * plow, nhigh * phigh
                count = str(nlow) if nlow == nhigh else f"{nlow}–{nhigh}"
                terms.append(f"a full course of {pretty(proc)} ({count} sessions × {span(plow, phigh)} = {span(a, b)})")
                derived += [str(nlow), str(nhigh)]
                cited.append(sessions.unit)
            else:
                return None  # no course figure and no session count: nothing to add up
            low, high = low + a, high + b
            derived += [money(a), money(b)]
            cited.append(price)
        total = span(low, high)
        d = Draft(strategy=self.name)
        d.add(f"{cap(' plus '.join(terms))} in {country} come to about {total} in total{_END_AT.get(price_end, '')}",
              derived=(total, money(low), money(high), *derived))
        for x in cited:
            if isinstance(x, PriceFact):
                d.add(self._price_line(x), x.chunk_id, x.quote)
            else:
                d.add(_quoted(x), x.chunk_id, x.text)
        return d

    def _mixed(self, procs: list[str], counts: list[int], country: str, end: str | None) -> Draft | None:
        """Several treatments, each with its own number of sessions, added up."""
        rows = self._each_at(procs, counts, country, end)
        missing = [p for p, _n, x, _a, _b in rows if x is None]
        d = Draft(strategy=self.name)
        if missing:
            d.add(f"The article gives no price for {join_names([pretty(p) for p in missing])} in {country}, so it "
                  "cannot add them up")
            return d
        low, high = sum(n * a for _p, n, _x, a, _b in rows), sum(n * b for _p, n, _x, _a, b in rows)
        total = span(low, high)
        terms = " + ".join(f"{n} × {span(a, b)}" for _p, n, _x, a, b in rows)
        d.add(f"{cap(_sessions_of(rows))} in {country} come to about {total} in total ({terms}{_END_AT.get(end, '')})",
              derived=(total, money(low), money(high), *(str(n) for n in counts),
                       *(money(v) for _p, _n, _x, a, b in rows for v in (a, b))))
        for _p, _n, x, _a, _b in rows:
            d.add(self._price_line(x), x.chunk_id, x.quote)  # type: ignore[union-attr]
        return d

    def _sum(self, procs: list[str], country: str) -> Draft | None:
        prices = [(p, self._price(p, country)) for p in procs]
        missing = [p for p, x in prices if x is None]
        given = [x for _, x in prices if x is not None]
        d = Draft(strategy=self.name)
        if missing:
            d.add(f"The article gives no price for {join_names([pretty(p) for p in missing])} in {country}, so it "
                  "cannot add them up")
        if len(given) >= 2 and not missing:
            low, high = sum(x.low for x in given), sum(x.high for x in given)
            total = span(low, high)
            names = " plus ".join(f"one {pretty(p)} session" for p in procs)
            d.add(f"{names[0].upper()}{names[1:]} in {country} comes to about {total} in total "
                  f"({' + '.join(span(x.low, x.high) for x in given)})", derived=(total, money(low), money(high)))
        for x in given:
            d.add(self._price_line(x), x.chunk_id, x.quote)
        return d if d.parts else None

    def _saving(self, proc: str, q: Query) -> Draft | None:
        countries = list(dict.fromkeys([*q.countries, *self.corpus.home_for(proc)]))[:2]
        if len(countries) < 2:  # "I have some savings": no second country to save against
            return None
        a, b = (self._price(proc, c) for c in countries)
        if q.at_average:  # "X against Y's average price": a country's stated average, where it gives one
            a, b = (self._averaged(proc, x) for x in (a, b))
        d = Draft(strategy=self.name)
        if a is None or b is None:  # one side missing: the saving cannot be said (the other price is a lookup away)
            gone = countries[0] if a is None else countries[1]
            d.abstained = True
            d.add(f"The article gives no figure for {pretty(proc)} in {gone}, so it cannot say what you would save")
            return d
        if set(q.country_ends) == {a.country, b.country}:
            return self._across_ends(proc, a, b, q, d)
        end = q.price_end
        key = (lambda x: x.low) if end == "min" else (lambda x: x.high) if end == "max" else (lambda x: x.low + x.high)
        cheap, dear = (a, b) if key(a) <= key(b) else (b, a)
        n = q.count or 1
        if end:  # "4 sessions in each, at the cheapest price": one end, one difference
            x, y = (n * dear.low, n * cheap.low) if end == "min" else (n * dear.high, n * cheap.high)
            at = "bottom" if end == "min" else "top"
            what = f"{n} sessions of {pretty(proc)} come" if n > 1 else f"{pretty(proc)} costs"
            if x == y:  # "so the top ends are equal?": none
                d.add(f"At the {at} of each range, {what} {'to ' if n > 1 else ''}the same, {money(x)}, in {dear.country} and "
                      f"{cheap.country}: no saving either way", derived=(money(x), str(n)))
                for p in (cheap, dear):
                    d.add(self._price_line(p), p.chunk_id, p.quote)
                return d
            d.add(f"At the {at} of each range, {what} to about {money(x)} in "
                  f"{dear.country} and {money(y)} in {cheap.country}: a difference of about {money(x - y)}"
                  if n > 1 else f"At the {at} of each range, {what} {money(y)} in {cheap.country} against "
                  f"{money(x)} in {dear.country}: {money(x - y)} less in {cheap.country}",
                  derived=(money(x), money(y), money(x - y), str(n)))
            for p in (cheap, dear):
                d.add(self._price_line(p), p.chunk_id, p.quote)
            return d
        if n > 1:  # "with 4 sessions": both totals, then the difference
            lo, hi = n * dear.low - n * cheap.high, n * dear.high - n * cheap.low
            totals = (span(n * dear.low, n * dear.high), span(n * cheap.low, n * cheap.high))
            saved = span(max(min(lo, hi), 0), max(lo, hi))
            d.add(f"{n} sessions of {pretty(proc)} come to about {totals[0]} in {dear.country} and {totals[1]} in "
                  f"{cheap.country}, so you would save about {saved} in {cheap.country}",
                  derived=(*totals, saved, str(n), *(money(x) for x in (n * dear.low, n * dear.high, n * cheap.low,
                                                                         n * cheap.high, lo, hi))))
            for x in (cheap, dear):
                d.add(self._price_line(x), x.chunk_id, x.quote)
            return d
        lo, hi = dear.low - cheap.low, dear.high - cheap.high
        figures = (money(abs(lo)), money(abs(hi)))
        if (lo >= 0) == (hi >= 0):
            of = "the average it gives" if q.at_average and "avg" in f"{cheap.cell}{dear.cell}".lower() else "the range"
            d.add(f"{pretty(proc).capitalize()} costs less in {cheap.country}: about {figures[0]} less at the low end "
                  f"of {of} and {figures[1]} less at the high end than in {dear.country}", derived=figures)
        else:  # the ranges cross: each end has its own cheaper country
            low_c, high_c = (cheap, dear) if lo > 0 else (dear, cheap)
            d.add(f"It depends on the end of the range: at the low end {pretty(proc)} costs about {figures[0]} less in "
                  f"{low_c.country}; at the high end about {figures[1]} less in {high_c.country}", derived=figures)
        for x in (cheap, dear):
            d.add(self._price_line(x), x.chunk_id, x.quote)
        return d

    def _averaged(self, proc: str, fact: PriceFact | None) -> PriceFact | None:
        """The record of the country that states an average ("$110 - $600 (avg. $270-$330)"), read as that average."""
        if fact is None:
            return None
        for r in self.corpus.records(proc, fact.country):
            avg = average_of(r.cell)
            if avg is not None:
                return dataclasses.replace(r, low=avg[0], high=avg[1])
        return fact

    def _across_ends(self, proc: str, a: PriceFact, b: PriceFact, q: Query, d: Draft) -> Draft:
        """Each country at its own end of its range ("India's top price than Korea's lowest"): one difference."""
        n = q.count or 1
        at = {x.country: (n * (x.low if q.country_ends[x.country] == "min" else x.high),
                          "bottom" if q.country_ends[x.country] == "min" else "top") for x in (a, b)}
        (cheap, (y, y_end)), (dear, (x, x_end)) = sorted(at.items(), key=lambda kv: kv[1][0])
        what = f"{n} sessions of {pretty(proc)}" if n > 1 else pretty(proc)
        d.add(f"{cap(what)} at the {y_end} of the range in {cheap} ({money(y)}) is about {money(x - y)} less than "
              f"at the {x_end} of the range in {dear} ({money(x)})", derived=(money(x), money(y), money(x - y), str(n)))
        for p in (a, b):
            d.add(self._price_line(p), p.chunk_id, p.quote)
        return d

    def _range_math(self, proc: str, country: str, op: str) -> Draft | None:
        """One range worked on: its midpoint, or the gap between its two ends."""
        x = self._price(proc, country)
        if x is None:
            return None
        d = Draft(strategy=self.name)
        if op == "mid":
            mid = (x.low + x.high) / 2
            d.add(f"The midpoint of the {pretty(proc)} range in {country} is about {money(mid)}, halfway between "
                  f"{money(x.low)} and {money(x.high)}", derived=(money(mid), money(x.low), money(x.high)))
        else:
            d.add(f"The {pretty(proc)} range in {country} spans {money(x.high - x.low)}: from {money(x.low)} at the "
                  f"bottom to {money(x.high)} at the top", derived=(money(x.high - x.low), money(x.low), money(x.high)))
        d.add(self._price_line(x), x.chunk_id, x.quote)
        return d

    def _price_line(self, p: PriceFact) -> str:
        return f"{p.procedure} in {p.country}: {p.cell.rstrip('.')} ({self.corpus.origin(p)})"
