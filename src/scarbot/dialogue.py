"""Follow-up messages without an LLM: each message rewritten to stand alone, from a dialogue state.

``understand(analyzer, message, history)`` reads the history in order into a
:class:`~scarbot.dialogue_state.DialogueState` (what the user established, in mention order; the
bot's answers only where they answered an open "which ...?"; the persona's home country, scar
types and budget), then rewrites the message (:mod:`scarbot.dialogue_rewrite`): an answer to a
clarifying question, a correction or an ellipsis re-asks an earlier question with the new slot;
references are replaced by what they point at; open slots are filled; a message that brings its
own subject stands alone. Every earlier user turn is understood the same way, in its own context
and window, so what "and over in Turkey, then?" re-asks is what was understood at the time.

The interface with the assistant is :class:`Rewrite`: ``text`` is the standalone question shown
as "Question understood as"; when ``clarify`` is true a reference was ambiguous and ``text`` is
instead a short question listing the ``candidates`` ("Which clinic do you mean: A or B?"), which
the assistant sends back as its reply. The user's next message ("the one in Pangyo", "the
first", "Louis Clinic") is then understood as the waiting question with that choice in place.

Memory: the dialogue reads up to :data:`MEMORY_TURNS` messages (persona, "the clinic I asked
about at the start"); pronouns and open slots look back over the last ``window`` exchanges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scarbot import lexicon
from scarbot.dialogue_refs import agree, find_refs, is_plural
from scarbot.dialogue_rewrite import SLOT, Reader, as_is, rewrite  # noqa: F401 - Reader is part of this module's API
from scarbot.dialogue_state import (
    DIALOGUE_WORDS,
    HEAD_KINDS,
    MAIN_KINDS,
    OPEN_HEAD,
    DialogueState,
    entities,
    open_kinds,
    subject_of,
    topic_of,
)
from scarbot.nlp import COMPARE_WORDS, STOPWORDS, Analyzer, is_instruction, normalize, stem, words
from scarbot.query import Query, QueryParser

MAX_TURN_CHARS = 600
MEMORY_TURNS = 40  # messages the dialogue state reads; the answer steps see Settings.history_turns
DEFAULT_WINDOW = 6  # exchanges within which "it" and open slots look for what was said
_QWORD = r"(?:what|what's|whats|how(?:much|many|long)?|which|where|is|are|does|do|can|could|who|when|why|should|will|would)"
_REFUSAL = re.compile(r"^(?:the article|it|that)\b[^.]{0,80}?\b(?:does not|doesn't|gives no|has no|says nothing|"
                      r"is outside|can't answer|cannot answer|not cover)", re.I)


@dataclass(frozen=True)
class Rewrite:
    """What ``understand`` returns: the standalone question, or (``clarify``) a question to ask back."""

    text: str
    clarify: bool = False
    candidates: tuple[str, ...] = ()


def memory_size(window: int) -> int:
    """How many messages of history to keep for the dialogue state, given the answer window."""
    return 0 if window <= 0 else max(window, MEMORY_TURNS)


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


_LABEL = re.compile(r"^\s*(?P<label>[^:?!.\n]{1,40}?)\s*:\s+(?=\S)")


def split_label(analyzer: Analyzer, text: str) -> tuple[str, str]:
    """A label that asks nothing of the article, and the question after it: "Ticket 4: what ...?" →
    ("ticket 4", "What ...?"); ("", text) when the message has none.

    A lead in which the analyzer finds a name is part of what is asked ("Microneedling: price?"); one
    with only an attribute cue ("Last ticket") is a label when a question follows it; "three things:
    X, Y and Z" lists its questions."""
    m = _LABEL.match(text)
    rest = text[m.end():].lstrip() if m else ""
    if not rest or _META_INTRO.match(text):
        return "", text
    lead = text[: m.end()].rstrip(" :")
    said = [w for w in words(lead) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]
    if any(w not in lexicon.GENERIC_WORDS and w not in DIALOGUE_WORDS for w in said):
        return "", text  # "dermabrasion: what does it cost?": the lead is what is asked about
    f = analyzer.frame(lead)
    if len(words(lead)) > 6 or f.procedures or f.countries or f.clinics or f.scar_types or f.filler_types \
            or f.other_countries or f.other_topics or (f.attributes and not re.match(rf"{_QWORD}\b", rest, re.I)):
        return "", text
    return " ".join(words(lead)), rest[0].upper() + rest[1:]


def condense(analyzer: Analyzer, question: str, history: list[dict], *, window: int = DEFAULT_WINDOW,
             parser: QueryParser | None = None) -> str:
    """The question rewritten to stand alone; unchanged when it already does (or there is no history)."""
    return understand(analyzer, question, history, window=window, parser=parser).text


def understand(analyzer: Analyzer, question: str, history: list[dict], *, window: int = DEFAULT_WINDOW,
               parser: QueryParser | None = None) -> Rewrite:
    """The message as the dialogue so far makes it understood (see the module docstring)."""
    label, q = split_label(analyzer, analyzer.tidy(normalize(question)))
    reader = Reader(analyzer, parser)
    state = read_history(reader, history or [], window, label)
    u = rewrite(reader, q, state)
    return Rewrite(u.text, u.clarify, u.candidates)


def read_history(reader: Reader, history: list[dict], window: int = DEFAULT_WINDOW, label: str = ""
                 ) -> DialogueState:
    """The dialogue state after these turns: every user turn understood in its own context, in order.

    ``window`` counts user turns: "it" and open slots look back over the last ``window`` exchanges.
    A message under a new label ("Ticket 5: ...", "Next customer: ...") starts a new thread: what
    was said under the earlier labels is distant, as it is for the question's own ``label``.
    """
    users = [i for i, t in enumerate(history) if t["role"] == "user"]

    thread = ["", 0]  # the current label and the message its thread starts at

    def window_start(n: int) -> int:
        before = [i for i in users if i < n]
        return max(thread[1], n if window <= 0 else (before[-window] if len(before) >= window else 0))

    def new_label(lead: str, n: int) -> None:
        if lead and lead != thread[0]:
            thread[:] = [lead, n]

    state = DialogueState()
    for n, turn in enumerate(history):
        text = normalize(turn["content"])
        if turn["role"] == "user":
            lead, text = split_label(reader.analyzer, reader.analyzer.tidy(text))
            new_label(lead, n)
            state.window_start = window_start(n)
            u = rewrite(reader, text, state)
            state.add_user(reader.parse(text), u, topic_of(u.text, u.query), subject_of(u.text, u.query))
            continue
        last = state.last
        if last is not None and last.clarify and not is_clarification(text):
            # the bot answered instead of asking (another backend, or a hand-written history)
            state.last = as_is(reader, re.sub(r"\s+", " ", last.template.replace(SLOT, "it")))
        refused = bool(_REFUSAL.match(text))
        state.reply_words = frozenset() if refused else frozenset(stem(w) for w in words(text))
        said = {} if refused or is_clarification(text) else answer_entities(reader, text)
        state.add_bot(said, open_kinds(state.last) if state.last else (), refused)
    new_label(label, len(history))
    state.window_start = window_start(len(history))
    return state


def answer_entities(reader: Reader, text: str) -> dict[str, list[str]]:
    """What a bot answer gives as its answer: the names in its first sentence and those opening a
    sentence or list item ("- Subcision: ..."), not names inside a quoted explanation."""
    starts = [0] + [m.end() for m in re.finditer(r"[.!?:]\s+|\n+\s*(?:-\s+)?", text)]
    first_end = starts[1] if len(starts) > 1 else len(text)
    found: dict[str, list[str]] = {}
    for kind, names in entities(reader.parse(text)).items():
        for name in names:
            for a, _b in reader.spans(text, kind, name):
                opening = len(text[max(s for s in starts if s <= a): a].split()) <= 3
                if a < first_end or opening:
                    found.setdefault(kind, []).append(name)
                    break
    return found


def which_answered(reader: Reader, asked: str, answer: str, following: str) -> str:
    """"Which hospital sits in Cheonho, and how big is it?": "it" in the next part of the
    message is the one the answer to "which clinic" named (when it named exactly one of that kind)."""
    m = OPEN_HEAD.match(asked.lstrip())  # the part opens by asking for a name ("which clinic ...")
    kinds = HEAD_KINDS.get(m.group(1).lower(), ()) if m else ()
    named = [n for kind, names in answer_entities(reader, answer).items() if kind in kinds for n in names]
    return _it_named(following, named[0]) if kinds and len(named) == 1 else following


def named_after(reader: Reader, parts: list[str]) -> list[str]:
    """"Will it hurt? What happens during subcision?": a part whose "it" nothing before it in the message names
    points at the one treatment or clinic a later part names (when the later parts name exactly one)."""
    named = [{n for k, ns in entities(reader.parse(x)).items() if k in MAIN_KINDS for n in ns} for x in parts]
    out = list(parts)
    for i in range(len(parts) - 1):
        later = set().union(*named[i + 1:])
        if not any(named[: i + 1]) and len(later) == 1:
            out[i] = _it_named(parts[i], next(iter(later)))
    return out


def _it_named(part: str, name: str) -> str:
    """The part with its first "it" (or "its") replaced by the name."""
    it = next((r for r in find_refs(part) if r.form == "pronoun" and r.word in ("it", "its")), None)
    if it is None:
        return part
    return part[: it.start] + name + ("'s" if it.word == "its" else "") + part[it.end:]


def is_clarification(text: str) -> bool:
    return bool(re.match(r"^Which [\w ]+ do you mean: .+\?\.?$", text.strip()))


_TAG_ONLY = re.compile(r"^(?!\s*(?:what|how|which|where|who|when|why|is|are|does|do|can)\b).+,\s*(?:right|correct|"
                       r"yes|no|isn'?t it|is that right)\s*\?$", re.I)
_LEADS_WITH_PRONOUN = re.compile(r"^\s*(?:so\s+|and\s+|but\s+)?(?:it|it's|they|they're|that|that's|this|these|those|"
                                 r"he|she|there)\b", re.I)
_REQUESTS = r"(?:name|list|tell me|give me|show me|explain|describe)"
_PREP_Q = rf"(?:(?:in|for|at|on|from|with|to|by|of)\s+(?:which|what|whom)\b|{_QWORD}\b)"  # "..., and in which city ...?"
_OPENS_ASKING = re.compile(rf"(?:(?:and|also|plus|but|so)\s+)?{_QWORD}\b", re.I)
_SPLIT = re.compile(rf"\s*[+&]\s*(?={_PREP_Q})|(?<!\bthat)(?<!\bwhich)(?<!\bwho),?\s+(?:and|but|also|plus|n)\s+(?:(?:tell|show|let)\s+me\s+(?:know\s+)?)?(?={_PREP_Q})|,\s+(?={_PREP_Q})|"
                    rf":\s+(?={_QWORD}\b)", re.I)


def split_question(question: str) -> list[str]:
    """Several questions in one message → the parts, each to be answered in turn.

    Only a sentence that asks ("...?" or one opening with a question word) is split further at
    "and how/what/...". A statement before a question ("I have rolling scars. Which treatment suits
    them?" or "I work nights and can only take a week off.") is kept with the question after it, so
    that "them" can be resolved from it.
    """
    parts: list[str] = []
    lead = ""
    sentences = [x.strip() for x in re.split(r"(?<=[?.!])\s+", question) if x.strip()]
    context = ""
    for i, sentence in enumerate(sentences):
        after = sentences[i + 1] if i + 1 < len(sentences) else ""
        if _TAG_ONLY.search(sentence) and (_LEADS_WITH_PRONOUN.match(sentence) or not after
                                           or re.match(rf"(?:please\s+)?{_REQUESTS}\b", after, re.I)):
            lead = f"{lead} {sentence}".strip()  # "It covers three treatments, right? Name them.": context for the next
            continue
        if _TAG_ONLY.search(sentence):  # "Peels are the cheapest, right? What do they cost?": a claim checked on its
            parts.append(f"{lead} {sentence}".strip())  # own, and context for the question after it
            lead, context = "", parts[-1]
            continue
        listed = _listed(sentence)
        if listed:  # "three things: visa processing time, deposit %, how early to book"
            parts.extend(listed)
            continue
        asks = sentence.endswith("?") or re.match(rf"(?:(?:and|also|plus|but)\s+)?(?:{_QWORD}|{_REQUESTS})\b", sentence,
                                                  re.I) or re.search(
            rf"[:;]\s+{_QWORD}\b", sentence, re.I) or len(_asking_pieces(sentence)) >= 2  # "two things: how much is X, and how long is Y"
        if not asks or len(sentence.split()) < 3:
            lead = f"{lead} {sentence}".strip()
            continue
        pieces = _asking_pieces(sentence)
        if context:
            pieces[0], context = f"{context} {pieces[0]}", ""
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
    return _modifiers_joined(_ungapped(parts)) or [question]


_GAPPED = re.compile(r"^(?:and\s+|or\s+)?(which|what|how much|how long|how many|where)\s+(for|in|with|at|of|on|after)\s+(.+)$", re.I)


def _ungapped(parts: list[str]) -> list[str]:
    """"which filler is used for cheeks and which for temples?": a part that keeps only its
    question word and what follows the preposition takes the rest from the part before it."""
    out = list(parts)
    for i in range(1, len(out)):
        m = _GAPPED.match(out[i].strip())
        prev = out[i - 1]
        if not m or not prev.lower().startswith(m.group(1).lower()):
            continue
        cut = re.search(rf"\s{m.group(2)}\s", prev, re.I)
        if cut:
            out[i] = f"{prev[: cut.start()]} {m.group(2)} {m.group(3)}"
    return out


# words of a part that only shapes how the part before it is answered ("give me the range", "both ends pls")
_SHAPING = frozenset({"give", "tell", "show", "list", "range", "ranges", "figure", "figures", "number", "numbers",
                      "breakdown", "details", "detail", "exact", "roughly", "approx", "approximately", "pls", "please",
                      "both", "ends", "end", "low", "high", "lowest", "highest", "min", "max", "total", "totals",
                      "usd", "dollars", "ballpark", "estimate", "quick", "short", "answer", "thanks", "thx"})


def _modifiers_joined(parts: list[str]) -> list[str]:
    """A part that asks nothing of its own ("give me the range", "low and high end pls") shapes the one
    before it: it is joined to that part rather than answered (and declined) alone."""
    out: list[str] = []
    for p in parts:
        content = [w for w in words(p) if w not in STOPWORDS]
        if out and len(p.split()) <= 6 and content and all(w in _SHAPING for w in content):
            out[-1] = f"{out[-1].rstrip(' ?.!')}, {p}"
            continue
        out.append(p)
    return out


_META_INTRO = re.compile(r"^(?:(?:[\w'-]+\s+){0,5}?(?:things?|questions?|qs|q's|qns|points?|items?|bits?)(?!\w)[^:]{0,20}"
                         r"|(?:(?:a\s+)?(?:quick|few|couple(?:\s+of)?)\s+)?(?:two|three|four|five|[2-5])(?:\s+quick)?(?:\s+ones)?)"
                         r"\s*:\s*(.+)$", re.I)  # "Quick three: ..." counts what follows
_NUMBERED = re.compile(r"(?:^|\s)\(?(?:[1-6]|[a-f])\)\s+")  # "1) ...", "(a) ..."
_ITEM_SEP = re.compile(r"\s*[,;]\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+(?=(?:the\s+)?[\w%$]+(?:\s+[\w%$]+){0,3}\s*[?.!]?$)")


def _listed(sentence: str) -> list[str]:
    """"two quick things: X, Y and Z" or "1) X, 2) Y" → one question per listed item (each a terse question of
    its own)."""
    numbered = _NUMBERED.split(sentence)
    if len(numbered) >= 3:  # "... a few questions: 1) X, 2) Y": the text before "1)" only introduces
        items = [x.strip(" ,;?.!") for x in numbered[1:]]
        items = [re.sub(r"\s*(?:,|;)?\s*(?:and|&)$", "", x) for x in items if x]
    else:
        m = _META_INTRO.match(sentence)
        if not m:
            return []
        items = [x.strip(" ?.!") for x in _ITEM_SEP.split(m.group(1)) if x and x.strip(" ?.!")]
    if not 2 <= len(items) <= 6 or any(len(x.split()) > 9 for x in items):
        return []
    return [x if x.endswith("?") else f"{x}?" for x in items]


_COMPARATIVE = re.compile(r"\b(?:which|what|who)(?:\s+one)?\b|\b(?:or|vs\.?|versus|and|between|than)\b|"
                          r"\b(?:fewer|less|more|longer|shorter|better|worse|faster|slower|quicker|safer|stronger|"
                          r"bigger|smaller|greater|higher|lower|easier|harder|most|least)\b|[,/]")


def contrasted(reader: Reader, question: str, q: Query) -> list[str]:
    """"Which one heals faster, peels or lasers?" → one question per treatment compared, on
    the attribute asked ("microneedling: needs sessions?"); the two answers side by side let the reader
    compare. Prices are compared by the price strategy, not here."""
    procs = [p for p in q.procedures if "general" not in p and not (q.filler_types and "filler" in p)]
    names = [*(("procedure", p) for p in procs), *(("filler_type", f) for f in q.filler_types)]  # the kinds, not "fillers"
    if not names:
        names = [("scar_type", t) for t in q.scar_types]  # "icepick vs boxcar: the difference?"
    asks = bool(q.attributes or _SHARE.search(q.asking or question))  # "what share of scars are X, Y and Z?"
    each = asks and bool(_EACH.search(q.asking or question) or _SET_AGAINST.search(q.asking or question)) \
        and not q.recommend  # "how long do X and Y last?", "how common are X compared with Y?"
    compare = q.compare and not (q.asking and not COMPARE_WORDS.search(q.asking.lower()))  # "I'm torn between X
    bare = bool(q.asking) and not set(words(q.asking)) - _BARE  # "... two fillers, X and Y. What's the difference?"
    if q.asking or (each and not compare):  # and Y. How does Y work?": the names the question asks about, not the story's
        asked = [(k, n) for k, n in names if n in q.asked_entities]
        names = asked or (names if bare else [])
    away = [c for c in q.countries if c not in q.home_countries]  # "I'm Australian": where they live, no price asked
    if not (compare or each) or q.asks_cost or away or not 2 <= len(names) <= 3:
        return []
    if len(q.all_scar_types) == 1 and all(kind == "procedure" for kind, _n in names) \
            and re.search(r"\b(?:which|what|better|best)\b", question, re.I):
        return []  # "which works better for rolling scars, X or Y?": a choice by scar type, which the article ties
    if bare:  # "... X and Y. What's the difference?": what each one is
        return [f"What are {name}?" if is_plural([name], kind) else f"What is {name}?" for kind, name in names]
    verb = _COMPARED_ON.search(question)
    if verb:  # "which of X and Y lasts longer?": what the article says of each on that, side by side
        template = _ASKED_ON[next(k for k in _ASKED_ON if verb.group(1).lower().startswith(k))]
        return [template.format(s=name) for _kind, name in names]
    if each and not compare:  # "how many sessions do X and Y need?" → "how many sessions does X need?", each
        spans = sorted(x for kind, name in names for x in reader.spans(question, kind, name))
        if spans and not question[spans[-1][1]:].strip(" ?.!"):  # "what share of scars are X, Y and Z?": at the end
            before = re.sub(r"\s+", " ", _POINTERS.sub(" ", question[: spans[0][0]])).lstrip()
            return [f"{agree(before, is_plural([name], kind))}{name}?" for kind, name in names]
        if spans and question[spans[-1][1]:].strip(" ?.!"):  # the names stand where the subject goes
            a, b = spans[0][0], spans[-1][1]
            before, after = (_POINTERS.sub(" ", x) for x in (question[:a], question[b:]))
            before = re.sub(r"\s+", " ", before).lstrip()
            return [re.sub(r"\s+", " ", f"{agree(before, is_plural([name], kind))}{name}{after}").strip()
                    for kind, name in names]
    text = question
    for kind, name in names:
        for a, b in reversed(reader.spans(text, kind, name)):
            text = text[:a] + " " + text[b:]
    text = _POINTERS.sub(" ", text)  # "both of them": the names each part is about stand in for them
    rest = re.sub(r"\s+", " ", _COMPARATIVE.sub(" ", text)).strip(" ?.!:;—–-")
    rest = re.sub(r"\s+(?:for|of|with|about|to)$", "", rest, flags=re.I)
    rest = re.sub(r"^(?:(?:of|the|a|an|one|ones)\s+)+", "", rest, flags=re.I)  # what the names stood in
    if kind_asked := _SCARS_FOR.search(rest):  # "which scar type is each one for?": the types each one suits
        return [f"Which scars is {name} for?" for _kind, name in names] if kind_asked else []
    if not set(words(rest)) - _BARE:  # "what's the actual difference?": what each one is
        return [f"What are {name}?" if is_plural([name], kind) else f"What is {name}?" for kind, name in names]
    return [f"{name}: {rest}?" for _kind, name in names]


# how each attribute is asked on its own of one treatment; {s} is its name, {c} " in <country>" or ""
_ASKED_ALONE = {
    "cost": "How much does {s} cost{c}?",
    "sessions": "How many sessions of {s} are needed?",
    "recovery": "What is the recovery like after {s}?",
    "risks": "What are the risks of {s}?",
    "procedure": "What happens during {s}?",
    "effectiveness": "How effective is {s}?",
    "preparation": "How should I prepare for {s}?",
    "benefits": "What are the benefits of {s}?",
}
_EXTRA_CUES = {"cost": ("how much", "fee", "fees", "charge"), "sessions": ("how many",)}
_CLAIMS = re.compile(r"\b(?:since|because|given|as|so|if|isn'?t|aren'?t|doesn'?t|don'?t|right|correct|true)\b", re.I)
_ATTRS_JOINED = re.compile(r"\band\b|\+|&|,|;|/|\bplus\b|\balso\b|\bas well as\b", re.I)
# "3 laser sessions", "per session", "a session": a count or a unit of a price, not the number of sessions asked
_COUNTED_SESSIONS = re.compile(r"\b(?:\d+|one|two|three|four|five|six|per|a|each)\s+(?:\w+\s+)?sessions?\b", re.I)


def by_attribute(question: str, q: Query) -> list[str]:
    """"peels: risks and price in India?", "laser recovery, sessions too" → one question per
    attribute asked of the one treatment named, so that no attribute goes unanswered. Only when the
    attributes' cue words are coordinated ("and", "+", a comma): "the cost of 3 sessions" asks one price."""
    names = [*(p for p in q.procedures if "general" not in p), *q.filler_types]
    attrs = [a for a in dict.fromkeys(q.attributes) if a in _ASKED_ALONE]
    if len(names) != 1 or len(attrs) < 2 or q.recommend or q.compare or q.yesno or q.count or q.clinics \
            or q.operation == "compute":  # "a typical course, so what is my bill?" is one total
        return []
    if q.numbers or q.amounts or q.percent is not None or q.budget or q.asking or _CLAIMS.search(question):
        return []  # a message that states something ("since it has no downtime and costs $100, ...") is asked as said
    low = f" {normalize(question).lower()} "
    at = {}
    for a in attrs:
        cues = [*lexicon.ATTRIBUTES[a]["cues"], *_EXTRA_CUES.get(a, ())]
        hits = [m.start() for c in cues for m in re.finditer(rf"(?<!\w){re.escape(c.lower())}(?!\w)", low)
                if not (a == "sessions" and _COUNTED_SESSIONS.search(low[max(0, m.start() - 20): m.end() + 1]))]
        if hits:
            at[a] = min(hits)
    order = sorted(at, key=at.get)
    # keywords side by side ("subcision korea price sessions") are a list too: no sentence joins them otherwise
    terse = len(low.split()) <= 6 and not re.search(r"\b(?:what|how|which|is|are|does|do|of|for|per|a|the)\b", low)
    if len(order) < 2 or any(not (terse or _ATTRS_JOINED.search(low[at[a]: at[b]]))
                             for a, b in zip(order, order[1:], strict=False)):
        return []
    where = f" in {q.countries[0].title() if q.countries[0].islower() else q.countries[0]}" if len(q.countries) == 1 else ""
    return [_ASKED_ALONE[a].format(s=names[0], c=where) for a in order]


# "which lasts longer", "which one heals faster": the attribute two treatments are compared on, asked of each
_COMPARED_ON = re.compile(r"\b(last|lasts|heal|heals|recover|recovers|work|works|hurt|hurts|need|needs)\s+"
                          r"(?:the\s+)?(?:longer|faster|quicker|better|more|less|fewer|longest|fastest|best|most|least)\b",
                          re.I)
_ASKED_ON = {"last": "How long do the results of {s} last?", "heal": "What is the recovery like after {s}?",
             "recover": "What is the recovery like after {s}?", "work": "How effective is {s}?",
             "hurt": "What are the side effects of {s}?", "need": "How many sessions of {s} are needed?"}
_SET_AGAINST = re.compile(r"\bcompared?\s+(?:with|to)\b|\bvs\.?(?!\w)|\bversus\b", re.I)
_SHARE = re.compile(r"\b(?:share|percent|percentage|proportion|fraction|how common)\b|%", re.I)
_POINTERS = re.compile(r"\b(?:(?:both|each|all)\s+of\s+(?:them|those|these)|both|each|them|those|these)\b", re.I)
_EACH = re.compile(r"\b(?:and|both|each|all three|all two)\b", re.I)
_SCARS_FOR = re.compile(r"\b(?:scar\s+types?|types?\s+of\s+scars?|kinds?\s+of\s+scars?|which\s+scars?)\b", re.I)
_BARE = {"what", "what's", "whats", "is", "are", "the", "a", "an", "s", "difference", "differences", "actual",
         "actually", "real", "main", "key", "exactly", "between", "them", "two", "these", "those", "tell", "me",
         "explain", "please", "compare", "comparison", "how", "do", "does", "differ", "vs"}


_WH_AFTER_INTRO = re.compile(r"^(?P<intro>[^?]{0,40}?)(?:^|\s|[—–:-]\s*)(?:what|what's|whats|how|which|where|when|why|who)\b",
                             re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|my|me|we|we're|our|us|you|they)\b", re.I)
_COORDINATED = re.compile(r"^,?\s*(?:(?:and|also|plus)\b|[+&])", re.I)


def _asks(piece: str) -> bool:
    """A piece of a sentence that asks: "...?", a question word or request first, or a short intro of
    no one's words before the question word ("After peels how long ...", "Subcision — what's ...")."""
    if piece.endswith("?") or re.match(rf"(?:{_QWORD}|{_REQUESTS})\b", piece, re.I):
        return True
    m = _WH_AFTER_INTRO.match(piece)
    return bool(m) and not _FIRST_PERSON.search(m.group("intro"))


def _asking_pieces(sentence: str) -> list[str]:
    """"X and how much is Y?" → two questions; a clause that does not ask ("as a student I can't
    afford much, which is cheapest?") stays in front of the question after it. A request joined to the
    next question by "and" ("laser prices in Thailand pls, and which one is for redness") is a part of its
    own, unless it speaks of the user ("I have boxcar scars and which ...")."""
    out: list[str] = []
    lead, colon = "", False
    # "Fillers: how long does it take, and what's one session?": the subject before the colon goes with each part
    m = re.match(r"^\s*((?:[\w'-]+\s+){0,3}[\w'-]+)\s*(?::|\s[—–-])\s+(?=\S)", sentence)
    topic = m.group(1) if m and not re.search(r"\b(?:things?|questions?|qs|points?|quick|pls|please)\b", m.group(1),
                                                re.I) and not _FIRST_PERSON.search(m.group(1)) else ""  # not "Sorting out my holiday:"
    bounds = [0, *(x for m in _SPLIT.finditer(sentence) for x in (m.start(), m.end())), len(sentence)]
    spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    for i, (a, b) in enumerate(spans):
        p = sentence[a:b].strip(" ,;")
        if not p:
            continue
        joined = i + 1 < len(spans) and bool(_COORDINATED.match(sentence[b: spans[i + 1][0]]))
        about = re.match(r"^(?:and\s+)?(?:what|how)\s+about\b", p, re.I) and not p.endswith("?")
        own = joined and len(p.split()) >= 3 and not _FIRST_PERSON.search(p) and not about
        if len(p.split()) < 3 or about or not (_asks(p) or own):
            lead = f"{lead}, {p}" if lead else p
            colon = i + 1 < len(spans) and ":" in sentence[b: spans[i + 1][0]]  # "Sorting out my holiday: how ...?"
            continue
        if topic and out and not lead:
            p = f"{topic}: {p}"
        out.append(f"{lead}{': ' if colon else ', '}{p}" if lead else p)
        lead, colon = "", False
    if lead:
        out = [*out[:-1], f"{out[-1]}, {lead}"] if out else [lead]
    if len(out) > 1 and sentence.rstrip().endswith("?"):  # "Is X refundable, and how ...?": each part asks
        out = [p + "?" if p.rstrip()[-1:] not in ("?", ".", "!") and _OPENS_ASKING.match(
            re.split(r"(?<=[.!?])\s+", p.strip())[-1]) else p for p in out]
    return out or [sentence]
