"""Support-desk labels that start a new thread, each side of a price comparison at its own end of the
range, totals carried across a follow-up, "why does it help?" answered by what the treatment does, and
what an abbreviation stands for.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

from scarbot.answer.acronyms import long_form
from scarbot.dialogue import split_label
from scarbot.nlp import Analyzer


# ------------------------------------------------------------------ pieces (no model needed)
def _analyzer() -> Analyzer:
    return Analyzer(["Microneedling costs $225 - $600 in Korea. Redness can last a few days."], [],
                    ["South Korea"])


@pytest.mark.parametrize("message, label, rest", [
    ("Enquiry 7: how long does redness last?", "enquiry", "How long does redness last?"),
    ("Next customer: what about Korea?", "next customer", "What about Korea?"),
    ("Agent B: is a deposit needed?", "agent b", "Is a deposit needed?"),
])
def test_a_support_label_is_not_part_of_the_question(message, label, rest):
    found, text = split_label(_analyzer(), message)
    assert text == rest
    assert found.startswith(label.split()[0])


@pytest.mark.parametrize("message", [
    "Microneedling: what does it cost in Korea?",  # the lead names what is asked about
    "botox: is it offered?",  # a word the article does not know is still the subject
    "two quick things: visa time, deposit size",  # a list of questions, not a label
    "What does it cost?",
])
def test_a_lead_that_says_what_is_asked_is_kept(message):
    assert split_label(_analyzer(), message) == ("", message)


@pytest.mark.parametrize("before, short, expected", [
    ("can be mixed with Platelet-Rich Plasma ", "PRP", "Platelet-Rich Plasma"),
    ("fillers such as Poly-L-Lactic Acid ", "PLLA", "Poly-L-Lactic Acid"),
    ("Microneedling (Collagen Induction Therapy ", "cit", "Collagen Induction Therapy"),
    ("something unrelated here ", "PRP", None),
])
def test_the_long_form_is_the_run_of_words_whose_initials_spell_it(before, short, expected):
    assert long_form(before, short) == expected


# ------------------------------------------------------------------ answers (real model and index)
@pytest.mark.slow
def test_a_new_ticket_does_not_inherit_the_last_tickets_treatment(chat):
    first, second = chat("Ref 1001: how many microneedling sessions are usual?",
                         "Ref 1002: where can people recuperate after the procedure?")
    assert "4-6" in first.text
    assert "medical hotels" in second.text.lower() or "recovery centers" in second.text.lower(), second.text
    assert "microneedling" not in second.standalone_question.lower()


@pytest.mark.slow
@pytest.mark.parametrize("question, said, unsaid", [
    # each country at its own end of its range: $454 (Korea's lowest) - $158 (India's highest)
    ("for subcision, how much cheaper is India's highest price than Korea's lowest?", "$296", None),
    # a course's minimum is its low end only
    ("what is the minimum cost of 4 microneedling sessions in Korea?", "$900", "$2,400"),
    # two countries at one end with a count: the difference first
    ("2 peels at the india max vs 2 at the korea max?", "cost about $5,830 more in South Korea", None),
    # a question inside a statement
    ("I run the front desk and people are always asking how far ahead they should book", "2-4 weeks", None),
    # a clinic's sentence that says "the clinic" names it
    ("is there a place that does PDO thread lifting?", "Louis Clinic: ", None),
    # "why does it help?": what the treatment does
    ("why does subcision actually help?", "fibrous bands", None),
    ("Why do peels make scars better?", "peel off", None),
])
def test_one_message_answered_as_asked(assistant, question, said, unsaid):
    ans = assistant.ask(question)
    assert said in ans.text, ans.text
    assert unsaid is None or unsaid not in ans.text, ans.text


@pytest.mark.slow
def test_a_total_follow_up_in_another_country_keeps_the_count_and_the_end(chat):
    *_, there, gap = chat("subcision prices in India and Korea?",
                          "2 sessions in India at the top price, total?",
                          "and in Korea at the top price?",
                          "the difference?")
    assert "$1,086" in there.text, there.text  # 2 × $543
    assert "$770" in gap.text, gap.text  # $1,086 - 2 × $158


@pytest.mark.slow
def test_the_other_end_of_each_range_is_compared_when_asked(chat):
    *_, low = chat("general scar treatment in the UK vs Korea: at the top of each range, how much cheaper is Korea?",
                   "and at the bottom of each range?")
    first = low.text.split(". ")[0]
    assert "$300" in first and "$991" not in first, low.text


@pytest.mark.slow
@pytest.mark.parametrize("question, expected", [
    ("what's PRP short for?", "Platelet-Rich Plasma"),
    ("What is the full form of CIT?", "Collagen Induction Therapy"),
])
def test_an_abbreviation_is_spelled_out_from_the_article(assistant, question, expected):
    ans = assistant.ask(question)
    assert not ans.abstained and expected in ans.text, ans.text
    assert ans.citations and expected in ans.citations[0].quote


@pytest.mark.slow
def test_an_abbreviation_the_article_never_spells_out_is_said_to_be_so(assistant):
    ans = assistant.ask("What does VAT stand for?")
    assert ans.abstained and "does not say what it stands for" in ans.text, ans.text


@pytest.mark.slow
def test_a_city_says_where_home_is(chat):
    *_, home = chat("Houston here. Stem cell therapy price in Korea?", "and what would it be back home?")
    assert "USA" in home.text and "no figure" in home.text, home.text


@pytest.mark.slow
@pytest.mark.parametrize("question, expected", [
    ("what's halfway in the Turkish laser price range?", "$750"),
    ("how wide is the price range for fillers in the USA?", "$400"),
    ("difference between the lowest and the highest subcision price in India?", "$31"),
])
def test_one_range_worked_on(assistant, question, expected):
    ans = assistant.ask(question)
    assert expected in ans.text.split(". ")[0], ans.text


@pytest.mark.slow
def test_a_note_in_the_asked_cell_answers_what_the_price_covers(assistant):
    covered = assistant.ask("is PRP part of the Australian microneedling price?")
    assert covered.text.startswith("Yes") and "(with PRP)" in covered.text, covered.text
    other = assistant.ask("is PRP part of the Indian microneedling price?")
    assert not other.text.startswith("Yes"), other.text  # the note belongs to another country's cell


@pytest.mark.slow
def test_a_comparison_with_a_country_the_table_lacks_is_declined(assistant):
    ans = assistant.ask("would peels be cheaper in Korea than in Vietnam?")
    assert ans.abstained and "Vietnam" in ans.text, ans.text
    assert "$" not in ans.text


@pytest.mark.slow
def test_a_kind_named_before_which_one_is_that_kind(chat):
    *_, which = chat("what does a peel cost in India?", "back to hospitals: which one focuses on research?")
    assert which.text.startswith("Kangdong Sacred Heart Hospital"), which.text


# ------------------------------------------------------------------ totals typed the way people chat
@pytest.mark.slow
def test_a_bare_count_multiplies_the_price_just_given(chat):
    *_, times, there, deposit, low = chat("peel price in korea at the top end?", "times 2?", "and 2 in India at the top",
                                          "plus the deposit?", "and if I went for the bottom?")
    assert "$6,000" in times.text, times.text  # 2 × $3,000
    assert "$170" in there.text, there.text  # 2 × $85
    assert "$17" in deposit.text, deposit.text  # 10% of $170
    assert "$7.2" in low.text, low.text  # 10% of 2 × $36


@pytest.mark.slow
def test_a_numbered_client_is_no_count(chat):
    *_, second = chat("agent desk: client A wants subcision, UK price?", "client 7 in India, same treatment")
    assert "$127" in second.text and "7 sessions" not in second.text, second.text


@pytest.mark.slow
def test_an_unanswerable_question_about_there_is_declined_without_asking_which(chat):
    *_, last = chat("subcision in India vs Korea?", "can I get my contact lenses replaced at a clinic there?")
    assert last.abstained and not last.text.startswith("Which"), last.text


@pytest.mark.slow
def test_a_word_the_article_uses_only_beside_the_last_topic_stays_with_it(chat):
    *_, after = chat("is a visa needed for the trip?", "how long does processing take?")
    assert "12-14 days" in after.text, after.text


@pytest.mark.slow
def test_a_home_told_beside_an_age_is_kept(chat):
    *_, home = chat("Hi, I'm 41 and live in Perth, Australia. How much is a filler session in Korea?",
                    "would that cost me less back home?")
    assert "Australia" in home.text and "$230" in home.text, home.text


@pytest.mark.slow
def test_short_follow_ups_about_the_scar_type_just_named(chat):
    *_, looks, share = chat("what treatments suit icepick scars?", "and how do they look?", "percentage?")
    assert "tiny holes" in looks.text, looks.text
    assert "60-70%" in share.text, share.text


@pytest.mark.slow
def test_one_session_of_each_of_two_treatments_is_summed(chat):
    *_, total = chat("laser and peel prices per session in Korea?", "one session of each at the bottom end, total?")
    assert "$450" in total.text, total.text  # $300 + $150
