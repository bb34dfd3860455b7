"""A clinic's other services and a clinic claimed to offer what another lists; a treatment claimed to suit a
scar type the article ties to others; ratios of prices; a full course plus a session of another treatment;
"the other one" and ordinals against the lists the conversation set up.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_what_else_a_clinic_does_comes_from_its_own_extra_services(assistant):
    ans = assistant.ask("Louis Clinic — other than acne scars, anything else they handle?")
    assert "hair loss" in ans.text and "Botox" in ans.text, ans.text


def test_a_clinic_credited_with_another_clinics_treatment_is_corrected(assistant):
    ans = assistant.ask("Louis Clinic is where I'd go for stem cell therapy on acne scars, right?")
    assert ans.text.startswith("No"), ans.text
    assert "Geurim Plastic Surgery" in ans.text


def test_a_treatment_said_to_be_for_the_wrong_scar_type_names_the_right_ones(assistant):
    ans = assistant.ask("subcision is meant for icepick scars, isn't it?")
    assert ans.strategy == "recommend", ans.steps
    first = ans.text.split(". ")[0]
    assert "does not say" in first and "icepick" in first, ans.text
    assert "rolling scars" in ans.text  # what the article does tie subcision to


def test_how_many_times_dearer_gives_the_ratio_at_the_end_asked(assistant):
    ans = assistant.ask("At the high end, how many times pricier are lasers in Singapore than in India?")
    assert "$2,220" in ans.text and "$270" in ans.text, ans.text
    assert "8.2 times" in ans.text, ans.text  # 2,220 / 270


def test_a_full_course_plus_one_session_of_another_treatment(assistant):
    ans = assistant.ask("A full subcision course plus one microneedling session in Korea: total?")
    assert "$1,587" in ans.text and "$3,858" in ans.text, ans.text  # 3–6 × $454–$543 + $225–$600


def test_the_other_one_is_other_than_what_the_user_named_last(chat):
    *_, other = chat("Which clinics offer laser therapy?", "Tell me more about Louis Clinic's extra services.",
                     "and the other one — where is it?")
    assert "Cheonho" in other.text or "Kangdong" in other.text, other.text
    assert "Pangyo" not in other.text


def test_an_ordinal_past_the_latest_short_list_points_into_the_longer_one(chat):
    *_, third = chat("I'm from Canada and my scars are boxcar.", "which treatments fit?",
                     "cost of the first one in Korea?", "and at home?", "and the third one in Korea?")
    assert "punch excision" in third.standalone_question.lower(), third.standalone_question


def test_the_cheaper_one_points_at_what_the_comparison_found_cheaper(chat):
    *_, fillers = chat("laser prices in Singapore and India?", "which of those two countries is cheaper?",
                       "and microneedling in the cheaper one?")
    assert "India" in fillers.standalone_question, fillers.standalone_question
    assert "$120 - $300" in fillers.text, fillers.text


def test_comparing_two_treatments_keeps_the_country_just_asked_about(chat):
    *_, cheaper = chat("peels and lasers in Thailand, what do they cost?", "which one of them is cheaper?")
    assert "Thailand" in cheaper.text and "South Korea" not in cheaper.text, cheaper.text


def test_the_cheapest_total_of_a_course_is_its_low_end(chat):
    *_, total = chat("microneedling sessions needed?", "lowest possible total for the whole course in Korea?")
    assert "$900" in total.text and "$3,600" not in total.text.split(".")[0], total.text  # 4 × $225


def test_which_one_does_asks_the_last_yes_no_of_every_clinic(chat):
    *_, which, where = chat("Is Louis Clinic doing stem cell treatment for scars?", "ok, which one does then?",
                            "where's that one located?")
    assert "Geurim Plastic Surgery" in which.text, which.text
    assert "Gangnam" in where.text, where.text
