"""What an abbreviation stands for: the article writes the long form before it ("Platelet-Rich Plasma
(PRP)", "Collagen Induction Therapy - CIT)"), and the reply quotes that sentence.

The long form is the run of words just before the abbreviation whose initials spell it (hyphenated
parts count as words: "Poly-L-Lactic Acid (PLLA)"). Only the retrieved chunks are read, so the work
per question does not grow with the corpus.
"""

from __future__ import annotations

import re

from scarbot.answer.base import AnswerContext, CorpusView, Draft
from scarbot.query import Query

_ASKS = re.compile(r"\b(?:stands?\s+for|short\s+for|abbreviat\w*|acronym|full\s+(?:form|name)|spelled\s+out|"
                   r"what\s+(?:does|do|is|'s)\s+\S+\s+(?:mean|means|meaning))\b", re.I)
_DEFINED = r"(?:\(\s*{0}\s*\)|[-–]\s*{0}\s*\))"


def long_form(before: str, short: str) -> str | None:
    """The words ending ``before`` whose initials spell ``short`` ("Platelet-Rich Plasma", "PRP")."""
    tokens = list(re.finditer(r"[A-Za-z]+", before))
    n = len(short)
    if len(tokens) < n:
        return None
    last = tokens[-n:]
    if "".join(t.group(0)[0] for t in last).lower() != short.lower():
        return None
    return before[last[0].start():].strip(" -–(")


class AcronymStrategy:
    name = "acronym"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        return bool(_ASKS.search(q.text))

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        shorts = [w for w in re.findall(r"[A-Za-z]{2,7}", q.text) if w.lower() not in _QUESTION_WORDS]
        used = ""
        for h in ctx.hits:
            chunk = self.corpus.chunks[h.index]
            heading = chunk.section.rsplit(" > ", 1)[-1]
            for short in shorts:
                for text in (chunk.text, heading):
                    m = re.search(_DEFINED.format(re.escape(short)), text, re.I)
                    used = used or (short if short.isupper() and re.search(rf"\b{short}\b", text) else "")
                    start = max(text.rfind("\n", 0, m.start()), text.rfind(". ", 0, m.start())) + 1 if m else 0
                    full = long_form(text[start: m.start()], short) if m else None
                    if full is None:
                        continue
                    d = Draft(strategy=self.name)
                    d.add(f"{short.upper()} stands for {full}", derived=())
                    said = ((x, c.id) for c in [chunk, *(self.corpus.chunks[o.index] for o in ctx.hits)]
                            for x in _sentences(c.text) if full.lower() in x.lower())
                    quote, cid = next(said, ("", None))
                    if quote:
                        d.add(quote.rstrip(".") + ".", cid, quote)
                    d.steps.append(f"acronym: {short.upper()} in the retrieved text")
                    return d
        if used:  # written in the article, never spelled out there
            d = Draft(strategy=self.name, abstained=True)
            return d.add(f"The article uses {used} but does not say what it stands for")
        return None


_QUESTION_WORDS = {"what", "does", "do", "is", "stand", "stands", "for", "short", "mean", "means", "the", "full",
                   "form", "name", "of"}


def _sentences(text: str) -> list[str]:
    return [x.strip(" -") for x in re.split(r"(?<=[.!?])\s+|\n+", text) if x.strip(" -")]
