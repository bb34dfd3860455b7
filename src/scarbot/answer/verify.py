"""Checks on a draft before it is shown: does it answer what was asked, and does the question rest on
a premise the article contradicts?

* Coverage: words of the question that nothing in the article binds ("refund", "alcohol") and
  that the chosen sentences do not contain mean the asked fact is missing: the reply says plainly
  what the article does not say, points to the closest thing it does say, and abstains.
* Premise: a count stated in a yes/no or "why" question ("only one session") that the cited
  sentences contradict ("4-6 treatments") is corrected before the quote.
"""

from __future__ import annotations

import re

from scarbot import lexicon
from scarbot.answer import weights as W
from scarbot.answer.base import Draft, Part, join_names
from scarbot.chunking import split_sentences
from scarbot.nlp import content_words, stem, words
from scarbot.query import REPORTED, Query, related
from scarbot.text import COUNT_WORDS, figures, spelled_numbers

_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:[-–]|to)\s*(\d+(?:\.\d+)?)")


def verify(q: Query, draft: Draft, rare: dict[str, set[str]], background: set[str] | frozenset[str] = frozenset(),
           homes: tuple[str, ...] = ()) -> Draft:
    """``rare``: stems the article uses in very few sentences, by their first three letters; only those (or words it never uses)
    can make an asked fact missing ("refund" in an article that mentions only VAT refunds). ``background``: the
    article's own subject words (its title, its country), which a yes/no question need not find again."""
    if draft.abstained:
        return draft
    if draft.strategy == "extract" and q.numbers and q.yesno and _fits(q, draft) is False:
        return _premise(q, draft)  # "one session and one trip will do, right?": the count is wrong, whatever else
    if draft.strategy == "extract" and answer_type(q) == "duration" and q.salient:
        # a time is a fact about one thing: "how long is the visa valid?" is not answered by how long it takes to
        # process, however close the sentence. A word with nothing near it in the article must be in the sentence.
        phrasal = {m.group(1) for m in _PHRASAL.finditer(q.text.lower())}  # "hang around", "clear up": how long it lasts
        gap = _uncovered(q, draft, {}, [w for w in q.absent if w in q.salient and w not in q.framing and w not in phrasal])
        if gap:
            return _partial(q, draft, gap)
    if draft.strategy == "extract" and q.salient and draft.similarity < W.UNBOUND_SIMILARITY:
        # a word the article uses elsewhere counts only when the best match is weak indeed
        gap = _uncovered(q, draft, rare if draft.similarity < W.RARE_SIMILARITY else {})
        if gap:
            return _partial(q, draft, gap)
    if draft.strategy in ("clinics", "extract") and q.clinics and (q.yesno or _WHETHER.search(q.text.lower())):
        # "does <clinic> have English-speaking staff?": what the article says of clinics in general is not said of it
        gap = _uncovered(q, draft, rare)
        if gap:
            return _partial(q, draft, gap)
    if draft.strategy == "extract" and answer_type(q) == "percent" and q.salient:
        # "what share of patients get an infection?": a share of something else (improvement) does not answer
        gap = _uncovered(q, draft, rare)
        if gap:
            return _partial(q, draft, gap)
    if q.absent and (draft.strategy == "clinics" or (draft.strategy == "prices" and not (q.procedures or q.filler_types))
                     or (draft.strategy == "extract" and draft.similarity < W.ABSENT_SIMILARITY)):
        # (prices in general are no answer to "can I pay in instalments?")
        # a topic the article has no word near ("alcohol", "acupuncture"): missing however close the sentence
        gap = _uncovered(q, draft, {}, q.absent)
        if gap:
            return _partial(q, draft, gap)
    asked = (q.asking or q.text).lower()  # "Budget about $3,000. What's laser in Korea?": the budget is no claim
    if draft.strategy == "prices" and (q.yesno or q.text.rstrip().endswith("?") and _CLAIM.search(asked)
                                       and not _WH_FIRST.match(asked)) and q.amounts \
            and not (q.budget is not None and q.amounts == [q.budget]):
        return _price_claim(q, draft)
    if draft.strategy == "prices" and q.yesno and not q.amounts:
        noted = _noted(q, draft)  # "is PRP part of the Australian figure?": the cell's own note says so
        if noted is not None:
            return noted
    if draft.strategy in ("prices", "compose"):
        money = _CURRENCY.search(q.text.lower())
        said = " ".join(f"{p.text} {p.quote}" for p in draft.parts).lower()
        if money and money.group(1) not in said and _SYMBOLS.get(money.group(1)[:3], "?") not in said:
            out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: another currency"])
            given = "in US dollars" if "$" in said else "in other currencies"
            return out.add(f"The article gives these prices {given}; it gives none in {money.group(1)}, and "
                           "converting them would need an exchange rate it does not state")
        unit = _PER.search(q.text.lower())
        word = lexicon.CHAT_SHORTHAND.get(unit.group(1), unit.group(1)) if unit else ""  # "per sesh": per session
        word = "session" if word in _ONE_SITTING else word  # "per go", "per visit": one session
        if unit and not _per_unit_given(draft, word):
            return _other_unit(draft, word)
    if draft.strategy == "extract":
        wanted = answer_type(q)
        if wanted is not None and not _has_type(draft, wanted, _topic(q), bool(_ASKS_INTERVAL.search(q.text.lower())),
                                                _named(q)):
            return _untyped(draft, wanted, _topic(q), _subject_name(q))
        unit = _IN_UNIT.search(q.text.lower())  # "how long ... in minutes": a time in other units does not answer
        said = " ".join(f"{p.text} {p.quote}" for p in draft.parts).lower()
        if wanted == "duration" and unit and not re.search(rf"\b{unit.group(1)[:-1]}s?\b", said):
            return _untyped(draft, wanted, _topic(q))
    if draft.strategy == "extract":
        unnamed = _unnamed(q, draft)
        if unnamed is not None:
            return unnamed
    other = _other_year_or_grade(q, draft)
    if other is not None:
        return other
    elsewhere = _other_country(q, draft, homes)
    if elsewhere is not None:
        return elsewhere
    if q.percent is not None and q.yesno and draft.strategy == "extract" and (not q.asking or "%" in q.asking
                                                                              or "percent" in q.asking.lower()):
        # (a share told in the story before the question, "paid the 10% deposit ...", is no claim)
        return _share_premise(q, draft)
    if q.yesno and draft.strategy == "extract":
        described = _described_otherwise(q, draft)
        if described is not None:
            return described
        claimed = _claim_against_figures(q, draft)
        if claimed is not None:
            return claimed
    if q.numbers and (q.yesno or q.why):
        return _premise(q, draft)
    if q.yesno and draft.strategy == "extract" and q.absent:
        gap = _uncovered(q, draft, {}, q.absent)  # "is aspirin fine for the swelling?": a yes or no about
        if gap:  # something the article never touches, which no claim it does make settles
            return _partial(q, draft, gap)
    if q.yesno and draft.strategy == "extract":
        return _affirmed(q, draft, background)
    return draft


# A yes/no question is answered "Yes" only when one clause of the first quoted sentence says all that it
# asks, with no negation or hedge in that clause ("semi-permanent" does not confirm "permanent").
_WHETHER = re.compile(r"\b(?:asks?|asking|wants? to know|wondering|know)\s+(?:whether|if)\b")  # "client asks whether X is ..."
_PHRASAL = re.compile(r"\b([a-z]+)\s+(?:around|about|away|on|up|off|out|over)\b")
_GIVEN = re.compile(r"^\s*(?:since|as|because|given that|seeing as)\b")  # a premise, then a question
_CLAUSES = re.compile(r"[,;:—–]|\s-\s|\b(?:or|but|while|whereas|although|though|except|unless)\b"
                      r"|\band\s+(?=(?:is|are|was|were|can|may|has|have|will|it|they)\b)")
_ASIDE = re.compile(r"\s*\([^)]*\)")  # "A deposit (about 10%) is required": the aside is no clause of its own
_DENIES = re.compile(r"\b(?:not|no|never|without)\b|n't\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|without|cannot|can't|isn't|aren't|doesn't|don't|won't|neither|nor|none|"
                       r"semi|non|less|rarely|unlikely|may|might|can|could|some|experimental|yet)\b|n't\b", re.I)
_LIGHT = {"need", "get", "have", "has", "do", "does", "did", "make", "go", "take", "use", "really", "actually", "also",
          "still", "there", "any", "anything", "someone", "people", "true", "possible", "able", "usually", "typically",
          "normally", "generally", "ok", "okay", "fine", "right", "correct", "say", "says", "said", "article",
          "leave", "leaves", "cause", "causes", "give", "gives", "lead", "leads", "result", "end", "come", "comes",
          "first", "initial", "clinic", "clinics"}  # "is the first consultation at clinics free?": the consultation


def _affirmed(q: Query, draft: Draft, background: set[str] | frozenset[str]) -> Draft:
    first = next((p for p in draft.parts if p.chunk_id), None)
    asking = q.asking or q.text
    unbound = [w for w in q.unbound if w not in _LIGHT]  # "can it leave marks?": "leave" asks nothing of its own
    if first is None or _DENIES.search(asking) or q.absent or unbound or _ASKS_ADVICE.match(asking):
        return draft  # "should I get it?" asks for a decision the article cannot make
    places = {w for c in q.countries for a in [c.lower(), *lexicon.COUNTRIES.get(c, [])] for w in words(a)}
    skip = [*_LIGHT, *background, *places]  # "at Korean clinics": where, not what is claimed
    needed = [w for w in dict.fromkeys(content_words(asking)) if len(w) > 2 and not any(_kin(w, b) for b in skip)]
    claim = REPORTED.search(q.text.lower()) if not needed and asking != q.text else None
    if claim:  # "What did she get right? She said X.": the claim is what was said
        said_words = content_words(re.sub(r"^[\w']+(?:\s+me)?(?:\s+that)?\s+", "",
                                          split_sentences(q.text[claim.start():])[0]))  # (not "claims" itself)
        needed = [w for w in dict.fromkeys(said_words) if len(w) > 2 and not any(_kin(w, b) for b in skip)]
    if not needed:
        return draft
    label, _, body = first.text.partition(":") if ":" in first.text[:60] else ("", "", first.text)
    for sentence in split_sentences(_ASIDE.sub("", body)):
        clauses = [c for c in _CLAUSES.split(sentence) if c and c.strip()]
        if not _NEGATION.search(sentence):  # nothing in it hedges: the whole sentence may say it
            clauses.append(sentence)
        subject = words(clauses[0]) if clauses else []  # "X undergo training and are known for ...": X is known
        for clause in clauses:
            if _NEGATION.search(clause):
                continue
            said = [*words(label), *words(clause), *(subject if _SHARES_SUBJECT.match(clause) else [])]
            if all(any(_kin(w, x) for x in said) for w in needed):
                draft.parts.insert(0, Part("Yes."))
                draft.steps.append("verify: confirmed")
                return draft
    return draft


def _kin(a: str, b: str) -> bool:
    """One word for a yes/no check: related as they stand or by their stems ("treated", "treatment")."""
    return related(a, b) or related(stem(a), stem(b))


_ASKS_ADVICE = re.compile(r"^\s*(?:so\s+|and\s+)?(?:should|shall|would|could|must)\s+(?:i|we|my|you)\b", re.I)
_SHARES_SUBJECT = re.compile(r"\s*(?:is|are|was|were|can|may|has|have|will)\b", re.I)


# What kind of answer a question wants, by how it asks: a reply of another kind does not answer it
# ("how long does the swelling last?" answered with its risks).
_ASKS_DURATION = re.compile(r"\bhow (?:long|many (?:days|weeks|months|years|hours|minutes))\b|\bhow (?:soon|quickly|fast)\b"
                            r"|^[\w\s'-]{2,40}\b(?:duration|longevity)\s*\??\s*$")  # "sculptra longevity"
_ASKS_PRICE = re.compile(r"\bhow much (?:is|are|does|do|would|will|for|money)\b|\bwhat(?:'s|s| is| are)? the "
                         r"(?:[a-z-]+\s+){0,2}(?:fee|fees|price|cost|charge)s?\b|^[\w\s'-]{3,40}\b(?:price|cost|fee)s?\s*\??\s*$"
                         r"|\b(?:free of charge|for free|cost extra|charged? extra|extra (?:charge|cost|fee)|paid separately|"
                         r"(?:is|are) (?:it|they|these|those|the \w+) free)\b")
_DURATION = re.compile(r"\b(?:minutes?|hours?|days?|weeks?|months?|years?|overnight|permanent\w*|"
                       r"immediate\w*|instant\w*|same day|lasting)\b", re.I)
_MONEY = re.compile(r"\$\s?\d|\d\s?%|\bfree\b|\busd\b|\bno (?:cost|charge)\b", re.I)
_ASKS_INTERVAL = re.compile(r"\b(?:between|apart|how often|gap|interval|spacing|spaced)\b")
_INTERVAL = re.compile(r"\b(?:spaced\s+)?(?:about\s+)?(?:an?|one|\d+(?:\s*[-–]\s*\d+)?)\s+(?:days?|weeks?|months?|years?)\s+apart\b"
                       r"|\bevery\s+(?:\d+\s*[-–]?\s*\d*\s+)?(?:days?|weeks?|months?|years?)\b", re.I)
_IN_UNIT = re.compile(r"\b(?:in|how many) (minutes|hours|days|weeks|months|years)\b")
_ASKS_PERCENT = re.compile(r"\bwhat (?:average |typical |usual |rough )?(?:percentage|percent|proportion|share|fraction|%)\b|\bhow many (?:percent|%)|%\s*\??\s*$"
                           r"|\bwhat(?:'s| is)? the (?:\w+\s+){0,2}(?:rate|percentage)\b"
                           r"|^\W*(?:and\s+|so\s+)?(?:the|its|their)\s+(?:share|proportion|percentage)\b"  # "and its share?"
                           r"|\w's?\s+(?:share|proportion|percentage)\s*\??\s*$"  # "rolling scars' share?"
                           r"|\b(?:percentage|percent|proportion)\b(?:\s+(?:for|of)\s+[\w\s]{2,30})?\s*\??\s*$")  # "boxcar percentage?"
_SHARE = re.compile(r"\d\s?%|\bpercent")
_TYPES = {"duration": (_DURATION, "how long that takes"), "price": (_MONEY, "a price for that"),
          "percent": (_SHARE, "a percentage for that")}


_CURRENCY = re.compile(r"\b(?:in|into|to|as)\s+(?:(?:south\s+)?[a-z]+\s+)?(won|krw|yen|jpy|euros?|eur|pounds?|gbp|sterling|"
                       r"baht|thb|lira|rupees?|inr|aud|cad|sgd|yuan|rmb|pesos?)\b")
_SYMBOLS = {"eur": "€", "pou": "£", "gbp": "£", "ste": "£", "yen": "¥", "jpy": "¥", "won": "₩", "krw": "₩", "lir": "₺",
            "rup": "₹", "inr": "₹", "bah": "฿", "thb": "฿", "yua": "¥", "rmb": "¥"}
_ONE_SITTING = {"go", "visit", "sitting", "appointment", "round", "treatment", "procedure", "time"}
_PER = re.compile(r"\bper\s+(?!(?:cent|person|se|your|the|my|our|their|its|this|that|a|an|article|table)\b)([a-z]+)")


def _per_unit_given(draft: Draft, unit: str) -> bool:
    """Whether the prices quoted are per that unit ("per vial"), or name no unit at all."""
    said = " ".join(f"{p.text} {p.quote}" for p in draft.parts).lower()
    return unit.rstrip("s") in said or not _PER.search(said)


def _other_unit(draft: Draft, unit: str) -> Draft:
    said = " ".join(f"{p.text} {p.quote}" for p in draft.parts).lower()
    given = sorted({m.group(1) for m in _PER.finditer(said)})
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, f"verify: no price per {unit}"])
    out.add(f"The article gives no price per {unit}: its prices are per {join_names(given, 'or')}")
    return out


def answer_type(q: Query) -> str | None:
    low = q.text.lower()
    if _ASKS_DURATION.search(low):
        return "duration"
    if _ASKS_PRICE.search(low) and ("cost" in q.attributes or not low.startswith("how much")):
        return "price"  # not "how much does it hurt?" (the parse found no price asked)
    if _ASKS_PERCENT.search(low):
        return "percent"
    return None


def type_pattern(wanted: str) -> re.Pattern:
    return _TYPES[wanted][0]


_KIND_WORDS = {"fillers", "filler", "scars", "scar", "therapy", "treatment", "treatments", "general", "atrophic"}


def _named(q: Query) -> list[set[str]]:
    """The words that name each treatment asked about ("Radiesse" → its calcium hydroxylapatite row), the
    asking sentence's own when a story around it names others."""
    out = []
    kinds = [n for n in q.filler_types if n in q.asked_entities]  # a filler type asked: not fillers in general
    for name in kinds or q.procedures:
        key = {w for w in words(name.split("(")[0]) if w not in _KIND_WORDS and len(w) > 2}
        if key and name in q.asked_entities:
            out.append(key)
    return out


_CARRIES = re.compile(r"\s*(?:they|they're|they’re|it|it's|it’s|these|this)\b", re.I)


def _has_type(draft: Draft, wanted: str, topic: set[str], interval: bool = False,
              named: list[set[str]] | None = None) -> bool:
    """Whether the reply states an answer of that kind; a share or an amount must stand in a sentence about
    the asked topic ("what percentage of the VAT ...?" is not answered by the deposit's 10%), and a time
    about the treatment asked (the lifespan of one filler type is not answered by another type's years)."""
    pattern = _TYPES[wanted][0]
    if wanted == "duration" and named:
        texts = [f"{p.text} {p.quote}" for p in draft.parts]
        about = [x for x in texts if any(_kin(k, w) for key in named for k in key for w in words(x))]
        if not any(pattern.search(x if interval else _INTERVAL.sub(" ", x)) for x in about):
            return False
    if wanted == "duration" and not interval:  # "spaced a month apart" says how often, not how long
        return any(pattern.search(_INTERVAL.sub(" ", x)) for p in draft.parts for x in (p.text, p.quote))
    if wanted not in ("percent", "price") or not topic:
        return any(pattern.search(p.text) or pattern.search(p.quote) for p in draft.parts)
    for p in draft.parts:
        about = False  # "Icepick scars: deep, narrow ... They make up 60-70%": "they" carries the topic on
        for x in split_sentences(f"{p.text} {p.quote}"):
            here = any(_kin(t, w) for t in topic for w in words(x))
            if pattern.search(x) and (here or (about and _CARRIES.match(x))):
                return True
            about = here or (about and bool(_CARRIES.match(x)))
    return False


def _topic(q: Query) -> set[str]:
    return {w for w in q.salient if w not in q.framing}


def _other_country(q: Query, draft: Draft, homes: tuple[str, ...]) -> Draft | None:
    """"The visa processing time for Thailand?": the article's travel facts are about its own country; a quote
    that does not name the asked country does not answer for it."""
    if draft.strategy != "extract" or draft.abstained or q.asks_cost or not homes or not q.countries:
        return None
    asked = [c for c in q.countries if c not in homes and c not in q.home_countries]  # not where the user lives
    if q.asking:  # "I live in Brisbane, Australia ... how do fillers work?": a country of the story is not asked about
        said_in_question = set(words(q.asking.lower()))
        asked = [c for c in asked if said_in_question & {w for a in [c.lower(), *lexicon.COUNTRIES.get(c, [])]
                                                         for w in words(a)}]
    if not asked or len(asked) != len(q.countries):
        return None
    said = " ".join(f"{p.text} {p.quote}" for p in draft.parts).lower()
    if any(w in said for c in asked for w in words(c.lower())):
        return None
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: another country"])
    first = next((p for p in draft.parts if p.chunk_id), None)
    out.add(f"The article does not say this for {asked[0]}; what it says is about {join_names(list(homes))} "
            "(quoted in the source below)", first.chunk_id if first else None, first.quote if first else "")
    return out


_YEAR_OR_GRADE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:grade|level|stage|class|phase|tier)\s+\d+\b", re.I)


# "Which medical hotel do most patients use?": one of a kind, by name. A sentence that speaks of the kind only in
# general ("medical hotels are available") and names nothing does not answer it.
_WHICH_ONE = re.compile(r"^\s*(?:[\w']+[,.]?\s+){0,3}?(?:which|what)\s+(?:[a-z-]+\s+){0,2}?([a-z]{3,}?)\s+"
                        r"(?:do|does|did|is|are|should|would|can|could|will|has|have)\b")
_KINDS_OF_ANSWER = {"type", "kind", "sort", "part", "step", "way", "thing", "one", "option", "treatment", "procedure",
                    "country", "scar", "filler", "clinic", "hospital", "session", "price", "cost", "result"}


def _unnamed(q: Query, draft: Draft) -> Draft | None:
    m = _WHICH_ONE.match(q.text.lower())
    if m is None or m.group(1) in _KINDS_OF_ANSWER or m.group(1).rstrip("s") in _KINDS_OF_ANSWER or q.entities:
        return None
    head = m.group(1)[:-1] if m.group(1).endswith("s") and not m.group(1).endswith("ss") else m.group(1)
    quoted = [body_text for p in draft.parts if p.chunk_id for body_text in [re.sub(r"^[^:]{1,40}:\s*", "", p.quote)]]
    forms = "|".join({head, head[:-2] + "er" if head.endswith("re") else head})  # "centre" / "center"
    if not quoted or any(re.search(rf"\b(?:{forms})\b(?!s)", t.lower()) for t in quoted):
        return None  # the kind in the singular: the sentence speaks of one
    if not any(re.search(rf"\b(?:{forms})(?:s|es)\b", t.lower()) for t in quoted):
        return None
    if any(re.search(r"(?<=[a-z,;(] )[A-Z][a-z]+|\b[A-Z]{2,}\b", t) for t in quoted):  # a name inside a sentence
        return None
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: no name given"])
    first = next(p for p in draft.parts if p.chunk_id)
    out.add(f"The article mentions {head}s only in general and names none, so it does not say which")
    out.add(f"What it says: {first.text}", first.chunk_id, first.quote)
    return out


def _other_year_or_grade(q: Query, draft: Draft) -> Draft | None:
    """A figure asked for one year that the article gives only for another ("in 2023" against its 2024 count),
    or one grade of a scale it describes only others of ("grade 1" against its grades 3 and 4)."""
    asked = {x.lower() for x in _YEAR_OR_GRADE.findall(q.text)}
    quoted = " ".join(f"{p.text} {p.quote}" for p in draft.parts)
    given = {x.lower() for x in _YEAR_OR_GRADE.findall(quoted)}
    if not asked or not given or asked & given or draft.abstained:
        return None
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: another year"])
    first = next((p for p in draft.parts if p.chunk_id), None)
    what = "year" if any(x[:2] in ("19", "20") for x in asked) else "grade"
    out.add(f"The article does not give that for the {what} you ask about; it gives it only for another {what} "
            "(quoted in the source below)", first.chunk_id if first else None, first.quote if first else "")
    return out


def _subject_name(q: Query) -> str:
    """The most specific treatment the asking sentence names ("Radiesse" → its filler type), or ""."""
    named = [n for n in [*q.filler_types, *q.procedures] if n in q.asked_entities and "general" not in n]
    return named[0] if named else ""


def _untyped(draft: Draft, wanted: str, topic: set[str] = frozenset(), about: str = "") -> Draft:
    """The reply found is about the subject but does not say what was asked (no time, no price); what it
    does say on the topic follows when that states no figure."""
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, f"verify: no {wanted} in the reply"])
    said = "does not say " + _TYPES[wanted][1] if wanted == "duration" else "does not give " + _TYPES[wanted][1]
    out.add(f"The article {said}{f' for {about}' if about else ''}")
    first = draft.parts[0]
    if first.chunk_id is not None and not figures(first.text):
        out.add(f"What it does say is this: {first.text}", first.chunk_id, first.quote)
        return out
    on_topic = [(p, x) for p in draft.parts if p.chunk_id for x in split_sentences(p.text)
                if any(_kin(t, w) for t in topic for w in words(x)) and not figures(x)]
    if on_topic:
        p, x = on_topic[0]
        out.add(f"What it does say is this: {x}", p.chunk_id, p.quote)
    return out


def _uncovered(q: Query, draft: Draft, rare: dict[str, set[str]], only: list[str] | None = None) -> list[str]:
    """Question words that no single sentence of the reply covers together with the others."""
    asked = only if only is not None else [*(w for w in q.unbound if w not in q.framing),
                                           *(w for w in q.salient if w not in q.unbound
                                             and any(related(w, r) for r in rare.get(w[:3], ())))]
    best: list[str] = asked
    for p in draft.parts:
        for sentence in split_sentences(f"{p.text}. {p.quote}"):
            said = {stem(w) for w in words(sentence)}
            # a word the article never uses is said by the article word it paraphrases ("trip": "travel"), but not by
            # another word of its family ("therapist" is no "therapy")
            missing = [w for w in asked if not any(related(w, s) or (w in q.near and q.near[w][:5] != w[:5]
                                                                      and related(q.near[w], s)) for s in said)]
            if len(missing) < len(best):
                best = missing
    return best


def _partial(q: Query, draft: Draft, gap: list[str]) -> Draft:
    """"The article does not mention X" — with the closest sentence when it states no figure."""
    out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: not covered"])
    def as_said(w: str) -> str:  # "FDA" as the user wrote it, not "fda"
        m = re.search(rf"\b{re.escape(w)}\b", q.text, re.I)
        return m.group(0) if m and m.group(0).isupper() else w
    never = [as_said(w) for w in gap if w in q.unbound][:3]
    elsewhere = [as_said(w) for w in gap if w not in q.unbound][:2]
    said = [f"does not mention {join_names(never, 'or')}"] if never else []
    said += [f"mentions {join_names(elsewhere)} only in another context"] if elsewhere else []
    out.add(f"The article {', and it '.join(said)}, so it does not answer that")
    first = draft.parts[0]
    if first.chunk_id is not None and not figures(first.text):
        out.add(f"The closest it comes is this: {first.text}", first.chunk_id, first.quote)
    elif first.chunk_id is not None:
        out.add("The closest passage is quoted in the source below", first.chunk_id, first.quote)
    return out


def _price_claim(q: Query, draft: Draft) -> Draft:
    """"Peels in India are $200?": the claimed figure against the ends of the prices quoted."""
    quoted = " ".join(p.quote for p in draft.parts if p.chunk_id)
    ends = {float(x.replace(",", "")) for x in re.findall(r"\$\s?(\d[\d,]*)", quoted)}
    if not ends:
        return draft
    top = _TOP_CLAIM.search(q.text.lower())
    claimed = q.amounts[0]
    ok = claimed == max(ends) if top else claimed in ends
    draft.parts.insert(0, Part("Yes." if ok else "No — that is not what the article says"))
    draft.steps.append("verify: price claim checked")
    return draft


_WH_FIRST = re.compile(r"\s*(?:which|what|where|who|how many)\b")  # "which countries start below $300?" asks, claims nothing
_CLAIM = re.compile(r"\b(?:is|are|costs?|tops? out|starts?|runs?)\b")
_TOP_CLAIM = re.compile(r"\b(?:top out|tops out|max(?:imum)?|at most|up to|highest|no more than)\b")


# "X make up most scars, right?": a majority claimed where the quote gives a share under half; "the visa takes
# about a month, correct?": a time claimed that the quote's time is far from
_MAJORITY = re.compile(r"\b(?:(?:make|makes|made) up most|most (?:of )?(?:atrophic |acne )?(?:scars|cases|people|patients)|"
                       r"the (?:vast |large )?majority|the bulk|nearly all|almost all)\b")
_WORD_N = {"a": 1, "an": 1}  # "a week": one, besides the count words


def _noted(q: Query, draft: Draft) -> Draft | None:
    """A yes/no about what a price covers, answered by the note in its cell ("$400 - $530 (with PRP)")."""
    asked = {stem(w) for w in q.salient if w not in _LIGHT} - {stem(w) for w in ("price", "prices", "cost", "include",
                                                                                "includes", "included", "including")}
    for p in draft.parts[:2]:
        notes = " ".join(n for n in _NOTE.findall(p.text) if not _SOURCE_NOTE.search(n))  # the asked cell's own
        if asked and notes and asked <= {stem(w) for w in words(notes)}:
            draft.parts.insert(0, Part("Yes: the price given includes it"))
            draft.steps.append("verify: the cell's note says so")
            return draft
    named = [m.group(0) for w in q.salient if stem(w) in asked
             for m in [re.search(rf"\b{re.escape(w)}\b", q.text, re.I)] if m]  # as the user wrote it ("PRP")
    if named and _INCLUDES.search(q.text.lower()) and draft.parts and draft.parts[0].chunk_id:
        # "does the Korean price include PRP?": no note says so, and that is the answer; the price follows
        out = Draft(abstained=True, strategy=draft.strategy, steps=[*draft.steps, "verify: no note on what it covers"])
        out.add(f"The article does not say whether the price includes {join_names(named)}; it gives only the price")
        first = draft.parts[0]
        out.add(first.text, first.chunk_id, first.quote)
        return out
    return None


_INCLUDES = re.compile(r"\b(?:include|includes|included|including|cover|covers|covered|come with|comes with|part of)\b")


_NOTE = re.compile(r"\(([^)$]{2,60})\)")
_SOURCE_NOTE = re.compile(r"\b(?:table|price list|article)\b")  # "(cost comparison table)": where, not what is covered


def _claim_against_figures(q: Query, draft: Draft) -> Draft | None:
    quoted = " ".join(p.quote for p in draft.parts if p.chunk_id)
    ranges = _ranges_with_units(quoted)
    if _MAJORITY.search(q.text.lower()):
        shares = [hi for _lo, hi, u in ranges if u == "%"]
        if shares and all(hi < 50 for hi in shares):
            return _corrected(draft, "No — the article gives a share well under half")
    times = [c for c in claims_with_units(q.text) if c[2] == "time"]
    near = [(lo * 0.75, hi * 1.25, u) for lo, hi, u in ranges if u == "time"]  # "about a month" is not exact
    if times and _consistent(times, near) is False:
        return _corrected(draft, "No — the article gives another time")
    return None


def _described_otherwise(q: Query, draft: Draft) -> Draft | None:
    """"Rolling scars are the ones with sharp edges, yeah?": the features claimed are those the article gives
    another scar type, and none that it gives the type named."""
    if len(q.scar_types) != 1 or q.procedures or q.filler_types:
        return None
    other = [t for t in q.inferred_scar_types if t not in q.scar_types]
    if not other or q.scar_types[0] in q.described_types:
        return None
    return _corrected(draft, f"No: the article describes {join_names(other)}, not {q.scar_types[0]}, that way")


def _corrected(draft: Draft, lead: str) -> Draft:
    draft.parts = [p for p in draft.parts if not p.text.startswith("Yes")]
    draft.parts.insert(0, Part(lead))
    draft.steps.append("verify: claim corrected")
    return draft


def _share_premise(q: Query, draft: Draft) -> Draft:
    """"the deposit is a quarter of the price?": the shares the quote states, against the one claimed."""
    quoted = " ".join(p.quote for p in draft.parts if p.chunk_id).replace("–", "-")
    shares = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)\s?%", quoted)]
    spans = [(float(a), float(b)) for a, b in re.findall(r"(\d+(?:\.\d+)?)%?\s*-\s*(\d+(?:\.\d+)?)\s?%", quoted)]
    if not shares:
        return draft
    if q.percent in shares or any(lo <= q.percent <= hi for lo, hi in spans):
        draft.parts.insert(0, Part("Yes."))
    else:
        draft.parts.insert(0, Part("No — that is not what the article says"))
    draft.steps.append("verify: share checked")
    return draft


# a figure's kind, from the word after it: a share, a time (in days), a count of sessions, or none said
_UNIT_AFTER = re.compile(r"\s*(%|(?:percent|per cent|days?|weeks?|months?|years?|minutes?|hours?|sessions?|treatments?|"
                         r"rounds?|visits?)\b)")
_IN_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _unit(text: str, end: int) -> tuple[str, float]:
    """The kind of the figure ending at ``end`` and the factor to a common measure (days for times)."""
    m = _UNIT_AFTER.match(text, end)
    if m is None:
        return "", 1.0
    u = m.group(1).rstrip("s") if m.group(1) not in ("%", "percent", "per cent") else "%"
    if u in _IN_DAYS:
        return "time", float(_IN_DAYS[u])
    if u in ("minute", "hour"):
        return "time", 1 / 1440 if u == "minute" else 1 / 24
    return ("count" if u in ("session", "treatment", "round", "visit") else u), 1.0


def _ranges_with_units(text: str) -> list[tuple[float, float, str]]:
    """The figures of a text as ranges with their kind: "4-6 treatments", and a single "10 days" as 10-10."""
    text = text.replace("–", "-")
    out = [(float(m.group(1)) * f, float(m.group(2)) * f, u) for m in _RANGE.finditer(text)
           for u, f in [_unit(text, m.end())]]
    taken = [m.span() for m in _RANGE.finditer(text)]
    for m in re.finditer(r"(?<![\w$.,-])(\d+(?:\.\d+)?)(?![\d,])", text):
        u, f = _unit(text, m.end())
        if u and not any(a <= m.start() < b for a, b in taken):
            out.append((float(m.group(1)) * f, float(m.group(1)) * f, u))
    return [(lo, hi, u) for lo, hi, u in out if lo <= hi]


def claims_with_units(text: str) -> list[tuple[float, float, str]]:
    """The figures a message states, each a range with its kind ("20-30%"; "two weeks" → 14 days)."""
    low = spelled_numbers(text.lower().replace("–", "-"))
    out = [(lo, hi, u) for lo, hi, u in _ranges_with_units(low)]
    taken = [m.span() for m in _RANGE.finditer(low)]
    for m in re.finditer(r"(?<![\w$.])(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten)(?=[\s%?,.!]|$)", low):
        if any(a <= m.start() < b for a, b in taken):
            continue
        word = m.group(1)
        value = float(word) if word[0].isdigit() else float(_WORD_N.get(word, _COUNT_WORDS.get(word, 0)) or 0)
        u, f = _unit(low, m.end())
        if value and (u or word[0].isdigit()):
            out.append((value * f, value * f, u))
    return out


def _consistent(claims: list[tuple[float, float, str]], ranges: list[tuple[float, float, str]]) -> bool | None:
    """Whether every claimed figure lies within a quoted range of its kind; None when no range is of a claimed kind."""
    judged = [[lo <= clo and chi <= hi for lo, hi, ru in ranges if ru == u or not (ru and u)] for clo, chi, u in claims]
    judged = [j for j in judged if j]
    if not judged:
        return None
    return all(any(j) for j in judged)


def _fits(q: Query, draft: Draft) -> bool | None:
    """Whether the figures the question states agree with those quoted (None: nothing to hold them against)."""
    ranges = _ranges_with_units(" ".join(p.quote for p in draft.parts if p.chunk_id))
    if not ranges:
        return None
    claims = claims_with_units(q.text) or [(n, n, _counted(q.text, n)) for n in q.numbers]  # "a single peel"
    return _consistent(claims, ranges)


_COUNT_NOUN = re.compile(r"\s+(?:\w+\s+)?(?:sessions?|treatments?|rounds?|visits?|sittings?|types?|kinds?)\b", re.I)
_NUMBER_WORD = {n: w for w, n in COUNT_WORDS.items()} | {1: "one|a single|single|a|an", 2: "two|a couple of"}


def _counted(text: str, n: float) -> str:
    """"count" when the number counts sessions or kinds ("a single session", "two kinds of scar": never held
    against a percentage), else "" (held against any figure quoted)."""
    said = rf"(?:{n:g}|{_NUMBER_WORD[int(n)]})" if n == int(n) and int(n) in _NUMBER_WORD else rf"{n:g}"
    return "count" if re.search(rf"\b{said}{_COUNT_NOUN.pattern}", text, re.I) else ""


def _premise(q: Query, draft: Draft) -> Draft:
    fits = _fits(q, draft)
    if fits is None:
        return draft
    if fits and q.yesno:
        draft.parts.insert(0, Part("Yes."))  # "does it need 4-6 sessions?" and the quote says 4-6
        draft.steps.append("verify: confirmed")
        return draft
    if fits:
        return draft
    lead = Part("No — that is not what the article says")
    draft.parts.insert(0, lead)
    draft.steps.append("verify: premise corrected")
    return draft


# A "why" or yes/no question that gives one thing a superlative ("why are boxcar scars the most common?")
# while the article gives that superlative to another thing of the same list: corrected from the article.
_SUPERLATIVE = re.compile(r"\b(?:the\s+)?(?:(most|least)\s+([a-z]{4,})|([a-z]{3,}est))\b")
_NOT_SUPERLATIVE = {"best", "interest", "suggest", "request", "latest", "honest", "forest", "rest", "test", "west",
                    "guest", "nest", "chest", "digest", "modest", "invest", "protest", "arrest", "manifest", "contest",
                    "harvest", "quest"}


def superlatives(text: str) -> list[str]:
    """The superlatives a text states, in order: "the most common" → "most common", "the deepest" → "deepest"."""
    return [f"{m.group(1)} {m.group(2)}" if m.group(1) else m.group(3)
            for m in _SUPERLATIVE.finditer(text.lower()) if (m.group(3) or "") not in _NOT_SUPERLATIVE]


_OPPOSITE = {"rarest": "most common", "least common": "most common", "most common": "least common",
             "most effective": "least effective", "least effective": "most effective"}


def superlative_premise(q: Query, draft: Draft, units: list, candidates: list[int]) -> Draft:
    """``units``: the corpus's quotable units; ``candidates``: those of the retrieved chunks."""
    if draft.abstained or not q.entities:
        return draft
    opposite = _opposite_said(q, units, candidates)  # "since icepick scars are the rarest ...": it says the most common
    if opposite is not None:
        out = Draft(strategy=draft.strategy, steps=[*draft.steps, "verify: superlative premise corrected"])
        return out.add(f"No — the article says otherwise about {q.entities[0]}: {opposite.text}", opposite.chunk_id,
                       opposite.text)
    if not (q.why or q.yesno or _GIVEN.search(q.text.lower())):  # "since X is the most common, ...": a premise too
        return draft
    phrases = superlatives(q.text)
    if not phrases:
        return draft
    mine = [{stem(w) for w in words(e.split("(")[0]) if w not in ("scar", "scars")} for e in q.entities]
    for i in candidates:
        u = units[i]
        low = u.text.lower()
        if not u.label or not any(re.search(rf"\b{re.escape(p)}\b", low) for p in phrases):
            continue
        label = {stem(w) for w in words(u.label)}
        if any(k and k <= label for k in mine):
            return draft  # the article says it of the thing asked about: the premise holds
        if len(label & set().union(*mine)) == 0 and _same_list(u.label, q.entities):
            out = Draft(strategy=draft.strategy, steps=[*draft.steps, "verify: superlative premise corrected"])
            out.add(f"No — the article says that of {u.label.lower()}, not of {q.entities[0]}: {u.text}",
                    u.chunk_id, u.text)
            return out
    return draft


def _opposite_said(q: Query, units: list, candidates: list[int]):
    """The asked item's own sentence when it states the opposite of the superlative the question gives it."""
    low = q.text.lower()
    said = [(p, o) for p, o in _OPPOSITE.items() if re.search(rf"\b{p}\b", low)]
    if not said or len(q.entities) != 1:
        return None
    key = {stem(w) for w in words(q.entities[0].split("(")[0]) if w not in ("scar", "scars")}
    for i in candidates:
        u = units[i]
        if u.label and key and key <= {stem(w) for w in words(u.label)} and any(
                re.search(rf"\b{o}\b", u.text.lower()) and not re.search(rf"\b{p}\b", u.text.lower()) for p, o in said):
            return u
    return None


def _same_list(label: str, entities: list[str]) -> bool:
    """Whether a unit's label is a thing of the same kind as the asked one: they end in the same word
    ("Icepick Scars" and "boxcar scars", "HA Fillers" and "PLLA fillers")."""
    last = words(label)[-1:] if words(label) else []
    return bool(last) and any(words(e.split("(")[0])[-1:] == last for e in entities)


def numeric_premise(q: Query, draft: Draft, units: list, candidates: list[int]) -> Draft:
    """"Icepick scars are 20-30% of scars, right?": a figure claimed of one item that the article gives to
    another item of the same list, while it gives the asked item other figures, is corrected from the asked
    item's own sentence."""
    if not (q.yesno or _GIVEN.search(q.text.lower())) or not q.numbers or draft.abstained or len(q.entities) != 1:
        return draft  # ("since HA fillers last 5 years, ...?": a figure taken for granted is a claim too)
    key = {stem(w) for w in words(q.entities[0].split("(")[0]) if w not in ("scar", "scars")}
    own = [i for i in candidates if units[i].label and key and key <= {stem(w) for w in words(units[i].label)}]
    claims = claims_with_units(q.text) or [(n, n, "") for n in q.numbers]
    for i in own:
        if _consistent(claims, _ranges_with_units(units[i].text)) is False:  # a figure of the same kind, contradicted
            out = Draft(strategy=draft.strategy, steps=[*draft.steps, "verify: figure premise corrected"])
            out.add(f"No — the article says this of {q.entities[0]}: {units[i].text}", units[i].chunk_id, units[i].text)
            return out
    return draft


# "Since microneedling only takes one session, ...": a number of sessions claimed of a treatment
_N = r"(?:a single|single|one|1|two|2|three|3|four|4|five|5|six|6|seven|7|eight|8|nine|9|ten|10|a)"
# a claim, not a plan: "only takes one session", "needs just 2 sessions", "one session is enough"
_CLAIMED_SESSIONS = re.compile(
    rf"\b(?:takes?|needs?|requires?|is|are)\s+(?:only\s+|just\s+)?{_N}\s+(?:\w+\s+)?(?:sessions?|treatments?|rounds?)\b"
    rf"|\b(?:only|just)\s+(?:takes?|needs?|requires?)\s+{_N}\s+(?:\w+\s+)?(?:sessions?|treatments?|rounds?)\b"
    rf"|\b{_N}\s+(?:\w+\s+)?(?:sessions?|treatments?|rounds?)\s+(?:is|are)\s+(?:enough|all (?:it takes|you need))\b")
_COUNT_WORDS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}


def session_premise(q: Query, draft: Draft, sessions: dict) -> Draft:
    """A number of sessions the message takes for granted ("since X only takes one session, can I ...?") that
    the article contradicts for that treatment is corrected first, whatever else was asked or declined."""
    procs = [p for p in q.asked_entities or q.procedures if p in sessions]
    m = _CLAIMED_SESSIONS.search(q.text.lower())
    if len(procs) != 1 or m is None or q.count_low is not None or not (q.yesno or q.why or _GIVEN.search(q.text.lower())):
        return draft
    said = [w for w in words(m.group(0)) if w.isdigit() or w in _COUNT_WORDS] or ["1"]  # "needs just a session"
    n = int(said[0]) if said[0].isdigit() else _COUNT_WORDS[said[0]]
    fact = sessions[procs[0]]
    if fact.low <= n <= fact.high or any(p.text.startswith(("No", "Not quite")) for p in draft.parts[:1]):
        return draft
    out = Draft(strategy=draft.strategy, steps=[*draft.steps, "verify: session count corrected"])
    out.add(f"No — the article says {procs[0]} takes {fact.text}, not {n}: {fact.unit.text}", fact.unit.chunk_id,
            fact.unit.text, derived=(str(n),))  # the claimed number is the user's, stated back
    if draft.abstained:  # what else was asked and is missing, said after the correction
        out.parts += [p for p in draft.parts if not p.chunk_id]
    return out


# An absolute claim ("guarantees complete removal", "the proven standard", "painless") that a sentence about
# the same thing contradicts with the word's counterpart ("complete removal is rare", "still experimental",
# "pain ... common"): corrected first, whatever else the message asks.
_PERMANENCE = ("permanent", "permanently", "forever", "for life", "lifelong", "once and for all")  # claims only when asserted
_COUNTER = {
    **{w: {"rare", "rarely", "unlikely"} for w in ("guarantee", "guaranteed", "guarantees", "complete", "completely",
                                                 "totally", "always", "definitely", "certainly", "cure", "cured",
                                                 "cures", "entirely", "fully")},
    **{w: {"experimental", "emerging", "unproven"} for w in ("proven", "established", "standard", "gold", "mainstream")},
    **{w: {"pain", "painful", "discomfort", "bruising"} for w in ("painless",)},
    **{w: {"temporary"} for w in _PERMANENCE},
    **{w: {"risks", "risk", "side", "complications"} for w in ("risk-free", "riskless", "no risk", "no risks")},
    **{w: {"redness", "swelling", "bruising", "days", "weeks"} for w in (
        "zero downtime", "no downtime", "zero recovery", "no recovery", "no redness", "no swelling", "no bruising",
        "zero redness", "zero swelling")},  # "no downtime at all": a sentence on how long redness lasts says otherwise
}
_ABSOLUTE = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w) for w in _COUNTER), key=len, reverse=True)) + r")\b")
_CLAUSE_END = re.compile(r"[,;.?!]|\b(?:so|and|but|which|because|since)\b")


def absolute_premise(q: Query, draft: Draft, units: list, candidates: list[int]) -> Draft:
    """Correct an absolute claim of the message that a sentence about its subject contradicts; the answer
    follows. ``candidates``: the units of the retrieved chunks and of the treatments named."""
    low = q.text.lower()
    m = _ABSOLUTE.search(low)
    if m is None:  # "fillers are permanant, right": the words as corrected
        low = " ".join(q.tokens)
        m = _ABSOLUTE.search(low)
    if m is None or draft.abstained or _DENIES.search(low[: m.start()] + low[m.end():]) \
            or any(p.text.startswith("No") for p in draft.parts[:1]):  # (the claim's own "no": "no downtime")
        return draft
    short_ask = q.text.rstrip().endswith("?") and len(words(q.text)) <= 6 and not _WH_FIRST.match(q.text.lower())  # "results permanent?"
    if m.group(0) in _PERMANENCE and not (q.yesno or short_ask):  # "I'd like something permanent": a wish, not a claim
        return draft
    start = max((x.end() for x in _CLAUSE_END.finditer(low[: m.start()])), default=0)
    end = next((x.start() for x in _CLAUSE_END.finditer(low, m.end())), len(low))
    counters = _COUNTER[m.group(0)]
    subject = {w for w in content_words(low[start:end]) if w not in _LIGHT and w not in _COUNTER and len(w) > 3}
    if not subject:
        return draft
    named = [{w for w in words(e.split("(")[0]) if len(w) > 3} for e in q.asked_entities if "general" not in e]
    if named and "experimental" in counters:  # a treatment's standing is contradicted only by a sentence about it
        subject = {w for key in named for w in key if w in subject} or subject
    found = []
    for i in candidates:
        heading = words(units[i].section.split(" > ")[-1]) if getattr(units[i], "section", "") else []
        for sentence in split_sentences(units[i].text):
            said = words(sentence.lower())
            if counters & set(said) and any(_kin(w, x) for w in subject for x in [*said, *heading]):
                found.append((i, sentence))
    if not found:
        return draft
    quoted = {p.quote for p in draft.parts}
    i, sentence = next(((i, x) for i, x in found if units[i].text in quoted), found[0])  # the reply's own, if any
    out = Draft(strategy=draft.strategy, prices=draft.prices, steps=[*draft.steps, "verify: absolute claim corrected"])
    core = sentence.split(": ", 1)[-1] if getattr(units[i], "label", "") else sentence  # "Recovery: Redness ...": the
    out.add(f"Not quite — the article does not say that; it says: {sentence}", units[i].chunk_id, units[i].text)
    out.parts.extend(p for p in draft.parts if core not in p.text and p.text != "Yes.")  # reply repeats it once only
    return out


_WHICH_HEAD = re.compile(r"\b(?:which|what)\s+((?:[a-z-]+\s+)?[a-z-]+)\s+(?:should|do|does|is|are|can|would|will)\b")
_CLAIMS = re.compile(r"\b(?:only|just|no|never|so|since)\b")


def said_of_another(q: Query, draft: Draft, view, candidates: list[int]) -> Draft:
    """"Is stem cell therapy FDA-approved?": a word of the question that the article uses in only a sentence or
    two, none of them about the treatment asked of, while a retrieved one about another treatment has it. The
    article says that of the other thing, so the yes/no is not answered. ``view``: the corpus view;
    ``candidates``: the units of the retrieved chunks."""
    named = [*q.procedures, *q.filler_types]
    low = q.text.lower()
    # "which gel make does X use?": the thing a which-question asks for is checked the same way
    heads = {w for m in _WHICH_HEAD.finditer(low) for w in m.group(1).split()}
    if not (q.yesno or heads) or draft.abstained or draft.strategy != "extract" or len(named) != 1 \
            or any(s.startswith("verify:") for s in draft.steps) or _CLAIMS.search(low):
        return draft  # ("peels just need one go, so ...?" is a claim, answered by what the article says of peels)
    own = set(view.proc_units.get(named[0], ()))
    said = {stem(w) for p in draft.parts for w in words(f"{p.text} {p.quote}")}
    gap = []
    for w in q.salient:
        st = stem(w)
        if w in q.unbound or not re.search(rf"\b{re.escape(w)}\b", low) or st not in view.rare or st in said \
                or any(st in view.unit_stems[i] for i in own) or not (q.yesno or w in heads):
            continue
        if w not in q.plain and any(st in view.unit_stems[i] for i in candidates if i not in own and view.units[i].label):
            gap.append(w)  # (a list item about another thing: "PMMA Fillers: Bellafill is FDA-approved")
    return _partial(q, draft, gap) if gap else draft

