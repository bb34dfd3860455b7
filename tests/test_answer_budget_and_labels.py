"""A budget turns into the list of procedures that start within it; a labelled attribute item
("Procedure: ... 15-30 minutes") answers only questions about its own subject."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_a_budget_lists_what_starts_within_it(assistant):
    ans = assistant.ask("My budget is around $400 in total. What treatments can I afford in Korea?")
    assert ans.strategy == "prices"
    lows = [int(x.replace(",", "")) for x in re.findall(r"^- [^:]+: \$([\d,]+)", ans.text, re.M)]
    assert lows and all(x <= 400 for x in lows)
    assert "Stem Cell" not in ans.text  # starts at $3,000


def test_a_duration_question_about_a_visa_is_not_answered_with_a_procedure_item(assistant):
    ans = assistant.ask("How long does getting the visa take?")
    assert "12-14 days" in ans.text
    assert "15-30 minutes" not in ans.text


def test_a_duration_question_about_a_procedure_still_gets_its_item(assistant):
    ans = assistant.ask("How many minutes does a filler treatment take?")
    assert "15-30 minutes" in ans.text
