"""Entities come from the corpus: a procedure the package's lexicon has never heard of, a country
only the article's table names, and a clinic whose location the article never gives.

A tiny article in the house conventions is ingested alone with the bundled MiniLM.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

ARTICLE = """---
title: Hair Restoration in Georgia
source: Test Blog
---

# Hair Restoration in Georgia

Hair restoration is popular with medical tourists in Tbilisi.

## Procedures

### Follicular Unit Extraction

Follicular unit extraction moves single follicles to thinning areas.

- Sessions: 1-2 treatments, spaced a year apart.
- Recovery: Scabs fall off within 10 days.

## Clinics

Clinic Name | Key Features |
---|---|
Rustaveli Hair Centre | Large team, same-week appointments |

## Cost of Hair Restoration in Georgia

- Follicular Unit Extraction: $1,800–$2,400 per session.

Procedure | Georgia (USD) | Armenia (USD) | UK (USD) |
---|---|---|---|
Follicular Unit Extraction | $1,800 - $2,400 | $1,500 - $2,000 | $6,000 - $9,000 |
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    from scarbot.assistant import Assistant
    from scarbot.ingest import ingest
    from scarbot.settings import DEFAULT_MODEL, Settings

    corpus = tmp_path_factory.mktemp("hair-corpus")
    (corpus / "hair-restoration-georgia.md").write_text(ARTICLE, encoding="utf-8")
    s = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("hair-index"), corpus_dir=corpus,
                 embedding_model=DEFAULT_MODEL, llm="none", chroma_url=None)
    ingest(s, progress=False)
    return Assistant(s).load()


def test_a_priced_procedure_the_lexicon_does_not_know(bot):
    ans = bot.ask("How much is follicular unit extraction?")
    assert "$1,800" in ans.text and "$2,400" in ans.text
    assert ans.strategy == "prices"


def test_a_country_only_the_table_names(bot):
    ans = bot.ask("What does follicular unit extraction cost in Armenia?")
    assert "$1,500 - $2,000" in ans.text
    assert "$6,000" not in ans.text


def test_a_course_total_for_the_new_procedure(bot):
    ans = bot.ask("What would a full course of follicular unit extraction cost in total?")
    assert "$1,800" in ans.text and "$4,800" in ans.text  # 1-2 sessions × $1,800–$2,400


def test_a_clinic_without_a_location_sentence_is_answered_honestly(bot):
    ans = bot.ask("Where is Rustaveli Hair Centre?")
    assert "does not say where" in ans.text
    assert "Tbilisi" not in ans.text
