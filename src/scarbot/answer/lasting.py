"""Which of several kinds lasts longest: the labelled items of the asked treatment ("HA fillers: ... last 6
months to 2 years", "PMMA fillers: ... semi-permanent"), ranked by how long each says its results last.

Read from the article's own list items and the times they state; a kind whose item states no time is left
out, and the reply says which kinds were compared.
"""

from __future__ import annotations

import re

from scarbot.answer.base import GENERAL, AnswerContext, CorpusView, Draft, body, cap, join_names
from scarbot.answer.verify import claims_with_units
from scarbot.chunking import Unit
from scarbot.query import Query

_LONGEST = re.compile(r"\b(?:lasts?\s+(?:the\s+)?longest|longest[- ]lasting|longest results|lasts?\s+the\s+longest|"
                      r"most\s+(?:permanent|durable|long[- ]lasting)|closest\s+(?:thing\s+)?to\s+permanent|"
                      r"as\s+close\s+to\s+permanent|nearest\s+to\s+permanent|results\s+last\s+longest)\b")
_HOW_LONG = re.compile(r"\bhow long (?:do|does|will|would|can|could)\b[\w\s'-]{0,40}?\b(?:last|stay|hold)\b")
_PERMANENT = re.compile(r"(?<![\w-])permanent\b")
_SEMI = re.compile(r"\bsemi-?\s?permanent\b")
_NOT_LASTING = re.compile(r"\b(?:temporary|not permanent|short-lived)\b")
MAX_SHOWN = 4


def _lasting(text: str) -> float | None:
    """How long a sentence says results last, in days (permanent is longest; None when it says no time)."""
    low = text.lower()
    if _SEMI.search(low):
        return 1e6
    if _PERMANENT.search(low) and not _NOT_LASTING.search(low):
        return 1e7
    if not re.search(r"\blast|\blasting|\bresults\b", low):
        return None  # a time that is not how long results last ("takes 15-30 minutes")
    times = [hi for _lo, hi, u in claims_with_units(low) if u == "time"]
    if not times:
        return None
    return max(times) + (1 if re.search(r"\b(?:over|more than|beyond)\s+\w+\s+(?:years?|months?)", low) else 0)


class LastingStrategy:
    name = "lasting"

    def __init__(self, corpus: CorpusView):
        self.corpus = corpus

    def applies(self, q: Query) -> bool:
        """"Which filler lasts longest?": a treatment named whose kinds the article lists."""
        named = [p for p in q.procedures if p != GENERAL]
        text = (q.paraphrased or q.text).lower()
        return bool(named) and not q.asks_cost and (bool(_LONGEST.search(text)) or (
            bool(_HOW_LONG.search(text)) and not q.filler_types and len(named) == 1))  # "how long do fillers last?"

    def answer(self, q: Query, ctx: AnswerContext) -> Draft | None:
        c = self.corpus
        procs = [p for p in q.procedures if p != GENERAL]
        pool = c.proc_units.get(procs[0], [])
        timed: list[tuple[float, Unit]] = []
        for i in pool:
            u = c.units[i]
            if not u.label or u.label.lower() in ("recovery", "procedure", "benefits", "effectiveness"):
                continue  # a kind's own item, not how the treatment as a whole goes
            days = _lasting(u.text)
            if days is not None:
                timed.append((days, u))
        if len(timed) < 2:
            return None  # nothing to rank: the sentence that answers is found by the text
        timed.sort(key=lambda t: -t[0])
        d = Draft(strategy=self.name)
        names = [u.label for _days, u in timed[:MAX_SHOWN]]
        ranked = bool(_LONGEST.search((q.paraphrased or q.text).lower()))  # else "how long do fillers last?"
        d.add(f"{cap(timed[0][1].label)} last longest of the kinds whose duration the article gives ({join_names(names)})"
              if ranked else f"It depends on the kind: the article gives how long results last for {join_names(names)}",
              derived=())
        for _days, u in timed[:MAX_SHOWN]:
            d.add(f"- {u.label}: {body(u.text)}", u.chunk_id, u.text)
        general = None if ranked else next((c.units[i] for i in pool if _NOT_LASTING.search(c.lowered[i])), None)
        if general is not None:  # "results are temporary and may require repeat treatments"
            d.add(f"Of {procs[0]} in general it says: {body(general.text)}", general.chunk_id, general.text)
        d.steps.append(f"lasting: {len(timed)} kinds timed")
        return d
