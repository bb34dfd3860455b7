"""Everyday words read as the article's (a paraphrase binds only where the corpus needs it), totals of
several treatments with a share of them, comparisons against the article's home country, and a claimed
description that fits another scar type.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

from scarbot.nlp import Analyzer


# ------------------------------------------------------------------ the binding (no model needed)
def _analyzer(text: str) -> Analyzer:
    return Analyzer([text], [], ["Thailand"])


def test_a_paraphrase_becomes_the_word_the_article_writes():
    a = _analyzer("After numbing, the needles are applied. VAT refunds are available for foreigners.")
    assert "numbing" in a.frame("Do they use anaesthetic first?").tokens
    assert a.frame("can I get the tax back?").tokens[-2:] == ["vat", "refunds"]


def test_an_article_that_writes_the_everyday_word_keeps_it():
    a = _analyzer("A local anaesthetic is used, and numbing cream before it.")
    tokens = a.frame("Do they use anaesthetic first?").tokens
    assert "anaesthetic" in tokens and "numbing" not in tokens


def test_a_paraphrase_whose_article_word_is_missing_is_not_applied():
    a = _analyzer("The clinic is in Bangkok. Prices vary.")  # no "numbing" anywhere
    assert "anaesthetic" in a.frame("Do they use anaesthetic first?").tokens


def test_a_longer_paraphrase_wins_over_a_shorter_one():
    a = _analyzer("Many clinics offer airport transfers. Choosing a clinic takes care.")
    tokens = a.frame("will they pick up me at the airport").tokens
    assert "transfers" in tokens and "choosing" not in tokens


# ------------------------------------------------------------------ answers (real model and index)
@pytest.mark.slow
@pytest.mark.parametrize("question, expected", [
    ("do I have to be put under anaesthetic for needling?", "numbing"),
    ("Could I claim the tax back as a foreign visitor?", "VAT refunds"),
    ("what's the downpayment clinics ask for?", "10%"),
    ("how much notice do clinics need to reserve a slot?", "2-4 weeks"),
    ("Will there be an interpreter at the clinic?", "multilingual"),
    ("How long does the flushing linger after lasering?", "10 days"),
])
def test_everyday_words_find_the_sentence_that_answers(assistant, question, expected):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    assert expected in ans.text, ans.text


@pytest.mark.slow
def test_a_share_of_a_summed_total_is_a_share_of_the_whole_sum(chat):
    *_, deposit = chat("One subcision session and one microneedling session in Korea at the lowest "
                       "prices, what do they add up to?", "and 10% of that as a deposit?")
    assert "$67.9" in deposit.text, deposit.text  # 10% of ($454 + $225)


@pytest.mark.slow
def test_adding_a_treatment_to_the_session_just_priced_adds_one_of_each(chat):
    *_, total = chat("How much is one laser session in Korea at the low end?",
                     "If I add one peel at the cheapest price to that laser session, what is the sum?")
    assert "$450" in total.text, total.text  # $300 + $150


@pytest.mark.slow
def test_a_price_comparison_after_two_country_questions_keeps_the_treatment(chat):
    *_, gap = chat("What do lasers cost in India?", "and in Singapore?",
                   "so what's the gap between Singapore's top price and India's top price?")
    assert "laser resurfacing" in gap.text.lower() and "$1,950" in gap.text, gap.text  # $2,220 − $270


@pytest.mark.slow
def test_cheaper_in_one_country_compares_with_the_articles_home(assistant):
    ans = assistant.ask("Would lasers be cheaper in Thailand?")
    assert "Thailand" in ans.text and "South Korea" in ans.text, ans.text


@pytest.mark.slow
def test_cheaper_in_a_country_without_a_figure_says_the_cell_is_empty(assistant):
    ans = assistant.ask("Would stem cells be cheaper in India?")
    assert "no figure" in ans.text and "India" in ans.text, ans.text
    assert "$3,000" not in ans.text.split(".")[0]  # Korea's price is not India's


@pytest.mark.slow
def test_a_description_of_another_scar_type_is_corrected(assistant):
    ans = assistant.ask("icepick scars are the wide ones with gently sloping edges, aren't they?")
    assert ans.text.startswith("No"), ans.text
    assert "rolling scars" in ans.text.split(".")[0], ans.text


@pytest.mark.slow
def test_a_description_that_fits_the_named_type_is_not_corrected(assistant):
    ans = assistant.ask("are boxcar scars the ones with sharp edges?")
    assert not ans.text.startswith("No"), ans.text


@pytest.mark.slow
def test_the_longest_lasting_kind_is_ranked_by_the_times_the_article_gives(assistant):
    ans = assistant.ask("Out of the filler types, whose results stick around the longest?")
    lead = ans.text.split("\n")[0]
    assert ans.strategy == "lasting", ans.steps
    assert lead.startswith("Polymethyl-Methacrylate (PMMA) Fillers"), ans.text  # semi-permanent
    assert "over two years" in ans.text and "6 months to 2 years" in ans.text  # the others, with their times


@pytest.mark.slow
def test_one_more_treatment_is_added_to_the_total_just_worked_out(chat):
    *_, total = chat("Three microneedling sessions in Korea at the highest price, total?",
                     "what if I add one subcision session on top?")
    assert "$2,343" in total.text, total.text  # 3 × $600 + $543


@pytest.mark.slow
def test_patients_washing_their_face_are_not_the_clinic_just_discussed(chat):
    *_, wash = chat("In which district does Geurim Plastic Surgery sit?",
                    "Next caller: after needling, when can they wash their face again?")
    assert "24 hours" in wash.text and "Geurim" not in wash.text, wash.text


def test_an_acronym_of_a_name_binds_only_in_capitals():
    a = Analyzer(["Hyaluronic Acid (HA) Fillers last 6 months to 2 years."], [], [])
    assert a.frame("How long does HA last?").filler_types == ["Hyaluronic Acid (HA) Fillers"]
    assert a.frame("ha, how long does it last?").filler_types == []


@pytest.mark.slow
def test_the_deposit_on_a_package_named_again_is_a_share_of_its_total(chat):
    *_, deposit = chat("top per-session price for peels in Korea?", "and for subcision?",
                       "2 sessions of both at those top prices — total?",
                       "how big a deposit on the peel + subcision bundle?")
    assert "$708.6" in deposit.text, deposit.text  # 10% of (2 × $3,000 + 2 × $543)


@pytest.mark.slow
def test_a_terse_difference_between_two_countries_keeps_the_treatment_priced_before(chat):
    *_, diff = chat("lasers kr?", "thailand", "diff thailand vs korea top end")
    assert "laser resurfacing" in diff.text.lower() and "$1,000" in diff.text, diff.text  # $1,500 − $500
