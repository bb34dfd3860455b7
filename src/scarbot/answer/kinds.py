"""A kind of a treatment (a filler brand's type) whose own list item lacks the fact asked: what the article says of
the treatment it is a kind of, said to be general and still counted as the fact missing ("abstained")."""

from __future__ import annotations

from scarbot import lexicon
from scarbot.answer.base import CorpusView, Draft, body
from scarbot.answer.verify import answer_type, type_pattern
from scarbot.nlp import content_words, stem, words
from scarbot.query import Query

_ASKED_BY_TYPE = {stem(w) for w in ("long", "soon", "quickly", "fast", "many", "much", "see", "get", "take", "takes",
                                    "show", "appear", "notice")}  # words of asking for a time, not what of


def of_parent(q: Query, c: CorpusView, draft: Draft) -> Draft:
    """"How soon does Radiesse show results?" when the filler type's own item does not say: the sentence of the
    treatment it is a kind of that does (fillers: "immediate results"), said to be of that treatment; none that
    names another kind ("... with HA fillers")."""
    kind, wanted = q.filler_types[0], answer_type(q)
    parent = c.parent_of(kind)
    if parent is None or wanted is None:
        return draft
    own = {stem(w) for a in [kind, *lexicon.FILLER_TYPES.get(kind, [])] for w in words(a)}
    siblings = {stem(w) for name, aliases in lexicon.FILLER_TYPES.items() if name != kind
                for a in [name.split("(")[0], *aliases] for w in words(a) if len(w) > 2}
    siblings -= own | {stem(w) for w in words(parent)}  # ("fillers" names every kind)
    asked = {stem(w) for w in content_words(q.asking or q.text)} - own - c.background - _ASKED_BY_TYPE
    pattern = type_pattern(wanted)
    # every word the question asks with is the sentence's ("how long do results last?" needs "last" too)
    found = [i for i in c.proc_units.get(parent, []) if pattern.search(c.units[i].text)
             and not (c.unit_stems[i] | c.label_stems[i]) & siblings and asked <= c.unit_stems[i]]
    if not found:
        return draft
    best = max(found, key=lambda i: (c.weight(asked & c.unit_stems[i]), -i))
    u = c.units[best]
    out = Draft(abstained=True, strategy="extract", steps=[*draft.steps, f"kind: {kind} → {parent}"])
    out.add(f"The article does not say that for {kind} specifically; of {parent} in general, it says: "
            f"{body(u.text)}", u.chunk_id, u.text)
    return out
