"""Rewriting one message against the dialogue state (see :mod:`scarbot.dialogue` for the interface).

The steps, first that applies:

1. an answer to a clarifying question ("the one in Pangyo", "the first") re-asks the question
   that was waiting, with the choice in place;
2. a correction ("oops, I meant the boxcar ones", "no, Canada, not the USA") re-asks the
   previous question with the corrected slot;
3. an ellipsis ("and over in Turkey, then?", "what about subcision?") re-asks the previous question with
   the new entity in place of the old one of its kind;
4. otherwise references ("it", "that one", "the second one", "both", "the clinic I asked about
   at the start") are replaced by what they point at; a message that names nothing and brings
   no subject of its own ("How many rounds will that take me?") gets the entity it needs; a price
   comparison gets its countries ("would that beat the price back home?"). A message that brings its
   own subject ("Is a visa needed for the trip?", "Is Korea less pricey than Canada overall?") stands alone.

Then the persona's context is written in ("at home" → the home country, "my scars" → the scar
types the user said they have, "my budget" → the figure they gave).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict

from scarbot import lexicon
from scarbot.dialogue_refs import (
    ORDINALS,
    Ref,
    Resolution,
    agree,
    candidates,
    find_refs,
    is_plural,
    join_names,
    place,
    ranked,
    resolve,
    substitute,
)
from scarbot.dialogue_state import (
    DIALOGUE_WORDS,
    HEAD_KINDS,
    MAIN_KINDS,
    OPEN_HEAD,
    QSTART,
    DialogueState,
    Understood,
    entities,
    noun_slot,
    states_home,
)
from scarbot.nlp import STOPWORDS, Analyzer, normalize, stem, words
from scarbot.query import Query, QueryParser
from scarbot.text import WHERE_STAY

_CUE_STEMS = frozenset(stem(w) for spec in lexicon.ATTRIBUTES.values() for cue in spec["cues"] for w in words(cue)) \
    | {stem(w) for w in ("compare", "comparing", "comparison", "compared", "versus", "difference", "differ")}  # how, not what
SLOT = "\x00"
_KIND_NOUN = {"clinic": "clinic", "procedure": "treatment", "filler_type": "filler", "scar_type": "scar type",
              "country": "country", "topic": "one"}
LEAD = re.compile(r"^(?:(?:no|nope|sorry|oops|ok|okay|so|well|hmm|right|alright|thanks|thank you|great|cool|wait|"
                   r"actually|and|also|but|then|now)\b[\s,.!:;-]*)+", re.I)
_COMPARE_THAT = re.compile(r"^how (?:does|do|is|are|would) (?:that|it|this|they|those|[\w ]{2,40}?) compare", re.I)
_COMPARE_IT = re.compile(r"^how (?:does|do|is|are|would) (?:that|it|this|they|those)(?: \w+)? compare", re.I)
_ELLIPSIS = re.compile(rf"^(?:and\s+)?(?:what about|how about|same for|what of|and|or|also|then)\b|{_COMPARE_THAT.pattern}",
                       re.I)
_CORRECTION = re.compile(r"^\s*(?:(?:no|nope|sorry|oops|actually|wait|my bad|correction|err|um)\b[\s,.!:;-]*)+"
                         r"|\bi\s+(?:meant|mean)\b(?:\s+to\s+say)?|\b(?:make that|rather)\b", re.I)
_NOT = re.compile(r"\b(?:not|instead of|rather than)\s+(?:the\s+)?([\w .'-]+?)(?=\s*(?:[,.;!?—–]|\s-\s)|\s+but\b|$)",
                  re.I)
# what a correction wraps around the corrected word: "I misspoke, they're actually X (not Y). Does that change things?"
_RESTATED = re.compile(r"\bi\s+(?:misspoke|mistyped|misread|mixed (?:them|those|it) up|got (?:that|it) wrong)\b"
                       r"|\b(?:they|it|mine|my scars?|those|these|she|he)\s*(?:'re|'s|are|is|were|was)\s+(?:actually\s+|really\s+)?"
                       r"|\b(?:does|would|will|could) (?:that|this|it) change (?:anything|things|the answer|much)\b"
                       r"|\bwhat (?:then|now)\b", re.I)
_SELECT = re.compile(r"\b(?:i\s+(?:meant|mean)|the one|that one|sorry|please|yes|yeah)\b", re.I)
_PLEASANTRY = re.compile(
    r"^(?:(?:ok(?:ay)?|thanks?(?: you)?(?: (?:so|very) much)?|great|cool|perfect|got it|nice|awesome|i see|"
    r"understood|alright|sure|good|hi|hello|hey|good (?:morning|afternoon|evening))\b[\s,.!]*)*"
    r"(?:(?:now|next|also|one more (?:thing|question)|another (?:thing|question))\b[\s,:.-]*)?", re.I)
_DESCRIPTION = re.compile(r"\bthe\s+(?:clinic|hospital|one|place|center|centre)\s+(?P<what>(?:in|at|near|from|"
                          r"with|that|which)\s+[^?.!,;]{3,40}?)(?=\s*(?:[?.!,;]|\s[-–—]\s|$))"
                          r"|\bthe\s+(?P<what2>[A-Za-z]{4,20})\s+(?:clinic|hospital|one|place)\b", re.I)
_BUDGET_REF = re.compile(r"\b(?:my|our|the)\s+(?:whole\s+|entire\s+|total\s+|full\s+)?budget\b", re.I)
_AFFORD = re.compile(r"\bafford\b", re.I)
_HOME_REF = re.compile(r"\b(?:(?:at|back)\s+home|in (?:my|our) (?:home )?country|where (?:i|we) live|(?:my|our) home country|"
                       r"where (?:i'm|i am|we're|we are) from|"
                       r"home(?=\s+(?:compare|compares|stack|stacks|vs\.?|versus|price|prices|cost|costs|figure|range)\b))\b"
                       r"|(?<=\s)here(?=\s*(?:[?.!,]|$))", re.I)
def at_home(text: str, home: str) -> str:
    """"at home" → "in Canada"; "compared to where we live" → "compared to Canada" (a preposition is there)."""
    def name(m: re.Match) -> str:
        after_preposition = re.search(r"\b(?:to|with|than|vs\.?|versus|and|or|from)\s+$", m.string[: m.start()], re.I)
        bare = m.group(0).lower() == "home"  # "how does home compare?": home as the subject
        return place(home) if after_preposition or bare else f"in {place(home)}"
    return _HOME_REF.sub(name, text)


_HOME_ONLY = re.compile(r"^\s*(?:and|or|what about|how about|same)?\s*(?:(?:here\s+)?(?:at|back)\s+home|in my (?:home )?country|"
                        r"where (?:i|we) live)\s*(?:for me|for us|then|too|for comparison)?\s*[?.!]*\s*$", re.I)
_MY_SCARS = re.compile(r"\b(?:my|his|her|their|our) (?:acne )?(?:scars|scar types?|types? of scars?|kinds? of scars?|type|kind)\b",
                       re.I)  # "what suits her type?": the scars the user described, their own or someone else's
_HELPS = re.compile(r"\b(?:help|helps|work|works|suit|suits|good for|do anything|be (?:an )?option)\b", re.I)
_FOR_ME = re.compile(r"\b(?:for me|for my (?:skin|case)|in my case)\b", re.I)
_TELL_MORE = re.compile(r"^(?:tell me|say|explain)?\s*(?:a (?:bit|little) )?more\b(?!\s+(?:about|on)\b)", re.I)
_INFINITIVE_END = re.compile(r"\bto\s+(?:get|book|obtain|apply for|arrange|claim|pay)\s*[?.!]*$", re.I)
_GENERIC_TREATMENT = re.compile(r"(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bmy )\b(?:treatments?|procedures?)\b"
                                r"|\b(?:general|overall|typical)\s+(?:[\w-]+\s+)?(?:price|cost|range)s?\b", re.I)  # "the general Korean price range"
_COMPARED_WITH = re.compile(r"\b(?:than|versus|vs\.?|compared (?:to|with)|against)\b", re.I)
_SUPERLATIVE = re.compile(r"\b(?:cheapest|most|least|lowest|highest|priciest|dearest|costliest|best)\b", re.I)
_SELECTION = re.compile(r"\bwhich\s+(?:one|is|of|would|country|place|option)\b|\bwhere\b", re.I)
ASKS_PLURAL = re.compile(r"\b(?:which|what)\s+(?:(?!of\b)\w+\s+){0,2}?(?:clinics|hospitals|treatments|procedures|options|"
                          r"therapies|types|kinds|countries|fillers|places|brands)\b|\b(?:list|name)\s+(?:all|the)\b",
                          re.I)
_PARSERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PARSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # parser → recent texts → Query (read-only)
_PARSED_MAX = 4096
_LOCK = threading.Lock()


class Reader:
    """Parses messages against one corpus and finds names in text. Every message of a conversation is
    read again at each turn, so parses are kept (a bounded cache per parser; a Query is never changed)."""

    def __init__(self, analyzer: Analyzer, parser: QueryParser | None = None):
        self.analyzer = analyzer
        with _LOCK:
            if parser is None:
                parser = _PARSERS.get(analyzer) or _PARSERS.setdefault(analyzer, QueryParser(analyzer))
            self._parsed: OrderedDict[str, Query] = _PARSED.setdefault(parser, OrderedDict())
        self.parser = parser

    def parse(self, text: str) -> Query:
        with _LOCK:
            q = self._parsed.get(text)
            if q is not None:
                self._parsed.move_to_end(text)
                return q
        q = self.parser.parse(text)
        with _LOCK:
            self._parsed[text] = q
            while len(self._parsed) > _PARSED_MAX:
                self._parsed.popitem(last=False)
        return q

    def find(self, text: str, kind: str, name: str) -> tuple[int, int] | None:
        """Where the message first names this entity (by any of its aliases)."""
        spans = self.spans(text, kind, name)
        return spans[0] if spans else None

    def spans(self, text: str, kind: str, name: str) -> list[tuple[int, int]]:
        """Every place the text names this entity, longest alias first at each place, in text order."""
        keys = [key for key, k, c in self.analyzer._aliases if k == kind and c == name] or [name.lower()]
        out: list[tuple[int, int]] = []
        for key in keys:
            for m in re.finditer(r"\b" + r"[\s-]*".join(map(re.escape, key.split())) + r"\b", text, re.I):
                if not any(a < m.end() and m.start() < b for a, b in out):
                    out.append(m.span())
        return sorted(out)

    def named(self, text: str) -> str:
        """"the hospital in Cheonho" → the clinic the corpus says that of (a description, not a reference)."""
        for m in _DESCRIPTION.finditer(text):  # "the one in Pangyo", "the Gangnam one"
            if m.group("what2"):
                what = m.group("what2")
                if what.lower() in STOPWORDS or what.lower() in DIALOGUE_WORDS:
                    continue  # "the other one", "the first clinic": references, not descriptions
                name = self.describes(what, list(self.analyzer.clinics))
                if name:
                    return text[: m.start()] + name + text[m.end():]
                continue
            # the shortest run of words that tells one clinic apart: "the hospital in Cheonho offer X" names the
            # clinic by "in Cheonho"; what follows is the question about it
            ends = [w.end() for w in re.finditer(r"[\w'-]+", m.group("what"))]
            if not re.match(r"(?:in|at|near|from)\b", m.group("what"), re.I):
                ends = ends[-1:]  # "the one that does X": the whole clause describes it
            for end in ends[1:] or ends:
                name = self.describes(m.group("what")[:end], list(self.analyzer.clinics))
                if name:
                    return text[: m.start()] + name + text[m.start("what") + end:]
        return text

    def describes(self, text: str, names: list[str]) -> str | None:
        """The one name whose own sentences in the corpus (naming no other candidate) share words with a
        description ("the one in Pangyo")."""
        wanted = {stem(w) for w in words(text) if w not in STOPWORDS and w not in DIALOGUE_WORDS and len(w) > 2}
        keys = {n: [k for k, _kind, c in self.analyzer._aliases if c == n and len(k) > 3] or [n.lower()]
                for n in names}
        said: dict[str, set[str]] = {n: set() for n in names}
        for sentence in re.split(r"(?<=[.!?|;])\s+|\n", self.analyzer.corpus_lower):
            about = [n for n in names if any(k in sentence for k in keys[n])]
            if len(about) == 1:
                said[about[0]].update(stem(w) for w in words(sentence))
        scores = sorted(((len(wanted & said[n]), n) for n in names), reverse=True)
        if scores and scores[0][0] > 0 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
            return scores[0][1]
        return None


def rewrite(reader: Reader, text: str, state: DialogueState) -> Understood:
    """One user message understood against the state (only the persona learns from it here; the caller
    records the turn)."""
    text = _SAME_ONE.sub("it", reader.named(without_pleasantries(normalize(text))))  # "same treatment": the one said
    reason = _REASON_AFTER.match(text)
    if reason and len(words(reason.group(1))) <= 5:  # "and India, as it is nearer?": the reason asks nothing
        text = reason.group(1).rstrip(" ,") + "?"
    state.read_persona(reader.parse(text))
    if state.persona.home and not states_home(text) and (
            _HOME_ONLY.match(text) or _HOME_REF.search(text) and not _COMPARED_WITH.search(text)
                               and _is_fragment(re.sub(r"^(?:what|how) about\s+", "", LEAD.sub("", text), flags=re.I))):
        text = at_home(text, state.persona.home)  # "and fillers at home?": the home country
    text = _topic_first(_self_corrected(reader, text))
    q = reader.parse(text)
    u = next((u for step in (_clarified, _corrected, _which_does, _left_of_total, _added_to_total, _against_last_pair,
                             _elliptical, _modified, _added_term)
              if (u := step(reader, text, q, state))), None)
    u = u or _resolved(reader, text, q, state)
    if u.clarify:
        return u
    return _finish(reader, _persona(u.text, u.query, state), text)


_TOPIC_FIRST = re.compile(r"^\s*(?:and\s+|so\s+|ok(?:ay)?[,.]?\s+)?(?:(?:what|how)\s+about\s+(?P<topic>[^,:;—–?]{2,60}?)"
                          r"|(?P<np>(?:the|that|this)\s+[^,:;—–?]{2,60}?))\s*"
                          r"(?:[,:;—–]|\s-\s)\s*(?P<rest>.+)$", re.I)  # "the clinic in Pangyo — what's it called?"
_POINTER_NP = re.compile(r"\b(?:one|ones|former|latter|first|second|third|fourth|1st|2nd|3rd|4th|last|other|same|you|i|we|said|"
                         r"mentioned|listed)\b", re.I)
_IT = re.compile(r"\b(it|its|they|them|their)\b", re.I)
_ASK_AUX = r"(?:would|will|could|can|does|do|is|should)"  # "would that help?": a question asked of what was named
_THAT_ASKED = re.compile(rf"^\s*{_ASK_AUX}\s+(that|this)\b", re.I)


_REASON_AFTER = re.compile(r"^(.{1,50}?),\s*(?:since|because|as|cause|'cause|coz|cos)\b.*$", re.I)
_SAME_ONE = re.compile(r"\b(?:the\s+)?same\s+(?:treatment|procedure|one|service)\b", re.I)
_BACK_TO_KIND = re.compile(r"^\s*(?:(?:ok|okay|so|now|and|right)\W+)?(?:going back to|back to|returning to|as for|regarding|"
                           r"on|about)\s+(?:the\s+)?(?P<noun>clinic|hospital|treatment|procedure|filler|laser|peel)s?\s*"
                           r"[,:—–-]\s*which\s+(?:one|of them)\b", re.I)
_BECAUSE = re.compile(r"\s*(?:since|because|as|given|cause|'cause|coz|cos)\b", re.I)


def _topic_first(text: str) -> str:
    """"What about Bellafill — how long does it last?" → "what's Radiesse made of?": the topic set first is what
    the pronoun after it means. "Returning to hospitals, which one ...?" → "which clinic ...?"."""
    kind = _BACK_TO_KIND.match(text)
    if kind:
        return f"Which {kind.group('noun')}{text[kind.end():]}"
    m = _TOPIC_FIRST.match(text)
    if not m or (m.group("np") and (not _IT.search(m.group("rest")) or _POINTER_NP.search(m.group("np")))):
        return text  # "the last one you listed — what does it do?": a reference, resolved as one
    topic = (m.group("topic") or m.group("np")).strip()
    if m.group("topic") and _BECAUSE.match(m.group("rest")):  # "what about the US, since it's close?": a reason, no question
        return f"What about {topic}?"
    if m.group("np"):
        topic = topic[0].lower() + topic[1:]  # "The clinic in Pangyo — what's it called?": mid-sentence now
    topic = re.sub(r"\s+(?:instead|then|too|as well)$", "", topic, flags=re.I)  # "what about X instead, ...": X
    that = _THAT_ASKED.search(m.group("rest"))
    if that and not _IT.search(m.group("rest")):  # "what about X instead, would that help?": would X help
        rest = m.group("rest")[: that.start(1)] + topic + m.group("rest")[that.end(1):]
        return rest[0].upper() + rest[1:]
    if not _IT.search(m.group("rest")):  # "what about the second one, is it painful?": recovery for it
        rest = m.group("rest").rstrip(" ?.!")
        joint = "" if re.match(r"(?:in|at|for|with|from|near|after|before|during)\b", topic, re.I) else "for "
        return f"{rest[0].upper()}{rest[1:]} {joint}{topic}?" if len(words(rest)) >= 2 else text  # "..., 4 sessions" in X
    rest = _IT.sub(lambda w: f"the {topic}'s" if w.group(1).lower() in ("its", "their") else topic,
                   m.group("rest"), count=1)
    return rest[0].upper() + rest[1:]


_SELF_CORRECTION = re.compile(r"^(?P<head>.+?)\s*(?:\.{2,}|…|,|;|—|–|\s-)?\s*\b(?:no\s+wait|wait|sorry|oops|actually|no)"
                              r"[,.!\s]+(?:i\s+)?(?:meant|mean)\s+(?P<new>[^.?!]+?)\s*[.?!]*$", re.I)


def _self_corrected(reader: Reader, text: str) -> str:
    """"peels in Japan... oops, I mean Canada": the message as meant, with the name corrected in place."""
    m = _SELF_CORRECTION.match(text)
    if not m:
        return text
    new = {k: ns for k, ns in entities(reader.parse(m.group("new"))).items() if ns}
    head = m.group("head")
    had = entities(reader.parse(head))
    if len(new) != 1 or sum(len(ns) for ns in new.values()) != 1 or not had.get(next(iter(new))):
        return text
    return swap(reader, head, new, set()).rstrip(" .,;") + "?"


def without_pleasantries(text: str) -> str:
    """"Great, cheers. Now, is a visa needed for the trip?" → "is a visa needed for the trip?" (nothing is asked in the pleasantries)."""
    rest = _PLEASANTRY.sub("", text).strip()
    return rest[0].upper() + rest[1:] if len(rest.split()) >= 2 and rest != text else text


def as_is(reader: Reader, text: str) -> Understood:
    return Understood(text, reader.parse(text), plural_ask=bool(ASKS_PLURAL.search(text)))


def _finish(reader: Reader, out: str, original: str) -> Understood:
    """A rewritten message, tidied: no leading "and"/"so", a capital letter, the question mark kept."""
    out = re.sub(r"\s+", " ", out).strip()
    if out == original:
        return as_is(reader, original)
    out = LEAD.sub("", out).strip(" ,") or out
    out = out[0].upper() + out[1:]
    if original.rstrip().endswith("?") and not out.endswith("?"):
        out = out.rstrip(".! ") + "?"
    return as_is(reader, out)


# ------------------------------------------------------------------ the steps
def _clarified(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"the one in Pangyo" after "Which clinic do you mean: ...?": the waiting question, with the choice."""
    last = state.last
    if last is None or not last.clarify:
        return None
    choice = _choose(reader, text, q, list(last.candidates))
    if choice is None or not _is_fragment(_SELECT.sub(" ", LEAD.sub("", text))):
        return None
    return _finish(reader, last.template.replace(SLOT, choice), text)


def _choose(reader: Reader, text: str, q: Query, names: list[str]) -> str | None:
    named = [n for ns in entities(q).values() for n in ns if n in names]
    if len(set(named)) == 1:
        return named[0]
    m = re.search(rf"\b({'|'.join(ORDINALS)})\b", text, re.I)
    i = _position(m.group(1).lower(), len(names)) if m else None
    if i is not None and -len(names) <= i < len(names):
        return names[i]
    return reader.describes(text, names)


def _corrected(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"no, Canada, not the USA": the previous question again, with the corrected slot."""
    last = state.last
    if last is None or last.clarify or not _CORRECTION.search(text):
        return None
    replaced = " ".join(m.group(1) for m in _NOT.finditer(text))
    old = {n for ns in entities(reader.parse(replaced)).values() for n in ns} if replaced else set()
    body = _RESTATED.sub(" ", _NOT.sub(" ", _CORRECTION.sub(" ", text)))
    if not _is_fragment(body):
        return None
    new = {k: [n for n in ns if n not in old] for k, ns in _new_entities(q).items()}
    new = {k: ns for k, ns in new.items() if ns}
    if not new:
        new = _other_of(reader, body, q, state)
    if not new:
        return None
    return _finish(reader, swap(reader, question_part(reader, last.text), new, old), text)


def _other_of(reader: Reader, body: str, q: Query, state: DialogueState) -> dict[str, list[str]]:
    """"no, the other one": what the reference points at, other than what the last question named."""
    for ref in find_refs(body):
        res = resolve(ref, state, q, set())
        if res is not None and not res.ambiguous:
            return {res.kind: res.names[:1]}
    return {}


def _elliptical(reader: Reader, text: str, q: Query, state: DialogueState, *, replace_only: bool = False
                ) -> Understood | None:
    """"and over in Turkey, then?": the previous question again, with the new entity in place of the old one
    (``replace_only``: only if it has one of that kind to replace)."""
    last = state.last
    if last is None or last.clarify:
        return None
    body = LEAD.sub("", text) if not _ELLIPSIS.match(text) else text
    if not (found_elliptical(text) or _parallel(reader, body, q, last.text)):
        return None
    if not _is_fragment(LEAD.sub("", body)) and (q.percent is not None or q.amounts or q.numbers):
        return None  # "and boxcar ones are about half?": a claim of its own, not the last question again
    if _CHEAPER.search(body) and re.search(r"\bthan\b", body, re.I):
        return None  # "that's way cheaper than Korea, right?": a comparison, not the last question in Korea
    new = _new_entities(q, general=bool(_ABOUT.match(body) or _is_fragment(body) or (_GENERAL_NAMED.search(body) and not _HOME_REF.search(body))))
    if _is_fragment(LEAD.sub("", body)) and {"procedure", "country"} <= set(new) and not _ABOUT.match(body) \
            and not last.query.affordable:
        return None  # "peels in India?" names all a price needs: it stands alone (not after "how many can I afford?")
    if len(new.get("country", [])) >= 2 and ("procedure" in new or q.compare or q.saving):
        return None  # "laser specifically, Turkey vs the UK?", "diff india vs korea": a comparison of its own
    if (q.count or q.price_end) and not last.query.affordable and not (q.price_end and not q.count and last.query.count):
        return None  # "4 sessions at the top Korean price?": a total of its own (the treatment is filled in if missing)
    # ("and in Korea at the top price?" after a total of 4 sessions: that total again, in Korea, at that end)
    # ("how does that compare in India?" asks what was asked before; "how does the X price compare ...?" asks a price)
    asks_new = set(q.attributes) - set(last.query.attributes) if not _COMPARE_IT.match(body) else set()
    if _COMPARE_THAT.match(body):
        asks_new.discard("mechanism")  # "how does Korea compare?": "how does" asks no mechanism
    if q.range_math and q.range_math != last.query.range_math:
        asks_new.add(q.range_math)  # "the Thai figure again, its middle?": worked out anew, not the price again
    if not new or own_subject(q) or asks_new or _own_cue(body, new, last.text):
        return None
    if any(r.form != "pronoun" or r.word not in ("that", "it", "this") for r in find_refs(body)):
        return None
    own = _ASKS_OF_IT.search(body)
    names = [n for k, ns in new.items() if k in MAIN_KINDS for n in ns]
    head = re.sub(r"^\W*(?:(?:what|how)\s+about|and)\s+", "", reader.analyzer.tidy(body[: own.start()]) if own else "",
                  flags=re.I)
    if own and len(names) == 1 and len(new) == 1 and head and _is_fragment(head) \
            and not re.search(r"\b(?:how|what|which|where|when|why|who)\b", head, re.I):
        # "and peels instead - could that do it?": a question of its own, about the new one
        return _finish(reader, f"{own.group(1)} {names[0]}{own.group(2)}", text)
    asked = question_part(reader, last.text)
    if not _replaces(reader, asked, new) and state.answered not in (None, last):
        asked = question_part(reader, state.answered.text)  # after a declined question: the last answered one
    if all(n in entities(reader.parse(asked)).get(k, []) for k, ns in new.items() for n in ns):
        return None
    if replace_only and not _replaces(reader, asked, new):
        return None
    had = entities(reader.parse(asked), general=True)
    if {k for k, ns in new.items() if any(n not in had.get(k, []) for n in ns)} == {"country"}:
        priced = _country_priced(reader, asked, new["country"], state)
        if priced is not None:
            return _finish(reader, priced, text)
        if _HOME_REF.search(asked) and state.persona.home:  # "the price back home?" then "and over in India?"
            asked = at_home(asked, state.persona.home)
    out = swap(reader, asked, new, set())
    if q.price_end and reader.parse(out).price_end not in (None, q.price_end):  # "and at the cheapest Indian price?"
        out = re.sub(rf"\b{_HIGH_END}\b", "lowest", out, count=1, flags=re.I) if q.price_end == "min" else \
            re.sub(rf"\b{_LOW_END}\b", "top", out, count=1, flags=re.I)
    return _finish(reader, out, text)


_ASKS_OF_IT = re.compile(rf"\b({_ASK_AUX})\s+(?:that|it|this)\b(\s+\w[^?]*)\??\s*$", re.I)


def _left_of_total(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"What's left of my 10k?" after a total was worked out: that total's question again, with the budget
    (the bot's figure is never taken as a fact: the total is computed again from the article)."""
    if not q.leftover or entities(q).get("procedure") or entities(q).get("filler_type"):
        return None
    if q.course or q.count or q.price_end or q.superlative:  # "left at the cheapest full treatment?": a total of its own
        return None
    budget = q.budget or (q.amounts[0] if len(q.amounts) == 1 else None) or state.persona.budget
    last = state.answered
    if budget is None or last is None or last.clarify:
        return None
    lq = last.query
    if not (lq.operation == "compute" and (lq.count or lq.course or lq.plus)):
        return None
    asked = question_part(reader, last.text).rstrip("?.! ")
    return _finish(reader, f"{asked}, and what's left of a budget of ${budget:,.0f}?", text)


_WHICH_DOES = re.compile(r"^\W*(?:(?:and|so|ok|okay|well)[\s,]+)?which\s+(?:one|ones|clinic|clinics|hospital|place)?\s*"
                         r"(?:does|do|is|has|offers?|provides?)(?:[\s,]+(?:it|that|then|instead|so))*\s*[?.!]*\s*$", re.I)
_THIRD_PERSON = {"do": "does", "have": "has"}


def _which_does(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"Which one does, then?" after "Does <clinic> do stem cell therapy?" (answered no): the same question
    asked of every clinic ("Which clinic does stem cell therapy?")."""
    last = state.last
    if not _WHICH_DOES.match(text) or last is None or last.clarify or len(last.query.clinics) != 1:
        return None
    name = last.query.clinics[0]
    m = re.match(rf"^\s*(?:does|do)\s+{re.escape(name)}\s+(\w+)\b(.*)$", last.text, re.I)
    if m:
        verb = m.group(1).lower()
        verb = _THIRD_PERSON.get(verb) or (verb if verb.endswith("s") else verb + "s")
        return _finish(reader, f"Which clinic {'does' if verb == 'does' else verb}{m.group(2)}", text)
    m = re.match(rf"^\s*(is|has|can)\s+{re.escape(name)}\b(.*)$", last.text, re.I)
    if m:
        return _finish(reader, f"Which clinic {m.group(1).lower()}{m.group(2)}", text)
    return None


_ADDS = re.compile(r"\b(?:add|adding|added|throw in|plus|on top)\b", re.I)


def _added_to_total(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"And if I add one peel session?" after a total of sessions was worked out: that total's question again,
    with one session of the new treatment added (and what is left of a budget, when that is asked)."""
    named = [*q.procedures, *q.filler_types]
    if not _ADDS.search(text) or len(named) != 1 or (q.count or 1) != 1:
        return None
    last = state.answered
    if last is None or last.clarify:
        return None
    lq = last.query
    if not set(q.countries) <= set(lq.countries) or (q.price_end and q.price_end != lq.price_end):
        return None  # "add a peel in India": not the same total
    before = [*lq.procedures, *lq.filler_types]
    if lq.operation != "compute" or not (lq.count or lq.entity_counts or lq.course) or named[0] in before or not before:
        return None
    asked = question_part(reader, last.text).rstrip("?.! ")
    spoken = _spoken(named[0])
    one = spoken[:-1] if re.search(r"[^s]s$", spoken) else spoken  # "one chemical peel session"
    out = f"{asked}, plus one {one} session"
    budget = q.budget or state.persona.budget
    if q.leftover and budget and not lq.leftover:
        out += f", and what's left of a budget of ${budget:,.0f}"
    return _finish(reader, out + "?", text)


_COMPARES = re.compile(r"\b(?:cheaper|dearer|pricier|more expensive|less expensive|more affordable|difference|differ|"
                       r"gap|save|saving|savings)\b|^\W*(?:and\s+|so\s+)?(?:by\s+)?how much(?:\s+(?:more|less|then))?\s*\??\s*$",
                       re.I)  # "how much then?" after two prices compared


def _between_kinds(reader: Reader, text: str) -> bool:
    """"how do superficial and deep peels differ?": two things compared that are no places,
    and no price named: what sets them apart, not a saving."""
    m = _BETWEEN.search(text)
    if m is None or re.search(r"\b(?:price|prices|cost|costs|cheaper|dearer|saving|save)\b", text, re.I):
        return False
    return not any(reader.parse(side).countries for side in m.groups())


_BETWEEN = re.compile(r"\bdifference\s+between\s+(.+?)\s+and\s+(.+?)(?:[?.!,]|$)", re.I)


def _against_last_pair(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"So India is cheaper at the bottom?", "what's the difference at the top end?" after two countries were
    compared: the same two countries and treatment, compared again as now asked."""
    if not _COMPARES.search(text) or len(q.countries) > 1 or q.other_countries or re.search(r"\bthan\b", text, re.I) \
            or q.scar_types or _between_kinds(reader, text):  # "the difference between medium and deep peels?"
        return None
    last = state.answered
    if last is None or last.clarify:
        return None
    before = reader.parse(question_part(reader, last.text))
    pair = [c for c in before.countries if c not in before.excluded_countries]
    if len(pair) != 2 or (q.countries and q.countries[0] not in pair):
        return None
    procs = [p for p in q.procedures if p in before.procedures] or list(before.procedures)
    if (q.procedures and not set(q.procedures) <= set(before.procedures)) or len(procs) != 1:
        return None
    body = text.rstrip(" ?.!")
    what = "" if q.procedures else f" for {_spoken(procs[0])}"
    if re.match(r"^\W*(?:and\s+|so\s+)?(?:by\s+)?how much\b", body, re.I) and not q.countries:  # "how much then?"
        end = {"min": " at the low end", "max": " at the top end"}.get(before.price_end or q.price_end or "", "")
        return _finish(reader, f"What's the difference between {place(pair[0])} and {place(pair[1])}"
                               f"{what or f' for {_spoken(procs[0])}'}{end}?", text)
    if q.countries:
        other = next(c for c in pair if c != q.countries[0])
        return _finish(reader, f"{body} than {place(other)}{what}?", text)
    return _finish(reader, f"{body} between {place(pair[0])} and {place(pair[1])}{what}?", text)


_LOW_END = r"(?:bottom|low|lower|lowest|cheapest|min|minimum|least expensive)"
_HIGH_END = r"(?:top|high|higher|highest|max|maximum|most expensive|priciest|dearest)"
_GENERAL_ONLY = {"general", "overall", "treatment", "treatments", "scar", "in", "then", "and", "what", "about", "the",
                 "for", "price", "cost"}


def _modified(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """A fragment that changes how the last question is asked, not what about: "and the low end?" (the other
    end of the range), "with 7 sessions?" (a count), "overall?" (the table's in-general row)."""
    last = state.last
    body = LEAD.sub("", text).strip()
    if last is None or last.clarify or len(words(body)) > 8 or not words(body):
        return None
    asked = question_part(reader, last.text)
    same = entities(reader.parse(asked))  # "at the dearest Turkish rate?" after a Turkish total: nothing new
    if any(n not in same.get(k, []) for k, ns in entities(q).items() for n in ns):
        return None
    low_now, high_now = re.search(rf"\b{_LOW_END}\b", body, re.I), re.search(rf"\b{_HIGH_END}\b", body, re.I)
    if bool(low_now) != bool(high_now):
        mine, other = (_LOW_END, _HIGH_END) if low_now else (_HIGH_END, _LOW_END)
        word = (low_now or high_now).group(0)
        if re.search(rf"\b{other}\b", asked, re.I) and not re.search(rf"\b{mine}\b", asked, re.I):
            # "and the most sessions at the dearest rate?": every end of the last question flips
            return _finish(reader, re.sub(rf"\b{other}\b", word, asked, flags=re.I), text)
    if q.count and _FOR_COUNT.search(body):
        end = {"min": " at the lowest price", "max": " at the top price"}.get(q.price_end or "", "")
        if end and reader.parse(asked).price_end not in (None, q.price_end):
            asked = re.sub(rf"\b{_HIGH_END if q.price_end == 'min' else _LOW_END}\b", "", asked, flags=re.I)
        elif reader.parse(asked).price_end == q.price_end:
            end = ""  # "4 of them at the highest rate?" after the top price: already said
        if re.search(r"\bper session\b", asked, re.I):
            return _finish(reader, re.sub(r"\bper session\b", f"for {q.count} sessions{end}", asked, count=1,
                                          flags=re.I), text)
        return _finish(reader, f"{asked.rstrip('?.! ')} for {q.count} sessions{end}?", text)
    if set(words(body)) <= _GENERAL_ONLY and {"general", "overall"} & set(words(body)):
        p = reader.parse(asked)
        if entities(p).get("procedure") and p.asks_cost:
            return _finish(reader, swap(reader, asked, {"procedure": [lexicon.GENERAL_PROCEDURE]}, set()), text)
    return None


_FOR_COUNT = re.compile(r"^(?:and\s+|what about\s+|how about\s+)?(?:for\s+|with\s+|over\s+|across\s+|if i (?:do|did|get|had)\s+)?\d+\s+"
                        r"(?:sessions?|treatments?|rounds?)\b|^(?:and\s+|so\s+)?(?:[x×]\s?\d{1,2}|\d{1,2}\s?[x×]|times\s+\d{1,2}|"
                        r"\d{1,2}\s+times)(?:\s+(?:sessions?|treatments?|rounds?))?\s*[?.!]*$", re.I)  # "x3?": that price 3 times


def _country_priced(reader: Reader, asked: str, countries: list[str], state: DialogueState) -> str | None:
    """"and Canada?" after "where are peels cheapest?" asks the peel price there; after a
    question no country changes ("is it painful?"), it re-asks the last price question, the only facts
    the article gives per country."""
    p = reader.parse(asked)
    procs = [n for k in ("filler_type", "procedure") for n in entities(p, general=True).get(k, [])]
    compared = len(p.countries) >= 2 and (p.compare or p.superlative) and len(countries) == 1
    if compared and not procs:  # a choice between the two with no treatment named: the general row
        procs = [lexicon.GENERAL_PROCEDURE]
    if p.asks_cost and (p.superlative and not p.countries or compared) and procs:  # one country: its own price
        return f"How much {'are' if is_plural(procs[:1], 'procedure') else 'is'} {_spoken(procs[0])} in " \
               f"{place(countries[0])}?"
    if p.asks_cost or p.countries:
        return None
    earlier = next((u for u in reversed(state.asked) if u.query.asks_cost and not u.query.superlative
                    and not u.clarify), None)
    return swap(reader, question_part(reader, earlier.text), {"country": countries}, set()) if earlier else None


def _replaces(reader: Reader, asked: str, new: dict[str, list[str]]) -> bool:
    """Whether every new entity has words of its kind to replace in the earlier question."""
    p = reader.parse(asked)
    return all(_target(reader, asked, p, entities(p, general=True), k, set()) is not None for k in new)


_BARE_TERM = re.compile(r"^\s*(?:and\s+(?:also\s+|(?:what|how)\s+about\s+)?|also\s+|plus\s+|(?:what|how)\s+about\s+)(?:the\s+)?"
                        r"(?P<term>[a-z][a-z-]{2,20})"
                        r"\s*(?:too|then)?\s*\?+\s*$", re.I)


def _added_term(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"and make-up?" after "when can I shave again?": the same question, about one more thing the
    article speaks of (no name, no attribute, no place: those are swapped or asked by the steps before)."""
    m = _BARE_TERM.match(text)
    last = state.last
    if not m or last is None or last.clarify or entities(q) or q.attributes or q.countries or q.other_countries \
            or q.other_topics or q.ungiven or find_refs(text):
        return None
    term = m.group("term").lower()
    if term not in q.salient or term in q.unbound or term in DIALOGUE_WORDS or stem(term) not in state.reply_words:
        return None  # "what about the deposit?" after a recovery question: a subject of its own, not one more term
    asked = question_part(reader, last.text).rstrip("?.! ")
    return _finish(reader, f"{asked}, and what about {term}?", text)


def question_part(reader: Reader, text: str) -> str:
    """"OK, back to scars. How much are peels in India?" → its last question, when that stands alone
    (not "Is that true?" after the claim it asks about)."""
    sentences = [p for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
    asked = [p for p in sentences if p.rstrip().endswith("?")]
    last = asked[-1] if asked else sentences[-1] if sentences else text
    if last != text and find_refs(last):  # "Say I went for lasers. What does that cost?": "that" is the lasers
        before = entities(reader.parse(text[: text.rfind(last)]))
        named = [n for k in ("procedure", "filler_type") for n in before.get(k, [])]
        ref = next((r for r in find_refs(last) if r.form == "pronoun" and r.word in ("that", "it", "this")), None)
        if len(named) == 1 and ref is not None and not entities(reader.parse(last)).get("procedure"):
            return last[: ref.start] + named[0] + last[ref.end:]
    if last == text or find_refs(last) or (entities(reader.parse(text)) and not entities(reader.parse(last))):
        return text
    told = entities(reader.parse(text[: text.rfind(last)]))  # "I'm thinking of fillers. Korea price per session?"
    named = [n for k in ("procedure", "filler_type") for n in told.get(k, [])]
    own = reader.parse(last)
    if len(named) == 1 and own.attributes and not (own.procedures or own.filler_types):
        return f"{last.rstrip(' ?.!')} for {_spoken(named[0])}?"
    return last


def _parallel(reader: Reader, body: str, q: Query, previous: str) -> bool:
    """A short question built like the previous one with another entity in it ("and what percentage are
    icepick?" after "what percentage of scars are boxcar?"): every other word it has, the previous question had too."""
    ws = words(body)
    if not 2 <= len(ws) <= 7 or ws[0] not in QSTART:
        return False
    p = reader.parse(previous)
    new = _new_entities(q)
    if not new or not all(k in entities(p, general=True) for k in new):
        return False
    named = {w for k, ns in new.items() for n in ns for w in words(n)}
    rest = {stem(w) for w in ws if w not in STOPWORDS and w not in named and w not in QSTART}
    return bool(rest) and rest <= {stem(w) for w in words(previous)}


# the cues of what a treatment is like (not of a price, a count or a place, which a follow-up re-asks elsewhere)
_TOPIC_CUE_STEMS = frozenset(stem(w) for a in ("recovery", "mechanism", "procedure", "risks", "benefits", "effectiveness",
                                               "preparation", "appearance", "suitability", "status")
                             for cue in lexicon.ATTRIBUTES[a]["cues"] for w in words(cue)
                             if " " not in cue or len(w) >= 5 and w not in STOPWORDS and w not in lexicon.GENERIC_WORDS
                             and w not in HEAD_KINDS)  # "redness last": "redness" (not "treatment" or "scars")


def _own_cue(body: str, new: dict[str, list[str]], previous: str) -> bool:
    """The fragment says what it asks in words of its own ("microneedling redness how long" after "filler
    procedure time"): a new question about the named entity, not the previous one with the entity swapped."""
    named = {w for ns in new.values() for n in ns for w in words(n)}
    had = {stem(w) for w in words(previous)}
    return any(stem(w) in _TOPIC_CUE_STEMS and stem(w) not in had for w in words(body)
               if len(w) > 3 and w not in STOPWORDS and w not in QSTART and w not in named)


def found_elliptical(text: str) -> bool:
    body = LEAD.sub("", text)
    return bool(_ELLIPSIS.match(text) or _ELLIPSIS.match(body) or _is_fragment(body))


_GENERAL_ROW = re.compile(r"\bgeneral\b|\boverall\s+(?:cost|price|prices|treatment|range)s?\b", re.I)
_GENERAL_NAMED = re.compile(r"\b(?:general|overall)\b", re.I)  # "and the general treatment cost there?": that row


def _new_entities(q: Query, general: bool = False) -> dict[str, list[str]]:
    """The entities a message names, countries the article does not cover included ("and in Japan?");
    ``general``: the "in general" row too ("what about general scar treatment?")."""
    found = entities(q, general=general)
    others = [c.title() for c in q.other_countries]
    if others:
        found["country"] = [*found.get("country", []), *others]
    return found


def _is_fragment(body: str) -> bool:
    """A few words with no verb of their own ("the UK then", "microneedling?"), not a clause ("it's cheaper")."""
    ws = re.findall(r"[\w'$]+", body.lower())
    return bool(ws) and len(ws) <= 6 and ws[0] not in QSTART and not any(
        w in _FINITE or w.endswith(("'s", "'re")) for w in ws)


_FINITE = {"is", "are", "was", "were", "does", "do", "did", "can", "could", "will", "would", "should", "has", "have",
           "had", "isn't", "aren't", "doesn't", "don't", "needs", "takes", "costs", "lasts", "works", "requires",
           "gives", "offers", "helps", "suits", "causes", "leaves", "means"}


def own_subject(q: Query) -> bool:
    """Whether the message brings a subject of its own besides entities (a visa, a deposit, VAT ...)."""
    if q.other_topics or q.unknown_clinics or q.ungiven:  # "a hotel near the clinic": a subject of its own
        return True
    return bool(subject_words(q))


def subject_words(q: Query) -> list[str]:
    """The words of a message that say what it is about, besides entities and asked attributes."""
    places = {w for c in q.other_countries for w in words(c)}
    # a phrase read as the article's word is a subject too ("will anyone speak English?" → "multilingual")
    said_so = set(words(q.paraphrased)) - set(words(q.text)) if q.paraphrased else set()
    return [w for w in dict.fromkeys([*q.salient, *(a for a in q.anchors if a in said_so)])
            if w not in DIALOGUE_WORDS and stem(w) not in _CUE_STEMS and w not in places]


def _points_back_in_message(text: str, ref: Ref, q: Query) -> bool:
    """"A 10% deposit on my total budget — what does that come to?": "that" is the amount the message just
    set up (a share, a budget, a sum), not an entity of earlier turns."""
    if ref.word == "there" and _PLACE_SAID.search(text[: ref.start]):
        return True  # "my hotel's in Pangyo - is a clinic near there?": the place the message just named
    return ref.form == "pronoun" and ref.word in ("that", "it", "this") and "," in text[: ref.start] \
        and bool(q.paid_share or q.budget or q.amounts or q.percent is not None) and not entities(q)


_PLACE_SAID = re.compile(r"\b(?:in|at|near|to)\s+(?:the\s+)?[A-Z][a-z]{2,}")


def _resolved(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood:
    """References replaced, open slots filled, the persona's context used; unchanged when self-contained."""
    standalone = own_subject(q) or any(k in entities(q) for k in MAIN_KINDS) or len(q.countries) >= 2
    refs = [r for r in find_refs(text) if (r.form == "rank" or not _named_before(reader, text, r, q))
            and not (standalone and r.form == "which" and text[r.start: r.end].strip().lower() == "which")
            and not _points_back_in_message(text, r, q)]
    compared = _cost_comparison(reader, text, q, refs, state)
    if compared is not None:  # "which is the cheaper of those?" after prices in India: compared in India
        carried = _carry_country(reader, compared.text, state) if not compared.clarify else compared.text
        return compared if carried == compared.text else _finish(reader, carried, text)
    shared = _share_of_last_price(text, q, state)  # "what deposit on that?": a share of the last price
    if shared is not None:
        return _finish(reader, shared, text)
    text, refs, found = _dislocated(reader, text, q, refs, state)
    out = text
    for ref, res in reversed(found or _resolve_all(reader, text, refs, state, q)):
        if res.ambiguous and (q.absent or q.other_topics or [w for w in q.unbound if w not in q.framing]):
            continue  # "antidepressants at the clinic there?": not in the article whichever is meant, so no need to ask
        if res.ambiguous:
            return _clarify(reader, text, ref, res)
        out = substitute(out, ref, res)
    bare = _is_fragment(re.sub(r"^(?:what|how) about\s+", "", LEAD.sub("", text), flags=re.I))
    if out != text and bare and not any(r.form == "rank" and ranked(r, state) for r in refs):  # "and the third?"
        again = _elliptical(reader, out, reader.parse(out), state, replace_only=True)
        if again is not None:
            return again
    if out == text and all(r.form == "definite" for r in refs):  # "what if the clinic charges ...": no clinic
        out = _fill_open_slot(reader, text, q, state)  # was named, so "the clinic" is any clinic
    elif out != text:  # "2 sessions there at the top price": the country filled in, the treatment still needed
        p = reader.parse(out)
        if (p.count or p.course or p.asks_cost or p.saving) and not (entities(p).get("procedure") or entities(p).get("filler_type")):
            out = _fill_open_slot(reader, out, p, state)
    if out != text:
        out = _carry_country(reader, out, state)
    return _finish(reader, out, text)


def _resolve_all(reader: Reader, text: str, refs: list[Ref], state: DialogueState, q: Query
                 ) -> list[tuple[Ref, Resolution]]:
    """Each reference resolved, left to right; two in one clause point at different kinds
    ("Does the clinic I asked about offer it?": "it" is not the clinic)."""
    asked_for = {k for m in OPEN_HEAD.finditer(text) for k in HEAD_KINDS.get(m.group(1).lower(), ())}
    # "Which other clinic offers it?": "it" is no clinic; but "is it cheaper than microneedling?" compares like with like
    head = _COMPARED_WITH.split(text)[0]
    if _SELECTION.search(text):  # "is that or a peel cheaper?": the two alternatives are compared like with like
        head = re.split(r"\b(?:or)\b", head, maxsplit=1, flags=re.I)[0]
    own, out = set(entities(reader.parse(head) if head != text else q)) | asked_for, []
    for ref in refs:
        res = _inline_list(reader, text, q, ref) or resolve(ref, state, q, own) or _unestablished(reader, text, ref, q) \
            or _declined_subject(ref, state)
        if res is not None and q.identify and ref.form == "pronoun" and not (set(res.names) & set(q.all_scar_types)):
            continue  # "they're wide with sharp edges": the message describes the user's own scars
        if res is not None:
            out.append((ref, res))
            if ref.form != "ordinal":  # "the first and the third": two of one list
                own.add(res.kind)
    return out


def _unestablished(reader: Reader, text: str, ref: Ref, q: Query) -> Resolution | None:
    """"Where's that clinic?" when no clinic has been named yet: any of the corpus's clinics could be meant, so
    the user is asked which rather than given one at random (but "that hospital in Cheonho" describes one)."""
    clinics = list(reader.analyzer.clinics)
    if ref.form != "demonstrative" or ref.kinds != ("clinic",) or q.clinics or len(clinics) < 2 \
            or _DESCRIBED_AFTER.match(text[ref.end:]):
        return None
    return Resolution(clinics, "clinic", ambiguous=True)


def _declined_subject(ref: Ref, state: DialogueState) -> Resolution | None:
    """"What does that cost?" right after a question the article could not answer ("Can the clinic book me
    a ferry?") and with nothing of the article in reach: "it" is that question's subject, not a guess."""
    if ref.form != "pronoun" or ref.plural or not state.outside:
        return None
    return Resolution([state.outside], "topic")


_DESCRIBED_AFTER = re.compile(r"\s*(?:in|at|near|on|by|from|that|which|who|with|where|known|famous|run|located)\b", re.I)


def _dislocated(reader: Reader, text: str, q: Query, refs: list[Ref], state: DialogueState):
    """"And the other one, what is it known for?": the pronoun is the phrase set before the comma,
    which is then dropped ("What are the key features of X?")."""
    lead = len(text) - len(LEAD.sub("", text))
    if len(refs) < 2 or refs[0].start > lead or not re.match(r"\s*[,:;—–-]\s*", text[refs[0].end:]):
        return text, refs, []
    first = resolve(refs[0], state, q, set(entities(q)))
    if first is None or first.ambiguous:
        return text, refs, []
    cut = refs[0].end + len(re.match(r"\s*[,:;—–-]\s*", text[refs[0].end:]).group(0))
    rest = text[cut:]
    later = [r for r in find_refs(rest) if r.form == "pronoun"]
    if not later:
        return text, refs, []
    return rest, find_refs(rest), [(later[0], first)] + [
        (r, res) for r, res in _resolve_all(reader, rest, [r for r in find_refs(rest) if r != later[0]], state, q)]


def _inline_list(reader: Reader, text: str, q: Query, ref: Ref) -> Resolution | None:
    """"I'm weighing fillers, microneedling and laser. How long is recovery after the second one?": a list
    the message itself sets up, before the ordinal, "both" or "which of them"."""
    if ref.form not in ("ordinal", "both", "which"):
        return None
    kinds = ref.kinds if ref.head not in ("", "one", "ones") else (*MAIN_KINDS, "country")
    for kind, names in entities(q).items():
        if kind not in kinds or len(names) < 2:
            continue
        spans = sorted((span, n) for n in names if (span := reader.find(text, kind, n)))
        listed = [n for span, n in spans if span[1] <= ref.start]
        if len(listed) < 2:
            continue
        if ref.form != "ordinal":
            return Resolution(listed, kind)
        i = _position(ref.word, len(listed))
        return Resolution([listed[i]], kind) if i is not None and -len(listed) <= i < len(listed) else None
    return None


def _position(word: str, size: int) -> int | None:
    """An ordinal's index in a list of ``size`` ("middle": the centre of an odd-length list)."""
    i = ORDINALS[word]
    return (size // 2 if size % 2 else None) if i is None else i


def _named_before(reader: Reader, text: str, ref: Ref, q: Query) -> bool:
    """"I have rolling scars. Which treatment suits them?": the reference points inside the message."""
    if ref.form in ("ordinal", "both", "which"):
        return False  # a list in the message is picked from by _inline_list
    for kind, names in entities(q).items():
        if kind not in ref.kinds or kind == "country":
            continue
        for name in names:
            span = reader.find(text, kind, name)
            if span and span[1] <= ref.start and (not ref.plural or is_plural([name], kind)):
                return True
            if span and ref.form in ("other", "definite", "demonstrative") and span[0] >= ref.end \
                    and re.fullmatch(r"[\w\s'-]{0,30}?,\s*", text[ref.end: span[0]]):
                return True  # "the remaining choice, punch excision, ...": named in apposition
    # "What about the deposit, how much is it?": the message's own subject, a noun said before the pronoun
    if ref.form != "pronoun" or ref.word == "there":
        return False
    low = [w.lower() for w in re.findall(r"[\w'-]+", text[: ref.start])] + ["?"]
    subject = set(subject_words(q))
    return any(w in subject and noun_slot(low, [i]) for i, w in enumerate(low[:-1]))


def _clarify(reader: Reader, text: str, ref: Ref, res: Resolution) -> Understood:
    """A short question listing the candidates, and the question to re-ask once the user picks one."""
    template = substitute(text, ref, Resolution([SLOT], res.kind))
    names = res.names
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    ask = f"Which {_KIND_NOUN.get(res.kind, 'one')} do you mean: {listed}?"
    return Understood(ask, reader.parse(text), clarify=True, candidates=tuple(names),
                      template=_finish(reader, template, text).text)


_SAYS_FROM = re.compile(r"\b(?:from|i'?m in|live in|living in|based in|here in|home(?: is)?(?: in)?)\s+(?:the\s+)?$", re.I)


def swap(reader: Reader, previous: str, new: dict[str, list[str]], old: set[str]) -> str:
    """The previous question with each new entity in place of the old one of its kind (or added)."""
    p = reader.parse(previous)
    have = entities(p, general=True)
    if p.other_countries:  # "How much is it in Japan?" → "and over in Britain?" replaces Japan
        have["country"] = [*have.get("country", []), *(c.title() for c in p.other_countries)]
    edits: list[tuple[int, int, str, str]] = []
    appended = []
    for kind, names in new.items():
        names = [n for n in names if n not in have.get(kind, [])]  # "Bellafill" is also a dermal filler
        if not names:
            continue
        target = _target(reader, previous, p, have, kind, old)
        if target is None:
            appended.append((kind, names[0]))
        elif not any(s < target[0][1] and target[0][0] < e for s, e, _k, _n in edits):
            edits.append((*target[0], kind, names[0]))
            if kind == "country" and len(target) > 2:  # "back to Turkey - what's Turkey's range?": each mention
                edits += [(a, b, kind, names[0]) for a, b in reader.spans(previous, target[1], target[2])
                          if (a, b) != target[0] and not any(s < b and a < e for s, e, _k, _n in edits)
                          and not _SAYS_FROM.search(previous[:a])]  # "I'm from Canada": where the user lives stays
    out = previous
    for start, end, kind, name in sorted(edits, reverse=True):
        out = _put(out, start, end, kind, name)
    for kind, name in appended:
        out = out.rstrip("?.! ") + (f" in {place(name)}" if kind == "country" else f" for {name}") + "?"
    return out


def _target(reader: Reader, text: str, p: Query, have: dict[str, list[str]], kind: str, old: set[str]):
    """Which words of the previous question a new entity of this kind replaces."""
    for k, names in have.items():
        for name in names:
            if name in old:
                span = reader.find(text, k, name)
                if span:
                    return span, k, name
    kinds = [kind] + [k for k in _SWAPPABLE.get(kind, ()) if k in have and kind not in have]
    for k in kinds:
        for name in reversed(have.get(k, [])):
            spans = reader.spans(text, k, name)
            if spans:  # the last place it is named: "I'm from Canada, what does X cost in Canada?"
                return spans[-1], k, name
    return None


_ABOUT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\b", re.I)
_QUALIFIER = re.compile(r"\s*\((?:general|in general)\)|\s+in general\b", re.I)
_SWAPPABLE = {"procedure": ("filler_type",), "filler_type": ("procedure",)}  # one treatment for another


def _spoken(name: str) -> str:
    """The table's "in general" row, in words: "atrophic scar treatment in general"."""
    return name.removesuffix(" (general)") + " in general" if name.endswith(" (general)") else name


def _put(text: str, start: int, end: int, kind: str, name: str) -> str:
    before = text[:start]
    m = _QUALIFIER.match(text, end)
    end = m.end() if m else end  # "atrophic scar treatment (general)" is replaced whole
    name = _spoken(name)
    if kind == "country":
        before = re.sub(r"\bthe\s+$", "", before, flags=re.I)
        if re.match(r"\s+(?:price|prices|rate|rates|figure|figures|cost|costs|range|clinics?|total)\b", text[end:], re.I):
            return before + name + text[end:]  # "the bottom Korean price" → "the bottom UK price"
        return before + place(name) + text[end:]
    before = re.sub(r"\bthe\s+$", "", before, flags=re.I) if kind in ("procedure", "filler_type") else before
    return agree(before, is_plural([name], kind)) + name + text[end:]


_CHEAPER = re.compile(r"\b(?:cheaper|pricier|dearer|more expensive|less expensive|more affordable|cost (?:more|less))\b",
                      re.I)


def _cost_comparison(reader: Reader, text: str, q: Query, refs: list[Ref], state: DialogueState):
    """"which of those costs the least?", "would that beat the price back home?": the countries and the treatment named."""
    if any(r.form == "rank" and ranked(r, state) is not None for r in refs) or q.why:
        return None  # "fillers in the cheaper one?": a pointer to what was found cheaper; "why ... if dearer?": a reason
    if q.saving and state.last is not None and len(q.countries) < 2 and not (q.ungiven or q.other_topics
                                                                            or q.scar_types or q.clinics
                                                                            or _between_kinds(reader, text)):
        # ("how do icepick and rolling scars differ?": between the scar types, not a saving)
        saved = _saving_question(reader, text, q, state)
        if saved is not None:
            return saved
    priced = q.asks_cost or bool(_CHEAPER.search(text))  # "is it cheaper than back home?": a price compared
    if not priced or not (q.compare or q.superlative) or len(q.countries) >= 2 or state.last is None or q.other_countries \
            or q.ungiven or q.other_topics:  # "the cheapest hotel": not a price of the article's
        return None
    procs = [n for k in ("filler_type", "procedure") for n in entities(q, general=True).get(k, [])]
    if procs and any(r.word in ("it", "that", "this") for r in refs):
        return None  # "is it cheaper than microneedling there?" compares two treatments: written in as said
    group = _compared_group(q, refs, state)
    if len(group) >= 2 and len(q.countries) <= 1:
        word = ("most expensive" if q.superlative == "max" else "cheapest") if _SUPERLATIVE.search(text) else \
            ("more expensive" if q.superlative == "max" else "cheaper")
        where = f" in {place(q.countries[0])}" if q.countries else ""
        return _finish(reader, f"Which is {word}{where}: {', '.join(group[:-1])} or {group[-1]}?", text)
    if q.course and len(q.countries) < 2:
        return None  # "the cheapest total for the whole course?": a course total at its low end, not a place
    last = state.answered
    if not procs and last is not None and last.query.procedures == [lexicon.GENERAL_PROCEDURE] and not refs:
        procs = [lexicon.GENERAL_PROCEDURE]  # "Korea in general?" then "Korea beats India then?": in general
    if not procs:
        ms = [m for m in candidates(state, ("filler_type", "procedure"), q) if m.by_user] or \
            candidates(state, ("filler_type", "procedure"), q)
        # nothing priced was named: "is it cheaper than at home?" is about treatment in general
        procs = [ms[0].name] if ms else [lexicon.GENERAL_PROCEDURE]
    if not procs or (entities(q) and not refs and len(q.countries) != 1):
        return None
    countries = _compared_countries(text, q, refs, state, bool(q.superlative and _SUPERLATIVE.search(text)),
                                    next(iter(reader.analyzer.countries), None))  # the table's first column
    subject, superlative = _spoken(procs[0]), bool(q.superlative and _SUPERLATIVE.search(text))
    be = "are" if is_plural(procs[:1], "procedure") else "is"
    dear = q.superlative == "max"
    if len(countries) >= 3 or (superlative and len(countries) >= 2):
        listed = ", ".join(place(c) for c in countries[:-1]) + f" or {place(countries[-1])}"
        out = f"Where {be} {subject} {'most expensive' if dear else 'cheapest'}: {listed}?"
    elif len(countries) == 2:
        a, b = (place(c) for c in countries)
        before = state.answered.query if state.answered is not None else None
        if q.price_end and q.countries and before is not None and before.price_end not in (None, q.price_end) \
                and before.countries and before.countries[0] in countries and before.countries[0] != q.countries[0]:
            # "India, 3 at the max?" then "against 2 in Korea at the bottom?": each country at its own end
            ends = {q.countries[0]: q.price_end, before.countries[0]: before.price_end}
            n = q.count or before.count
            parts = [f"{f'{n} sessions of ' if n else ''}{subject} in {place(c)} at the "
                     f"{'lowest' if ends[c] == 'min' else 'top'} price" for c in countries]
            return _finish(reader, f"How much cheaper is {parts[0]} than {parts[1]}?", text)
        joiner = "or" if _SELECTION.search(text) else "than"
        out = f"{be.capitalize()} {subject} {'more expensive' if dear else 'cheaper'} in {a} {joiner} in {b}?"
        if q.count:  # "than 3 sessions in Singapore?": the sessions counted in both places
            out = f"{out[:-1]}, for {q.count} sessions?"
    elif superlative or not countries:
        out = f"Where {be} {subject} {'most expensive' if dear else 'cheapest'}?"
    else:
        return None
    if q.price_end:  # "... at the top end?": the end of the ranges compared is kept
        out = f"{out[:-1]} at the {'low' if q.price_end == 'min' else 'top'} end?"
    return _finish(reader, out, text)


def _saving_question(reader: Reader, text: str, q: Query, state: DialogueState) -> Understood | None:
    """"what's the difference, then?" after prices in two countries: the saving on that treatment between them."""
    procs = [n for k in ("filler_type", "procedure") for n in entities(q, general=True).get(k, [])]
    if not procs and _GENERAL_NAMED.search(text):  # "the two general ranges, top against top"
        procs = [lexicon.GENERAL_PROCEDURE]
    if not procs:
        ms = [m for m in candidates(state, ("filler_type", "procedure"), q) if m.by_user]
        procs = [ms[0].name] if ms else [n for n in entities(state.last.query, general=True).get("procedure", [])][:1]
    home = state.persona.home
    asked = [m.name for m in state.recent(("country",)) if m.by_user]
    countries = list(dict.fromkeys([*q.countries, *asked, *([home] if home else [])]))[:2]
    if not procs or len(countries) < 2:
        return None
    a, b = (place(c) for c in countries)
    name = _spoken(procs[0])
    priced = next((u for u in reversed(state.asked[-3:]) if u.query.asks_cost or u.query.count), None)
    counted = priced.query.count if priced is not None else None  # (the last price asked: "a single session" has none)
    n = q.count or counted  # the sessions asked now, or those of the totals just computed
    sessions = f" for {n} sessions" if n else ""
    money = re.search(r"\bin (?:[a-z]+ )?(?:pounds|euros?|yen|won|baht|lira|rupees?|pesos?|yuan)\b", text, re.I)
    currency = f", {money.group(0)}" if money else ""  # "... in pounds?": asked in another currency, kept
    totals = {u.query.price_end for u in state.asked[-2:] if u.query.count} if counted else set()  # both at the top: the gap too
    end = {"min": " at the low end", "max": " at the top end"}.get(
        q.price_end or (next(iter(totals)) if len(totals) == 1 and not q.count else None) or "", "")
    return _finish(reader, f"How much would I save on {name} in {a} compared with {b}{sessions}{end}{currency}?", text)


def _compared_group(q: Query, refs: list[Ref], state: DialogueState) -> list[str]:
    """The treatments "which of those" compares, when the conversation set up several and not several countries."""
    plural = [r for r in refs if r.plural or r.form == "which"]
    if not plural or (len(state.runs.get("country", [])) >= 2 and not q.countries):
        return []
    res = resolve(plural[0], state, q, {"clinic", "scar_type", "country", "topic"})
    return res.names if res is not None and res.kind in ("procedure", "filler_type") else []


def _compared_countries(text: str, q: Query, refs: list[Ref], state: DialogueState, superlative: bool,
                        destination: str | None = None) -> list[str]:
    home = state.persona.home if _HOME_REF.search(text) else None
    countries = [*q.countries, *([home] if home and home not in q.countries else [])]
    if not countries and _EVERY_COUNTRY.search(text):
        return []  # "across all countries listed, where is it lowest?": not only those talked about
    run = state.runs.get("country", [])
    plural = any(r.plural for r in refs) or bool(re.search(r"\bwhich (?:one|is|of)\b", text, re.I))
    if plural and len(run) >= 2:
        return [*run, *[c for c in countries if c not in run]]
    asked = [m.name for m in state.recent(("country",)) if m.by_user and m.name not in countries]
    if len(countries) == 1 and asked and not superlative:
        return [asked[0], home] if home else [countries[0], asked[0]]
    if len(countries) == 1 and countries[0] in {*q.home_countries, home} and destination \
            and destination != countries[0] and not superlative:  # "is it cheaper than back home?": the article's country
        return [destination, countries[0]]
    return countries


_EVERY_COUNTRY = re.compile(r"\b(?:every|all|any|each)\s+(?:(?:of\s+)?the\s+)?(?:other\s+)?(?:countries|country|places|"
                            r"destinations)\b|\b(?:in|on|across) the (?:whole |entire )?(?:table|list)\b|\banywhere\b", re.I)
_ON_THAT = re.compile(r"\b(on|of|for)\s+(?:that|it|this|(?:those|these)(?:\s+(?:\d+|two|three|four|five|six))?"
                      r"(?:\s+(?:sessions|treatments|ones))?)\b", re.I)
_MONEY_SHARE = re.compile(r"\b(?:deposit|on that|on it|down ?payment|upfront|up front|advance|discount|off|tax|vat|tip|fee|of (?:that|it|"
                          r"this|the (?:price|cost|total|max|maximum|top|bottom|low|high)))\b", re.I)


def _share_of_last_price(text: str, q: Query, state: DialogueState) -> str | None:
    """"a 10% deposit on the top figure?" after a price: the share of that price (its treatment and country named)."""
    paid_end = _PAID_END.search(text)  # "the deposit if I paid the most?": the share of that end
    deposit = q.paid_share \
        and (re.search(r"\b(?:on|of|for) (?:that|it|this|the|those|these|them)\b|\bprice\b|\bup ?front\b"
                       r"|\b(?:what|how much) (?:would|will|is|'s) (?:that|it) (?:be|come to)\b", text, re.I)
             or paid_end or _ONLY_SHARE.match(text)) \
        and not re.search(r"\b(?:polic\w*|refund\w*|rules?)\b", text, re.I)
    named = [*entities(q).get("procedure", []), *entities(q).get("filler_type", [])]
    if (q.percent is None and not deposit) or q.amounts or _BUDGET_REF.search(text) or not _MONEY_SHARE.search(text):
        return None
    priced = [u for u in reversed(state.asked) if u.query.asks_cost and not u.clarify]
    if re.search(r"\btotal\b", text, re.I) and not named:  # "a 10% deposit on the high-end total?": the last total
        priced = [u for u in priced if u.query.operation == "compute"] or priced
    if named:  # "the deposit on the laser + microneedling package": the total just worked out for exactly those
        priced = [u for u in priced if _PACKAGE.search(text) and u.query.operation == "compute"
                  and set(named) == {*u.query.procedures, *u.query.filler_types} - {lexicon.GENERAL_PROCEDURE}]
        if not priced:
            return None
    # "the Korean total": the last price asked there, a total of sessions first
    there = [u for u in priced if q.countries and u.query.countries == q.countries[:1]] or [
        u for u in priced if q.countries and q.countries[0] in u.query.countries] or priced
    earlier = next((u for u in there if u.query.count), None) if q.countries else None
    earlier = earlier or next(iter(there), None)
    if earlier is None:
        return None
    p = earlier.query
    procs = [n for n in [*p.filler_types, *p.procedures] if "general" not in n] or list(p.procedures)
    if not procs:
        return None
    where = f" in {place((q.countries or p.countries)[0])}" if q.countries or p.countries else ""
    whole = f"{p.count} sessions of " if p.count else "a full treatment of " if p.course else ""
    asked_end = ("min" if paid_end.group("min") else "max") if paid_end else p.price_end
    end = {"min": " at the bottom of the range", "max": " at the top of the range"}.get(asked_end or "", "")
    # the end is said in the rewrite unless the message says it itself ("if I paid the most" is replaced, so said)
    end = end if paid_end or not q.price_end else ""
    if len(procs) >= 2 and (p.plus or all(n in p.entity_counts for n in procs)):  # "10% of that total" after a sum
        counts = [p.entity_counts.get(n) or p.count or 1 for n in procs]
        price = "the price of " + " plus ".join(f"{k} {'session' if k == 1 else 'sessions'} of {_spoken(n)}"
                                                for n, k in zip(procs, counts, strict=True))
        price += f"{where}{end}"
    else:
        price = f"the price of {whole}{_spoken(procs[0])}{where}{end}"
    if named:  # the package named again: asked anew, of that total
        return f"What is the deposit on {price}?" if q.percent is None else f"What is {q.percent:g}% of {price}?"
    if paid_end:
        return f"What is the deposit on {price}?" if q.percent is None else f"What is {q.percent:g}% of {price}?"
    if _ON_THAT.search(text):  # "what deposit on that?": "that" is the price just given
        return _ON_THAT.sub(lambda m: f"{m.group(1)} {price}", text, count=1)
    return f"{text.rstrip('?.! ')} of {price}?"


_ONLY_SHARE = re.compile(r"^\s*(?:(?:and|plus|with|so|ok)[,\s]+|\+\s*)*(?:the\s+|a\s+)?(?:deposit|down ?payment|upfront(?: payment)?)"
                         r"\s*(?:too|then|as well|on top)?\s*[?.!]*$", re.I)  # "and the deposit too?": on the total just given
_PAID_END = re.compile(r"\b(?:paid|pay|paying|spent|spend|went (?:for|with)|go(?:ing)? (?:for|with)|chose|choose|picked?|"
                       r"charged|at|on|using|took|take)\s+(?:the\s+)?"
                       r"(?:(?P<min>min|minimum|least|lowest|bottom)|max|maximum|most|top|highest)\b", re.I)
_PACKAGE = re.compile(r"\b(?:package|bundle|combo|combination|total|plan|lot)\b", re.I)


_PER_SESSION = re.compile(r"\b(?:per|a|each|one)\s+(?:session|sitting|treatment session)\b", re.I)


_BARE_ASK = re.compile(r"^\s*(?:and\s+|so\s+|ok\s+|okay\s+)?(?:how long|how soon|how quickly|when)\b", re.I)


def _fill_open_slot(reader: Reader, text: str, q: Query, state: DialogueState) -> str:
    """"How many rounds will that take me?": the question names nothing and needs a treatment, so add it."""
    needs = q.attributes or q.course or q.count or q.recommend or (q.saving and q.asks_cost) or _TELL_MORE.match(text)
    focus = [m.name for m in state.recent(("procedure", "filler_type")) if m.by_user][:1]
    property_of = _treatment_property(reader, q, focus[0] if focus else "")  # "and the redness, how long?": the
    # redness of which treatment
    needs = needs or property_of
    countries = len(q.countries) + len(q.other_countries)
    general = _GENERIC_TREATMENT.search(text) and "sessions" not in q.attributes and not q.recommend \
        and not re.search(r"\b(?:full|whole|complete)\s+(?:treatment|course)\b", text, re.I)  # "treatment cost?"; not
    # "and the full treatment?", which is a course of the treatment just priced
    priced = q.asks_cost or q.count or q.course  # "3 sessions in Korea, what's left?": a treatment is still needed
    named = [k for k in (MAIN_KINDS if not priced else ("procedure", "filler_type")) if k in entities(q, general=True)]
    if q.asks_cost and not named and _GENERAL_ROW.search(text):  # "general treatment, UK against Korea?": that row
        return f"{text.rstrip('?.! ')} for scar treatment in general?"
    if not named and not needs and not q.salient and not q.other_topics and not q.countries \
            and _BARE_ASK.match(text):  # "how soon does it arrive?": says nothing of what
        ms = [m for m in candidates(state, (*MAIN_KINDS, "topic"), q) if m.by_user]
        if ms and ms[0].kind in ("topic", "procedure", "filler_type"):
            return f"{text.rstrip('?.! ')} for {ms[0].name}?"
    if not named and not needs and q.salient:
        topic = _topic_it_belongs_to(reader, q, state)
        if topic:  # "how many days does processing need?" after a question about the visa: the visa's processing
            return f"{text.rstrip('?.! ')} for {topic}?"
    per_session = bool(_PER_SESSION.search(text))  # the in-general row is no price of a session: a treatment is meant
    why_there = q.why and countries and not find_refs(text)  # "then why spend more in X?": the country's case, not a price
    if named or (own_subject(q) and not property_of) or not needs or general or WHERE_STAY.match(text) or why_there or (
            countries >= 2 and not q.count and not per_session and not _priced_there(q, state)):
        return text  # names its own subject ("Is Korea cheaper than the UK?" compares countries in general)
    wanted = ("scar_type",) if q.recommend and not q.attributes else ("procedure", "filler_type") if priced or property_of \
        else (*MAIN_KINDS, "topic")  # "the best treatment": for what; "4 in Turkey", "the redness?": of a treatment
    last = state.answered
    if (priced or _CHEAPER.search(text)) and last is not None and last.query.procedures == [lexicon.GENERAL_PROCEDURE]:
        return f"{text.rstrip('?.! ')} for scar treatment in general?"  # the prices just asked were those in general
    if set(q.attributes) == {"types"} and not priced:
        wanted = tuple(k for k in wanted if k != "topic")  # "which type is most common?": kinds of a treatment or of
        # the article's subject, never of a topic (a cause, a visa) that has none
    asked_for = {k for m in OPEN_HEAD.finditer(text) if not re.search(r"\b(?:each|every|both|all)\b", m.group(0), re.I)
                 for k in HEAD_KINDS.get(m.group(1).lower(), ()) if k in ("procedure", "filler_type")}
    if asked_for and not priced:  # "what's a gentle option for a first go?" asks for a treatment: none is filled in
        wanted = tuple(k for k in wanted if k not in asked_for)
    ms = [m for m in candidates(state, wanted, q) if m.kind in wanted]
    if priced:  # a total is of a treatment the user asked about, not one a quoted sentence happened to name
        ms = [m for m in ms if m.by_user] or ms
    if not ms:
        return _in_general(text, q, state)
    m = ms[0]
    names = state.group(m) if (m.by_user or m.turn in state.plural_turns) else [m.name]
    what = join_names(names)
    body = text.rstrip("?.! ")
    if m.kind == "scar_type" and _MY_SCARS.search(body):  # "what would work for my scars?": which scars they are
        return _MY_SCARS.sub(lambda x: f"{x.group(0).split()[0]} {what}", body, count=1) + "?"
    if m.kind in ("procedure", "filler_type") and re.search(r"(?<!per-)(?<!per )\bsessions?\b(?!\s+of\b)", body, re.I) \
            and not _INFINITIVE_END.search(text):  # "and a sitting in Canada?": a session of what
        return re.sub(r"(?<!per-)(?<!per )\b(sessions?)\b(?!\s+of\b)", rf"\1 of {what}", body, count=1, flags=re.I) + "?"
    if re.search(r"\bcourse\b(?!\s+of\b)", body, re.I) and m.kind != "topic":  # "a full course" of what
        return re.sub(r"\bcourse\b(?!\s+of\b)", f"course of {what}", body, count=1, flags=re.I) + "?"
    if _INFINITIVE_END.search(text):
        return f"{body} {what}?"
    if _TELL_MORE.match(text):
        return f"{body} about {what}?"
    return f"{body} for {what}?"


MAX_TOPIC_SCAN = 2_000_000  # characters of corpus text the topic check reads (about 100 articles)


def _treatment_property(reader: Reader, q: Query, focus: str = "") -> bool:
    """Every word the message brings is one the article uses of several treatments (a side effect, downtime), or
    of the treatment in ``focus`` alone ("the bruising" after subcision): it asks about a property of a treatment
    and leaves the treatment open."""
    said = subject_words(q)
    if not said or q.other_topics or q.ungiven or entities(q) or q.recommend or q.inferred_scar_types \
            or find_refs(q.text) or re.match(r"\s*(?:which|who)\b", q.text, re.I):
        return False  # "which of the three gives ...?": a choice among treatments, not one treatment's property
    lead = LEAD.match(q.text)  # "wait, what about ...": the lead word is no subject
    opening = set(words(lead.group(0))) if lead else set()
    shared = reader.parser.shared_treatment_stems() | (reader.parser.own_treatment_stems(focus) if focus else set())
    return all(stem(w) in shared for w in said if w not in opening)


def _topic_it_belongs_to(reader: Reader, q: Query, state: DialogueState) -> str:
    """The topic of the last question (not an entity: "a visa") when every word the new message brings is one
    the article uses only beside that topic ("processing" → the "processing time" of the visa)."""
    last = [m for m in state.recent(("topic",)) if m.by_user and m.turn >= state.turn - 2]
    if not last or entities(q):
        return ""
    heads = [w for w in words(last[0].name) if w not in STOPWORDS and len(w) > 2]
    said = [w for w in q.salient if w not in heads]
    if not heads or not said or len(said) > 2:
        return ""
    corpus = reader.analyzer.corpus_lower
    if len(corpus) > MAX_TOPIC_SCAN:
        return ""  # a scan of the whole text per message: only for collections small enough to read at once
    found: set[str] = set()
    for w in said:
        near = [m.group(0) for m in re.finditer(rf"[^.\n]*\b{re.escape(w)}\b[^.\n]*", corpus)][:20]  # the word as said
        beside = [h for h in heads if near and all(re.search(rf"\b{re.escape(stem(h))}", x) for x in near)]
        if not beside:
            return ""
        found.update(beside[:1])
    return " and ".join(sorted(found))


def _in_general(text: str, q: Query, state: DialogueState) -> str:
    """"Could I afford three sessions at the top Korean price?" after treatment prices in general were asked
    (and no treatment since): those general prices."""
    last = state.answered
    if not (q.count or q.course) or last is None or last.clarify or last.query.procedures != [lexicon.GENERAL_PROCEDURE]:
        return text
    return f"{text.rstrip('?.! ')} for scar treatment in general?"


def _priced_there(q: Query, state: DialogueState) -> bool:
    """The countries compared are those the user just asked one treatment's price in ("laser in Thailand?",
    "and Korea?", then "the gap between Thailand's top price and Korea's?"): that treatment's prices."""
    last = state.answered
    if last is None or last.clarify or not (q.asks_cost or q.saving) or not last.query.asks_cost:
        return False
    if len(last.query.procedures) + len(last.query.filler_types) != 1:
        return False
    asked = {m.name for m in state.recent(("country",)) if m.by_user or m.turn >= state.turn - 4} \
        | ({state.persona.home} - {None})  # (or that the last answers found: "the cheapest", "the dearest")
    return set(q.countries) <= asked  # "back home" is the home the user named


def _carry_country(reader: Reader, out: str, state: DialogueState) -> str:
    """A price question the rewrite completed keeps the country the user was asking about."""
    q = reader.parse(out)
    treatment = entities(q).get("procedure") or entities(q).get("filler_type")
    between = len([*q.procedures, *q.filler_types]) >= 2  # "which is cheaper of those two?": in the same country
    if not treatment or not q.asks_cost or q.countries or q.other_countries or ((q.compare or q.superlative) and not between) \
            or (_HOME_REF.search(out) and state.persona.home):  # "at home" is a country already
        return out
    asked = [m.name for m in state.recent(("country",)) if m.by_user]
    return f"{out.rstrip('?.! ')} in {place(asked[0])}?" if asked else out


_SCARS_DESCRIBED = re.compile(r"\b(?:the\s+|really\s+|very\s+)?(?:severe|deep|mild|shallow|moderate|light|bad|old|"
                              r"new|small|large|big|wide|narrow|red)\s+(?:ones|scars|scarring|cases)\b", re.I)


def _persona(out: str, q: Query, state: DialogueState) -> str:
    """"at home" → the user's home country; "my scars", "for me" → the scar types they said they have."""
    persona = state.persona
    if persona.home and not states_home(out):  # "Vancouver here" says where home is; it is no reference to it
        out = at_home(out, persona.home)
    if persona.scar_types and not q.all_scar_types:  # not the message that describes them ("my scars look like ...")
        scars = join_names(persona.scar_types)
        out = _MY_SCARS.sub(scars, out)
        if q.recommend or {"suitability", "effectiveness"} & set(q.attributes):
            out = _FOR_ME.sub(f"for {scars}", out)
        if q.yesno and q.procedures and not _FOR_ME.search(out) and _HELPS.search(out) and scars not in out \
                and not _SCARS_DESCRIBED.search(out):  # ("does it work for severe ones?": the scars are those)
            out = f"{out.rstrip('?.! ')} for {scars}?"  # "would peels do anything for her?": for the scars described
    if persona.budget and not q.budget:
        budget = f"a budget of ${persona.budget:,.0f}"
        if _BUDGET_REF.search(out):
            out = _BUDGET_REF.sub(budget, out)
        elif _AFFORD.search(out):
            out = f"{out.rstrip('?.! ')} on {budget}?"
    return out
