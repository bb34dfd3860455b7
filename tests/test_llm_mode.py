"""The Assistant with an LLM backend, driven by scripted fake chat models on the real index.

What a user of LLM mode notices: the model's [n] markers become citations to the sources it was
shown; a citation to a source that was not given is dropped; a model that ignores the sources
(or invents a figure) does not reach the user — the grounded answer does; follow-ups use the
model's rewrite, or the rule-based tracker when the rewrite is unusable.
"""

from __future__ import annotations

import re

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from scarbot.assistant import Assistant

pytestmark = pytest.mark.slow

LASER_INDIA = [{"role": "user", "content": "How much is laser resurfacing in India?"},
               {"role": "assistant", "content": "$60 - $270 [1]."}]


def llm_bot(real_index, *replies: str) -> Assistant:
    model = GenericFakeChatModel(messages=iter(replies))
    return Assistant(real_index, chat_model=model).load()


def test_llm_citations_map_to_the_sources_it_was_shown(real_index):
    bot = llm_bot(real_index, "Subcision usually takes 3-6 treatments, spaced a month apart [1].")
    ans = bot.ask("How many subcision treatments are usual?")
    assert not ans.abstained
    assert ans.text.startswith("Subcision usually takes 3-6 treatments")
    assert [c.n for c in ans.citations] == [1]
    cited = ans.citations[0]
    assert cited.chunk_id in [c.chunk_id for c in ans.contexts]
    assert "3-6" in cited.quote


def test_citation_to_a_source_that_was_not_given_is_dropped(real_index):
    bot = llm_bot(real_index, "Subcision releases tethered scars [1]. It is also great for tattoos [9].")
    ans = bot.ask("What does subcision do?")
    assert "[9]" not in ans.text
    assert [c.n for c in ans.citations] == [1]


def test_a_model_that_ignores_the_sources_falls_back_to_the_grounded_answer(real_index):
    bot = llm_bot(real_index, "Microneedling costs about $99 everywhere, trust me.")
    ans = bot.ask("How much is microneedling in India?")
    assert "$99" not in ans.text
    assert "$120 - $300" in ans.text and ans.citations


def test_an_invented_figure_in_a_cited_sentence_never_reaches_the_user(real_index):
    bot = llm_bot(real_index, "Laser resurfacing in Turkey costs $12 [1].")
    ans = bot.ask("What does laser resurfacing cost in Turkey?")
    assert "costs $12" not in ans.text
    assert "$500 - $1,000" in ans.text, "the grounded answer replaces the model's"
    assert not ans.abstained


def test_questions_the_article_does_not_cover_are_refused_before_the_model_is_asked(real_index):
    bot = llm_bot(real_index, "Sure! Microneedling in Mexico is $42 [1].")
    ans = bot.ask("What does microneedling cost in Mexico?")
    assert ans.abstained
    assert not re.search(r"\d", re.sub(r"\[\d+\]", "", ans.text))


def test_follow_up_uses_the_model_rewrite(real_index):
    bot = llm_bot(real_index, "How much does laser resurfacing cost in Turkey?",
                  "Laser resurfacing in Turkey is listed at $500 - $1,000 [1].")
    ans = bot.ask("and in Turkey?", history=LASER_INDIA)
    assert ans.standalone_question == "How much does laser resurfacing cost in Turkey?"
    assert "$500 - $1,000" in ans.text


def test_an_off_topic_rewrite_falls_back_to_the_tracker(real_index):
    bot = llm_bot(real_index, "Tell me a joke about penguins.",
                  "Laser resurfacing in Turkey is listed at $500 - $1,000 [1].")
    ans = bot.ask("and in Turkey?", history=LASER_INDIA)
    assert "Turkey" in ans.standalone_question and "laser" in ans.standalone_question.lower()
    assert "penguin" not in ans.standalone_question.lower()


def test_streaming_in_llm_mode_ends_with_the_cited_answer(real_index):
    bot = llm_bot(real_index, "Chemical peels in India cost $36 - $85 [1].")
    parts = list(bot.stream("How much are chemical peels in India?"))
    assert len(parts) >= 2
    assert all(a.text.startswith(parts[0].text[:5]) for a in parts)
    final = parts[-1]
    assert "$36 - $85" in final.text and final.citations
