"""The dialogue state: what a conversation has established, in the order it was said.

Built afresh from the history for every message (no hidden session state), by reading the turns
in order:

* **mentions** — entities (procedures, filler types, clinics, scar types, countries) and, for a
  question about something that is not an entity ("Is a visa needed for the trip?"), its topic phrase, each
  with the message it came from. User turns contribute what they were *understood* to ask
  (so "and over in Turkey, then?" adds laser resurfacing and Turkey). The bot's own answer contributes
  only the kinds its user turn asked for without naming ("Which clinics do needling?"
  → the clinics it listed): it can be pointed at, never inherited as a fact;
* **runs** — the entities of one kind the user varied while keeping the rest of the question
  ("in Korea?", "and over in Singapore, then?", "what about over in Turkey?" → "which of those costs the least?");
* **persona** — constraints the user stated about themselves: home country ("I'm British"),
  their scar types ("my scars are boxcar and rolling"), a budget;
* **last** — the previous user turn as understood, which ellipses and corrections re-ask.

Mentions older than the answer window are *distant*: only an explicit long-range reference
("the clinic I asked about at the start") and the persona reach them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scarbot import lexicon
from scarbot.nlp import STOPWORDS, words
from scarbot.query import Query

ENTITY_KINDS = ("procedure", "filler_type", "clinic", "scar_type", "country")
MAIN_KINDS = ("procedure", "filler_type", "clinic", "scar_type")
GENERAL = "general"  # the lexicon's "treatment in general" row names no procedure to point back at

# the kind a head noun names: "that clinic", "the second type", "those treatments"
HEAD_KINDS: dict[str, tuple[str, ...]] = {
    "clinic": ("clinic",), "clinics": ("clinic",), "hospital": ("clinic",), "hospitals": ("clinic",),
    "center": ("clinic",), "centre": ("clinic",), "place": ("clinic", "country"), "places": ("clinic", "country"),
    "treatment": ("procedure", "filler_type"), "treatments": ("procedure", "filler_type"),
    "procedure": ("procedure",), "procedures": ("procedure",), "option": ("procedure", "filler_type"),
    "options": ("procedure", "filler_type"), "therapy": ("procedure",), "therapies": ("procedure",),
    "method": ("procedure",), "methods": ("procedure",), "technique": ("procedure",), "techniques": ("procedure",),
    "filler": ("filler_type",), "fillers": ("filler_type",), "brand": ("filler_type",), "brands": ("filler_type",),
    "type": ("scar_type", "filler_type"), "types": ("scar_type", "filler_type"), "kind": ("scar_type", "filler_type"),
    "kinds": ("scar_type", "filler_type"), "scar": ("scar_type",), "scars": ("scar_type",),
    "thing": ("procedure", "filler_type"), "things": ("procedure", "filler_type"),
    "country": ("country",), "countries": ("country",), "destination": ("country",), "destinations": ("country",),
}
# what an asked attribute is usually about when the message names nothing
ATTRIBUTE_KINDS: dict[str, tuple[str, ...]] = {
    "location": ("clinic",), "offerings": ("clinic",),
    **{a: ("filler_type", "procedure") for a in ("cost", "sessions", "recovery", "mechanism", "procedure", "risks",
                                                  "benefits", "effectiveness", "preparation", "status", "provider")},
    "suitability": ("procedure", "filler_type", "scar_type"),
    "appearance": ("scar_type",), "share": ("scar_type",),  # "how do they look?", "percentage?": of a scar type
}

_HOME = re.compile(
    r"\b(?:(?:i'?m|i am|we'?re|we are)\s+(?!\d)(?:an?\s+)?(?:from\s+|based in\s+|living in\s+|in\s+|staying in\s+)?"
    r"|(?:i|we|and|who|currently|now)\s+(?:live|reside)\s+in\s+|(?:flying|coming|travel+ing) from\s+|(?:back )?home (?:is|in)\s+"
    r"|my (?:home )?country is\s+|\b(?:based|living) in\s+|\b(?:hello|hi|hey|greetings) from\s+)"
    r"(?:the\s+)?(\w+(?:\s\w+)?)"
    r"|\b(\w+)[\s-]based\b"  # "Leeds-based", "Toronto-based"
    r"|^(?:(?:hi|hello|hey)\b[,!.\s]*)?(?!(?:and|so|but|ok|okay|well|yes|no|me|i|we|you|it|that|this|what|how|from|"
    r"over|right|just|up|down|in|out|back|the)\b)(\w+(?:\s\w+)?),?\s+here\b")  # "Hi, Vancouver here"
_OWN_SCARS = re.compile(r"\b(?:i have|i've got|i got|i've|my|mine are|i suffer from|i'm dealing with|"
                        r"(?:he|she|they) (?:has|have|has got|have got)|(?:his|her|their) (?:scars|skin|face))\b")


@dataclass(frozen=True)
class Mention:
    kind: str  # one of ENTITY_KINDS, "topic" (a phrase such as "a visa") or "subject" ("clinics", for "they")
    name: str
    turn: int  # index of the message it came from
    by_user: bool


@dataclass
class Understood:
    """A user turn as understood: the standalone question, or a clarifying question to ask back."""

    text: str
    query: Query
    clarify: bool = False
    candidates: tuple[str, ...] = ()
    template: str = ""  # clarify: the question with "{}" where the user's choice goes
    plural_ask: bool = False  # asks for several things of a kind ("which clinics ...")


@dataclass
class Persona:
    home: str | None = None
    scar_types: list[str] = field(default_factory=list)
    budget: float | None = None


@dataclass
class DialogueState:
    window_start: int = 0  # messages before this index are distant
    turn: int = 0  # index of the next message
    mentions: list[Mention] = field(default_factory=list)
    runs: dict[str, list[str]] = field(default_factory=dict)
    plural_turns: set[int] = field(default_factory=set)  # bot turns that answered "which clinics ...?"
    persona: Persona = field(default_factory=Persona)
    last: Understood | None = None
    answered: Understood | None = None  # the last user turn the bot answered (not declined)
    asked: list[Understood] = field(default_factory=list)  # every user turn as understood, in order
    reply_words: frozenset[str] = frozenset()  # the stems of the bot's last answer (to resolve "and make-up?", never as fact)
    outside: str = ""  # what the last user turn asked about when the bot declined it as outside the article ("a flight")

    # ------------------------------------------------------------------ reading
    def recent(self, kinds: tuple[str, ...], *, distant: bool = False) -> list[Mention]:
        """Mentions of these kinds, most recent first (distant ones only when asked for)."""
        out = sorted((m for m in self.mentions if m.kind in kinds), key=lambda m: -m.turn)  # within a turn: said first
        return out if distant else [m for m in out if m.turn >= self.window_start]

    def group(self, m: Mention) -> list[str]:
        """The names mentioned together with ``m`` (same message, same kind), in mention order."""
        return list(dict.fromkeys(x.name for x in self.mentions if x.turn == m.turn and x.kind == m.kind))

    def last_group(self, kinds: tuple[str, ...], size: int = 2) -> list[str]:
        """The most recent list of at least ``size`` names of these kinds: one message's, or a run."""
        for m in self.recent(kinds):
            names = self.group(m)
            if len(names) >= size:
                return names
            run = self.runs.get(m.kind, [])
            if len(run) >= size and m.name in run:
                # "the first one's address?", "and the second?": a run of picks from a list is that list
                wider = [g for x in self.recent(kinds) if len(g := self.group(x)) > len(run) and set(run) <= set(g)]
                return wider[0] if wider else run
        return []

    def earliest(self, kinds: tuple[str, ...], by_user: bool = True) -> Mention | None:
        said = [m for m in self.mentions if m.kind in kinds and m.by_user == by_user]
        return said[0] if said else None

    # ------------------------------------------------------------------ writing
    def add_user(self, raw: Query, understood: Understood, topic: str, subject: str = "") -> None:
        """Record a user turn: persona from what they said, mentions from what they were understood to ask."""
        self.read_persona(raw)
        q = understood.query
        if not understood.clarify:
            found = entities(q)
            home = self.persona.home
            if home and len(found.get("country", [])) >= 2 and home in found["country"] and _HOME.search(raw.text.lower()):
                found["country"] = [c for c in found["country"] if c != home]  # where they live is not what they ask about
            if q.inferred_scar_types and "scar_type" not in found:  # "small round dents": the type described
                found["scar_type"] = list(q.inferred_scar_types)
            self._extend_runs(found)
            self.mentions += [Mention(kind, n, self.turn, True) for kind, n in in_order(q, found)]
            if topic and not any(found.get(k) for k in MAIN_KINDS):
                self.mentions.append(Mention("topic", topic, self.turn, True))
            if subject:  # "Do clinics offer ...?": who "they" are next
                self.mentions.append(Mention("subject", subject, self.turn, True))
        self.last = understood
        if not understood.clarify:
            self.asked.append(understood)
        self.turn += 1

    def add_bot(self, answered: dict[str, list[str]], open_kinds: tuple[str, ...], refused: bool = False) -> None:
        """Record the names the bot's answer gave: only the kinds its question left open can be pointed at."""
        if self.last is not None and self.last.plural_ask:
            self.plural_turns.add(self.turn)
        if self.last is not None and not refused and not self.last.clarify:
            self.answered = self.last
        self.outside = outside_topic(self.last.text, self.last.query) if refused and self.last is not None \
            and not self.last.clarify else ""
        for kind, names in answered.items():
            if kind in open_kinds:
                if kind == "scar_type" and self.last is not None and self.last.query.identify:
                    names = names[:1]  # "which type is that?": the type named, not those it is compared with
                if self.last is not None and self.last.query.superlative and not self.last.plural_ask and not (
                        kind in entities(self.last.query) and _SELECTS.search(self.last.query.text)):
                    names = names[:1]  # "where is it cheapest: A, B or C?", "which country is cheapest?": the one
                    # found, not those beside it ("South Korea is listed at ...")
                self.mentions += [Mention(kind, n, self.turn, False) for n in names[:6]]
        self.turn += 1

    def _extend_runs(self, found: dict[str, list[str]]) -> None:
        """A kind the user varies while the other entities stay ("in Korea?", "and over in India, then?") grows a run."""
        prev = entities(self.last.query) if self.last and not self.last.clarify else {}
        for kind, names in found.items():
            same = all(found.get(k, prev.get(k)) == prev.get(k) for k in MAIN_KINDS if k != kind)
            self.runs[kind] = list(dict.fromkeys([*self.runs.get(kind, []), *names])) if same else list(names)

    def read_persona(self, raw: Query) -> None:
        """What the user says about themselves: where they live, the scars they have, their budget."""
        low = raw.text.lower()
        for m in _HOME.finditer(low):
            home = [c for c in [*raw.countries, *raw.home_countries]
                    if _names(c, m.group(1) or m.group(2) or m.group(3))]
            if home:
                self.persona.home = home[0]
        if raw.all_scar_types and _OWN_SCARS.search(low):  # named, or described ("he has narrow deep pits")
            self.persona.scar_types = list(raw.all_scar_types)
        if raw.budget:
            self.persona.budget = raw.budget


def states_home(text: str) -> bool:
    """Whether the message says where the user is from ("Vancouver here", "I'm in Leeds")."""
    return bool(_HOME.search(text.lower()))


def _names(country: str, words: str) -> bool:
    """Whether the words right after "I'm"/"I live in" name this country (not "going to Korea")."""
    first = words.split()[0]
    aliases = {a for a in (country.lower(), *lexicon.COUNTRIES.get(country, []))}
    return words in aliases or first in aliases


def in_order(q: Query, found: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The found entities in the order the message says them ("Does Louis Clinic offer microneedling?")."""
    out = [(kind, name) for _s, _e, kind, name in sorted(q.spans) if name in found.get(kind, [])]
    out += [(kind, n) for kind, names in found.items() for n in names]
    return list(dict.fromkeys(out))


def entities(q: Query, general: bool = False) -> dict[str, list[str]]:
    """The entities a parsed message names, by kind (the "in general" row only when asked for: it can
    be replaced, "... for microneedling specifically?", but never pointed back at)."""
    procs = [p for p in q.procedures if general or GENERAL not in p]
    found = {"procedure": procs, "filler_type": q.filler_types, "clinic": q.clinics,
             "scar_type": q.scar_types, "country": q.countries}
    return {k: list(v) for k, v in found.items() if v}


# ------------------------------------------------------------------ what a turn leaves behind
DIALOGUE_WORDS = frozenset(
    w.strip() for w in (Path(__file__).parent / "data" / "dialogue_words.txt").read_text("utf-8").splitlines()
    if w.strip() and not w.startswith("#"))

QSTART = {"what", "what's", "whats", "how", "which", "where", "who", "when", "why", "is", "are", "does", "do", "can",
           "could", "should", "will", "would", "tell", "list", "compare", "show", "explain", "give", "did", "was",
           "has", "have", "i", "i'm", "my", "any"}

# ------------------------------------------------------------------ what a turn leaves behind
def topic_of(text: str, q: Query) -> str:
    """The noun phrase a question is about when it names no entity ("Is a visa needed for the trip?" → "a visa"),
    with the phrase that qualifies it ("a visa to get treatment in Korea")."""
    owned = set(re.findall(r"\b(?:my|our|your|their|his|her)\s+([\w-]+)", text.lower()))  # "wash my face": the user's own
    named = _named_words(q)
    salient = [w for w in dict.fromkeys([*q.salient, *q.anchors]) if w not in DIALOGUE_WORDS and w not in named
               and w not in q.unbound and w not in owned]
    if not salient or any(k in entities(q) for k in MAIN_KINDS) or q.other_topics or q.other_countries:
        return ""
    span = _noun_phrase(text, salient)  # ("Which lasts longest?" has no noun phrase to point back at)
    if span is None:
        return ""
    start, end = span
    tail = re.match(r"\s+(?:to|for|in|at|with)\s[^?.!,;]{1,60}?(?=\s*(?:[?.!,;]|$))", text[end:])
    return text[start:end] + (tail.group(0) if tail and len(tail.group(0).split()) <= 6 else "")


def outside_topic(text: str, q: Query) -> str:
    """The noun phrase of a question the bot declined ("Can the clinic book me a ferry to Jeju?" → "a
    ferry"), when it names no treatment, clinic or scar type: what a bare "it" next points at."""
    named = _named_words(q)
    unbound = [w for w in dict.fromkeys([*q.unbound, *q.salient]) if w not in DIALOGUE_WORDS and w not in q.framing
               and w not in named]
    if not unbound or any(k in entities(q) for k in MAIN_KINDS):
        return ""
    span = _noun_phrase(text, unbound)
    return text[span[0]: span[1]] if span else ""


def _named_words(q: Query) -> set[str]:
    """The words of the message that name an entity."""
    joined = f" {' '.join(q.tokens)} "
    return {w for start, end, _kind, _name in q.spans for w in joined[start:end].split()}


def _noun_phrase(text: str, wanted: list[str]) -> tuple[int, int] | None:
    """Where the first noun phrase holding a wanted word is (its article included, at most four words)."""
    tokens = _tokens(text)
    low = [t.lower() for t, _s, _e in tokens]
    run = _noun_run(low, wanted)
    if not run:
        return None
    first = run[0] - 1 if run[0] > 0 and low[run[0] - 1] in ("a", "an", "the") else run[0]
    return tokens[first][1], tokens[run[min(len(run), 4) - 1]][2]


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words with their offsets; a sentence end is a "?" token, so that no noun phrase runs across it
    ("... treated. I've" is no phrase)."""
    return [("?" if m.group(0) in ".!?;" else m.group(0), m.start(), m.end())
            for m in re.finditer(r"[\w'-]+|[.!?;](?=\s|$)", text)]


def subject_of(text: str, q: Query) -> str:
    """The plural subject of a yes/no question that names no entity there ("Do clinics offer ...?" → "clinics")."""
    m = re.match(r"^(?:do|does|are|is|can|will|would|should|have|has)\s+((?:[\w-]+\s+){0,2}?[\w-]+s)\s+[\w-]", text,
                 re.I)
    if not m or any(w in STOPWORDS for w in words(m.group(1))):
        return ""
    joined = f" {' '.join(q.tokens)} "
    named = {w for start, end, _kind, _name in q.spans for w in joined[start:end].split()}
    return "" if set(words(m.group(1))) & named else m.group(1)

def noun_slot(low: list[str], run: list[int]) -> bool:
    """Whether a run of words stands where a noun phrase goes: after a determiner, a form of "be" or a
    preposition ("a visa", "are VAT refunds"), or as "what deposit do ...?"."""
    before = low[run[0] - 1] if run[0] > 0 else ""
    after = low[run[-1] + 1] if run[-1] + 1 < len(low) else ""
    return before in _NOUN_BEFORE or before in _VERBISH or (before in ("what", "which") and after in _AUX)

_NOUN_BEFORE = {"a", "an", "the", "any", "my", "your", "our", "some", "is", "are", "was", "were", "about", "for", "many",
                "of", "on", "need", "get", "have", "with", "causes", "cause", "there", "after", "before", "during",
                "from", "to", "by"}

_AUX = {"do", "does", "did", "is", "are", "was", "were", "can", "will", "would", "should", "has", "have"}

def _noun_run(low: list[str], salient: list[str]) -> list[int]:
    """The first run of content words (no stopword, question word or common verb) that holds a salient
    word and stands where a noun phrase goes; "What leads to these scars forming?" drops the verb after "what"."""
    cur: list[int] = []
    for i, w in enumerate([*low, "?"]):
        if not (w in STOPWORDS or w in QSTART or w in _VERBISH or w == "?"):
            cur.append(i)
            continue
        if len(cur) > 1 and low[cur[0] - 1] in ("what", "which", "who") and not noun_slot(low, cur):
            cur = cur[1:]
        if any(low[j] in salient for j in cur) and noun_slot(low, cur):
            return cur
        cur = []
    return []

_VERBISH = {"offer", "offers", "provide", "provides", "need", "needs", "require", "requires", "get", "take", "takes",
            "ask", "charge", "charges", "give", "gives", "include", "includes", "available", "free", "required",
            "necessary", "possible", "included", "refundable", "apply", "claim", "book", "arrange", "cover", "covers"}

_ASKS_FOR_NAMES = re.compile(r"^(?:\w+[,\s]+){0,2}?(?:which|who|what)\s+(?!is\b|are\b|was\b|were\b|'s\b|does\b|do\b|"
                             r"did\b|about\b|kind\b|type\b)\w+", re.I)

OPEN_HEAD = re.compile(r"\b(?:which|what|where|who|any|names?|lists?)\b(?:'s)?(?:\s+[\w'-]+){0,3}?\s+(clinics?|hospitals?|treatments?|"
                        r"procedures?|options?|therap(?:y|ies)|types?|kinds?|countries|country|fillers?|brands?|"
                        r"places?)\b", re.I)

_NAME_ASKED = re.compile(r"\bwhat(?:'s| is| are)\s+(?P<np>.+?)\s+(?:called|named)\b"
                         r"|\b(?:what(?:'s| is) the )?names? of\s+(?P<np2>[^?.!]+)", re.I)
_TERSE_HEAD = re.compile(r"^\s*(?:the\s+|a\s+|any\s+|good\s+|best\s+)?(clinics?|hospitals?|treatments?|procedures?|"
                         r"options?|therap(?:y|ies))\s+(?:in|for|near|around|at|that|with)\b", re.I)
_SELECTS = re.compile(r"(?:^|[.!?]\s+)(?:which\b|what(?:'s| is) (?:better|best|cheaper|safer))", re.I)


def open_kinds(u: Understood) -> tuple[str, ...]:
    """The kinds a question asks for without naming them: the bot's answer fills them ("Which clinics ...?")."""
    q = u.query
    kinds: set[str] = set()
    for m in OPEN_HEAD.finditer(q.text):
        kinds.update(HEAD_KINDS.get(m.group(1).lower(), ()))
    m = _TERSE_HEAD.match(q.text)  # "hospital near Pangyo?", "treatment for rolling scars?": keywords that ask for a name
    if m:
        kinds.update(HEAD_KINDS.get(m.group(1).lower(), ()))
    m = _NAME_ASKED.search(q.text)  # "what's the clinic in Pangyo called?": the name of that kind
    if m:
        np = (m.group("np") or m.group("np2") or "").lower()
        kinds.update(k for w in re.findall(r"[a-z]+", np) for k in HEAD_KINDS.get(w, ()))
        if np in ("it", "that", "this", "they"):  # "the place where ... - what's it called?": whatever the answer names
            kinds.update(MAIN_KINDS)
    if q.recommend or q.operation == "recommend":
        kinds |= {"procedure", "filler_type"}
    if "provider" in q.attributes:
        kinds.add("clinic")
    if "types" in q.attributes:
        kinds |= {"filler_type", "scar_type"}
    if (q.superlative or q.compare) and not q.countries:
        kinds.add("country")
    if any(_ASKS_FOR_NAMES.match(sentence) for sentence in re.split(r"(?<=[.!?])\s+", q.text)):  # "What treats rolling scars?", "Which one is in Gangnam?"
        kinds.update(MAIN_KINDS)
    found = entities(q)
    # "Which is better, subcision or microneedling?": the answer names the one chosen
    chosen = {k for k, names in found.items() if len(names) >= 2} if _SELECTS.search(q.text) or q.superlative \
        else set()  # "where is it cheapest: Korea, the UK or Thailand?": the answer names the one found
    return tuple(k for k in kinds | chosen if k not in found or k in chosen)
