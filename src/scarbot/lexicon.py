"""Domain vocabulary: how patients name the things an article like this talks about.

The words are data, in ``scarbot/data/lexicon.yaml`` (package data, read with ``importlib.resources``
so an installed wheel has them too); this module loads them once into the names callers use.
General dermatology / medical-tourism knowledge (synonyms, lay terms, brand names, country names),
not a list of questions. Each canonical entity is bound at load time to what the corpus actually
contains (headings, table rows, list labels); an alias whose entity the corpus never mentions makes
the question "about something the article does not cover".

One article may add to it with ``<article>.lexicon.yaml`` beside ``<article>.md`` (``read_override``):
more names for that article's own entities, and topics that article does not cover.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from scarbot.errors import CorpusError, ScarbotError

OVERRIDE_SUFFIX = ".lexicon.yaml"
OVERRIDE_KEYS = ("aliases", "out_of_scope")


def _yaml_load(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a list of non-empty texts, e.g. [first name, second name]")
    return value


def _table(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a mapping of name: [other names]")
    for k, v in value.items():
        if not isinstance(k, str) or not k.strip():
            raise ValueError(f"{where} has a key that is not a text: {k!r}")
        _strings(v, f"{where} → {k}")
    return value


def _read_package() -> dict[str, Any]:
    """The package's lexicon, checked for shape (a broken data file is an error, never a silent gap)."""
    path = resources.files("scarbot").joinpath("data", "lexicon.yaml")
    try:
        data = _yaml_load(path.read_text("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the file must be a mapping")
        if not isinstance(data.get("general_procedure"), str):
            raise ValueError("general_procedure must be a text")
        for key in ("procedures", "countries", "scar_types", "filler_types", "ungiven_facts"):
            _table(data.get(key), key)
        for key in ("other_countries", "other_topics"):
            _strings(data.get(key), key)
        _table(data.get("paraphrases", {}), "paraphrases")
        shorthand = data.get("chat_shorthand")
        if not isinstance(shorthand, dict) or not all(isinstance(v, str) for v in shorthand.values()):
            raise ValueError("chat_shorthand must be a mapping of shorthand: word")
        attributes = data.get("attributes")
        if not isinstance(attributes, dict):
            raise ValueError("attributes must be a mapping of attribute: {cues: [...], labels: [...]}")
        for name, spec in attributes.items():
            if not isinstance(spec, dict) or set(spec) != {"cues", "labels"}:
                raise ValueError(f"attributes → {name} must have exactly 'cues' and 'labels'")
            _strings(spec["cues"], f"attributes → {name} → cues")
            if spec["labels"]:
                _strings(spec["labels"], f"attributes → {name} → labels")
    except Exception as err:  # noqa: BLE001 - YAML, I/O or shape: all mean the installed package is broken
        raise ScarbotError(f"the package's vocabulary file {path} cannot be used ({err}); reinstall scarbot") from None
    return data


_DATA = _read_package()

GENERAL_PROCEDURE: str = _DATA["general_procedure"]
PROCEDURES: dict[str, list[str]] = _DATA["procedures"]
CHAT_SHORTHAND: dict[str, str] = _DATA["chat_shorthand"]
PARAPHRASES: dict[str, list[str]] = _DATA.get("paraphrases", {})
COUNTRIES: dict[str, list[str]] = _DATA["countries"]
COUNTRY_CODES: dict[str, str] = _DATA.get("country_codes", {})
OTHER_COUNTRIES: list[str] = _DATA["other_countries"]
SCAR_TYPES: dict[str, list[str]] = _DATA["scar_types"]
FILLER_TYPES: dict[str, list[str]] = _DATA["filler_types"]
OTHER_TOPICS: list[str] = _DATA["other_topics"]
ATTRIBUTES: dict[str, dict[str, list[str]]] = _DATA["attributes"]
UNGIVEN_FACTS: dict[str, list[str]] = _DATA["ungiven_facts"]

# Words that frame a question rather than name its subject ("how long", "what kind", "my cheeks",
# "I'm 34"): they never make a question about something the article does not cover. Data, one per line.
GENERIC_WORDS = frozenset(
    w.strip() for w in resources.files("scarbot").joinpath("data", "generic_words.txt").read_text("utf-8").splitlines()
    if w.strip() and not w.startswith("#"))


# ------------------------------------------------------------------ one article's additions
def override_path(article: Path) -> Path:
    """``corpus/foo.md`` → ``corpus/foo.lexicon.yaml``."""
    return article.with_name(article.stem + OVERRIDE_SUFFIX)


def read_override(path: Path, article_text: str) -> dict[str, Any]:
    """Read and check one article's override file; any problem is a ``CorpusError`` naming the file.

    The file may hold ``aliases`` (a name the article itself writes → more names people use for it)
    and ``out_of_scope`` (topics this article mentions but does not cover). Every alias target must be
    written in the article, so an override can only add names for that article's own entities.
    """
    name = path.name
    try:
        data = _yaml_load(path.read_text("utf-8"))
    except UnicodeDecodeError as err:
        raise CorpusError(f"{name}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise CorpusError(f"{name}: cannot be read ({err.strerror or err})") from None
    except Exception as err:  # noqa: BLE001 - a YAML error of any kind
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise CorpusError(f"{name}: not valid YAML{where}: {problem}; see 'Adding an article' in the README "
                          "for the format") from None
    if data is None:
        return {}
    try:
        if not isinstance(data, dict):
            raise ValueError("the file must be a mapping with the keys " + " and ".join(OVERRIDE_KEYS))
        unknown = [str(k) for k in data if k not in OVERRIDE_KEYS]
        if unknown:
            raise ValueError(f"unknown key {', '.join(map(repr, unknown))}; allowed: {', '.join(OVERRIDE_KEYS)}")
        aliases = _table(data.get("aliases") or {}, "aliases")
        out_of_scope = _strings(data.get("out_of_scope") or [], "out_of_scope")
    except ValueError as err:
        raise CorpusError(f"{name}: {err}") from None
    text = " ".join(article_text.lower().split())
    missing = [k for k in aliases if " ".join(k.lower().split()) not in text]
    if missing:
        raise CorpusError(f"{name}: aliases name {', '.join(map(repr, missing))}, which the article "
                          f"{path.name[: -len(OVERRIDE_SUFFIX)]}.md never writes; an alias key must be a name "
                          "as the article writes it (a heading, a table row, a clinic)")
    out: dict[str, Any] = {}
    if aliases:
        out["aliases"] = {k.strip(): [a.strip() for a in v] for k, v in aliases.items()}
    if out_of_scope:
        out["out_of_scope"] = [t.strip().lower() for t in out_of_scope]
    return out
