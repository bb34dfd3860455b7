"""The grounded default answerer: exact table answers, extracted sentences, honest refusals.

Every sentence it writes is either a verbatim sentence / list item / table cell of the article or
a short template around a verbatim figure or name, and carries the chunk it came from. Refusals
state no figures. Nothing in a question, in history or in the article is ever executed as an
instruction: the text is only matched against the corpus.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from scarbot import lexicon
from scarbot.nlp import STOPWORDS, Frame, content_words, normalize, stem, words
from scarbot.retrieval import Hit, Index
from scarbot.types import PriceRow

GENERAL = "atrophic scar treatment (general)"
KOREA = "South Korea"


@dataclass
class Part:
    text: str
    chunk_id: str | None = None
    quote: str = ""


@dataclass
class Draft:
    parts: list[Part] = field(default_factory=list)
    abstained: bool = False
    prices: list[PriceRow] = field(default_factory=list)
    kind: str = "extract"  # "table" | "clinic" | "extract" | "refusal"

    def add(self, text: str, chunk_id: str | None = None, quote: str = "") -> Draft:
        self.parts.append(Part(text, chunk_id, quote))
        return self


def refusal(text: str, chunk_id: str | None = None, quote: str = "") -> Draft:
    d = Draft(abstained=True, kind="refusal")
    return d.add(text, chunk_id, quote)


def _given(p: dict[str, Any]) -> bool:
    return p["price"]["low"] is not None


def _pretty(proc: str) -> str:
    return "atrophic scar treatment in general" if proc == GENERAL else proc


def _list_countries(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class GroundedAnswerer:
    """Answers from the index alone; see the module docstring for the guarantees."""

    def __init__(self, index: Index, unit_threshold: float = 0.50, score_threshold: float = 0.44):
        self.index = index
        self.unit_threshold = unit_threshold
        self.score_threshold = score_threshold
        an = index.analyzer
        self.prices: list[dict[str, Any]] = []
        for p in index.records.get("prices", []):
            procs = an.frame(p["procedure"].split("(")[0]).procedures
            canonical = procs[0] if procs else p["procedure"].lower()
            if "general" in p["procedure"].lower():
                canonical = GENERAL
            self.prices.append({**p, "canonical": canonical})
        self.clinics: list[dict[str, Any]] = index.records.get("clinics", [])
        # IDF over quotable units: rare shared words ("cause", "avoid", "PRP") outweigh common ones.
        self.unit_stems = [{stem(w) for w in content_words(f"{u['text']} {u['section'].split(' > ')[-1]}")}
                           for u in index.units]
        df: dict[str, int] = {}
        for st in self.unit_stems:
            for w in st:
                df[w] = df.get(w, 0) + 1
        n = max(len(self.unit_stems), 1)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.idf_default = math.log(1 + n)
        self.label_stems = [{stem(w) for w in content_words(u["label"])} for u in index.units]
        self.countries: list[str] = index.records.get("countries", [])
        # place names the clinics are in ("gangnam", "seoul", "pangyo"): naming one asks about location
        self.places = sorted({w for c in self.clinics for w in words(c["location"])})
        # Sections about one procedure (their heading names it): "Dermal Fillers", "Subcision", ...
        self.proc_sections: dict[str, str] = {}
        for c in index.chunks:
            if c["kind"] == "section" and " > " in c["section"]:
                procs = an.frame(c["section"].split(" > ")[-1].split("(")[0]).procedures
                if len(procs) == 1 and procs[0] != GENERAL:
                    self.proc_sections[c["section"]] = procs[0]

    # ------------------------------------------------------------------ entry point
    def answer(self, frame: Frame, hits: list[Hit], qvec) -> Draft:
        if frame.reveal or (frame.injection and not self._has_article_question(frame)):
            return refusal(
                "I can only answer questions about the article on atrophic scar treatment in Korea, "
                "and I don't share or change my instructions. Ask me about scar types, procedures, "
                "clinics or costs."
            )
        if frame.other_topics:
            topic = frame.other_topics[0].removesuffix(" of")
            return refusal(f"That is outside the article: it covers atrophic (depressed) scars, their treatment, "
                           f"clinics and costs in Korea, and says nothing about {topic}.")
        ungiven = [k for k in frame.ungiven if k != "travel prices" or frame.asks_cost]
        if ungiven and not self._corpus_has(ungiven):
            what = {"contact": "contact details", "hours": "opening hours", "people": "names of doctors or staff",
                    "rating": "ratings or rankings", "insurance": "insurance coverage",
                    "travel prices": "prices for flights, hotels or visas",
                    "hotels": "hotel recommendations (it only says recovery centers and medical hotels exist)"
                    }[ungiven[0]]
            return refusal(f"The article does not give {what}, so I can't answer that from it.")
        if frame.unknown_clinics and not frame.clinics:
            return refusal(f"The article does not mention {frame.unknown_clinics[0]}. The clinics it "
                           f"describes are {_list_countries([c['name'] for c in self.clinics])}.")
        why = bool(re.match(r"\s*(why|what (?:affects|influences|determines|drives|factors)|how come)\b",
                            frame.text.lower()))
        if frame.clinics or ((self._asks_which_clinic(frame) or "provider" in frame.attributes) and not why):
            draft = self._clinic(frame)
            if draft is not None:
                return self._advise(frame, draft, hits, qvec)
        if not why and (frame.asks_cost or (frame.superlative and (frame.procedures or frame.countries))):
            draft = self._cost(frame)
            if draft is not None:
                return self._advise(frame, draft, hits, qvec)
        if frame.other_countries and not frame.countries:
            return refusal(f"The article does not cover {frame.other_countries[0].title()}: it discusses "
                           f"treatment in South Korea and compares prices only with "
                           f"{_list_countries([c for c in self.countries if c != KOREA])}.")
        return self._advise(frame, self._extract(frame, hits, qvec), hits, qvec)

    def _has_article_question(self, frame: Frame) -> bool:
        return bool(frame.procedures or frame.clinics or frame.scar_types or frame.countries
                    or frame.filler_types or (frame.attributes and "?" in frame.text))

    def _corpus_has(self, kinds: list[str]) -> bool:
        """Does any sentence of the article carry this kind of fact (for prices: a cue next to a figure)?"""
        for k in kinds:
            for u in self.index.units:
                text = normalize(u["text"]).lower()
                if any(re.search(rf"\b{re.escape(c)}\b", text) for c in lexicon.UNGIVEN_FACTS[k]) and (
                        k != "travel prices" or "$" in text):
                    return True
        return False

    # ------------------------------------------------------------------ costs
    def _records(self, proc: str, country: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        return [p for p in self.prices if p["canonical"] == proc and (country is None or p["country"] == country)
                and (kind is None or p["source_kind"] == kind)]

    def _cost(self, f: Frame) -> Draft | None:
        priced = {p["canonical"] for p in self.prices}
        procs = [p for p in f.procedures if p in priced]
        unpriced = [p for p in f.procedures if p not in priced]
        if unpriced and not procs:
            return refusal(f"The article gives no price for {unpriced[0]}: its price list and cost table "
                           f"cover {_list_countries(sorted(priced - {GENERAL}))} and treatment in general.")
        if f.clinics:
            return None
        if f.filler_types and not f.compare:
            return refusal(f"The article gives prices for dermal fillers in general, not for "
                           f"{f.filler_types[0]} specifically, so I can't say what that costs.")
        if not procs and set(f.tokens) & _NOT_TREATMENT:
            return None  # the price of a deposit, consultation or visa is not a treatment price
        if not procs and not f.countries and not re.search(
                r"\b(treatment|treatments|procedure|procedures|scar|scars|it|session|sessions)\b", " ".join(f.tokens)):
            return None  # a price of something else (a consultation, a deposit): let the text answer
        if f.other_countries and not f.countries:
            what = f" for {procs[0]}" if procs else ""
            return refusal(f"The article gives no prices{what} in {f.other_countries[0].title()}; its cost table "
                           f"covers only {_list_countries(self.countries)}.")
        if not procs:
            procs = [GENERAL]
        countries = list(f.countries)
        d = Draft(kind="table")
        rel = re.search(r"\b(cheaper|less expensive|more affordable|more expensive|pricier|costlier)\s+than\b",
                        f.text.lower())
        if f.superlative and len(procs) >= 2 and len(countries) <= 1:
            return self._versus_procs(procs, countries[0] if countries else KOREA, f.superlative)
        if rel and len(countries) == 1:
            return self._relative(procs[0], countries[0], "min" if rel.group(1) in
                                  ("cheaper", "less expensive", "more affordable") else "max")
        if f.superlative and not (len(countries) == 2 and f.compare):
            for proc in procs:
                self._extreme(d, proc, f.superlative, countries if len(countries) > 2 else None)
            return d if d.parts else None
        if len(countries) == 2 and f.superlative:
            return self._versus(procs[0], countries, f.superlative)
        if not countries:
            # "compare laser prices" → every country in the table; otherwise the article's own country
            countries = self.countries if f.compare else [KOREA]
        missing: list[str] = []
        for proc in procs:
            if len(countries) > 3:  # "compare X prices": one line across the table, not a sentence per country
                self._across(d, proc, countries)
                continue
            for country in countries:
                self._price_sentence(d, proc, country, missing, explicit=bool(f.countries) or not f.compare)
            rows = self._records(proc, kind="comparison table")
            if len(countries) > 1 or f.compare:
                d.prices.extend(self._chart_rows(rows))
        if not d.parts:
            where = _list_countries(missing) if missing else "there"
            return refusal(f"The article's cost table gives no figure for {_pretty(procs[0])} in {where} "
                           "(the cell is \"-\"), so the article does not say what it costs there.",
                           *self._row_ref(procs[0]))
        if missing:
            d.add(f"The table gives no figure for {_pretty(procs[0])} in {_list_countries(missing)}.",
                  *self._row_ref(procs[0]))
        return d

    def _across(self, d: Draft, proc: str, countries: list[str]) -> None:
        """Every country's cell for one procedure in one sentence; "-" cells named as having no figure."""
        if KOREA in countries:
            for p in self._records(proc, KOREA, "price list"):
                if _given(p):
                    d.add(f"{p['procedure']} in {KOREA}: {p['price']['text'].rstrip('.')} "
                          f"(the article's {KOREA} price list)", p["chunk_id"], p["quote"])
        rows = [r for r in self._records(proc, kind="comparison table") if r["country"] in countries]
        d.prices.extend(self._chart_rows(rows))
        given = [r for r in rows if _given(r)]
        if not given:
            return
        listing = "; ".join(f"{r['country']} {r['cell']}" for r in given)
        none = [r["country"] for r in rows if not _given(r)]
        tail = f"; no figure for {_list_countries(none)}" if none else ""
        d.add(f"The cost comparison table lists {_pretty(proc)} at: {listing}{tail}", given[0]["chunk_id"],
              given[0]["quote"])

    def _row_ref(self, proc: str) -> tuple[str | None, str]:
        rows = self._records(proc, kind="comparison table")
        return (rows[0]["chunk_id"], rows[0]["quote"]) if rows else (None, "")

    def _price_sentence(self, d: Draft, proc: str, country: str, missing: list[str], explicit: bool) -> None:
        listed = [p for p in self._records(proc, country, "price list") if _given(p)]
        table = self._records(proc, country, "comparison table")
        name = _pretty(proc)
        if country == KOREA and proc == GENERAL:
            unit = self._find_unit(r"costs typically range")
            if unit:
                d.add(unit["text"], unit["chunk_id"], unit["text"])
        for p in listed:
            d.add(f"{p['procedure']} in {country}: {p['price']['text'].rstrip('.')} "
                  f"(the article's {country} price list)", p["chunk_id"], p["quote"])
        for p in table:
            if _given(p):
                lead = "The cost comparison table lists" if listed else f"{name[0].upper()}{name[1:]} in {country}:"
                text = (f"{lead} {p['cell']} for {country}" if listed
                        else f"{lead} {p['cell']} (cost comparison table)")
                d.add(text, p["chunk_id"], p["quote"])
            elif explicit and not listed:
                missing.append(country)
        if not table and not listed and explicit:
            missing.append(country)

    def _chart_rows(self, rows: list[dict[str, Any]]) -> list[PriceRow]:
        return [PriceRow(r["procedure"], r["country"], r["price"]["low"], r["price"]["high"], r["cell"],
                         r["source_kind"]) for r in rows]

    def _extreme(self, d: Draft, proc: str, which: str, among: list[str] | None) -> None:
        rows = [r for r in self._records(proc, kind="comparison table") if _given(r)
                and (among is None or r["country"] in among)]
        if not rows:
            return
        if which == "min":
            best = min(rows, key=lambda r: (r["price"]["low"], r["price"]["high"]))
            word = "lowest"
        else:
            best = max(rows, key=lambda r: (r["price"]["high"], r["price"]["low"]))
            word = "highest"
        ties = [r["country"] for r in rows if r is not best
                and (r["price"]["low"], r["price"]["high"]) == (best["price"]["low"], best["price"]["high"])]
        where = _list_countries([best["country"], *ties])
        d.add(f"For {_pretty(proc)}, the {word} price in the article's cost comparison table is in {where}: "
              f"{best['cell']}", best["chunk_id"], best["quote"])
        korea = next((r for r in rows if r["country"] == KOREA), None)
        if korea is not None and best["country"] != KOREA:
            d.add(f"South Korea is listed at {korea['cell']}", korea["chunk_id"], korea["quote"])
        d.prices.extend(self._chart_rows(self._records(proc, kind="comparison table")))

    def _versus(self, proc: str, countries: list[str], which: str) -> Draft | None:
        """One procedure, two countries: "Is laser cheaper in Thailand or Turkey?"."""
        a, b = (next(iter(self._records(proc, c, "comparison table")), None) for c in countries)
        if a is None or b is None:
            return None
        return self._pair(a, b, a["country"], b["country"], f"for {_pretty(proc)}", which)

    def _versus_procs(self, procs: list[str], country: str, which: str) -> Draft | None:
        """Two procedures, one country: "Is microneedling cheaper than laser resurfacing in India?"."""
        a, b = (next(iter(self._records(p, country, "comparison table")), None) for p in procs[:2])
        if a is None or b is None:
            return None
        return self._pair(a, b, _pretty(procs[0]), _pretty(procs[1]), f"in {country}", which)

    def _pair(self, a: dict, b: dict, name_a: str, name_b: str, where: str, which: str) -> Draft:
        """Compare two table cells by their parsed ranges; "-" means the article cannot say."""
        if not _given(a) or not _given(b):
            gone, name = (a, name_a) if not _given(a) else (b, name_b)
            return refusal(f"The article's cost table gives no figure for {name} ({gone['country']}: "
                           f"{_pretty(gone['canonical'])}), so it doesn't say which is cheaper.",
                           gone["chunk_id"], gone["quote"])
        pa, pb = a["price"], b["price"]
        if pa["high"] < pb["low"] or (pa["low"] <= pb["low"] and pa["high"] <= pb["high"] and pa != pb):
            cheaper, dearer = (a, name_a), (b, name_b)
        elif pb["high"] < pa["low"] or (pb["low"] <= pa["low"] and pb["high"] <= pa["high"] and pa != pb):
            cheaper, dearer = (b, name_b), (a, name_a)
        else:
            d = Draft(kind="table")
            if b["chunk_id"] == a["chunk_id"]:
                d.add(f"The ranges overlap {where}: {name_a} is listed at {a['cell']} and {name_b} at "
                      f"{b['cell']}", a["chunk_id"], a["quote"])
            else:
                d.add(f"The ranges overlap {where}: {name_a} is listed at {a['cell']}", a["chunk_id"], a["quote"])
                d.add(f"{name_b[0].upper()}{name_b[1:]} is listed at {b['cell']}", b["chunk_id"], b["quote"])
            return d
        (first, n1), (second, n2) = (cheaper, dearer) if which == "min" else (dearer, cheaper)
        verb = "cheaper" if which == "min" else "more expensive"
        d = Draft(kind="table")
        if second["chunk_id"] == first["chunk_id"]:  # one row holds both figures: one cited sentence
            d.add(f"{n1[0].upper()}{n1[1:]} is {verb} {where}: the cost comparison table lists {first['cell']} "
                  f"for {n1} versus {second['cell']} for {n2}", first["chunk_id"], first["quote"])
        else:  # two rows: each figure cited to its own row
            d.add(f"{n1[0].upper()}{n1[1:]} is {verb} {where}: the cost comparison table lists {first['cell']}",
                  first["chunk_id"], first["quote"])
            d.add(f"{n2[0].upper()}{n2[1:]} is listed at {second['cell']}", second["chunk_id"], second["quote"])
        d.prices.extend(self._chart_rows([a, b]))
        return d

    def _relative(self, proc: str, ref: str, which: str) -> Draft | None:
        """Countries cheaper (or dearer) than ``ref`` for one procedure: both ends of the range compared."""
        base = next((r for r in self._records(proc, ref, "comparison table") if _given(r)), None)
        if base is None:
            return None
        rows = [r for r in self._records(proc, kind="comparison table") if _given(r) and r["country"] != ref]
        lo, hi = base["price"]["low"], base["price"]["high"]
        if which == "min":
            found = [r for r in rows if r["price"]["low"] < lo and r["price"]["high"] < hi]
            word = "lower"
        else:
            found = [r for r in rows if r["price"]["low"] > lo and r["price"]["high"] > hi]
            word = "higher"
        d = Draft(kind="table")
        if not found:
            d.add(f"No country in the article's cost table has a {word} range than {ref} ({base['cell']}) "
                  f"for {_pretty(proc)}", base["chunk_id"], base["quote"])
        else:
            listing = "; ".join(f"{r['country']} {r['cell']}" for r in found)
            d.add(f"For {_pretty(proc)}, the cost comparison table lists a {word} range than {ref} "
                  f"({base['cell']}) in: {listing}", base["chunk_id"], base["quote"])
        d.prices.extend(self._chart_rows(self._records(proc, kind="comparison table")))
        return d

    # ------------------------------------------------------------------ clinics
    def _asks_which_clinic(self, f: Frame) -> bool:
        return bool(re.search(r"\b(clinic|clinics|hospital|hospitals)\b", " ".join(f.tokens)))

    def _clinic(self, f: Frame) -> Draft | None:
        named = [c for c in self.clinics if c["name"] in f.clinics]
        d = Draft(kind="clinic")
        if named:
            if f.asks_cost:
                return refusal(f"The article gives no prices for {named[0]['name']} or any other single "
                               "clinic; it only gives typical price ranges per procedure.")
            if f.ungiven and not self._corpus_has(f.ungiven):
                return None
            for c in named:
                places = [*f.other_countries, *(p for p in self.places if p in f.tokens)]
                wrong = [o for o in places if o not in normalize(c["location"]).lower()]
                wants_loc = "location" in f.attributes or re.search(r"\bwhere\b", f.text.lower()) or places
                if wants_loc or wrong:
                    lead = f"The article does not place {c['name']} in {wrong[0].title()}; " if wrong else ""
                    text = f"{lead}{c['name']} is located in {c['location']}"
                    d.add(text[0].upper() + text[1:], c["location_chunk_id"], c["location_sentence"])
                elif (found := self._clinic_detail(c, f)) is not None:
                    d.add(*found)
                elif "offerings" in f.attributes or f.procedures or not f.attributes:
                    proc_hits = self._clinic_mentions(c, f.procedures) if f.procedures else []
                    if f.procedures and not proc_hits:
                        d.add(f"The article does not list {f.procedures[0]} among {c['name']}'s treatments; "
                              f"its special techniques are: {c['fields'].get('Special Techniques', '')}",
                              c["chunk_id"], c["quote"])
                        continue
                    if proc_hits:  # "Does Louis Clinic do microneedling?" → where the article says so
                        keys = [a for p in f.procedures for a in [p, *lexicon.PROCEDURES.get(p, [])] if len(a) > 3]
                        for cid, quote in proc_hits[:2]:
                            text = quote
                            if quote == c["quote"]:
                                key, value = next(((k, v) for k, v in c["fields"].items() if any(
                                    re.search(rf"\b{re.escape(a)}\b", v.lower()) for a in keys)),
                                    next(iter(c["fields"].items())))
                                text = f"Yes — {c['name']} lists it: {key.lower()}: {value}"
                            d.add(text, cid, quote)
                        continue
                    for key, value in c["fields"].items():
                        d.add(f"{c['name']} — {key.lower()}: {value}", c["chunk_id"], c["quote"])
                    if not f.attributes and not f.procedures:
                        d.add(f"It is located in {c['location']}", c["location_chunk_id"], c["location_sentence"])
            return d if d.parts else None
        # "Which clinic is in Gangnam / offers stem cell therapy?"
        qwords = set(f.tokens)
        by_place = [c for c in self.clinics if set(words(c["location"].split(",")[0])) & qwords]
        if by_place:
            for c in by_place:
                d.add(f"{c['name']} is located in {c['location']}", c["location_chunk_id"], c["location_sentence"])
            return d
        if f.other_countries and ("location" in f.attributes or " in " in f" {f.text.lower()} "):
            return refusal(f"The article does not mention any clinic in {f.other_countries[0].title()}; the "
                           f"clinics it lists are in {_list_countries([c['location'] for c in self.clinics])}.")
        if not f.procedures:
            # "Which clinic does hair transplant on scars?": clinics whose own text carries the asked words
            detailed = [(c, self._clinic_detail_scored(c, f)) for c in self.clinics]
            detailed = [(c, x) for c, x in detailed if x is not None]
            top = max((x[0] for _, x in detailed), default=0.0)
            detailed = [(c, x) for c, x in detailed if x[0] >= 0.8 * top]
            if detailed and len(detailed) < len(self.clinics):
                for c, (_, text, cid, quote) in detailed:
                    d.add(text if c["name"] in text else f"{c['name']}: {text}", cid, quote)
                return d
        if f.procedures:
            found = [(c, self._clinic_mentions(c, f.procedures)) for c in self.clinics]
            found = [(c, m) for c, m in found if m]
            if not found:
                return None
            for c, (cid, quote) in [(c, m[0]) for c, m in found]:
                d.add(f"{c['name']} offers {f.procedures[0]}", cid, quote)
            return d
        if f.asks_cost:
            return None
        if re.search(r"\b(which|what|list|name|recommend\w*|top|best|good)\s+(?:\w+\s+)?(clinics?|hospitals?)\b",
                     f.text.lower()) and not f.scar_types:
            names = [c["name"] for c in self.clinics]
            intro = self._find_unit(r"best clinics")
            d.add(f"The article lists these clinics in Korea for atrophic scars: {_list_countries(names)}",
                  *(intro["chunk_id"], intro["text"]) if intro else (self.clinics[0]["chunk_id"],
                                                                      self.clinics[0]["quote"]))
            for c in self.clinics:
                d.add(f"{c['name']} is located in {c['location']}", c["location_chunk_id"], c["location_sentence"])
            return d
        return None

    def _clinic_detail(self, clinic: dict[str, Any], f: Frame) -> tuple[str, str, str] | None:
        """"Does Geurim do cleft lip repair?": the clinic's own sentence (or table cell) with the asked words."""
        found = self._clinic_detail_scored(clinic, f)
        return found[1:] if found else None

    def _clinic_detail_scored(self, clinic: dict[str, Any], f: Frame) -> tuple[float, str, str, str] | None:
        if f.procedures:
            return None
        own = {stem(w) for w in content_words(clinic["name"])}
        asked = {stem(w) for w in f.tokens if w not in _QSTOP and w not in STOPWORDS and len(w) > 2} \
            - own - _CLINIC_GENERIC
        if not asked:
            return None
        weight = lambda ws: sum(self.idf.get(w, self.idf_default) for w in ws)  # noqa: E731
        best, best_gain = None, 0.0
        for i, u in enumerate(self.index.units):
            if u["section"].endswith(clinic["name"]) or u["chunk_id"] == clinic["chunk_id"]:
                gain = weight(asked & self.unit_stems[i])
                if gain > best_gain:
                    best, best_gain = u, gain
        if best is None or best_gain < 0.5 * weight(asked):
            return None
        if best["kind"] == "row":  # quote the row, but say which column matched
            key, value = max(clinic["fields"].items(),
                             key=lambda kv: weight(asked & {stem(w) for w in content_words(kv[1])}))
            return best_gain, f"{clinic['name']} — {key.lower()}: {value}", best["chunk_id"], best["text"]
        return best_gain, best["text"], best["chunk_id"], best["text"]

    def _clinic_mentions(self, clinic: dict[str, Any], procs: list[str]) -> list[tuple[str, str]]:
        """Where the clinic's row or section mentions one of the procedures (or its aliases)."""
        out = []
        keys = [a for p in procs for a in [p, *lexicon.PROCEDURES.get(p, [])] if len(a) > 3]
        row = normalize(clinic["quote"]).lower()
        if any(re.search(rf"\b{re.escape(k)}\b", row) for k in keys):
            out.append((clinic["chunk_id"], clinic["quote"]))
        for u in self.index.units:
            if u["section"].endswith(clinic["name"]) and any(
                    re.search(rf"\b{re.escape(k)}\b", normalize(u["text"]).lower()) for k in keys):
                out.append((u["chunk_id"], u["text"]))
        return out

    # ------------------------------------------------------------------ extraction
    def _find_unit(self, pattern: str) -> dict[str, Any] | None:
        return next((u for u in self.index.units if re.search(pattern, u["text"], re.I)), None)

    def _extract(self, f: Frame, hits: list[Hit], qvec) -> Draft:
        import numpy as np

        idx = self.index
        top_dense = max((h.dense for h in hits), default=0.0)
        chunk_rank = {idx.chunks[h.index]["id"]: r for r, h in enumerate(hits)}
        cand = [i for h in hits for i in idx.units_by_chunk.get(idx.chunks[h.index]["id"], [])]
        entity_names = [*f.procedures, *f.clinics, *f.scar_types, *f.filler_types]
        ent_keys = [{stem(w) for w in content_words(n.split("(")[0]) if w not in ("scars", "scar")} for n in entity_names]
        ent_keys = [k for k in ent_keys if k]
        if ent_keys:
            for i, head in enumerate(idx.unit_heads):
                if any(k <= head for k in ent_keys) and i not in cand:
                    cand.append(i)
        # "What are atrophic scars?": sentences whose subject is the thing asked about are candidates too
        m = re.match(r"\s*(?:what|what's|whats)\s+(?:exactly\s+|actually\s+|really\s+)?(?:is|are|'s)?\s*"
                     r"(?:exactly\s+)?(?:an?\s+|the\s+)?([a-z][a-z\s-]{2,40}?)\s*\??$", f.text.lower())
        subject = [stem(w) for w in content_words(m.group(1))] if m else []
        if subject:
            cand += [i for i, u in enumerate(idx.units) if i not in cand
                     and [stem(w) for w in content_words(_body(u["text"]))[: len(subject)]] == subject]
        cand = [i for i in cand if not _NAVIGATION.search(idx.units[i]["text"])]
        # a bare "Types:" (its sub-items follow) answers only a question about that list
        asked_stems = {stem(w) for w in f.tokens}
        cand = [i for i in cand if _body(idx.units[i]["text"]) or idx.units[i]["label"] in {
            lab for a in f.attributes for lab in lexicon.ATTRIBUTES[a]["labels"]} or (
            self.label_stems[i] and self.label_stems[i] <= asked_stems)]
        if not cand:
            return refusal("The article does not cover that, so I can't answer it from the article.")
        sims = idx.snap.unit_vectors[cand] @ qvec
        qstems = {stem(w) for w in f.tokens if w not in _QSTOP and len(w) > 2}
        want_labels = {lab for a in f.attributes for lab in lexicon.ATTRIBUTES[a]["labels"]}
        scores = []
        qweight = sum(self.idf.get(w, self.idf_default) for w in qstems) or 1.0
        for j, ui in enumerate(cand):
            u = idx.units[ui]
            ustems = self.unit_stems[ui]
            overlap = sum(self.idf.get(w, self.idf_default) for w in qstems & ustems) / qweight
            s = float(sims[j]) + 0.45 * overlap
            head, tstems = idx.unit_heads[ui], idx.unit_text_stems[ui]
            if want_labels and u["label"] in want_labels:  # the list item labelled with what was asked
                s += 0.2
            elif u["label"] and self.label_stems[ui] and self.label_stems[ui] <= qstems and not any(
                    self.label_stems[ui] <= k or k <= self.label_stems[ui] for k in ent_keys):
                s += 0.15  # "consultation" ↔ "Consultation: Free, ..."
            if subject and [stem(w) for w in content_words(_body(u["text"]))[: len(subject)]] == subject:
                s += 0.25  # "What are atrophic scars?" ↔ "Atrophic scars are ..."
            if ent_keys:
                if any(k <= head or k <= tstems for k in ent_keys):
                    s += 0.15
                elif f.procedures and u["section"] in self.proc_sections:
                    s -= 0.25
            s += 0.04 / (1 + chunk_rank.get(u["chunk_id"], 6))
            if u["kind"] == "row" and (not f.asks_cost or set(f.tokens) & _NOT_TREATMENT):
                s -= 0.15
            scores.append(s)
        order = np.argsort(-np.asarray(scores), kind="stable")
        best = cand[int(order[0])]
        best_sim = float(sims[int(order[0])])
        best_score = scores[int(order[0])]
        if best_score < self.score_threshold and max(best_sim, top_dense) < self.unit_threshold:
            return refusal("The article does not cover that, so I can't answer it from the article.")
        if f.procedures and want_labels and "cost" not in f.attributes:
            own = [u for u in idx.units if self.proc_sections.get(u["section"]) == f.procedures[0]]
            # the words that carry this kind of fact ("downtime", "recovery", "sessions"); one-word cues only
            cue_stems = {stem(c) for a in f.attributes if lexicon.ATTRIBUTES[a]["labels"]
                         for c in lexicon.ATTRIBUTES[a]["cues"] if " " not in c and c not in STOPWORDS}
            bu0 = idx.units[best]
            if own and not any(u["label"] in want_labels for u in own) and bu0["label"] not in want_labels \
                    and not (cue_stems & self.unit_stems[best]):
                # no labelled item: a sentence of the procedure's own section that carries the fact will do
                carrier = [i for i in cand if self.proc_sections.get(idx.units[i]["section"]) == f.procedures[0]
                           and cue_stems & self.unit_stems[i]]
                if not carrier:
                    attr = next(a for a in f.attributes if lexicon.ATTRIBUTES[a]["labels"])
                    return refusal(f"The article does not say anything about the {_ATTR_WORDS.get(attr, attr)} "
                                   f"of {f.procedures[0]}.")
                best = max(carrier, key=lambda i: scores[cand.index(i)])
                best_score = scores[cand.index(best)]
        d = Draft(kind="extract")
        chosen = [best]
        bu = idx.units[best]
        if _body(bu["text"]) == "":
            # a bare "Types:" introduces sub-items: the answer is the sub-items
            chosen = [best]
            for i in range(best + 1, len(idx.units)):
                if idx.units[i]["chunk_id"] != bu["chunk_id"] or idx.units[i].get("depth", 0) <= bu.get("depth", 0):
                    break
                chosen.append(i)
        else:
            for j in order[1:4]:
                ui = cand[int(j)]
                u = idx.units[ui]
                same_place = u["section"] == bu["section"]
                both_define = bool(subject) and all(
                    [stem(w) for w in content_words(_body(x["text"]))[: len(subject)]] == subject for x in (u, bu))
                if scores[int(j)] >= best_score - 0.08 and len(chosen) < 3 and u["text"] != bu["text"] \
                        and u["kind"] == "sentence" and (same_place or both_define) \
                        and not u["text"].rstrip().endswith(":"):  # "Here's a breakdown:" introduces, says nothing
                    chosen.append(ui)
            # best first (a direct answer), the rest in article order
            chosen = chosen[:1] + sorted(chosen[1:])
        if _body(bu["text"]) == "" and len(chosen) > 1:
            # "Types:" + its sub-items: one lead-in naming the list, then each item quoted
            topic = bu["section"].split(" > ")[-1].split(" (")[0]
            first = idx.units[chosen[1]]
            d.add(f"{topic} — {bu['label'].lower() or 'list'}: {first['text']}", first["chunk_id"], first["text"])
            chosen = chosen[2:]
        for ui in chosen:
            u = idx.units[ui]
            d.add(self._render_unit(u, f), u["chunk_id"], u["text"])
        return d

    def _render_unit(self, u: dict[str, Any], f: Frame) -> str:
        """The verbatim sentence, with the section it belongs to when the sentence does not name it."""
        text = u["text"]
        if u["kind"] == "row":  # the header-repeating rendering reads better than "| a | b |"
            lines = self.index.chunks[self.index.by_id[u["chunk_id"]]]["text"].split("\n")
            return lines[1] if len(lines) > 1 else text
        topic = u["section"].split(" > ")[-1].split(" (")[0]
        body = _body(text) if u["label"] in _ATTR_LABELS else text
        if u["label"] in _ATTR_LABELS and topic.lower() not in normalize(body).lower():
            return f"{topic} — {u['label'].lower()}: {body}"
        return body

    # ------------------------------------------------------------------ medical advice
    def _advise(self, f: Frame, d: Draft, hits: list[Hit], qvec) -> Draft:
        if not f.advice or d.abstained:
            return d
        d.add("This is general information from the article, not medical advice: for a decision about your own "
              "skin, please see a dermatologist")
        return d


_NOT_TREATMENT = {"deposit", "consultation", "consultations", "visa", "flight", "flights", "hotel", "hotels",
                  "accommodation", "taxi", "insurance", "vat", "refund", "transfer", "transfers", "interpreter"}
_CLINIC_GENERIC = {stem(w) for w in ("offer", "offers", "provide", "do", "does", "clinic", "hospital", "treatment",
                                      "treatments", "scar", "scars", "service", "services", "have", "get", "there",
                                      "located", "where", "tell", "about", "special", "technique", "techniques")}
# link text such as "Find more about this clinic here: X Website" carries no fact to answer with
_NAVIGATION = re.compile(r"^(?:find|read|learn|see) more\b|\bclick here\b|\bwebsite\.?$", re.I)
_ATTR_LABELS = {"How It Works", "How They Work", "Procedure", "Recovery", "Sessions", "Benefits", "Effectiveness",
                "Types", "Preparation", "Suitability", "Current Status"}
_ATTR_WORDS = {"sessions": "number of sessions", "recovery": "recovery", "preparation": "preparation",
               "status": "approval status", "procedure": "procedure steps", "types": "types",
               "suitability": "suitability", "benefits": "benefits", "effectiveness": "effectiveness",
               "risks": "risks", "mechanism": "mechanism"}
_QSTOP = {"what", "which", "how", "does", "the", "article", "say", "tell", "about", "scar", "scars", "atrophic",
          "treatment", "treatments", "korea", "is", "are"}


def _body(text: str) -> str:
    return re.sub(r"^[A-Z][\w ()/&'’-]{1,60}:(?:\s+|$)", "", text).strip()

