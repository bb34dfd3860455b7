"""The bottom of the answer package: drafts, refusals, and typed look-ups over the loaded corpus.

Strategies import from here and never from each other. ``CorpusView`` is built once per index:
every corpus-dependent structure (price facts, clinics, the procedure each section is about,
session counts, which procedure the article ties to which scar type) is derived from the
article's own structure — headings, tables, labelled list items — never from its wording.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from scarbot import lexicon
from scarbot.chunking import Chunk, ClinicRecord, Unit
from scarbot.nlp import addressed_to_reader, content_words, normalize, stem, words
from scarbot.precompute import Grouped, PerItem, SetPostings
from scarbot.query import Query
from scarbot.types import PriceRow

GENERAL = lexicon.GENERAL_PROCEDURE  # the lexicon's name for a table's "in general" row
NOT_TREATMENT = {"deposit", "consultation", "consultations", "visa", "flight", "flights", "hotel", "hotels",
                 "accommodation", "taxi", "insurance", "vat", "refund", "transfer", "transfers", "interpreter",
                 "multilingual"}
# link text such as "Find more about this clinic here: X Website" carries no fact to answer with
NAVIGATION = re.compile(r"^(?:find|read|learn|see) more\b|\bclick here\b|\bwebsite\.?$", re.I)
# words of a question that say nothing about which sentence answers it
QUESTION_STOP = frozenset({"what", "which", "how", "does", "the", "article", "say", "tell", "about", "is", "are",
                           "scar", "scars", "treatment", "treatments"})
_CLAUSE = re.compile(r"\s*[,;—–]\s*|\s+or\s+")
_WEAK = re.compile(r"\b(moderate|limited|less|some)\b")
_SESSION_COUNT = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?\s+(treatments|sessions)")  # "3-6 sessions", "6 sessions"


@dataclass
class Part:
    """One sentence of a reply: its text, and the chunk and verbatim quote that support it.

    ``derived`` lists figures computed from the quotes of the same draft (a course total), which
    the verifier recomputes instead of looking them up.
    """

    text: str
    chunk_id: str | None = None
    quote: str = ""
    derived: tuple[str, ...] = ()


@dataclass
class Draft:
    parts: list[Part] = field(default_factory=list)
    abstained: bool = False
    prices: list[PriceRow] = field(default_factory=list)
    strategy: str = "extract"
    steps: list[str] = field(default_factory=list)
    similarity: float = 1.0  # extraction: the best sentence's MiniLM similarity (structured answers are exact)

    def add(self, text: str, chunk_id: str | None = None, quote: str = "", derived: tuple[str, ...] = ()) -> Draft:
        self.parts.append(Part(text, chunk_id, quote, derived))
        return self

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.parts)


def refusal(text: str, chunk_id: str | None = None, quote: str = "", strategy: str = "refusal") -> Draft:
    return Draft(abstained=True, strategy=strategy).add(text, chunk_id, quote)


def add_location(d: Draft, clinic) -> None:
    """"X is located in Y", cited to the sentence that says so (``clinic``: a ``ClinicRecord``)."""
    d.add(f"{clinic.name} is located in {clinic.location}", clinic.location_chunk_id, clinic.location_sentence)


def join_names(names: list[str], word: str = "and") -> str:
    names = list(dict.fromkeys(names))
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {word} " + names[-1]


def procedure_keys(procs: list[str]) -> list[str]:
    """The names a procedure goes by, long enough to search for as words."""
    return [a for p in procs for a in [p, *lexicon.PROCEDURES.get(p, [])] if len(a) > 3]


def money(x: float) -> str:
    """"$1,362"; cents only where a share leaves them ("10% of $543" → "$54.3")."""
    if abs(x - round(x)) < 0.005:
        return f"${x:,.0f}"
    return f"${x:,.2f}".rstrip("0").rstrip(".")


def span(low: float, high: float) -> str:
    return money(low) if low == high else f"{money(low)}–{money(high)}"


_AVERAGE_IN_CELL = re.compile(r"\bavg\.?\s*\$?\s?([\d,]+)\s*(?:-|–|to)\s*\$?\s?([\d,]+)|\bavg\.?\s*\$?\s?([\d,]+)", re.I)


def average_of(cell: str) -> tuple[float, float] | None:
    """The average a cell states ("$110 - $600 (avg. $270-$330)" → (270, 330)), or None."""
    m = _AVERAGE_IN_CELL.search(cell)
    if not m:
        return None
    a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(3))
    return float(a.replace(",", "")), float(b.replace(",", ""))


def pretty(proc: str) -> str:
    return "atrophic scar treatment in general" if proc == GENERAL else proc


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def body(text: str) -> str:
    """A list item without its "Label:" prefix ("" for a line that only introduces the items after it)."""
    if text.rstrip().endswith(":") and len(text) <= 120:  # "Why X is the best clinic for Y:"
        return ""
    return re.sub(r"^[A-Z][\w ()/&'’-]{1,60}:(?:\s+|$)", "", text).strip()


@dataclass(frozen=True)
class PriceFact:
    """One price: a table cell or a price-list item, with its source; ``low`` is None for a "-" cell."""

    procedure: str  # as the article names it
    canonical: str  # the procedure it is bound to
    country: str
    low: float | None
    high: float | None
    cell: str
    kind: str  # "comparison table" | "price list"
    chunk_id: str
    quote: str
    source: str

    @property
    def given(self) -> bool:
        return self.low is not None


@dataclass(frozen=True)
class SessionFact:
    procedure: str
    low: int
    high: int
    text: str  # "4-6 treatments"
    unit: Unit


@dataclass(frozen=True)
class Tie:
    """A sentence that ties a procedure to a scar type ("works well for rolling and boxcar scars")."""

    procedure: str
    scar_type: str
    unit: Unit
    strength: float  # 1.0 "best for"/"highly effective"; 0.5 "moderate results"


class Strategy(Protocol):
    name: str

    def applies(self, q: Query) -> bool: ...

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None: ...


@dataclass
class AnswerContext:
    """What a strategy may use besides the query: the retrieved hits and the query vector."""

    hits: list
    qvec: object
    fvec: object = None  # the asking sentences' vector, when the message also has others


class InScope:
    """A posting map (key → unit ids) seen through a set of allowed units: ``get`` gives only those."""

    def __init__(self, postings: dict, allowed: frozenset[int]):
        self._postings, self._allowed = postings, allowed

    def get(self, key, default=None):
        found = self._postings.get(key)
        if found is None:
            return default
        if isinstance(found, (set, frozenset)):
            return found & self._allowed
        return [i for i in found if i in self._allowed]

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return key in self._postings


_SCOPED_LOCK = threading.Lock()
SCOPED_VIEWS = 128  # views of a few articles kept per corpus (each holds only those articles' records)


def unit_stems_of(u: Unit) -> set[str]:
    """A unit's content stems and its own heading's: the words a question can match it by."""
    return {stem(w) for w in content_words(f"{u.text} {u.section.split(' > ')[-1]}")}


def body_stems_of(u: Unit) -> list[str]:
    """The first words of a unit without its label: "what is X?" is answered by units that start with X."""
    return [stem(w) for w in content_words(body(u.text))[:8]]


_FACT_CUES: dict[str, re.Pattern] = {}


def carries_fact(kind: str, lowered: str) -> bool:
    """Does this (normalized, lowered) sentence carry this kind of fact (for travel prices: a cue next to a figure)?"""
    cue = _FACT_CUES.get(kind)
    if cue is None:
        cue = _FACT_CUES[kind] = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in lexicon.UNGIVEN_FACTS[kind])
                                            + r")\b")
    return bool(cue.search(lowered)) and (kind != "travel prices" or "$" in lowered)


def _postings(sets: list[set[str]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for i, keys in enumerate(sets):
        for k in keys:
            out[k].add(i)
    return dict(out)


class CorpusView:
    """Typed, precomputed look-ups over one loaded index."""

    def __init__(self, index) -> None:
        self.index = index
        self.analyzer = index.analyzer
        self.units: list[Unit] = index.units
        self.chunks: list[Chunk] = index.chunks
        self.countries: list[str] = list(index.records.get("countries", []))
        self.clinics: list[ClinicRecord] = index.clinics
        pre = self._pre = getattr(index, "derived", None) or {}  # tables ingest precomputed (scarbot.precompute)
        stored = getattr(index, "price_facts", None)  # read from the snapshot's columns when a question needs one
        self.prices = stored if stored is not None else self._price_facts(index.records.get("prices", []))
        if "homes" in pre:
            self.homes, self.home, self.priced = list(pre["homes"]), pre["home"], set(pre["priced"])
        else:
            listed = [p.country for p in self.prices if p.kind == "price list"]
            # the country an article is about: the one with its own price list, else the table's first column;
            # with several articles, each may have its own
            self.homes = list(dict.fromkeys(listed)) or self.countries[:1]
            self.home = max(set(listed), key=listed.count) if listed else (
                self.countries[0] if self.countries else "")
            self.priced = {p.canonical for p in self.prices}
        self.sources = list(pre["sources"]) if "sources" in pre else sorted({c.source for c in self.chunks})
        # per-unit word sets, computed for the units a question reads (all of them only without precomputed tables)
        self.unit_stems = PerItem(self.units, unit_stems_of)
        if "unit_df" in pre:
            df: dict[str, int] = pre["unit_df"]
        else:
            df = {}
            for st in self.unit_stems:
                for w in st:
                    df[w] = df.get(w, 0) + 1
        self.unit_df = df
        n = max(len(self.unit_stems), 1)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.idf_default = math.log(1 + n)
        self.rare = {w for w, count in df.items() if count <= 2}
        self.label_stems = PerItem(self.units, lambda u: {stem(w) for w in content_words(u.label)})
        self.label_words = PerItem(self.units, lambda u: content_words(u.label))
        self.labelled = pre["labelled"] if "labelled" in pre else [i for i, u in enumerate(self.units) if u.label]
        # sentences that speak to an assistant or reader ("say that…", "SYSTEM:") are never answers
        self.voice = set(pre["voice"]) if "voice" in pre else \
            {i for i, u in enumerate(self.units) if addressed_to_reader(u.text)}
        # the first words of each unit without its label: "what is X?" is answered by units that start with X
        self.body_stems = PerItem(self.units, body_stems_of)
        self.lowered = PerItem(self.units, lambda u: normalize(u.text).lower())
        self._has: dict[str, bool] = dict(pre.get("has", {}))  # corpus_has, per kind of fact (the corpus does not change)
        self.places = sorted({w for c in self.clinics for w in words(c.location)})
        self.proc_sections = self._proc_sections()
        self.sessions = self._sessions()
        self.ties = self._ties()
        # each scar type's own list item (its label names the type) and the words it is described with
        self.scar_units = self._scar_units()
        self.scar_profiles = {t: self.unit_stems[i] - self.label_stems[i] for t, i in self.scar_units.items()}
        self.source_titles: dict[str, str] = dict(pre.get("source_titles", {}))
        for c in () if "source_titles" in pre else self.chunks:
            self.source_titles.setdefault(c.source, c.embed_text.split("\n", 1)[0].split(" > ")[0])
        self.title = " / ".join(self.source_titles.values()) or "the article"
        cues = {w for spec in lexicon.ATTRIBUTES.values() for c in spec["cues"] for w in words(c)}
        # the article's own subject (its title, its country): present in every question, decides nothing
        self.background = QUESTION_STOP | ({*content_words(self.title), *(w for h in self.homes for w in words(h))}
                                           - cues)
        self._build_indexes()
        self.source_topics = self._source_topics()
        source_of = getattr(index, "source_of", None) or {c.id: c.source for c in self.chunks}
        self.clinic_source = {c.name: source_of[c.chunk_id] for c in self.clinics}
        self.all_clinics = list(self.clinics)
        self.source_home = dict(pre["source_home"]) if "source_home" in pre else \
            {p.source: p.country for p in self.prices if p.kind == "price list"}
        self.source: str | None = None  # the one article a restricted view (``only``) answers from
        # per article, its records: a view of a few articles is built from theirs alone (scoped)
        self.prices_by_source: Mapping[str, list[PriceFact]] = Grouped(pre["prices_by_source"], self.prices) \
            if "prices_by_source" in pre else defaultdict(list)
        for p in () if "prices_by_source" in pre else self.prices:
            self.prices_by_source[p.source].append(p)  # type: ignore[index]
        self.scope: tuple[str, ...] = ()  # the articles a scoped view is restricted to (empty: all)
        self.units_by_source: dict[str, list[int]] = defaultdict(list, pre.get("units_by_source", {}))
        if "units_by_source" not in pre:
            for i, u in enumerate(self.units):
                self.units_by_source[source_of.get(u.chunk_id, "")].append(i)
        self.ties_by_source: dict[str, list[Tie]] = defaultdict(list)
        for t in self.ties:
            self.ties_by_source[source_of.get(t.unit.chunk_id, "")].append(t)
        self.clinics_by_source: dict[str, list[ClinicRecord]] = defaultdict(list)
        for c in self.clinics:
            self.clinics_by_source[self.clinic_source[c.name]].append(c)

    def _source_topics(self) -> dict[str, set[str]]:
        """Per article, the title words that say what it is about and no other title says ("hair", "scar")."""
        if len(self.sources) < 2:
            return {}
        titles = self.source_titles
        cues = {w for spec in lexicon.ATTRIBUTES.values() for c in spec["cues"] for w in words(c)}
        places = {w for n, aliases in lexicon.COUNTRIES.items() for a in (n, *aliases) for w in words(a)}
        places |= {w for n in self.countries for w in words(n)}
        stems = {src: {stem(w) for w in content_words(t) if w not in cues and w not in places}
                 for src, t in titles.items()}
        # a word no other title has: counted once per title (linear in the titles, not quadratic)
        titles_with: dict[str, int] = defaultdict(int)
        for st in stems.values():
            for w in st:
                titles_with[w] += 1
        return {src: {w for w in st if titles_with[w] == 1} for src, st in stems.items()}

    def about(self, q: Query) -> str | None:
        """The one article a question is about: the one whose own lexicon file gave a name the question
        uses, else the one whose topic (title words) the question names, when only one does."""
        if len(self.sources) > 1 and len(q.articles) == 1 and q.articles[0] in self.sources:
            return q.articles[0]
        asked = {stem(w) for w in q.tokens}
        found = [src for src, topic in self.source_topics.items() if asked & topic]
        return found[0] if len(found) == 1 else None

    def only(self, source: str) -> CorpusView:
        """A view of this corpus restricted to one article's prices, homes and clinics (cached)."""
        views = self.__dict__.setdefault("_views", {})
        if source not in views:
            view = copy.copy(self)
            view.prices = [p for p in self.prices if p.source == source]
            view.by_proc = defaultdict(list)
            for p in view.prices:
                view.by_proc[p.canonical].append(p)
            view.priced = {p.canonical for p in view.prices}
            view.homes = [h for h in self.homes if any(p.country == h for p in view.prices if p.kind == "price list")]
            # no price list: the first country of the article's own table, not of the first article's
            view.homes = view.homes or list(dict.fromkeys(p.country for p in view.prices))[:1] or self.homes
            view.home = view.homes[0]
            view.clinics = [c for c in self.clinics if self.clinic_source.get(c.name) == source] or self.clinics
            view.source = source
            view.__dict__["_views"] = {}
            views[source] = view
        return views[source]

    def units_in_view(self) -> list[int] | range:
        """The units this view answers from: those of its articles when scoped, else every unit."""
        if self.scope:
            return [i for src in self.scope for i in self.units_by_source.get(src, ())]
        return range(len(self.units))

    def scoped(self, sources: tuple[str, ...]) -> CorpusView:
        """A view restricted to the records (prices, homes, clinics) of a few articles, those retrieval
        ranked: a structured answer then reads their records only, never every record of the corpus.

        Built from the per-article lists, so its cost is that of the articles named; a bounded number is cached.
        """
        views = self.__dict__.setdefault("_scoped", {})
        key = tuple(sorted(set(sources)))
        view = views.get(key)
        if view is not None:
            return view
        view = copy.copy(self)
        view.prices = [p for src in key for p in self.prices_by_source.get(src, ())]
        view.by_proc = defaultdict(list)
        for p in view.prices:
            view.by_proc[p.canonical].append(p)
        view.priced = {p.canonical for p in view.prices}
        listed = [p.country for p in view.prices if p.kind == "price list"]
        view.homes = list(dict.fromkeys(listed)) or self.homes
        view.home = max(set(listed), key=listed.count) if listed else self.home
        view.clinics = [c for src in key for c in self.clinics_by_source.get(src, ())]
        view.all_clinics = view.clinics
        view.scope = key
        # the unit look-ups answer with the units of these articles only: the candidates a question scores
        # are bounded by the articles retrieved, whatever the size of the corpus
        allowed = frozenset(i for src in key for i in self.units_by_source.get(src, ()))
        for name in ("head_index", "first_stem", "label_prefix", "priced_prose", "proc_units", "section_units"):
            setattr(view, name, InScope(getattr(self, name), allowed))
        view.ties = [t for src in key for t in self.ties_by_source.get(src, ())]
        view.__dict__["_views"] = {}
        view.__dict__["_scoped"] = {}
        with _SCOPED_LOCK:  # request threads share the cache; the oldest views go first
            while len(views) >= SCOPED_VIEWS:
                views.pop(next(iter(views)), None)
            views[key] = view
        return view

    def _build_indexes(self) -> None:
        """Posting lists, so that no step of a question scans the whole corpus (1,000 articles)."""
        pre = self._pre
        self.by_proc: Mapping[str, list[PriceFact]] = Grouped(pre["by_proc"], self.prices) if "by_proc" in pre \
            else defaultdict(list)
        for p in () if "by_proc" in pre else self.prices:
            self.by_proc[p.canonical].append(p)  # type: ignore[index]
        # stored posting lists become sets when a question first asks for their key
        self.head_index = SetPostings(pre["head_index"]) if "head_index" in pre else _postings(self.index.unit_heads)
        if "first_stem" in pre:
            self.first_stem = SetPostings(pre["first_stem"])
            self.label_prefix = SetPostings(pre["label_prefix"])
            self.priced_prose = SetPostings(pre["priced_prose"])
        else:
            self.first_stem = _postings([{b[0]} if b else set() for b in self.body_stems])
            self.label_prefix = _postings([{w[:4] for w in self.label_words[i]} if u.label else set()
                                           for i, u in enumerate(self.units)])
            self.priced_prose = _postings([self.unit_stems[i] if u.kind == "sentence" and not u.label and "$" in u.text
                                           else set() for i, u in enumerate(self.units)])
        name_stems: dict[str, set[str]] = {}  # a name repeats across articles and rows: its stems are found once
        self.price_name_stems = SetPostings(pre["price_name_stems"]) if "price_name_stems" in pre else _postings(
            [name_stems.get(p.procedure) or name_stems.setdefault(p.procedure, {stem(w) for w in content_words(
                p.procedure)}) for p in self.prices])
        self.rare_prefix: dict[str, set[str]] = defaultdict(set)
        for w in self.rare:
            self.rare_prefix[w[:3]].add(w)
        self.price_list_sections: dict[str, list[str]] = defaultdict(list, pre.get("price_list_sections", {}))
        for p in () if "price_list_sections" in pre else self.prices:
            section = self.chunk(p.chunk_id).section
            if p.kind == "price list" and section not in self.price_list_sections[p.country]:
                self.price_list_sections[p.country].append(section)
        self.section_units: dict[str, list[int]] = defaultdict(list, pre.get("section_units", {}))
        if "section_units" not in pre:
            for i, u in enumerate(self.units):
                self.section_units[u.section].append(i)
        self.proc_units: dict[str, list[int]] = defaultdict(list)
        for section, proc in self.proc_sections.items():
            self.proc_units[proc] += self.section_units.get(section, [])
        if "clinic_units" in pre:
            self.clinic_units = pre["clinic_units"]
            return
        # sections whose heading ends with a clinic's name, bucketed by that many final characters (linear)
        by_tail: dict[int, dict[str, list[str]]] = {n: defaultdict(list) for n in {len(c.name) for c in self.clinics}}
        for sec in self.section_units:
            for n, bucket in by_tail.items():
                bucket[sec[-n:]].append(sec)
        self.clinic_units = {c.name: [i for sec in by_tail[len(c.name)].get(c.name, ()) for i in self.section_units[sec]]
                             for c in self.clinics}

    # ------------------------------------------------------------------ derived at load
    def _price_facts(self, raw: list[dict]) -> list[PriceFact]:
        out = []
        source_of = getattr(self.index, "source_of", None) or {c.id: c.source for c in self.chunks}
        bound: dict[str, list[str]] = {}  # one look-up per procedure name, not per cell
        stored = getattr(self.index, "derived", None) or {}
        stored = stored.get("price_canonical") if len(stored.get("price_canonical", ())) == len(raw) else None
        for n, p in enumerate(raw):
            if stored is not None:
                canonical = stored[n]
            else:
                name = p["procedure"].split("(")[0]
                if name not in bound:
                    bound[name] = self.analyzer.frame(name).procedures
                procs = bound[name]
                canonical = procs[0] if procs else p["procedure"].lower()
                if "general" in p["procedure"].lower():
                    canonical = GENERAL
            # the record's field dict set directly: a frozen dataclass's __init__ costs ~0.3 s at 50k prices
            fact = object.__new__(PriceFact)
            object.__setattr__(fact, "__dict__", {
                "procedure": p["procedure"], "canonical": canonical, "country": p["country"],
                "low": p["price"]["low"], "high": p["price"]["high"], "cell": p["cell"], "kind": p["source_kind"],
                "chunk_id": p["chunk_id"], "quote": p["quote"], "source": source_of.get(p["chunk_id"], "")})
            out.append(fact)
        return out

    def _proc_sections(self) -> dict[str, str]:
        """Sections about one procedure (their own heading names it and nothing else)."""
        if "proc_sections" in self._pre:
            return dict(self._pre["proc_sections"])
        out: dict[str, str] = {}
        for c in self.chunks:
            if c.kind == "section" and " > " in c.section:
                procs = self.analyzer.frame(c.section.split(" > ")[-1].split("(")[0]).procedures
                if len(procs) == 1 and procs[0] != GENERAL:
                    out[c.section] = procs[0]
        return out

    def _sessions(self) -> dict[str, SessionFact]:
        labels = set(lexicon.ATTRIBUTES["sessions"]["labels"])
        out: dict[str, SessionFact] = {}
        if "sessions" in self._pre:
            for proc, i in self._pre["sessions"].items():
                m = _SESSION_COUNT.search(self.units[i].text)
                out[proc] = SessionFact(proc, int(m[1]), int(m[2] or m[1]), m.group(0), self.units[i])
            return out
        for u in self.units:
            proc = self.proc_sections.get(u.section)
            m = _SESSION_COUNT.search(u.text)
            if proc and m and u.label in labels and proc not in out:
                out[proc] = SessionFact(proc, int(m[1]), int(m[2] or m[1]), m.group(0), u)
        return out

    def _ties(self) -> list[Tie]:
        """Procedure × scar type pairs named in one clause of a sentence (the section's own procedure when
        the clause names none): "punch excision for icepick scars, ... or subcision for rolling scars"."""
        if "ties" in self._pre:
            return [Tie(p, scar, self.units[i], strength) for p, scar, i, strength in self._pre["ties"]]
        out: list[Tie] = []
        scar_words = re.compile(r"\b(?:" + "|".join(sorted({re.escape(w) for n, aliases in lexicon.SCAR_TYPES.items()
                                                              for a in (n, *aliases) for w in words(a)
                                                              if w not in ("scar", "scars")})) + r")\b")
        for i, u in enumerate(self.units):
            own = self.proc_sections.get(u.section)
            if u.kind != "sentence" or (own is None and u.label) or i in self.voice \
                    or not scar_words.search(self.lowered[i]):
                continue
            for clause in _CLAUSE.split(normalize(u.text)):
                if not scar_words.search(clause.lower()):
                    continue
                f = self.analyzer.frame(clause)
                procs = [p for p in f.procedures if p != GENERAL] or ([own] if own else [])
                weak = bool(_WEAK.search(clause.lower()))
                out += [Tie(p, scar, u, 0.5 if weak else 1.0) for scar in f.scar_types for p in procs]
        return out

    def _treatment_words(self) -> dict[str, set[str]]:
        """Each treatment's stems, from its own sections (built on first use)."""
        if self.__dict__.get("_treatment_words_cache") is None:
            self.__dict__["_treatment_words_cache"] = {p: {w for i in units for w in self.unit_stems[i]}
                                                 for p, units in self.proc_units.items() if p != GENERAL and units}
        return self.__dict__["_treatment_words_cache"]

    def treatment_stems(self) -> set[str]:
        """The stems any treatment's own sections use ("shallow" where peels suit shallow scars)."""
        if self.__dict__.get("_treatment_stems") is None:
            self.__dict__["_treatment_stems"] = {w for ws in self._treatment_words().values() for w in ws}
        return self.__dict__["_treatment_stems"]

    def treatment_profiles(self) -> dict[str, set[str]]:
        """Each treatment's distinctive words: those its own sections use and no other treatment's."""
        if self.__dict__.get("_treatment_profiles") is None:
            own = self._treatment_words()
            seen = Counter(w for ws in own.values() for w in ws)
            self.__dict__["_treatment_profiles"] = {p: {w for w in ws if seen[w] == 1 and len(w) > 2}
                                                    for p, ws in own.items()}
        return self.__dict__["_treatment_profiles"]

    def treatment_own_stems(self, proc: str) -> set[str]:
        """The stems only this treatment's own sentences use in the whole article ("bruising" of subcision; not
        "consultation", which the article also uses of trips)."""
        words = self.treatment_profiles().get(proc, set())
        inside = Counter(w for i in self.proc_units.get(proc, ()) for w in self.unit_stems[i] if w in words)
        return {w for w in words if inside[w] >= self.unit_df.get(w, 0)}

    def _scar_units(self) -> dict[str, int]:
        """Scar type → the list item whose label names that type alone ("Icepick Scars: ...")."""
        if "scar_units" in self._pre:
            return dict(self._pre["scar_units"])
        out: dict[str, int] = {}
        for i in self.labelled:
            types = self.analyzer.frame(self.units[i].label).scar_types
            if len(types) == 1 and types[0] not in out:
                out[types[0]] = i
        return out

    # ------------------------------------------------------------------ look-ups
    def parent_of(self, kind: str) -> str | None:
        """The treatment a named kind is listed under ("Calcium Hydroxylapatite (CaHa) Fillers" → the section's
        procedure, dermal fillers): the section of the list item labelled with the kind's name."""
        keys = {stem(w) for w in content_words(kind.split("(")[0])}
        first = next(iter(sorted(w[:4] for w in content_words(kind.split("(")[0]))), "")
        for i in sorted(self.label_prefix.get(first, ())):
            if keys <= self.label_stems[i]:
                return self.proc_sections.get(self.units[i].section)
        return None

    def records(self, proc: str, country: str | None = None, kind: str | None = None) -> list[PriceFact]:
        return [p for p in self.by_proc.get(proc, ()) if (country is None or p.country == country)
                and (kind is None or p.kind == kind)]

    def units_with(self, postings: dict[str, set[int]], keys: set[str]) -> set[int]:
        """Units whose indexed set holds every key (an empty key set matches nothing)."""
        sets = [postings.get(k, set()) for k in keys]
        return set.intersection(*sets) if sets else set()

    def home_for(self, proc: str) -> list[str]:
        """The countries a price question without a country means: each article's own, where it prices it."""
        return [h for h in self.homes if self.records(proc, h)] or [self.home]

    def chart_rows(self, rows: list[PriceFact]) -> list[PriceRow]:
        return [PriceRow(r.procedure, r.country, r.low, r.high, r.cell, r.kind) for r in rows]

    def origin(self, p: PriceFact) -> str:
        """Where a price comes from, in words: the source file is named once there are several articles."""
        what = f"{p.country} price list" if p.kind == "price list" else "cost comparison table"
        return f"the {what} of {p.source}" if len(self.sources) > 1 else (
            f"the article's {what}" if p.kind == "price list" else what)

    def chunk(self, chunk_id: str) -> Chunk:
        return self.chunks[self.index.by_id[chunk_id]]

    def corpus_has(self, kinds: list[str]) -> bool:
        """Does any sentence carry this kind of fact (for travel prices: a cue next to a figure)?"""
        for k in kinds:
            if k not in self._has:
                self._has[k] = any(carries_fact(k, t) for t in self.lowered)
            if self._has[k]:
                return True
        return False

    def mentions(self, clinic: ClinicRecord, procs: list[str]) -> list[tuple[str, str]]:
        """Where the clinic's row or section mentions one of the procedures (or its aliases)."""
        keys = procedure_keys(procs)
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None
        found = lambda lowered: pattern is not None and pattern.search(lowered) is not None  # noqa: E731
        out = [(clinic.chunk_id, clinic.quote)] if found(normalize(clinic.quote).lower()) else []
        out += [(self.units[i].chunk_id, self.units[i].text) for i in self.clinic_units.get(clinic.name, [])
                if found(self.lowered[i])]
        return out

    def weight(self, stems: set[str]) -> float:
        return sum(self.idf.get(w, self.idf_default) for w in stems)
