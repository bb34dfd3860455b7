"""Typos inside two-word names and chat shorthand are understood, so no part of a question is lost."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("question", "figure"), [
    ("hw much would one chemcial peal be in india", "$36 - $85"),
    ("laser resurfacng cost in turkey pls", "$500 - $1,000"),
    ("dermal filers price in the uk", "~$400"),
])
def test_a_typo_in_a_two_word_name_still_finds_the_price(assistant, question, figure):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    assert figure in ans.text


def test_an_english_word_alone_is_not_corrected(assistant):
    from scarbot.nlp import words

    q = assistant.parser.parse("Do the bells peal in Seoul?")
    assert "peal" in q.tokens and "peel" not in q.tokens
    assert words(q.text)[-1] == "seoul"
