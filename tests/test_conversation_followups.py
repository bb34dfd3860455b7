"""Follow-ups that lean on earlier turns: a clinic named by the bot's answer to terse keywords, "both" over two
treatments asked one after the other, what is left of a budget after a total, patients as "they", where
the user lives kept apart from where they travel, a dismissed treatment.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_a_clinic_named_in_reply_to_keywords_is_what_it_means_next(chat):
    first, second = chat("hospital in Cheonho?", "and what is it famous for")
    assert "Kangdong Sacred Heart Hospital" in first.text
    assert "multidisciplinary" in second.text.lower(), second.text


def test_both_after_two_price_questions_adds_the_two_treatments_up(chat):
    *_, total = chat("top per-session price for subcision in Korea?", "and for peels?",
                      "3 sessions of both at those top prices, what's the total?")
    assert "$10,629" in total.text, total.text  # 3 × $543 + 3 × $3,000


def test_what_is_left_of_a_budget_in_thousands_after_a_total(chat):
    *_, left = chat("I have $6k saved. 2 laser sessions and 2 microneedling sessions in Korea at the "
                                "top price, total?", "how much of my 6k is left then?")
    assert "$1,800" in left.text, left.text  # $6,000 − (2 × $1,500 + 2 × $600)


def test_patients_as_they_do_not_inherit_the_last_treatment(chat):
    *_, deposit = chat("recovery after subcision?", "new patient: what deposit do they have to pay?")
    assert "10%" in deposit.text
    assert "$454" not in deposit.text and "subcision" not in deposit.text.lower(), deposit.text


def test_where_the_user_lives_is_not_where_they_are_going(chat):
    *_, price = chat("Hello, I'm 41, from Leeds, and I'm saving for treatment in Korea. "
                                 "What treats rolling scars?", "what does subcision cost per session out there?")
    assert "$454" in price.text, price.text
    assert "1,890" not in price.text  # the UK figure: where they live, not where they go


def test_a_type_described_beside_a_named_one_is_answered_too(assistant):
    ans = assistant.ask("I've got rolling scars on my jaw and also tiny deep narrow holes on my nose. "
                        "What works for each kind?")
    assert "rolling scars" in ans.text and "icepick scars" in ans.text, ans.text
    assert "punch excision" in ans.text.lower()


def test_a_dismissed_treatment_is_not_the_one_computed(assistant):
    ans = assistant.ask("never mind lasers. what's the deposit on a full filler treatment at the lowest price?")
    assert "$100" in ans.text, ans.text  # 10% of $1,000
    assert "laser" not in ans.text.lower()


def test_a_comparison_follow_up_keeps_the_two_countries_compared_before(chat):
    *_, claim, gap = chat("laser resurfacing: turkey vs korea prices?", "so Turkey is cheaper at the bottom?",
                           "and what's the gap at the top end?")
    assert "Turkey" in claim.text and "South Korea" in claim.text, claim.text
    assert "$500" in gap.text, gap.text  # $1,500 in Korea against $1,000 in Turkey


def test_what_a_countrys_clinics_charge_is_that_countrys_price(assistant):
    ans = assistant.ask("what do Indian clinics charge for subcision?")
    assert "$127" in ans.text, ans.text
    assert ans.strategy == "prices"


def test_the_cheapest_price_in_a_country_with_no_figure_says_so(assistant):
    ans = assistant.ask("cheapest chemical peel in Turkey?")
    assert ans.abstained
    assert "Turkey" in ans.text and "$36" not in ans.text, ans.text


def test_a_thing_named_before_a_dash_is_what_it_means_after_it(chat):
    *_, named, offers = chat("microneedling price in korea?", "that hospital in Cheonho - what's it called?",
                              "does it offer laser therapy?")
    assert "Kangdong Sacred Heart Hospital" in named.text, named.text
    assert "Kangdong Sacred Heart Hospital" in offers.text and "laser" in offers.text.lower(), offers.text


def test_a_wish_stated_without_a_question_gets_the_treatments_that_have_it(assistant):
    ans = assistant.ask("I'd like something that gives permanent results.")
    assert ans.strategy == "property", ans.steps
    assert ans.text.lower().startswith("laser resurfacing"), ans.text


def test_cheaper_than_at_home_after_talk_of_deposits_compares_treatment_prices(chat):
    *_, home = chat("how big a deposit do the clinics want?", "I live in Canada. is it cheaper than back home?")
    assert "$1,200" in home.text and "$300" in home.text, home.text  # the general row: Canada against Korea
    assert "10%" not in home.text
