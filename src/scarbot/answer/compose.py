"""Answers computed from several facts: a course total, procedures added together, a saving.

The result comes first, as a calculation a reader can check, followed by each input quoted with
its own citation. A part the article lacks (no session count) is named instead of guessed.
"""

from __future__ import annotations

import re

from scarbot.answer.base import GENERAL, AnswerContext, CorpusView, Draft, PriceFact, join_names, pretty
from scarbot.query import Query

_COURSE_IN_CELL = re.compile(r"\b(full treatment|full course|course|total|package)\b[^$]{0,20}"
                             r"(\$[\d,]+(?:\s*[-–]\s*\$[\d,]+)?)", re.I)


def money(x: float) -> str:
    return f"${x:,.0f}"


def span(low: float, high: float) -> str:
    return money(low) if low == high else f"{money(low)}–{money(high)}"


class ComputeStrategy:
    name = "compose"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        return q.operation == "compute" and bool([p for p in q.procedures if p in self.corpus.priced])

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        procs = [p for p in q.procedures if p in self.corpus.priced and p != GENERAL]
        if not procs:
            return None
        if q.saving and len(q.countries) >= 1:
            return self._saving(procs[0], q)
        country = next((c for c in q.countries if c not in q.excluded_countries), self.corpus.home_for(procs[0])[0])
        if q.course:
            return self._course(procs, country)
        if q.plus and len(procs) >= 2:
            return self._sum(procs, country)
        return None

    def _price(self, proc: str, country: str) -> PriceFact | None:
        rows = [r for r in self.corpus.records(proc, country) if r.given]
        rows.sort(key=lambda r: r.kind != "price list")  # the country's own price list first
        return rows[0] if rows else None

    def _course(self, procs: list[str], country: str) -> Draft | None:
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
                d.add(f"A full treatment of {pretty(proc)} in {country} is listed at {whole.group(2)}",
                      price.chunk_id, price.quote)
                continue
            if sessions is None:
                per = "" if re.search(r"\bper\b|session", price.cell) else " per session"
                d.add(f"The article gives {pretty(proc)} in {country} at {price.cell.rstrip('.')}{per}",
                      price.chunk_id, price.quote)
                d.add(f"It does not say how many sessions {pretty(proc)} takes, so it gives no course total")
                continue
            low, high = sessions.low * price.low, sessions.high * price.high
            total = span(low, high)
            d.add(f"A full course of {pretty(proc)} in {country} comes to about {total}: {sessions.low}–"
                  f"{sessions.high} sessions × {span(price.low, price.high)} per session, from the two figures "
                  "below", derived=(total, money(low), money(high)))
            d.add(f"{sessions.unit.section.split(' > ')[-1].split(' (')[0]}: {sessions.unit.text.split(': ', 1)[-1]}",
                  sessions.unit.chunk_id, sessions.unit.text)
            d.add(self._price_line(price), price.chunk_id, price.quote)
        return d if d.parts else None

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
        a, b = (self._price(proc, c) for c in countries)
        d = Draft(strategy=self.name)
        if a is None or b is None:
            gone = countries[0] if a is None else countries[1]
            d.add(f"The article gives no figure for {pretty(proc)} in {gone}, so it cannot say what you would save")
            for x in (a, b):
                if x is not None:
                    d.add(self._price_line(x), x.chunk_id, x.quote)
            return d
        cheap, dear = (a, b) if (a.low + a.high) <= (b.low + b.high) else (b, a)
        lo, hi = dear.low - cheap.low, dear.high - cheap.high
        figures = (money(abs(lo)), money(abs(hi)))
        d.add(f"{pretty(proc).capitalize()} costs less in {cheap.country}: about {figures[0]} less at the low end of "
              f"the range and {figures[1]} {'less' if hi >= 0 else 'more'} at the high end than in {dear.country}",
              derived=figures)
        for x in (cheap, dear):
            d.add(self._price_line(x), x.chunk_id, x.quote)
        return d

    def _price_line(self, p: PriceFact) -> str:
        return f"{p.procedure} in {p.country}: {p.cell.rstrip('.')} ({self.corpus.origin(p)})"
