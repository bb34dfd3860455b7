"""Treatments chosen by a property the user wants (little downtime, low risk, their own cells): every
treatment whose own sentences say it, in the degree asked, each with its sentence.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question", ["My job won't let me take time off. Which procedure has the least downtime?",
                                      "I really do not want downtime — what could I go for?"])
def test_a_wish_for_little_downtime_lists_the_treatments_the_article_says_have_minimal_downtime(assistant, question):
    ans = assistant.ask(question)
    assert ans.strategy == "property", ans.steps
    lead = ans.text.split("\n")[0].lower()
    assert "dermal fillers" in lead and "microneedling" in lead, ans.text
    assert "minimal downtime" in ans.text
    assert "laser" not in lead  # the article says lasers require downtime: the opposite of what was asked


def test_the_least_risky_option_is_the_one_the_article_calls_low_risk(assistant):
    ans = assistant.ask("of all the options, which is the least risky one?")
    assert ans.text.lower().startswith("microneedling"), ans.text
    assert "low-risk" in ans.text
    assert "higher risks" not in ans.text  # deep peels: much risk, not little


def test_a_property_in_other_words_finds_the_treatment_that_has_it(assistant):
    ans = assistant.ask("is there any option that works with my own regenerative cells?")
    assert "stem cell therapy" in ans.text.lower()
    assert ans.citations


def test_good_for_a_symptom_is_the_treatment_that_reduces_it_not_one_that_causes_it(assistant):
    ans = assistant.ask("which option is good for redness?")
    assert "Pulsed-Dye" in ans.text, ans.text
    assert "swelling are common" not in ans.text


def test_a_property_the_article_never_states_is_not_answered_with_a_treatment(assistant):
    ans = assistant.ask("which treatment is covered by travel insurance?")
    assert ans.strategy != "property"
    assert ans.abstained, ans.text


# ---------------------------------------------------------------- prices at one end, in one country


def test_the_cheapest_price_in_one_named_country_is_that_countrys_bottom_figure(assistant):
    ans = assistant.ask("what's the cheapest laser price in Turkey?")
    assert "$500" in ans.text and "Turkey" in ans.text, ans.text
    assert "$60" not in ans.text  # India's figure answers "which country is cheapest", not this


def test_the_priciest_option_in_one_country_ranks_that_countrys_treatments(assistant):
    ans = assistant.ask("which is the priciest thing you can get in South Korea?")
    assert ans.text.lower().startswith("in south korea, stem cell therapy"), ans.text
    assert "12,000" in ans.text


# ---------------------------------------------------------------- each treatment its own number of sessions


def test_each_treatment_is_multiplied_by_its_own_number_of_sessions(assistant):
    ans = assistant.ask("2 laser sessions and 3 peels in korea, what's the total?")
    assert "$1,050–$12,000" in ans.text, ans.text  # 2 × $300–$1,500 + 3 × $150–$3,000


def test_a_deposit_on_a_named_treatment_is_the_articles_share_of_its_price(assistant):
    ans = assistant.ask("deposit on a subcision in korea?")
    assert "$45.4–$54.3" in ans.text, ans.text  # about 10% of $454–$543
    assert "10%" in ans.text


# ---------------------------------------------------------------- a treatment the article only names in passing


def test_a_fact_about_a_treatment_named_only_in_passing_is_missing_not_a_neighbours(assistant):
    ans = assistant.ask("how long does recovery from dermabrasion take?")
    assert ans.abstained
    assert "dermabrasion" in ans.text.lower()


def test_a_price_asked_after_a_dash_is_the_price_of_the_thing_before_it(assistant):
    ans = assistant.ask("dermabrasion - what's it cost?")
    assert ans.abstained
    assert "no price for dermabrasion" in ans.text, ans.text


# ---------------------------------------------------------------- parts of one message


def test_a_plus_sign_between_two_questions_splits_them(assistant):
    ans = assistant.ask("how far ahead to book + what does the visa take to process?")
    assert "2-4 weeks" in ans.text.replace("–", "-") and "12-14 days" in ans.text.replace("–", "-"), ans.text


def test_a_part_that_only_shapes_the_answer_joins_the_part_before_it():
    from scarbot.dialogue import split_question

    assert split_question("fillers price in korea? give me the range") == ["fillers price in korea, give me the range"]
    assert len(split_question("fillers price in korea? and what about the visa?")) == 2


def test_a_claim_of_permanence_is_corrected_where_the_article_calls_it_temporary(assistant):
    ans = assistant.ask("so fillers are a permanent fix, yes?")
    assert ans.text.startswith("Not quite"), ans.text
    assert "temporary" in ans.text


def test_a_session_count_taken_for_granted_is_corrected_before_anything_else(assistant):
    ans = assistant.ask("As subcision only needs a single session, could I fit it into a weekend in Seoul?")
    assert ans.text.startswith("No"), ans.text
    assert "3-6" in ans.text.replace("–", "-")
    assert not ans.abstained


def test_a_story_before_the_request_is_not_the_property_asked(assistant):
    ans = assistant.ask("Graduation is in 10 days!! I want something with results immediately, what are my options")
    assert ans.strategy == "property", ans.steps
    assert ans.text.lower().startswith("dermal fillers"), ans.text


@pytest.mark.parametrize("question", ["how long does a Korean medical visa stay valid?",
                                      "after subcision, how many days until I can go swimming?"])
def test_a_time_asked_about_one_thing_is_not_answered_with_another_things_time(assistant, question):
    ans = assistant.ask(question)
    assert ans.abstained, ans.text
    assert "12-14" not in ans.text.split("[")[0]


def test_a_time_asked_about_what_the_sentence_says_is_answered(assistant):
    ans = assistant.ask("for how long must I keep out of the sun after microneedling?")
    assert "2 days" in ans.text and not ans.abstained, ans.text


def test_an_average_asked_is_the_average_the_table_states(assistant):
    ans = assistant.ask("typical average cost of a filler session in South Korea?")
    assert ans.text.startswith("The average"), ans.text
    assert "$270–$330" in ans.text


def test_whether_a_named_treatment_suits_a_scar_type_is_what_the_article_ties(assistant):
    yes = assistant.ask("would subcision help my boxcar scars?")
    assert yes.text.startswith("Yes"), yes.text
    other = assistant.ask("are chemical peels good for icepick scars?")
    assert not other.text.startswith("Yes"), other.text
    assert "punch excision" in other.text.lower()


def test_a_choice_between_two_named_treatments_for_a_scar_type_names_the_one_tied(assistant):
    ans = assistant.ask("for rolling scars, which is better: subcision or punch excision?")
    assert ans.text.lower().startswith("subcision"), ans.text


def test_a_bare_request_for_options_after_a_description_reads_the_description(assistant):
    ans = assistant.ask("My dermatologist calls my acne scarring severe. Any suggestions?")
    assert ans.strategy == "property", ans.steps
    assert "severe scars" in ans.text


def test_several_wishes_at_once_pick_the_treatment_whose_sentences_say_them_all(assistant):
    ans = assistant.ask("I'd want low risk and better texture, and I can come back several times. Recommendations?")
    assert ans.text.lower().startswith("microneedling"), ans.text


@pytest.mark.parametrize("question, said", [("what does non-ablative mean?", "heat the skin"),
                                            ("what are rolling scars, in plain english?", "wavy"),
                                            ("define punch excision", "surgical method")])
def test_definitions_asked_in_other_words_are_answered_by_the_defining_sentence(assistant, question, said):
    ans = assistant.ask(question)
    assert said in ans.text.split("[1]")[0], ans.text


def test_all_three_types_means_every_scar_type_the_article_describes(assistant):
    ans = assistant.ask("which treatment would cover all three types at once?")
    assert ans.strategy == "recommend", ans.steps
    assert "icepick" in ans.text and "boxcar" in ans.text and "rolling" in ans.text, ans.text
    assert "microneedling" in ans.text.lower()


def test_which_one_of_a_kind_the_article_only_mentions_in_general_is_not_answered(assistant):
    ans = assistant.ask("which recovery centre should I stay at after my procedure?")
    assert ans.abstained, ans.text
    assert "names none" in ans.text
