"""Text normalisation, typo correction against the corpus vocabulary, and entity/intent frames.

Everything here generalises over the corpus: the vocabulary and the entities the corpus
contains are read from the snapshot; the lexicon only says how people name them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from scarbot import lexicon

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "tell", "know", "please", "thanks", "thank", "hi", "hello", "hey", "much", "many", "get", "got", "give", "say", "said", "also", "like", "want", "wanna", "need", "s", "t", "d", "ll", "m", "o", "re", "ve", "y", "us", "let", "lets", "im", "i'm", "id", "ok", "okay", "there's", "what's", "whats",
     # prepositions and connectives: they place or join what is asked, they never name it
     "underneath", "beneath", "beside", "besides", "throughout", "towards", "toward", "within", "upon", "onto",
     "plus", "amid", "among", "amongst", "across", "along", "alongside", "despite", "via", "whilst", "whereas", "thereby",
     "hence", "thus", "whereby", "whenever", "wherever", "whatever", "whichever", "whoever", "however",
     "therefore", "meanwhile", "nevertheless", "nonetheless", "moreover", "furthermore", "anyway", "anyhow",
     # modal verbs: they ask, they never name what is asked
     "must", "might", "shall", "ought", "may", "cannot",
     # asking to check what was just said ("can you confirm?"): the statement is what is asked
     "confirm", "verify"]
)

MAX_WORD = 30  # no English or medical word is longer; longer "words" are not spell-corrected
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_KEEP_NL_TAB = str.maketrans("\n\t", "  ")  # newlines and tabs are kept by normalize: printable for its check
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def normalize(text: str) -> str:
    """NFKC, no zero-width or control characters, straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    if not text.translate(_KEEP_NL_TAB).isprintable():  # the common case, checked in C, skips the loop
        text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(normalize(text).lower())]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


@functools.lru_cache(maxsize=65536)
def stem(w: str) -> str:
    """A light plural/verb stemmer, enough to match 'peels'/'peel', 'scars'/'scar', 'costs'/'cost'."""
    if w.endswith("ly") and len(w) >= 7:  # "completely" → "complete", "usually" → "usual"
        w = w[:-2]
    for suf, rep in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("uses", "us"), ("xes", "x"),
                     ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if suf == "s" and w.endswith(("us", "ss", "is")):
            continue  # "focus", "process", "analysis" are not plurals
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            base = w[: len(w) - len(suf)] + rep
            if suf in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz" \
                    and base[-1] not in "aeiou":
                base = base[:-1]  # "scarring" → "scar", "planned" → "plan"
            return base
    return w


def _deletes(w: str, depth: int) -> set[str]:
    out, frontier = {w}, {w}
    for _ in range(depth):
        frontier = {f[:i] + f[i + 1 :] for f in frontier for i in range(len(f))}
        out |= frontier
    return out


def edit_distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


# the words a follow-up's meaning turns on: references, question words, quantities
_TIDY_WORDS = ("that", "this", "those", "these", "them", "they", "which", "what", "when", "where", "there", "how",
               "about", "would", "could", "should", "with", "both", "other", "first", "second", "third", "much", "many")
_TIDY_WORD = re.compile(r"(?<![\w'$/-])[A-Za-z]{2,}(?![\w'/-])")


def _short_forms(known: set[str]) -> dict[str, str]:
    """Shorthand → word: the word without its inner vowels, or without one inner letter (five letters or
    more), kept only when no other word gives the same form and it is no word itself."""
    found: dict[str, set[str]] = {}
    for w in _TIDY_WORDS:
        forms = {w[0] + re.sub(r"[aeiou]", "", w[1:])}
        forms |= {w[:i] + w[i + 1:] for i in range(1, len(w) - 1)} if len(w) >= 5 else set()
        for f in forms - {w}:
            found.setdefault(f, set()).add(w)
    def one_short_of_another(f: str, w: str) -> bool:  # "thre": "three" less a letter too
        return any(x != w and x in known for i in range(len(f) + 1) for c in "abcdefghijklmnopqrstuvwxyz"
                   for x in (f[:i] + c + f[i:],))

    dictionary = len(known) >= 10_000  # without the encoder's word list only vowelless forms are surely no words
    return {f: next(iter(ws)) for f, ws in found.items()
            if len(ws) == 1 and len(f) >= 2 and f not in known and f not in STOPWORDS and f not in _TIDY_WORDS
            and (dictionary or not re.search(r"[aeiouy]", f[1:])) and not one_short_of_another(f, next(iter(ws)))}


def _cased(said: str, word: str | None) -> str:
    if word is None:
        return said
    return word.capitalize() if said[:1].isupper() else word


# words that only colour a question ("what exactly goes on", "how exactly does it work"): cue phrases read past them
_FILLER_ADVERBS = re.compile(r"(?<= )(?:actually|exactly|really|basically|precisely|even|just|normally|generally|"
                             r"typically|roughly|approximately|honestly|realistically)(?= )")


class Speller:
    """Symmetric-delete typo correction against a vocabulary ('lazer' → 'laser', 'subcison' → 'subcision')."""

    def __init__(self, vocabulary: Counter[str]):
        self.vocab = vocabulary
        self.index: dict[str, list[str]] = {}
        for w in vocabulary:
            if len(w) >= 4 and w.isalpha():
                for d in _deletes(w, 2 if len(w) >= 8 else 1):
                    self.index.setdefault(d, []).append(w)

    known: set[str] = set()

    def correct(self, w: str) -> str:
        if w in self.vocab or w in STOPWORDS or w in self.known or not 5 <= len(w) <= MAX_WORD or not w.isalpha():
            return w  # a word longer than any real one is left alone: correcting it would cost O(len²)
        limit = 2 if len(w) >= 8 else 1
        cands = {c for d in _deletes(w, limit) for c in self.index.get(d, ())}
        best = None
        for c in cands:
            dist = edit_distance(w, c)
            if dist <= limit:
                key = (dist, -self.vocab[c], c)
                if best is None or key < best[0]:
                    best = (key, c)
        return best[1] if best else w



# "how much will a peel sting?": "how much" with a verb of degree asks no price
_HOW_MUCH_VERB = re.compile(r"\bhow much (?:does|do|will|would|did|can|could) (?:[\w-]+ ){0,3}?(?:hurt|hurts|help|helps|"
                            r"improve|improves|matter|change|swell|bruise|bleed|sting|work|last|fade|heal|redden|peel)\b")
_PAY_WHEN = re.compile(r"\bpay\b(?:\s+(?:for\s+)?(?:it|everything|all|the\s+\w+|them))?\s+(?:all\s+)?(?:at the end|later|"
                       r"afterwards?|after|upfront|up front|in advance|in full|in cash|cash|by card|with a card|by credit card|"
                       r"in instal+ments|in parts|on arrival|on the day)\b")
_PRICE_WORD = re.compile(r"\b(?:cost|costs|price|prices|pay|charge|charges|fee|fees|usd|dollars?)\b|\$")


@functools.lru_cache(maxsize=65536)
def _alias_key(alias: str) -> str:
    """An alias as the words a question is matched on. Cached: every question keys the lexicon's cue
    phrases again (a few hundred per frame), and a string always gives the same key."""
    return " ".join(words(alias))


@dataclass
class Frame:
    """What a question is about and what it asks for."""

    text: str
    tokens: list[str]
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)  # in " ".join(tokens) + padding
    procedures: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    other_countries: list[str] = field(default_factory=list)
    clinics: list[str] = field(default_factory=list)
    unknown_clinics: list[str] = field(default_factory=list)
    scar_types: list[str] = field(default_factory=list)
    filler_types: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    other_topics: list[str] = field(default_factory=list)
    ungiven: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)  # articles named by an alias of their own lexicon file
    superlative: str | None = None  # "min" | "max"
    compare: bool = False
    advice: bool = False
    injection: bool = False
    reveal: bool = False
    paraphrased: str = ""  # the text with everyday words put as the article writes them ("" when none was)

    @property
    def asks_cost(self) -> bool:
        return "cost" in self.attributes


_ADVICE = re.compile(
    r"\b(should i|shall i|can i|could i|is it safe for me|safe for me|for me\b|my (?:skin|scars?|face|acne|doctor|"
    r"case|cheeks?)|i have|i've got|i am|i'm|am i|will it work for me|do i need|recommend(?:ed)? for me|"
    r"what would you recommend|which (?:one|treatment) should|pregnan|breastfeed|diabet|my \w+ (?:scars?|skin))"
)
_INJECTION = re.compile(
    r"(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|prompt|rule|previous|above|system|guideline)"
    r"|you are now|act as|\bpretend\b|jailbreak|developer mode|new instructions|from now on"
    r"|respond only with|do anything now|\bdan\b"
    r"|\bignore (?:the|this|that) (?:article|text|source|sources|context|document)"
    r"|^\s*(?:now\s+|then\s+|and\s+)?(?:say(?!\s+(?:i|we|my|he|she|they|it|someone)\b)|print|write|repeat|output|"
    r"respond|reply|answer)\b(?! to\b)"  # "say I went for lasers": a supposition, no instruction
    r"|\b(?:say|claim|tell (?:me|everyone)|answer) that (?:every|all|each)\b",
    re.I,
)
_SHOUT = re.compile(r"\b(?:say|print|write|output|reply|answer)\s+['\"]?[A-Z]{4,}\b")
_REVEAL = re.compile(
    r"(system|hidden|initial|secret|original)\s+(prompt|instructions?|message)"
    r"|(?:show|reveal|print|repeat|display|output|leak|share|give|tell)\b.{0,20}\byour (?:prompt|instructions|rules)"
    r"|what (?:are|were) your (?:instructions|rules)"
    r"|repeat (?:everything|the text) above|what were you told|print (?:your|the) (?:prompt|instructions)"
)
_CHEAP = re.compile(r"\b(cheapest|least expensive|lowest|most affordable|best price|best value|cheaper|"
                    r"less expensive|lower price|more affordable|(?:charges?|costs?|pay) the least|"
                    r"(?:prices?|costs?|fees?)(?:\s+(?:are|is|run|come out))?\s+lower)\b")
_DEAR = re.compile(r"\b(most expensive|priciest|highest|costliest|more expensive|pricier|dearest|"
                   r"(?:charges?|costs?|pay) the most|(?:prices?|costs?|fees?)(?:\s+(?:are|is|run|come out))?\s+higher)\b")
COMPARE_WORDS = re.compile(r"\b(compare|comparison|comp|versus|vs\.?|cheaper|more expensive|less expensive|difference|delta|"
                      r"than|between|across|each country|all countries|every country|other countries|"
                      r"worldwide|around the world|countries)\b")
_LEADING_QWORDS = re.compile(r"^(?:(?:Does|Do|Is|Are|Can|Could|Will|Would|What|Where|Which|How|Tell|About|The|Did|"
                             r"Should|At|In|From|To|Near|Visit|Visiting)\s+)+")
_CLINIC_NAME = re.compile(r"\b((?:[A-Z][\w&'-]+\s){1,3}(?:Clinic|Hospital|Plastic Surgery|Dermatology|Medical Center))")


def corpus_stats(corpus_texts: list[str]) -> dict:
    """The word counts, lowered text, common words and acronyms of a corpus (JSON-ready, in a stable order)."""
    vocab: Counter[str] = Counter()
    for t in corpus_texts:
        vocab.update(words(t))
    raw = "\n".join(corpus_texts)
    # one line per line of the corpus: a phrase never spans a heading and the paragraph after it
    lowered = "\n".join(normalize(line).lower() for t in corpus_texts for line in t.splitlines())
    return {"vocab": dict(vocab), "corpus_lower": lowered,
            "lower_words": sorted(set(re.findall(r"\b[a-z][a-z'-]*\b", raw))),
            "acronyms": sorted(set(re.findall(r"\b[A-Z]{2,6}\b", raw)))}


class Analyzer:
    """Builds Frames; bound to one corpus (its vocabulary, clinics and the entities it mentions)."""

    def __init__(self, corpus_texts: list[str], clinics: list[str], countries: list[str],
                 dictionary: set[str] | None = None, procedures: list[tuple[str, str]] | None = None,
                 stats: dict | None = None, overrides: dict[str, dict] | None = None,
                 source_texts: dict[str, str] | None = None):
        """``stats``: what the analyzer reads from the corpus's text, computed by ingest and stored
        (``scarbot.precompute``); ``overrides``: each article's own words (``<article>.lexicon.yaml``, see
        ``lexicon.read_override``); ``source_texts``: each article's text, to tell whether another article
        covers a topic one declares out of scope."""
        self.stats = stats = stats or corpus_stats(corpus_texts)
        overrides = overrides or {}
        vocab: Counter[str] = Counter(stats["vocab"])
        for spec in overrides.values():  # an article's own names are words, never typos to correct
            for extra in spec.get("aliases", {}).values():
                for a in extra:
                    vocab.update({w: 1 for w in words(a)})
        corpus_words = set(vocab)
        corpus_lower = stats["corpus_lower"]  # a str, or a stored text searched where it lies (precompute.CorpusText)
        for table in (lexicon.PROCEDURES, lexicon.COUNTRIES, lexicon.SCAR_TYPES, lexicon.FILLER_TYPES):
            for name, aliases in table.items():
                for a in [name, *aliases]:
                    vocab.update({w: 1 for w in words(a)})
        for spec in lexicon.ATTRIBUTES.values():
            for cue in spec["cues"]:
                vocab.update({w: 1 for w in words(cue)})
        for extra in ("cheapest", "expensive", "compare", "cheaper", "clinic", "clinics", "hospital", "which",
                      "where", "what", "price", "prices", "cost", "costs", "country", "countries",
                      # the words the price patterns read (_CHEAP, _DEAR): never "corrected" into "prices"
                      "priciest", "pricier", "pricey", "dearest", "dearer", "costliest", "costlier", "affordable"):
            vocab[extra] += 1
        self.speller = Speller(vocab)
        # Words that are known (never "corrected") but never a correction target: "mental" must not become
        # "dental" just because an out-of-scope topic list names dentistry.
        self.speller.known = {w for cue in [*lexicon.OTHER_COUNTRIES, *lexicon.OTHER_TOPICS] for w in words(cue)}
        # Real English words are never "corrected" ("decision" must not become "excision"); typos are
        # words neither the corpus nor the embedding model's vocabulary knows ("lazer", "subcison").
        self.speller.known |= set(dictionary or ())
        self.corpus_words = corpus_words
        self._corpus_text = corpus_lower
        self.countries = countries
        self.clinics = clinics
        self.lower_words = set(stats["lower_words"])  # words the corpus uses as common words
        self._aliases: list[tuple[str, str, str]] = []  # (alias key, kind, canonical)
        for name, aliases in lexicon.PROCEDURES.items():
            if name in corpus_lower or any(_alias_key(a) in corpus_lower for a in aliases[:4]):
                self._add("procedure", name, aliases)
        for name, aliases in lexicon.COUNTRIES.items():
            self._add("country", name, aliases)
        for name in countries:  # a country the corpus's own tables name is a country, known to the lexicon or not
            if name not in lexicon.COUNTRIES:
                self._add("country", name, [name])
        for name, aliases in lexicon.SCAR_TYPES.items():
            self._add("scar_type", name, aliases)
        for name, aliases in lexicon.FILLER_TYPES.items():
            self._add("filler_type", name, aliases)
        for name in clinics:  # a one-word alias only when the corpus never uses that word as a common word
            self._add("clinic", name, [a for a in _clinic_aliases(name) if " " in a or a not in self.lower_words])
        self._corpus_procedures(procedures or [], set(stats["acronyms"]), corpus_lower)
        self._article_aliases: dict[tuple[str, str, str], str] = {}
        self._scoped_topics: list[tuple[str, set[str]]] = []
        self._bind_overrides(overrides, source_texts or {})
        self._aliases.sort(key=lambda a: -len(a[0]))

    @property
    def corpus_lower(self) -> str:
        """The corpus's lowered text, one line per line (a stored one is decoded when first asked for)."""
        return str(self._corpus_text)

    def _bind_overrides(self, overrides: dict[str, dict], source_texts: dict[str, str]) -> None:
        """Each article's lexicon file, for that article only. An alias names the entity its key names (as
        the article writes it: a procedure, clinic, country, type), replaces a generic alias spelled the
        same, and ties the question to that article. A topic the file declares out of scope is out of
        scope unless another article (one that does not declare it) mentions it."""
        texts = {src: normalize(t).lower() for src, t in source_texts.items()}
        scoped: dict[str, set[str]] = {}
        for source, spec in sorted(overrides.items()):
            for name, extra in spec.get("aliases", {}).items():
                keys = [_alias_key(name), _alias_key(name.split("(")[0])]
                bound = next(((kind, c) for k in keys for key, kind, c in self._aliases if key == k), None)
                kind, canonical = bound or ("procedure", keys[0])
                new = {_alias_key(a) for a in extra} - {""}
                self._aliases = [a for a in self._aliases if not (a[0] in new and a[1] == kind)]
                for key in new | ({keys[0]} if bound is None else set()):
                    self._aliases.append((key, kind, canonical))
                    self._article_aliases[(key, kind, canonical)] = source
            for topic in spec.get("out_of_scope", []):
                scoped.setdefault(" ".join(words(topic)), set()).add(source)
        for topic, sources in scoped.items():
            if topic and not any(f" {topic} " in f" {' '.join(words(t))} " for src, t in texts.items()
                                 if src not in sources):
                self._scoped_topics.append((topic, sources))
        self.speller.known |= {w for topic, _ in self._scoped_topics for w in topic.split()}

    def _corpus_procedures(self, names: list[tuple[str, str]], acronyms: set[str], corpus_lower: str) -> None:
        """Priced procedures are entities whatever the lexicon knows. A name that contains a lexicon
        procedure ("Laser Resurfacing (CO2/Fractional)") is that procedure; a name that is only a lexicon
        alias ("Laser Therapy") is that procedure when the corpus also uses the procedure's own name,
        else an entity of its own; any other name is a new entity, also known by its acronyms (FUE)."""
        canon = {key: c for key, kind, c in self._aliases if kind == "procedure"}
        general = lexicon.GENERAL_PROCEDURE
        for name, own_text in dict.fromkeys(names):
            key = _alias_key(name.split("(")[0])
            if not key or any(f" {c} " in f" {key} " for c in set(canon.values()) if c != general):
                continue
            if "general" in name.lower():  # "Hair Transplant (General)": the article's treatment in general
                self._aliases.append((key, "procedure", general))
                continue
            owner = canon.get(key)
            if owner is not None and owner in (own_text or corpus_lower):
                continue
            extra = [a.lower() for a in re.findall(r"\b[A-Z]{2,6}\b", name) if a in acronyms]
            if owner is not None and owner not in corpus_lower:  # the lexicon entity is here only through this name
                self._aliases = [a for a in self._aliases if not (a[1] == "procedure" and a[2] == owner)]
                extra += [_alias_key(a) for a in lexicon.PROCEDURES.get(owner, []) if _alias_key(a) in key.split()]
            self._aliases = [a for a in self._aliases if not (a[0] == key and a[1] == "procedure")]
            self._add("procedure", key, [key, *extra])

    def _phrase_typos(self, tokens: list[str]) -> list[str]:
        """A word one edit away from a word of a multi-word name, next to that name's other words,
        is that word: "chemical peal" → "chemical peel" ("peal" is English, so the speller keeps it)."""
        if not hasattr(self, "_phrase_words"):
            keys = {tuple(key.split()) for key, _k, _c in self._aliases if " " in key}
            self._phrase_words = {w for key in keys for w in key}
            self._phrase_by_letter: dict[str, list[tuple[tuple[str, ...], int]]] = {}
            for key in keys:
                for j, kw in enumerate(key):
                    if len(kw) >= 4:
                        self._phrase_by_letter.setdefault(kw[0], []).append((key, j))
        tokens = self._split_names(tokens)
        out = list(tokens)
        for i, w in enumerate(tokens):
            if len(w) < 3 or w in self._phrase_words or w in STOPWORDS or not w.isalpha():
                continue
            for key, j in self._phrase_by_letter.get(w[0], ()):
                start = i - j
                if start < 0 or start + len(key) > len(tokens):
                    continue
                # the name's other words first: a cheap test that rules out most pairs before the edit distance
                if not all(tokens[start + k] == key[k] for k in range(len(key)) if k != j):
                    continue
                close = len(w) >= 4 and abs(len(key[j]) - len(w)) <= 1 and edit_distance(w, key[j]) == 1
                cut = len(key[j]) >= len(w) + 2 and key[j].startswith(w)  # "punch exc" → "punch excision"
                if close or cut:
                    out[i] = key[j]
                    break
        return out

    def _capital_acronyms(self) -> list[tuple[str, str, str]]:
        """Acronyms in the names of kinds and procedures ("Hyaluronic Acid (HA) Fillers") that are no alias: too
        short or too common as words ("ha"), they name the thing only when written in capitals."""
        found = getattr(self, "_acronyms", None)
        if found is None:
            keys = {key for key, _k, _c in self._aliases}
            found = [(a, kind, name) for key, kind, name in self._aliases if kind in ("filler_type", "procedure")
                     for a in re.findall(r"\(([A-Z]{2,3})\)", name) if a.lower() not in keys]
            self._acronyms = found = list(dict.fromkeys(found))
        return found

    def _paraphrases(self) -> dict[str, list[tuple[tuple[str, ...], list[str]]]]:
        """The lexicon's paraphrases this corpus needs, by their first word, longest first: those whose key
        the corpus writes and whose paraphrase it never does (built once per analyzer)."""
        table = getattr(self, "_paraphrase_table", None)
        if table is None:
            table = {}
            stems: set[str] = set()
            for key, others in lexicon.PARAPHRASES.items():
                target = words(key)
                missing = [w for w in target if w not in self.corpus_words]  # "choose" where the corpus has "choosing"
                if missing and not stems:
                    stems = {stem(w) for w in self.corpus_words}
                if not target or any(stem(w) not in stems for w in missing):
                    continue
                for other in others:
                    source = tuple(words(other))
                    if not source:
                        continue
                    written = source[0] in self.corpus_words if len(source) == 1 \
                        else f" {' '.join(source)} " in self._corpus_text
                    if not written:
                        table.setdefault(source[0], []).append((source, target))
            for entries in table.values():
                entries.sort(key=lambda e: -len(e[0]))
            self._paraphrase_table = table
        return table

    def _paraphrased(self, tokens: list[str]) -> tuple[list[str], list[tuple[tuple[str, ...], list[str]]]]:
        """A question's everyday words read as the article's ("anaesthetic" → "numbing", "tax back" → "vat
        refunds"; see ``lexicon.PARAPHRASES``), with the paraphrases used."""
        table = self._paraphrases()
        if not table or not any(w in table for w in tokens):
            return tokens, []
        names = getattr(self, "_name_tuples", None)
        if names is None:  # multi-word names ("ice pick"): their words are never paraphrased ("pick" → "choosing")
            names = self._name_tuples = {tuple(key.split()) for key, _k, _c in self._aliases if " " in key}

        def in_name(i: int) -> bool:
            return any(tuple(tokens[a:a + n]) in names for n in (2, 3) for a in range(max(0, i - n + 1), i + 1))

        out: list[str] = []
        used: list[tuple[tuple[str, ...], list[str]]] = []
        i = 0
        while i < len(tokens):
            for source, target in table.get(tokens[i], ()) if not in_name(i) else ():
                if tuple(tokens[i:i + len(source)]) == source:
                    out += target
                    used.append((source, target))
                    i += len(source)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out, used

    def _split_names(self, tokens: list[str]) -> list[str]:
        """A one-word name written in two pieces ("sub-cision", "micro needling") is that word."""
        if not hasattr(self, "_one_word_names"):
            self._one_word_names = {key for key, _k, _c in self._aliases if " " not in key and len(key) >= 6}
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 1 < len(tokens) and tokens[i] + tokens[i + 1] in self._one_word_names \
                    and tokens[i] not in self._one_word_names:
                out.append(tokens[i] + tokens[i + 1])
                i += 2
                continue
            out.append(tokens[i])
            i += 1
        return out

    def _add(self, kind: str, canonical: str, aliases: list[str]) -> None:
        for a in {canonical, *aliases}:
            key = _alias_key(a)
            if key:
                self._aliases.append((key, kind, canonical))

    def _aliases_in(self, joined: str) -> list[tuple[str, str, str]]:
        """The aliases whose first word is a word of ``joined``, in their usual order: only those can match,
        so a question looks at a few aliases, not at every clinic name of a large corpus."""
        indexed, size, by_first = getattr(self, "_by_first", (None, 0, {}))
        if indexed is not self._aliases or size != len(self._aliases):  # built once, again if aliases change
            by_first = {}
            for i, (key, _kind, _canonical) in enumerate(self._aliases):
                by_first.setdefault(key.split(" ", 1)[0], []).append(i)
            self._by_first = (self._aliases, len(self._aliases), by_first)
        found = sorted({i for w in set(joined.split()) for i in by_first.get(w, ())})
        return [self._aliases[i] for i in found]

    def split_joined(self, tokens: list[str]) -> list[str]:
        """Two words typed as one ("laserresurfacing", "howmuch") are those words, when neither the corpus nor
        English knows the joined form and both halves are words the question could use."""
        vocab, known = self.speller.vocab, self.speller.known
        everyday = self._paraphrases()
        out: list[str] = []
        for w in tokens:
            if len(w) < 6 or not w.isalpha() or w in vocab or w in known or w in STOPWORDS or w in lexicon.CHAT_SHORTHAND \
                    or any(src == (w,) for src, _t in everyday.get(w, ())) or self.speller.correct(w) != w:
                out.append(w)  # a word, an everyday word the article says otherwise ("anaesthetic"), or a typo
                continue
            halves = [(w[:i], w[i:]) for i in range(len(w) - 3, 2, -1)
                      if all(h in vocab or h in STOPWORDS for h in (w[:i], w[i:]))
                      and any(h in vocab and len(h) >= 4 for h in (w[:i], w[i:])) or (w[:i] in STOPWORDS and w[i:] in STOPWORDS)]
            out += list(halves[0]) if halves else _segmented(w, vocab) or [w]
        return out

    def tidy(self, text: str) -> str:
        """Chat shorthand for the words a follow-up turns on written out: "wht abt tht in india" → "what about
        that in india". A word is rewritten when it is one of these words with its vowels or one inner
        letter dropped, that no other of them and no English word is ("tht", "whch"; not "ths" or "cold")."""
        forms = self.__dict__.get("_short_forms")
        if forms is None:
            forms = self.__dict__["_short_forms"] = _short_forms(self.speller.known | set(self.speller.vocab))

        def written_out(m: re.Match) -> str:
            w = m.group(0).lower()
            full = forms.get(w) or lexicon.CHAT_SHORTHAND.get(w)
            if full is not None and full not in STOPWORDS and full not in _TIDY_WORDS:
                full = None  # "med", "LR": what they stand for depends on the message; the parse reads them there
            return _cased(m.group(0), full)

        return _TIDY_WORD.sub(written_out, text)

    def frame(self, question: str) -> Frame:
        text = normalize(question)
        said = [_possessor(w) for w in words(text)]
        raw_tokens = self.split_joined(said)
        plain, used = self._paraphrased([lexicon.CHAT_SHORTHAND.get(w, w) for w in raw_tokens])
        spelled = [self.speller.correct(w) for w in plain]
        tokens = self._phrase_typos(spelled)
        joined = f" {' '.join(tokens)} "
        f = Frame(text=text, tokens=tokens)
        # the encoder reads "what are the most common", not "wat r the most comon"
        fixed = {(w, lexicon.CHAT_SHORTHAND[w]) for w in raw_tokens if w in lexicon.CHAT_SHORTHAND and w.isalpha()
                 and lexicon.CHAT_SHORTHAND[w] in STOPWORDS}  # not "med": the encoder reads "med peel" right
        fixed |= {(w, c) for w, c in zip(plain, spelled, strict=True) if w != c}
        for w, c in fixed:
            f.paraphrased = re.sub(rf"(?<![\w$']){re.escape(w)}(?![\w'])", c, f.paraphrased or text, flags=re.I)
        if len(raw_tokens) != len(said):  # "laserresurfacing": the encoder reads the two words too
            f.paraphrased = text
            for w in set(said) - set(raw_tokens):
                pair = self.split_joined([w])
                f.paraphrased = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", " ".join(pair), f.paraphrased, flags=re.I)
        for source, target in used:  # the encoder reads the article's words too
            f.paraphrased = re.sub(r"(?<!\w)" + r"[\s-]+".join(map(re.escape, source)) + r"(?!\w)", " ".join(target),
                                   f.paraphrased or text, flags=re.I)
        spans: list[tuple[int, int, str]] = []
        for key, kind, canonical in self._aliases_in(joined):
            start = joined.find(f" {key} ")
            while start != -1:
                end = start + len(key) + 1
                if not any(k == kind and (s <= start < e or s < end <= e) for s, e, k in spans):
                    spans.append((start, end, kind))
                    f.spans.append((start, end, kind, canonical))
                    target = {"procedure": f.procedures, "country": f.countries, "clinic": f.clinics,
                              "scar_type": f.scar_types, "filler_type": f.filler_types}[kind]
                    if canonical not in target:
                        target.append((start, canonical))  # type: ignore[arg-type]
                    article = self._article_aliases.get((key, kind, canonical))
                    if article is not None and article not in f.articles:
                        f.articles.append(article)
                start = joined.find(f" {key} ", end)
        if re.search(r"\bU\.S\.?(?!\w)", question) and not any(c == "USA" for _, c in f.countries):  # type: ignore[misc]
            f.countries.append((joined.find(" us ") if " us " in joined else 0, "USA"))  # type: ignore[arg-type]
        for code in re.findall(r"(?<![\w'])([A-Z]{2})(?![\w'])", question):  # "peel px IN?": a country code in capitals
            country = lexicon.COUNTRY_CODES.get(code)
            if country in self.countries and not any(c == country for _, c in f.countries):  # type: ignore[misc]
                at = joined.find(f" {code.lower()} ")
                f.countries.append((at if at >= 0 else len(joined), country))  # type: ignore[arg-type]
        for acronym, kind, name in self._capital_acronyms():  # "results with HA?": "(HA)" of a name, in capitals
            target = f.filler_types if kind == "filler_type" else f.procedures
            if name not in [n for _at, n in target] and re.search(rf"(?<![\w'-]){acronym}(?![\w'-])", question):  # type: ignore[misc]
                at = joined.find(f" {acronym.lower()} ")
                target.append((at if at >= 0 else len(joined), name))  # type: ignore[arg-type]
        for attr in ("procedures", "countries", "clinics", "scar_types", "filler_types"):
            pairs = getattr(f, attr)
            seen: list[str] = []
            for _, c in sorted(pairs):
                if c not in seen:
                    seen.append(c)
            setattr(f, attr, seen)
        lowered = text.lower()
        # a whole-word match needs the substring first: the regex runs only for names the text contains
        for c in lexicon.OTHER_COUNTRIES:
            if c in lowered and _whole_word(c).search(lowered) and c not in self._corpus_text:
                f.other_countries.append(c)
        for t in lexicon.OTHER_TOPICS:
            if t in joined and _whole_word(t).search(joined) and t not in self._corpus_text:
                f.other_topics.append(t)
        for t, _sources in self._scoped_topics:  # declared out of scope by the article that mentions it
            if f" {t} " in joined and t not in f.other_topics:
                f.other_topics.append(t)
        for m in _CLINIC_NAME.finditer(text):
            name = _LEADING_QWORDS.sub("", m.group(1).strip())
            if not any(_alias_key(k) in _alias_key(name) or _alias_key(name) in _alias_key(k) for k in self.clinics) \
                    and not any(a in _alias_key(name) for c in self.clinics for a in _clinic_aliases(c)):
                f.unknown_clinics.append(name)
        raw_joined = f" {' '.join(raw_tokens)} "
        bare = _FILLER_ADVERBS.sub(" ", joined) if _FILLER_ADVERBS.search(joined) else joined  # "what exactly goes on"
        bare = re.sub(r"\s+", " ", bare)
        for attr, dollar, keys in _attribute_cues():
            if (dollar and "$" in text) or any(k in joined or k in raw_joined or k in bare for k in keys):
                f.attributes.append(attr)
        if "cost" in f.attributes and _HOW_MUCH_VERB.search(joined) and not _PRICE_WORD.search(joined):
            f.attributes.remove("cost")  # "how much does it hurt?": a degree, not a price
        if "cost" in f.attributes and _PAY_WHEN.search(joined) and not _PRICE_WORD.search(joined.replace("pay", "")):
            f.attributes.remove("cost")  # "may I settle the bill afterwards?": how payment works, not a price
        if "cost" not in f.attributes and re.search(
                r"\bhow much\b(?!\s+(?:improvement|time|downtime|pain|longer|better|faster|of|difference|"
                r"does it hurt|collagen|volume|recovery|effect))", joined) and not _HOW_MUCH_VERB.search(joined):
            f.attributes.append("cost")
        if "cost" not in f.attributes and f.countries and re.search(r"\b(?:range|figures?|gap|table)\b", joined):
            f.attributes.append("cost")  # "what's the range for peels in India?"
        if "sessions" not in f.attributes and re.search(
                r"\bhow many\b(?:\s+[\w-]+){0,3}?\s+(?:sessions?|treatments?|rounds?|visits?)\b", joined):
            f.attributes.append("sessions")  # "how many peel sessions"
        for kind, keys in _ungiven_cues():
            if any(_names_fact(k, joined) or _names_fact(k, raw_joined) for k in keys):
                f.ungiven.append(kind)
        if _CHEAP.search(lowered):
            f.superlative = "min"
        elif _DEAR.search(lowered):
            f.superlative = "max"
        f.compare = bool(COMPARE_WORDS.search(lowered)) or len(f.countries) > 1
        f.advice = bool(_ADVICE.search(lowered))
        f.injection = bool(_INJECTION.search(text) or _SHOUT.search(text))
        f.reveal = bool(_REVEAL.search(lowered))
        return f


@functools.lru_cache(maxsize=4096)
def _whole_word(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(phrase)}\b")


@functools.cache
def _attribute_cues() -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
    """Each attribute with whether "$" cues it and its other cues as the space-padded keys ``frame`` looks
    for in a question's words: keyed once, not a few hundred ``_alias_key`` calls per question."""
    out = []
    for attr, spec in lexicon.ATTRIBUTES.items():
        keys = ("$" if c == "$" else _alias_key(c) for c in spec["cues"])
        out.append((attr, "$" in spec["cues"], tuple(f" {k} " for k in keys if k)))
    return tuple(out)


@functools.cache
def _ungiven_cues() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each kind of fact the article rarely gives with its cues as space-padded keys (see ``_names_fact``)."""
    return tuple((kind, tuple(f" {_alias_key(c)} " for c in cues)) for kind, cues in lexicon.UNGIVEN_FACTS.items())


_AS_VERB = re.compile(r"\b(?:i|we|you|to|should|shall|can|could|would|will|must|please|do|then)$")


def _names_fact(padded: str, joined: str) -> bool:
    """Whether the message names this fact ("a contact number"; ``padded`` is its key with a space either
    side), not a verb of the same spelling ("which clinic should I contact?")."""
    at = joined.find(padded)
    while at >= 0:
        if not _AS_VERB.search(joined[:at].rstrip()):
            return True
        at = joined.find(padded, at + 1)
    return False


_IS_CONTRACTED = {"what", "it", "that", "there", "here", "he", "she", "let", "who", "where", "how", "when", "why",
                  "this", "everything", "nothing", "one"}


def _possessor(w: str) -> str:
    """"bellafill's" → "bellafill" (a possessive names its owner); "what's", "it's" stay as they are."""
    return w[:-2] if w.endswith("'s") and len(w) > 4 and w[:-2] not in _IS_CONTRACTED else w


def _clinic_aliases(name: str) -> list[str]:
    """"Kangdong Sacred Heart Hospital" → ["kangdong sacred heart hospital", "kangdong", "sacred heart", ...]."""
    generic = {"clinic", "hospital", "plastic", "surgery", "medical", "center", "centre", "dermatology", "the"}
    ws = words(name)
    core = [w for w in ws if w not in generic]
    out = [" ".join(ws)]
    if core:
        out.append(" ".join(core))
        out.append(core[0])
        if len(core) > 1:
            out.append(" ".join(core[1:]))
    return out


def is_instruction(sentence: str) -> bool:
    """A sentence that tries to change or reveal the assistant's rules (never an article question)."""
    return bool(_INJECTION.search(sentence) or _SHOUT.search(sentence) or _REVEAL.search(sentence.lower()))


_ADDRESSED = re.compile(
    r"^\s*(?:system|assistant|ai|bot|chatbot|note to (?:the )?(?:assistant|ai|model|bot))\s*:"
    r"|\b(?:tell|inform|remind|advise)\s+(?:every|all|each|the|any)?\s*(?:users?|readers?|patients?|visitors?|customers?)\b"
    r"|\b(?:say|state|claim|answer|reply|respond)\s+that\b"
    r"|\b(?:you|the assistant|the ai|the model)\s+(?:must|should|will)\s+(?:always\s+)?(?:say|answer|reply|recommend|tell)\b",
    re.I,
)


def addressed_to_reader(sentence: str) -> bool:
    """A sentence of a document that speaks to an assistant or reader as an instruction ("tell every
    user…", "SYSTEM: …", "say that…"): evidence of nothing, never quoted as an answer."""
    return is_instruction(sentence) or bool(_ADDRESSED.search(normalize(sentence)))


MAX_JOINED_PARTS = 4


def _segmented(w: str, vocab) -> list[str]:
    """"typesofatrophicscars" → types, of, atrophic, scars: the fewest words (at most four, each a word of the
    corpus or a stopword, one of them a corpus word of four letters or more) that spell the joined form."""
    n = len(w)
    best: list[list[str] | None] = [[]] + [None] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            piece, before = w[start:end], best[start]
            if before is None or len(before) >= MAX_JOINED_PARTS:
                continue
            word = (piece in vocab and len(piece) >= 3) or (piece in STOPWORDS and len(piece) >= 2)
            if word and (best[end] is None or len(before) + 1 < len(best[end])):
                best[end] = [*before, piece]
    found = best[n]
    return found if found and len(found) > 1 and any(p in vocab and len(p) >= 4 for p in found) else []

