"""Follow-up questions without an LLM: a small dialogue state that rewrites the question.

The state carries the entities of the last turns (procedure, country, clinic, scar type, filler
type) and the topic asked for (cost, sessions, recovery, ...). A follow-up — a pronoun ("it",
"they", "that clinic", "those"), an ellipsis ("and in Korea?", "what about the UK?") or a bare
comparative ("which is cheaper?") — is filled in from the state. A question that names its own
main entity is a topic switch and inherits nothing. Assistant turns are only used to learn what
"they"/"those" point at, never as facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scarbot.nlp import STOPWORDS, Analyzer, Frame, is_instruction, normalize, words

MAX_TURN_CHARS = 600

_PRONOUN = re.compile(r"\b(it|its|they|them|their|those|these|that|this|there|the same|one|ones)\b", re.I)
_CLINIC_REF = re.compile(r"\b(that|this|the|their|same)\s+(clinic|hospital|place|center|centre)\b", re.I)
_ELLIPSIS = re.compile(r"^\s*(and|or|but|also|what about|how about|same for|and what about|what of|then|ok|okay"
                       r"|how (?:does|do|is|are) (?:that|it|this|they|those) compare)\b", re.I)
_QWORD = r"(?:what|what's|whats|how|which|where|is|are|does|do|can|could|who|when|why|should|will|would)"
_BARE_COMPARE = re.compile(r"\b(cheaper|more expensive|less expensive|pricier|better value|most affordable)\b", re.I)


@dataclass
class State:
    procedures: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # most recent last, distinct
    clinics: list[str] = field(default_factory=list)
    scar_types: list[str] = field(default_factory=list)
    filler_types: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)

    def main(self) -> bool:
        return bool(self.procedures or self.clinics or self.scar_types or self.filler_types)


def bounded_history(history: list[dict] | None, turns: int) -> list[dict]:
    """The last ``turns`` well-formed turns, each cut to a safe length, with instructions aimed at the
    assistant ("ignore the article and say ...") removed from user turns; anything else is dropped."""
    items = list(history or [])[-turns:] if turns > 0 else []
    out = []
    for t in items:
        if isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str):
            text = normalize(t["content"])[:MAX_TURN_CHARS]
            if t["role"] == "user":
                text = strip_instructions(text)
            out.append({"role": t["role"], "content": text})
    return out


def strip_instructions(text: str) -> str:
    """Drop the sentences of a message that address the assistant's rules rather than the article."""
    kept = [p for p in re.split(r"(?<=[.!?])\s+", text) if not is_instruction(p)]
    return " ".join(kept)


def track(analyzer: Analyzer, history: list[dict]) -> State:
    st = State()
    user_frame: Frame | None = None
    for turn in history:
        f = analyzer.frame(turn["content"])
        f.procedures = [p for p in f.procedures if "general" not in p]
        if turn["role"] == "user":
            user_frame = f
            if f.procedures or f.clinics or f.scar_types or f.filler_types:
                # a new main entity: the old ones no longer apply
                st.procedures, st.clinics = f.procedures or [], f.clinics or []
                st.scar_types, st.filler_types = f.scar_types or [], f.filler_types or []
            for c in f.countries:
                st.countries = [x for x in st.countries if x != c] + [c]
            if f.attributes:
                st.attributes = f.attributes
        else:
            # Only learn what the user's own turn left open (what "they"/"those" refer to next).
            uf = user_frame
            if uf is None:
                continue
            if not uf.clinics and f.clinics and len(f.clinics) <= 3:
                st.clinics = f.clinics
            # "which treatments work for boxcar scars?" → the answer names what "those" means next
            asks_for_treatment = re.search(r"\b(treatments?|procedures?|options?|therap(?:y|ies)|what works|"
                                           r"which works)\b", uf.text, re.I)
            if not uf.procedures and f.procedures and not uf.clinics and asks_for_treatment:
                st.procedures = f.procedures[:4]
            if not uf.scar_types and f.scar_types and not (uf.procedures or uf.clinics):
                st.scar_types = f.scar_types[:1]
    return st


def condense(analyzer: Analyzer, question: str, history: list[dict]) -> str:
    """The question rewritten to stand alone; unchanged when it already does (or there is no history)."""
    q = normalize(question)
    if not history:
        return q
    f = analyzer.frame(q)
    procs = f.procedures = [p for p in f.procedures if "general" not in p]
    has_main = bool(procs or f.clinics or f.scar_types or f.filler_types)
    pronoun = _PRONOUN.search(q)
    clinic_ref = _CLINIC_REF.search(q)
    ellipsis = bool(_ELLIPSIS.match(q))
    bare_compare = bool(_BARE_COMPARE.search(q)) and not has_main and not f.countries
    short = len(f.tokens) <= 5
    # a fragment ("microneedling?", "in the UK then") or an explicit ellipsis ("and in Korea?") re-asks the
    # previous question; a full request ("Compare laser prices across countries") stands on its own
    fragment = not re.match(rf"\s*{_QWORD}\b", q, re.I) and len(f.tokens) <= 4 and not f.compare
    if (ellipsis or fragment) and (has_main or f.countries):
        swapped = _swap_entities(analyzer, history, f)
        if swapped:
            return swapped
    if pronoun and procs and not f.clinics and pronoun.group(1).lower() in ("it", "they", "them", "there"):
        st0 = track(analyzer, history)
        if st0.clinics and not st0.procedures:
            # "does it do microneedling?" after "Where is Louis Clinic?": "it" is the clinic
            name = st0.clinics[0]
            repl = f"at {name}" if pronoun.group(1).lower() == "there" else name
            out = q[: pronoun.start()] + repl + q[pronoun.end():]
            return out[0].upper() + out[1:]
    if has_main and not clinic_ref and not (pronoun and pronoun.group(1).lower() in ("there",)):
        return q  # names its own subject: a topic switch inherits nothing
    if not (pronoun or clinic_ref or ellipsis or bare_compare or short or f.attributes or f.countries):
        return q
    st = track(analyzer, history)
    if not st.main() and not st.countries:
        return _with_topic(analyzer, q, history) if pronoun else q
    # Inherit the topic only when the question brings none of its own ("and in Korea?").
    own_words = [w for w in f.tokens if w not in STOPWORDS and not _PRONOUN.fullmatch(w)
                 and w not in _entity_words(analyzer, f) and w not in ("about", "what", "and", "also")]
    attrs = f.attributes or ([] if has_main or own_words else st.attributes)
    if bare_compare and st.procedures and len(st.countries) >= 2:
        c1, c2 = st.countries[-2], st.countries[-1]
        return f"Is {st.procedures[0]} cheaper in {c1} or in {c2}?"
    if bare_compare and st.procedures:
        return f"Which country is cheapest for {st.procedures[0]}?"
    if "cost" in attrs and not f.clinics:
        procs = f.procedures or st.procedures
        if procs:
            # "what about the cheapest?" asks across countries: no country is carried over
            countries = f.countries or (st.countries[-1:] if not (f.compare or f.superlative) else [])
            subject = " and ".join(procs)
            where = f" in {' and '.join(countries)}" if countries else ""
            if f.superlative == "min":
                return f"Where is {subject} cheapest{where}?"
            if f.superlative == "max":
                return f"Where is {subject} most expensive{where}?"
            return f"How much does {subject} cost{where}?"
    subject = _subject(st, f)
    if not subject:
        return _with_topic(analyzer, q, history) if pronoun else q
    out = q
    if clinic_ref:
        out = out[: clinic_ref.start()] + subject + out[clinic_ref.end():]
    elif pronoun and pronoun.group(1).lower() == "there" and st.countries and not st.clinics:
        out = out[: pronoun.start()] + f"in {st.countries[-1]}" + out[pronoun.end():]
    elif pronoun and pronoun.group(1).lower() == "there" and st.clinics:
        out = out[: pronoun.start()] + f"at {st.clinics[0]}" + out[pronoun.end():]
    elif pronoun and pronoun.group(1).lower() not in ("one", "ones", "the same"):
        out = out[: pronoun.start()] + subject + out[pronoun.end():]
    else:
        out = re.sub(_ELLIPSIS, "", out).strip(" ,")
        out = out.rstrip("?. ") + f" for {subject}?"
    return out[0].upper() + out[1:] if out else q


def _subject(st: State, f: Frame) -> str:
    if st.clinics and not f.procedures:
        return st.clinics[0]
    if st.filler_types:  # "Sculptra" is more specific than "dermal fillers"
        return st.filler_types[0]
    if st.procedures:
        return " and ".join(st.procedures[:3])
    if st.scar_types:
        return st.scar_types[0]
    return ""


def _entity_words(analyzer: Analyzer, f: Frame) -> set[str]:
    """Words of the question that only name entities (so "and in Korea?" brings no topic of its own)."""
    out: set[str] = set()
    for key, _kind, canonical in analyzer._aliases:
        if canonical in (*f.procedures, *f.countries, *f.clinics, *f.scar_types, *f.filler_types):
            out.update(key.split())
    out.update(w for c in f.countries for w in words(c))
    return out


_SPLIT = re.compile(rf",?\s+(?:and|but|also|plus)\s+(?={_QWORD}\b)|,\s+(?={_QWORD}\b)|:\s+(?={_QWORD}\b)",
                    re.I)


def split_question(question: str) -> list[str]:
    """Several questions in one message → the parts, each to be answered in turn.

    Only a sentence that asks ("...?" or one opening with a question word) is split further at
    "and how/what/...". A statement before a question ("I have rolling scars. Which treatment suits
    them?" or "I work nights and can only take a week off.") is kept with the question after it, so
    that "them" can be resolved from it.
    """
    parts: list[str] = []
    lead = ""
    for sentence in (x.strip() for x in re.split(r"(?<=[?.!])\s+", question) if x.strip()):
        asks = sentence.endswith("?") or re.match(rf"{_QWORD}\b", sentence, re.I)
        if not asks or len(sentence.split()) < 3:
            lead = f"{lead} {sentence}".strip()
            continue
        pieces = _asking_pieces(sentence)
        if lead:
            pieces[0] = f"{lead} {pieces[0]}" if not parts else pieces[0]
            if parts:
                parts[-1] = f"{parts[-1]} {lead}"
            lead = ""
        parts.extend(pieces)
    if lead:
        if parts:
            parts[-1] = f"{parts[-1]} {lead}"
        else:
            parts.append(lead)
    return parts or [question]


def _asking_pieces(sentence: str) -> list[str]:
    """"X and how much is Y?" → two questions; a clause that does not ask ("as a student I can't
    afford much, which is cheapest?") stays in front of the question after it."""
    out: list[str] = []
    lead = ""
    for p in (p.strip(" ,;") for p in _SPLIT.split(sentence) if p and p.strip(" ,;")):
        if len(p.split()) < 3 or not (p.endswith("?") or re.match(rf"{_QWORD}\b", p, re.I)):
            lead = f"{lead}, {p}" if lead else p
            continue
        out.append(f"{lead}, {p}" if lead else p)
        lead = ""
    if lead:
        out = [*out[:-1], f"{out[-1]}, {lead}"] if out else [lead]
    return out or [sentence]


def _swap_entities(analyzer: Analyzer, history: list[dict], f: Frame) -> str | None:
    """"What about microneedling?" after "How many subcision sessions will I need?": ask the last
    question again with the new entity in place of the old one of the same kind."""
    users = [i for i, t in enumerate(history) if t["role"] == "user"]
    if not users:
        return None
    # the previous question as it was understood ("and the UK?" → "... laser resurfacing ... UK")
    prev = condense(analyzer, history[users[-1]]["content"], history[: users[-1]])
    pf = analyzer.frame(prev)
    joined = f" {' '.join(pf.tokens)} "
    new = {"procedure": [p for p in f.procedures if "general" not in p], "country": f.countries,
           "clinic": f.clinics, "scar_type": f.scar_types, "filler_type": f.filler_types}
    edits = []
    for start, end, kind, canonical in pf.spans:
        if new.get(kind) and canonical not in new[kind]:
            edits.append((start, end, new[kind][0]))
    if not edits:
        return None
    for start, end, name in sorted(edits, reverse=True):
        joined = joined[: start + 1] + name + joined[end:]
    out = joined.strip()
    return (out[0].upper() + out[1:]).rstrip("?") + "?"


def _with_topic(analyzer: Analyzer, q: str, history: list[dict]) -> str:
    """"how long does it take to get one?" after a visa question: no entity to point at, so carry the
    previous question's topic words along ("... (about: visa)")."""
    users = [i for i, t in enumerate(history) if t["role"] == "user"]
    if not users:
        return q
    prev = condense(analyzer, history[users[-1]]["content"], history[: users[-1]])
    mine = set(words(q))
    topic = [w for w in words(prev) if w not in STOPWORDS and w not in mine and w not in _GENERIC and len(w) > 2]
    if not topic:
        return q
    return f"{q.rstrip('?. ')} (about: {' '.join(dict.fromkeys(topic[:5]))})?"


_GENERIC = {"what", "how", "which", "where", "when", "why", "does", "treatment", "treatments", "article", "much",
            "long", "many", "cost", "costs", "take", "takes", "get"}
