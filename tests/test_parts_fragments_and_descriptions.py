"""A later part of one message that says "it" of what an earlier part asked to be named, a part that opens
with "and what ...", a terse fragment that asks something of its own, a place picked out by what it
offers as a description, a bare "which type?" after a topic with no kinds, "its share", and a multi-sentence item
quoted with the sentence that answers.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

from scarbot.dialogue import split_question


def test_a_sentence_opening_with_and_what_is_a_part_of_its_own():
    parts = split_question("is peeling offered at the Pangyo place? and what do peels usually cost over there")
    assert len(parts) == 2, parts
    assert parts[1].startswith("and what do peels"), parts


def test_a_relative_clause_is_no_split_point():
    parts = split_question("Whereabouts is the place that also does hair transplants?")
    assert parts == ["Whereabouts is the place that also does hair transplants?"]


@pytest.mark.slow
def test_it_in_a_later_part_is_the_clinic_the_first_part_found(chat):
    _first, both = chat("Microneedling: how many rounds are usual?",
                        "Which hospital sits in Cheonho and what treatments has it got for scars?")
    assert "Kangdong" in both.text, both.text
    assert "microneedling" not in both.standalone_question.split("and what")[-1].lower(), both.standalone_question


@pytest.mark.slow
def test_a_question_that_opens_with_and_what_is_answered_too(chat):
    (both,) = chat("the Gangnam hospital - does it treat with stem cells? and how much are stem cell treatments in korea")
    assert "Geurim" in both.text, both.text
    assert "$3,000" in both.text, both.text


@pytest.mark.slow
def test_a_fragment_with_its_own_question_words_is_not_the_last_question_again(chat):
    _first, second = chat("peel procedure steps", "laser redness how long")
    assert "steps" not in second.standalone_question.lower(), second.standalone_question
    assert "day" in second.text.lower(), second.text


@pytest.mark.slow
def test_the_one_that_does_something_is_found_by_what_it_does(chat):
    _listed, where = chat("Which clinics offer microneedling?", "where is the place that also does PDO threads?")
    assert "Louis" in where.text and "Pangyo" in where.text, where.text
    assert "Cheonho" not in where.text, where.text


@pytest.mark.slow
def test_which_type_after_a_topic_with_no_kinds_asks_about_scar_types(chat):
    _cause, common, share = chat("how many people with acne end up scarred?", "which type is most common?",
                                 "and its share?")
    assert "icepick" in common.text.lower(), common.text
    assert "60-70%" in share.text, share.text


@pytest.mark.slow
def test_the_sentence_with_the_figure_is_quoted_beside_the_one_with_the_rare_word(assistant):
    answer = assistant.ask("What improvement did patients report a month after HA fillers?")
    assert "96%" in answer.text, answer.text
