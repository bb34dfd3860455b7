"""References to what was said: find them in a message, resolve them against the dialogue state,
and write the names in their place with the grammar kept.

Forms: pronouns ("it", "they", "them", "its", "there"), demonstratives ("that one", "those
clinics"), ordinals over a list ("the second one", "the first of those", "the latter"), "the
other one", "both", a definite head noun ("the clinic", "the treatment"), "afterwards" and long-range ones
("the clinic I asked about at the start"). A singular reference to a list of two or more that
the user set up, or that answered a question asking for several ("Which clinics ...?"), is
ambiguous: the caller asks which one is meant instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scarbot.dialogue_state import (
    ATTRIBUTE_KINDS,
    ENTITY_KINDS,
    HEAD_KINDS,
    MAIN_KINDS,
    DialogueState,
    Mention,
)
from scarbot.query import Query

_HEADS = "|".join(sorted(HEAD_KINDS, key=len, reverse=True))
ORDINALS = {"first": 0, "former": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1, "latter": -1,
            "1st": 0, "2nd": 1, "3rd": 2, "4th": 3, "5th": 4, "middle": None}  # the middle one: the one in the middle of an odd-length list
_REF = re.compile(
    r"(?P<which>\bwhich\s+(?:ones?|of\s+(?:them|those|these))\b|^\s*which(?=\s+(?:is|are|was|would|has|have|lasts|"
    r"costs|works|offers|needs|requires|helps|hurts|suits|takes|gives|does)\b))"
    rf"|(?P<long>\bthe\s+(?:(?P<lfirst>first)\s+)?(?P<lhead>{_HEADS})\s+(?:that\s+)?(?P<who>i|we|you)\s+(?:asked|enquired|"
    r"inquired|talked|spoke|mentioned|listed|named|suggested|recommended)(?:\s+about)?(?:\s+(?P<when>at\s+the\s+"
    r"(?:start|beginning)|in\s+the\s+beginning|first|at\s+first|initially|originally|earlier|before|previously))?)"
    r"|(?P<slice>\bthe\s+(?P<send>first|last)\s+(?P<sk>two|three|2|3)\b(?:\s+(?:ones|options|treatments|clinics))?)"
    rf"|(?P<ordinal>\b(?:the\s+)?(?P<n>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last|former|latter|middle)"
    rf"(?:\s+(?P<ohead>ones?|{_HEADS}))?(?:\s+(?:of|among)\s+(?:those|them|these|the\s+\w+))?)"
    rf"|(?P<other>\bthe\s+other(?:\s+(?P<xhead>one|{_HEADS}))?)"
    r"|(?P<rank>\bthe\s+(?P<rword>cheaper|cheapest|less\s+expensive|more\s+affordable|dearer|pricier|more\s+expensive|"
    r"costlier)(?:\s+(?:one|option|country|place|treatment|procedure)\b(?!\s+(?:for|to|that|which|with|among)\b)|\s+of\s+(?:the|those|these)\s+(?:two|ones)\b"
    r"|(?=\s*(?:[?.!,;]|$)|\s+(?:in|for|then|there|please|vs\.?|versus)\b)))"  # "the cheaper one", "in the cheaper?"
    r"|(?P<both>\bboth(?:\s+of\s+(?:them|those|these))?|\ball\s+(?:of\s+)?(?:them|those|these)|\beach\s+of\s+"
    r"(?:them|those|these|the\s+(?:two|three|four))|\ball\s+(?:two|three|four)(?:\s+of\s+(?:them|those))?|\beach(?=\s*(?:[?.!,]|$|at\b|in\b|on\b|then\b))"
    r"|\b(?:of|between|among|for|in|from)\s+(?:the|those|these)\s+(?:same\s+)?(?:two|three|four)(?:\s+(?:ones|options|places|countries|"
    r"ranges|prices|figures))?"
    r"(?=\s*(?:[?.!,;]|$|is\b|are\b|was\b|would\b|has\b|have\b|offers?\b|costs?\b|at\b|for\b|if\b|when\b|"
    r"lasts?\b|works?\b|heals?\b|needs?\b|takes?\b|hurts?\b|helps?\b|gives?\b|suits?\b)))"
    rf"|(?P<demonstrative>\b(?:that|this|those|these|the\s+same)\s+(?P<dhead>ones?|{_HEADS})\b)"
    r"|(?P<definite>\bthe\s+(?P<thead>clinic|hospital|treatment|procedure|therapy)\b)"
    r"|(?P<after>\bafter(?:wards?|\s+the\s+(?:procedure|treatment|session)s?)(?=\s*(?:[?.!,;]|$)))"
    r"|(?P<pronoun>\b(?:it|its|they|them|their|that|this|those|these|there)\b)"
    r"|(?P<one>\b(?:get|need|have|book|buy|try|want)\s+one\b)",
    re.I)
_VERBS = {"is", "are", "was", "were", "does", "do", "did", "cost", "costs", "include", "includes", "mean", "means",
          "work", "works", "take", "takes", "compare", "compares", "offer", "offers", "have", "has", "last", "lasts",
          "require", "requires", "need", "needs", "involve", "involves", "help", "helps", "hurt", "hurts", "come",
          "comes", "located", "located?", "in", "at", "for", "cheaper", "better", "safe", "worth", "still", "too",
          "also", "again", "both", "all", "usually", "typically"}
_PREPS = {"for", "about", "of", "with", "on", "after", "before", "than", "like", "get", "try", "recommend", "book",
          "choose", "pick", "is", "does", "do", "was", "are", "from", "to", "into", "through", "and", "or", "use"}
_EXPLETIVE_IT = re.compile(r"^\s+(?:takes?\s+to|took\s+to)\b|^(?:'s|\s+is|\s+was)\s+(?:\w+\s+){0,2}(?:to|that)\b",
                           re.I)
_GENERIC_THEY = re.compile(r"^\s+(?:list|lists|say|says|mention|state|quote|show|report|give|write|call)\b"
                           r"|^\s+(?:take|charge|ask\s+for|require|want|need)\s+(?:\w+\s+){0,2}?(?:deposit|fee|payment|"
                           r"money|cash|cards?|upfront|up front)\b"  # "if they take the usual deposit": the clinics, generic
                           # "how much do they need to pay?", "when ought they to reserve?": people (patients, clients)
                           r"|^\s+(?:(?:need|have|want|ought|plan)\s+to\s+|should\s+|must\s+|can\s+)?(?:pay|book|bring|"
                           r"apply|travel|fly|stay|visit|arrange|schedule|reserve|budget|save|wash|shower|swim|exercise|"
                           r"return|go\s+back|work|drive|claim|get\s+(?:the\s+)?(?:vat|tax|refund|deposit|money))\b"
                           r"|^\s+(?:can|could|should|may|must)\s+(?:\w+\s+)?(?:get|claim)\s+(?:\w+\s+)?(?:back|refund\w*)\b",
                           re.I)  # "how long before they can wash their face?", "can they get the VAT back?": people
_IDIOM = re.compile(r"\b(?:in the first place|first of all|at first|at last|for the (?:first|last) time|"
                    r"(?:one\s+|a\s+)?(?:first|last|final|second)\s+(?:thing|things|question|questions|q|point|query)\b|"
                    r"(?:the )?last time|first time|last (?:week|month|year|night))\b", re.I)
_TRAILING = re.compile(r"^(?:\s+(?:then|now|too|please|again|anyway|though|thanks|exactly))+(?=\s*[?!.,]*\s*$)", re.I)
_LIST_JOINS = {"and", "or", "together", "plus", "combined", "both"}
_BEFORE_EACH = {"is", "are", "of", "for", "about", "on", "does", "do", "cost", "costs", "with", "take", "takes"}
_BE = {"is", "are", "was", "were", "'s", "be", "isn't", "aren't"}
_AUX_AGREE = {"is": "are", "does": "do", "has": "have", "was": "were", "doesn't": "don't", "isn't": "aren't"}
_RELATIVE_HEADS = {"one", "ones", "something", "anything", "thing", "things", "someone", "anyone", "people", "patients",
                   "doctor", "doctors", "surgeon", "surgeons", "scar", "skin"}
_SIZED_PREPS = {"of", "between", "among", "for", "in", "from"}
_PLURAL_WORDS = {"they", "them", "their", "those", "these", "both", "ones"}
_FETCH = {"pick", "picks", "collect", "collects", "drop", "drops", "meet", "meets", "take", "takes", "bring", "drive"}
_TOLD = {"tell", "ask", "inform", "advise", "remind", "let", "give", "send", "email", "call", "text", "warn", "show"}
_BODY = {"face", "faces", "skin", "cheeks", "forehead", "body", "bodies", "hands", "nose", "chin", "back", "acne"}


@dataclass(frozen=True)
class Ref:
    start: int
    end: int
    form: str  # long | ordinal | other | both | demonstrative | definite | pronoun | one
    word: str  # the pronoun, ordinal or demonstrative, lower-case
    head: str = ""  # "clinic", "type", ... ; "" when none
    early: bool = False  # "... at the start", "the first clinic I asked about"
    by_bot: bool = False  # "the clinic you mentioned": the bot's words, not the user's

    @property
    def plural(self) -> bool:
        return self.form == "both" or self.word in _PLURAL_WORDS or self.head == "ones"

    @property
    def kinds(self) -> tuple[str, ...]:
        if self.head in HEAD_KINDS:
            return HEAD_KINDS[self.head]
        if self.word == "there":
            return ("country", "clinic")
        return (*MAIN_KINDS, "topic")


@dataclass
class Resolution:
    names: list[str]
    kind: str
    ambiguous: bool = False


def find_refs(text: str) -> list[Ref]:
    """The references in a message, left to right (a word that only looks like one is skipped)."""
    out = []
    for m in _REF.finditer(text):
        ref = _make(m)
        if ref is not None and ref.form == "both" and not ref.head and re.search(r"\b(?:in|between)\s+$", text[: ref.start]):
            ref = replace(ref, head="places")  # "fillers in both?": both places
        if ref is not None and _is_reference(text, ref):
            out.append(ref)
    return out


_FORMS = ("which", "long", "slice", "ordinal", "other", "rank", "both", "demonstrative", "definite", "after", "pronoun",
          "one")


def _make(m: re.Match) -> Ref | None:
    form = next(k for k in _FORMS if m.group(k))
    text = m.group(0).lower()
    if form == "long":
        early = bool(m.group("lfirst")) or (m.group("when") or "").split()[-1:] in (
            ["start"], ["beginning"], ["first"], ["initially"], ["originally"])
        return Ref(m.start(), m.end(), form, "the", m.group("lhead").lower(), early, m.group("who").lower() == "you")
    if form == "ordinal":
        return Ref(m.start(), m.end(), form, m.group("n").lower(), (m.group("ohead") or "").lower())
    if form == "slice":  # "the first two": word holds the end and the size ("first 2")
        k = {"two": 2, "three": 3}.get(m.group("sk").lower()) or int(m.group("sk"))
        return Ref(m.start(), m.end(), form, f"{m.group('send').lower()} {k}", "ones")
    if form == "other":
        return Ref(m.start(), m.end(), form, "other", (m.group("xhead") or "").lower())
    if form == "rank":  # "the cheaper one": the one the last comparison found cheaper
        word = m.group("rword").lower()
        cheap = word in ("cheaper", "cheapest") or word.startswith(("less", "more affordable"))
        return Ref(m.start(), m.end(), form, "min" if cheap else "max")
    if form == "demonstrative":
        return Ref(m.start(), m.end(), form, text.split()[0], m.group("dhead").lower())
    if form == "which":
        return Ref(m.start(), m.end(), form, "which")
    if form == "one":  # "get one": only the word "one" is replaced
        return Ref(m.end() - 3, m.end(), form, "one")
    if form == "after":  # "how long is the redness afterwards?": after the treatment talked about
        return Ref(m.start(), m.end(), form, "after", "treatment")
    if form == "definite":
        return Ref(m.start(), m.end(), form, "the", m.group("thead").lower())
    if form == "both":  # "each of the three", "all three": how many
        size = next((str(v) for w, v in (("two", 2), ("three", 3), ("four", 4)) if re.search(rf"\b{w}\b", text)), "")
        return Ref(m.start(), m.end(), form, text.split()[0], size)
    return Ref(m.start(), m.end(), form, text)


def _is_reference(text: str, ref: Ref) -> bool:
    before = text[: ref.start].lower().split()
    prev = before[-1].strip(",;:") if before else ""
    rest = text[ref.end:]
    nxt = re.match(r"\s*([\w']+)", rest)
    nxt_word = nxt.group(1).lower() if nxt else ""
    rest_words = _TRAILING.sub("", rest)  # "for that then?": the filler at the end does not count
    at_end = not rest_words.strip(" ?!.,") or rest_words.lstrip()[:1] in ("?", "!", ".", ",", ";")
    if ref.form == "ordinal":
        if any(a <= ref.start < b for a, b in (m.span() for m in _IDIOM.finditer(text))):
            return False  # "in the first place", "first of all", "last time"
        said = text[ref.start: ref.end].lower()
        pointed = " of " in said or said.startswith("the") and re.search(r"\b(?:it|its|that|there|they|them)\b", rest, re.I)
        if len(before) <= 2 and re.match(r"\s*[,:—–-]", rest) and ref.word in ("last", "final", "first", "one") \
                and not pointed:
            return False  # "last one, how long ...?": which question this is, not a pointer (but "the last one - where
            # is it?" points at the last of a list)
        has_the = text[ref.start: ref.end].lower().startswith("the")
        tail = bool(ref.head) or " of " in text[ref.start: ref.end].lower() or " among " in text[ref.start: ref.end]
        return tail or (has_the and (at_end or nxt_word in _VERBS or nxt_word in _LIST_JOINS))
    if ref.form == "both" and text[ref.start: ref.end].lower() == "each" and prev not in _BEFORE_EACH:
        return False  # "one session each": a distributive, not "each of them"
    if ref.form == "both" and ref.word == "both" and nxt_word in ("at", "on", "with", "times") \
            and prev not in ("of", "for", "do", "get", "book", "try", "price", "cost"):  # "4 sessions of both at ...": what
        return False  # "2 sessions in each country, both at the top price": how, not what
    if ref.form == "rank" and prev in ("at", "for", "with", "on") and not re.match(r"\s*(?:one|option|of)\b", rest):
        return False  # "4 sessions at the cheapest": one end of a range, not "the cheaper one" of a list
    if ref.form in ("definite", "demonstrative") and re.match(r"\s*(?:that(?:'s| is| does| has| offers| specialises| "
                                                            r"specializes)|which|known for|with (?:the|a)|famous for)\b",
                                                            rest, re.I) and nxt_word not in ("i", "we", "you"):
        return False  # "the hospital that's big on research": a description to match, not the one said before
    if ref.form != "pronoun":
        return True
    if ref.word == "it":
        if prev in ("worth", "make", "makes", "made", "making") and at_end:  # "worth it", "make it": idioms
            return False
        if nxt_word in ("wrong", "right", "backwards", "mixed"):  # "I got it wrong": nothing is pointed at
            return False
        return not _EXPLETIVE_IT.match(rest) and not (prev == "is" and re.match(r"\s+(?:\w+\s+){0,2}to\b", rest))
    if ref.word == "they":
        return not _GENERIC_THEY.match(rest)
    if ref.word == "their" and nxt_word in _BODY:  # "wash their face": the patient's, not a treatment's
        return False
    if ref.word in ("them", "me", "us") and prev in _FETCH and nxt_word in ("up", "off", "from", "at", "home"):
        return False  # "do clinics pick them up from the airport?": the patients
    if ref.word in ("them", "him", "her") and prev in _TOLD:
        return False  # "what do I tell them?": the people asking, not a treatment
    if ref.word == "there":
        return prev not in _BE and nxt_word not in _BE and prev not in ("from", "over", "out")
    if ref.word == "that" and (prev in HEAD_KINDS or prev in _RELATIVE_HEADS):
        return False  # "a procedure that helps both": a relative clause, not a pointer
    if ref.word in ("that", "this", "those", "these") and nxt_word.replace(",", "").isdigit():
        return False  # "the deposit on that 1362": the figure itself
    if ref.word in ("that", "this", "those", "these"):
        return at_end or nxt_word in _VERBS or nxt_word in ("than", "or", "vs", "versus") or (prev in _PREPS and (at_end or nxt_word in _VERBS or
                                                                      not nxt_word.isalpha()))
    return True


# ------------------------------------------------------------------ resolution
_CLINIC_ASKED = re.compile(r"\b(?:which|what|any|a|the best)\s+(?:\w+\s+)?(?:clinics?|hospitals?|doctors?|surgeons?)\b")


def candidates(state: DialogueState, kinds: tuple[str, ...], q: Query) -> list[Mention]:
    """Mentions a reference may point at, best first: the asked attribute's usual kind, then recency.

    A question about a topic rather than an entity ("Is a visa needed for the trip?") stays the thing "it"
    means next, unless the new question asks for something only a treatment or clinic has.
    """
    ms = state.recent(kinds)
    strong = [a for a in q.attributes if a in ATTRIBUTE_KINDS and a not in ("cost", "procedure")]
    if ms and ms[0].kind == "topic" and not strong and not _CLINIC_ASKED.search(q.text.lower()):
        # (not "any clinic you'd suggest for it?" after the visa: a clinic is chosen for a treatment)
        return ms
    ms = [m for m in ms if m.kind != "topic"] or ms
    preferred = [m for m in ms if m.kind in preferred_kinds(q)]
    return preferred + [m for m in ms if m not in preferred] if preferred else ms


def preferred_kinds(q: Query) -> tuple[str, ...]:
    """The kinds the asked attribute is usually about ("where ...?" → a clinic), first attribute first."""
    attrs = [*q.attributes, *(["location"] if q.operation == "locate" else [])]
    return tuple(dict.fromkeys(k for a in attrs for k in ATTRIBUTE_KINDS.get(a, ())))


def resolve(ref: Ref, state: DialogueState, q: Query, own: set[str]) -> Resolution | None:
    """What a reference points at; ``own`` are the kinds the message names itself (so not these)."""
    kinds = ref.kinds if ref.head else tuple(k for k in ref.kinds if k not in own)
    if ref.word in ("they", "their"):  # "Do they have translators on staff?": who the last question was about
        kinds = (*(k for k in kinds if k != "topic"), "subject")
    if ref.form == "long":
        said = [x for x in state.recent(kinds, distant=True) if x.by_user != ref.by_bot]
        m = state.earliest(kinds, by_user=not ref.by_bot) if ref.early else (said[0] if said else None)
        return Resolution([m.name], m.kind) if m else None
    if ref.form == "ordinal":
        preferred = tuple(k for k in preferred_kinds(q) if k in kinds)
        return (_ordinal(ref, state, preferred) if preferred else None) or _ordinal(ref, state, kinds)
    if ref.form == "slice":
        end, k = ref.word.split()
        group = _group_of(state, tuple(x for x in kinds if x != "topic") or ENTITY_KINDS, lambda n: n > int(k))
        if not group:
            return None
        names = group[: int(k)] if end == "first" else group[-int(k):]
        kind = next(m.kind for m in state.mentions if m.name == names[0])
        return Resolution(names, kind)
    if ref.form == "other":
        return _other(state, kinds)
    if ref.form == "rank":
        return ranked(ref, state)
    ms = candidates(state, tuple(k for k in kinds if k != "topic") if ref.form == "which" else kinds, q)
    if ref.form == "both" and ref.head.isdigit():  # "each of the three", "which of the two": the list of that size
        wanted = tuple(dict.fromkeys(k for k in (*kinds, "country") if k != "topic"))
        group = _group_of(state, wanted, lambda n: n == int(ref.head)) or _last_singles(state, wanted, int(ref.head))
        if group:
            return Resolution(group, next(m.kind for m in state.mentions if m.name == group[0]))
    if ref.form == "both":  # two or more of one kind
        ms = [m for m in ms if len(state.last_group((m.kind,))) >= 2]
    elif ref.plural:  # "they" points at something plural: a list, "clinics", "chemical peels"
        ms = [m for m in ms if m.kind == "subject" or is_plural(state.group(m), m.kind)] or ms
    if not ms:
        return None
    m = ms[0]
    names = state.last_group((m.kind,)) if ref.form == "which" else []
    names = names or state.group(m)
    if ref.form == "both" and len(names) < 2:
        names = state.last_group((m.kind,)) or names
    if ref.form == "which" and len(names) == 1 and not is_plural(names, m.kind):
        return None  # "Which one is it best for?" about a single treatment: "which one" is the question
    if ref.plural or ref.form == "which" or len(names) == 1:
        return Resolution(names, m.kind)
    if len(names) > 3:  # "it" after a long list the bot gave: the user's own subject, if there is one
        mine = [x for x in ms if x.by_user and len(state.group(x)) == 1]
        if mine:
            return Resolution([mine[0].name], mine[0].kind)
    if m.by_user or m.turn in state.plural_turns:
        return Resolution(names, m.kind, ambiguous=True)
    return Resolution(names[:1], m.kind)  # the bot's answer to "which one ...?": its first name is the answer


def _last_singles(state: DialogueState, kinds: tuple[str, ...], n: int) -> list[str]:
    """"the difference between those two ranges" after two answers that each named one country (the cheapest,
    then the dearest): the last ``n`` names of one kind, each the only one of its message, in the order said."""
    for kind in kinds:
        ms = [m for m in state.recent((kind,)) if len(state.group(m)) == 1]
        names = list(dict.fromkeys(m.name for m in ms))[:n]
        turns = {m.turn for m in ms[:n]}
        if len(names) == n and len(turns) == n and min(turns) >= state.turn - 2 * n:
            return names[::-1]
    return []


def _group_of(state: DialogueState, kinds: tuple[str, ...], fits) -> list[str]:
    """The most recent list of names of these kinds (one message's, or a run) whose size ``fits``."""
    for distant in (False, True):  # "which of the three ...?" late in a chat: the list of three set up at its start
        for m in state.recent(kinds, distant=distant):
            for names in (state.group(m), state.runs.get(m.kind, [])):
                if fits(len(names)) and m.name in names:
                    return names
    return []


def _ordinal(ref: Ref, state: DialogueState, kinds: tuple[str, ...]) -> Resolution | None:
    kinds = tuple(k for k in kinds if k != "topic") or ENTITY_KINDS
    group = state.last_group(kinds if ref.head not in ("", "one", "ones") else (*kinds, "country"))
    i = ORDINALS[ref.word]
    if i is None:  # "the middle one"
        if len(group) % 2 == 0:
            return None
        i = len(group) // 2
    if not -len(group) <= i < len(group):  # "the third one there" after two countries: the list of three before
        group = state.last_group(kinds, size=max(2, i + 1 if i >= 0 else -i)) or group
    if group and -len(group) <= i < len(group):
        kind = next(m.kind for m in state.mentions if m.name == group[i])
        return Resolution([group[i]], kind)
    if ref.word == "first":  # no list: the first one talked about
        m = state.earliest(kinds) or state.earliest(kinds, by_user=False)
        return Resolution([m.name], m.kind) if m else None
    return None


def ranked(ref: Ref, state: DialogueState) -> Resolution | None:
    """"The cheaper one" after a comparison the bot answered: its answer leads with the one it found cheaper (or
    dearer, as asked), so the first name of the compared kind in that answer, or the second for the opposite."""
    last = state.answered
    if last is None or last.clarify or last.query.superlative not in ("min", "max"):
        return None
    lq = last.query
    kind = "country" if len(lq.countries) == 2 else "procedure" if len(lq.procedures) == 2 else None
    said = [m for m in state.mentions if not m.by_user and m.kind == kind]
    if kind is None or not said:
        return None
    turn = max(m.turn for m in said)
    names = list(dict.fromkeys(m.name for m in said if m.turn == turn))
    asked = set(lq.countries if kind == "country" else lq.procedures)
    names = [n for n in names if n in asked]
    if len(names) != 2:
        return None
    return Resolution([names[0] if ref.word == lq.superlative else names[1]], kind)


def _other(state: DialogueState, kinds: tuple[str, ...]) -> Resolution | None:
    kinds = tuple(k for k in kinds if k != "topic")
    recent = state.recent(kinds)
    if not recent:
        return None
    current = recent[0]
    if not current.by_user:  # a name in the bot's last answer, unless the question it answered named one itself
        current = next((m for m in recent if m.by_user and m.turn == current.turn - 1), current)
    group = state.last_group((current.kind,)) or list(dict.fromkeys(m.name for m in recent if m.kind == current.kind))
    others = [n for n in group if n != current.name]
    if not others:
        return None
    return Resolution(others, current.kind, ambiguous=len(others) > 1)


# ------------------------------------------------------------------ writing names in
def join_names(names: list[str]) -> str:
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def place(country: str) -> str:
    """"the UK", "the USA", "Thailand"."""
    return f"the {country}" if country.isupper() else country


def is_plural(names: list[str], kind: str) -> bool:
    if len(names) > 1:
        return True
    name = names[0].split(" (")[0] if kind != "topic" else names[0]
    last = name.split()[-1].lower() if name.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is")) and not name.lower().startswith(("a ", "an "))


def phrase(ref: Ref, res: Resolution) -> str:
    """The words that replace a reference."""
    if ref.form == "both" and ref.word in _SIZED_PREPS:  # "which of the two" → "which of Turkey and Singapore"
        return f"{ref.word} {join_names([place(n) for n in res.names] if res.kind == 'country' else res.names)}"
    if ref.form == "after":
        return f"after {join_names(res.names)}"
    if res.kind == "topic":
        topic = res.names[0]
        return topic if ref.form == "one" else re.sub(r"^(?:a|an)\s+", "the ", topic)
    if res.kind == "country":
        where = join_names([place(c) for c in res.names])
        return f"in {where}" if ref.word == "there" else where
    names = join_names(res.names)
    if ref.form == "which":  # "which one suits the deepest scars?" → "which of the chemical peels ..."
        return f"which of {names}" if len(res.names) > 1 else f"which of the {names}"
    if ref.word == "there":
        return f"at {names}"
    if ref.form == "both" and len(res.names) == 2 and ref.word != "each":
        return f"both {names}"
    return names


def substitute(text: str, ref: Ref, res: Resolution) -> str:
    """The message with one reference replaced; "its X" becomes "the X of NAME"; the verb before agrees."""
    new = phrase(ref, res)
    start, end = ref.start, ref.end
    if ref.word in ("its", "their"):
        m = re.match(r"\s+((?:(?!(?:and|or|for|in|at|with|to|than|like|compared)\b)[\w-]+\s*){1,3})", text[end:],
                     re.I)
        if m:
            noun = m.group(1).strip()
            return text[:start] + f"the {noun} of {new}" + text[end + len(m.group(0).rstrip()):]
    if text[start: start + 1].isupper():
        new = new[0].upper() + new[1:]
    if ref.word == "it" and text[end: end + 2] == "'s":  # "it's cheaper" → "subcision is cheaper"
        return agree(text[:start], False) + new + (" are" if is_plural(res.names, res.kind) else " is") + text[end + 2:]
    if ref.word == "they" and text[end: end + 3].lower() == "'re":  # "they're" → "the clinics are"
        return text[:start] + new + (" are" if is_plural(res.names, res.kind) else " is") + text[end + 3:]
    keep = ref.word == "there" or ref.form == "which"
    prefix = text[:start] if keep else agree(text[:start], is_plural(res.names, res.kind))
    return prefix + new + text[end:]


def agree(prefix: str, plural: bool) -> str:
    """Make the verb right before a new subject agree with it ("What do they offer?" → "What does X offer?")."""
    m = re.search(r"(\b[\w']+)(\s+)$", prefix)
    if not m:
        return prefix
    verb = m.group(1)
    low = verb.lower()
    singular = {v: k for k, v in _AUX_AGREE.items()}
    if plural and low in _AUX_AGREE:
        new = _AUX_AGREE[low]
    elif not plural and low in singular:
        new = singular[low]
    else:
        return prefix
    new = new.capitalize() if verb[0].isupper() else new
    return prefix[: m.start(1)] + new + m.group(2)
