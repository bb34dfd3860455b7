"""One article's own words: ``<article>.lexicon.yaml`` beside ``<article>.md``.

A synthetic two-article corpus (hair restoration in Georgia, tattoo removal in Portugal) where both
articles price a procedure of the same name. An alias only in the tattoo article's override file makes
a question answerable, from that article only; a topic it declares out of scope is refused unless the
other article covers it; a malformed file is an error naming it and leaves the index as it was.
"""

from __future__ import annotations

import json

import pytest

from scarbot.corpus import load_corpus
from scarbot.embeddings import HashEmbedder
from scarbot.errors import CorpusError
from scarbot.ingest import ingest
from scarbot.nlp import Analyzer
from scarbot.store import snapshot_dir

HAIR = """---
title: Hair Restoration in Georgia
---

# Hair Restoration in Georgia

Hair restoration is popular with medical tourists in Tbilisi.

## Procedures

### Follicular Unit Extraction

Follicular unit extraction moves single follicles to thinning areas.

- Sessions: 1-2 treatments, spaced a year apart.

### Microneedling

Microneedling of the scalp wakes up resting follicles.

- Sessions: 6 treatments, spaced a month apart.

## Cost of Hair Restoration in Georgia

Procedure | Georgia (USD) | UK (USD) |
---|---|---|
Follicular Unit Extraction | $1,800 - $2,400 | $6,000 - $9,000 |
Microneedling | $90 - $140 | $250 - $400 |
"""

TATTOO = """---
title: Laser Tattoo Removal in Portugal
---

# Laser Tattoo Removal in Portugal

Lisbon clinics remove tattoos with picosecond lasers for visitors from all over Europe.

## Procedures

### Picosecond Laser Removal

Picosecond laser removal breaks ink into tiny particles that the body clears.

- Sessions: 6-10 treatments, spaced eight weeks apart.

### Microneedling

Microneedling after the last laser session evens out the texture of the skin.

- Sessions: 3 treatments, spaced a month apart.

## Before You Travel

Henna designs fade on their own and are not treated by these clinics.

## Cost of Laser Tattoo Removal in Portugal

Procedure | Portugal (USD) | UK (USD) |
---|---|---|
Picosecond Laser Removal | $150 - $300 | $400 - $700 |
Microneedling | $60 - $110 | $200 - $350 |
"""

OVERRIDE = """\
# more names for this article's own procedures, and a topic it mentions but does not cover
aliases:
  Microneedling: [needle pen, collagen pen]
  Picosecond Laser Removal: [ink zapping]
out_of_scope: [henna]
"""

HAIR_MD, TATTOO_MD = "hair-restoration-georgia.md", "laser-tattoo-removal-portugal.md"
OVERRIDE_FILE = "laser-tattoo-removal-portugal.lexicon.yaml"


def _corpus(folder, override: str | None = OVERRIDE, hair: str = HAIR):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / HAIR_MD).write_text(hair, encoding="utf-8")
    (folder / TATTOO_MD).write_text(TATTOO, encoding="utf-8")
    if override is not None:
        (folder / OVERRIDE_FILE).write_text(override, encoding="utf-8")
    return folder


def _analyzer(folder) -> Analyzer:
    docs = load_corpus(folder)
    texts = {d.source: " ".join(b.text or " ".join(" ".join(r) for r in b.table.rows) for b in d.blocks)
             for d in docs}
    return Analyzer(list(texts.values()), [], ["Georgia", "Portugal", "UK"],
                    overrides={d.source: d.lexicon for d in docs if d.lexicon}, source_texts=texts)


# ------------------------------------------------------------------ binding (no index)
def test_override_alias_names_the_articles_entity_and_ties_the_question_to_it(tmp_path):
    f = _analyzer(_corpus(tmp_path / "c")).frame("How much does the needle pen cost?")
    assert f.procedures == ["microneedling"]
    assert f.articles == [TATTOO_MD]
    f = _analyzer(_corpus(tmp_path / "c")).frame("Is ink zapping painful?")
    assert f.procedures == ["picosecond laser removal"] and f.articles == [TATTOO_MD]
    # the article's own name for it ties the question to no article: both price microneedling
    assert _analyzer(_corpus(tmp_path / "c")).frame("How much is microneedling?").articles == []


def test_without_the_file_the_alias_means_nothing(tmp_path):
    f = _analyzer(_corpus(tmp_path / "c", override=None)).frame("How much does the needle pen cost?")
    assert f.procedures == [] and f.articles == []


def test_declared_out_of_scope_unless_another_article_covers_it(tmp_path):
    assert _analyzer(_corpus(tmp_path / "a")).frame("Can you remove henna?").other_topics == ["henna"]
    hair = HAIR.replace("Hair restoration is popular", "Henna dye on the scalp is removed before surgery. Hair "
                                                      "restoration is popular")
    assert _analyzer(_corpus(tmp_path / "b", hair=hair)).frame("Can you remove henna?").other_topics == []


@pytest.mark.parametrize("text, message", [
    ("aliases: [needle pen", "not valid YAML (line"),
    ("aliases:\n  Microneedling: needle pen\n", "aliases → Microneedling must be a list"),
    ("synonyms:\n  Microneedling: [needle pen]\n", "unknown key 'synonyms'"),
    ("aliases:\n  Follicular Unit Extraction: [hair move]\n", "'Follicular Unit Extraction', which the article"),
    ("out_of_scope: henna\n", "out_of_scope must be a list"),
    ("- henna\n", "must be a mapping"),
])
def test_a_malformed_file_is_an_error_naming_it(tmp_path, text, message):
    with pytest.raises(CorpusError) as err:
        load_corpus(_corpus(tmp_path / "c", override=text))
    assert str(err.value).startswith(OVERRIDE_FILE) and message in str(err.value)


def test_an_override_without_its_article_is_an_error(tmp_path):
    folder = _corpus(tmp_path / "c", override=None)
    (folder / "gone.lexicon.yaml").write_text(OVERRIDE, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"gone.lexicon.yaml: no article gone.md"):
        load_corpus(folder)


def test_an_empty_file_adds_nothing(tmp_path):
    docs = load_corpus(_corpus(tmp_path / "c", override="# nothing yet\n"))
    assert all(d.lexicon == {} for d in docs)


# ------------------------------------------------------------------ end to end
@pytest.fixture
def corpus_settings(tmp_path, monkeypatch):
    import os

    from scarbot.settings import Settings

    for key in list(os.environ):
        if key.startswith("SCARBOT_"):
            monkeypatch.delenv(key, raising=False)
    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=_corpus(tmp_path / "corpus"),
                    llm="none", chroma_url=None)


def test_an_alias_only_in_the_file_is_answered_from_that_article_only(corpus_settings):
    from scarbot.assistant import Assistant

    ingest(corpus_settings, embedder=HashEmbedder(64), progress=False)
    bot = Assistant(corpus_settings, embedder=HashEmbedder(64)).load()
    ans = bot.ask("How much does the needle pen cost?")
    assert not ans.abstained, ans.text
    assert "$60" in ans.text and "$90" not in ans.text, ans.text
    assert ans.citations and {c.source for c in ans.citations} == {TATTOO_MD}
    sessions = bot.ask("How many sessions of collagen pen do I need?")  # extraction too: that article only
    assert "3 treatments" in sessions.text and {c.source for c in sessions.citations} == {TATTOO_MD}, sessions.text
    refused = bot.ask("How do I get rid of henna?")
    assert refused.abstained and "$" not in refused.text


def test_a_broken_file_stops_ingest_and_changes_nothing_stored(corpus_settings):
    ingest(corpus_settings, embedder=HashEmbedder(64), progress=False)
    manifest = snapshot_dir(corpus_settings) / "manifest.json"
    before = manifest.read_bytes()
    assert json.loads(before)["fingerprint"]
    (corpus_settings.corpus_dir / OVERRIDE_FILE).write_text("aliases:\n  Microneedling: [needle pen\n", "utf-8")
    with pytest.raises(CorpusError, match=OVERRIDE_FILE):
        ingest(corpus_settings, embedder=HashEmbedder(64), progress=False)
    assert manifest.read_bytes() == before


def test_editing_the_file_is_picked_up_by_the_next_ingest(corpus_settings):
    from scarbot.assistant import Assistant

    ingest(corpus_settings, embedder=HashEmbedder(64), progress=False)
    (corpus_settings.corpus_dir / OVERRIDE_FILE).write_text(OVERRIDE.replace("needle pen", "skin stamp"), "utf-8")
    report = ingest(corpus_settings, embedder=HashEmbedder(64), progress=False)
    assert report.wrote_snapshot
    bot = Assistant(corpus_settings, embedder=HashEmbedder(64)).load()
    f = bot.ask("How much does the skin stamp cost?")
    assert not f.abstained and "$60" in f.text, f.text
