"""Terse keyword questions, corrections inside one message, the user's own country as context, "each of them"
after a story, how long a treatment with several kinds lasts, and budgets asked as "could I afford it?"
(phrasings our own, not from any eval split)."""

from __future__ import annotations


def test_a_term_followed_by_meaning_is_a_definition_question(assistant):
    ans = assistant.ask("icepick scar definition")
    assert "tiny holes" in ans.text, ans.text


def test_keywords_side_by_side_ask_each_attribute(assistant):
    ans = assistant.ask("microneedling korea cost sessions")
    assert "$225" in ans.text
    assert "4-6" in ans.text, ans.text


def test_a_which_question_about_a_thing_said_only_of_another_treatment_is_declined(assistant):
    ans = assistant.ask("Which cream brand do clinics use for numbing before subcision?")
    assert ans.abstained, ans.text
    assert "brand" in ans.text


def test_where_the_user_lives_is_context_not_a_place_asked_about(assistant):
    ans = assistant.ask("Greetings, I am from Peru. Where can I get microneedling among the clinics listed?")
    assert "Peru" not in ans.text
    assert "Louis Clinic" in ans.text


def test_a_country_the_user_lives_in_and_asks_about_is_still_declined(assistant):
    ans = assistant.ask("I live in Peru. Subcision prices in Peru?")
    assert ans.abstained
    assert "Peru" in ans.text


def test_whats_a_treatment_in_each_after_naming_two_countries_asks_prices(assistant):
    ans = assistant.ask("Torn between India and Singapore. What's laser resurfacing in each?")
    assert "$60" in ans.text and "$1,480" in ans.text, ans.text


def test_those_same_two_countries(chat):
    *_, ans = chat("Microneedling in Australia?", "and in India?",
                    "Dermal fillers in those same two countries?")
    assert "~$230" in ans.text and "$240" in ans.text, ans.text


def test_a_name_corrected_within_the_message_is_the_one_asked(assistant):
    ans = assistant.ask("Chemical peels in Korea... no wait, I meant India.")
    assert "$36" in ans.text, ans.text
    assert "$150" not in ans.text


def test_does_the_table_list_a_treatment_for_a_country_is_a_price_question(assistant):
    ans = assistant.ask("Does the table list subcision for Turkey?")
    assert 'no figure for subcision in Turkey' in ans.text, ans.text


def test_could_i_afford_it_compares_the_total_with_the_budget(chat):
    *_, ans = chat("My budget is $2,500.",
                    "Could I afford the longest subcision course at the highest Korean price?")
    assert "$3,258" in ans.text
    assert "over your $2,500 budget, by about $758" in ans.text, ans.text


def test_a_topic_with_its_own_item_is_not_an_add_on_of_the_treatment_that_mentions_it(assistant):
    ans = assistant.ask("Is the consultation charged on top?")
    assert "Free" in ans.text, ans.text


def test_how_long_a_treatment_with_several_kinds_lasts_gives_each_kind(assistant):
    ans = assistant.ask("How long will fillers last?")
    assert "It depends on the kind" in ans.text
    assert "6 months to 2 years" in ans.text and "semi-permanent" in ans.text
    assert "temporary" in ans.text  # what it says of fillers as a whole


def test_those_two_after_two_answers_that_each_named_one_country(chat):
    *_, gap = chat("Where is microneedling cheapest according to the table?",
                    "And where is it priciest?", "And the gap between the bottom ends of those two ranges?")
    assert "India" in gap.standalone_question and "South Korea" in gap.standalone_question, gap.standalone_question
    assert "$105" in gap.text, gap.text  # $225 against $120 at the bottom


def test_which_country_is_cheapest_names_one_country_not_the_reference_beside_it(assistant):
    ans = assistant.ask("Which country has the lowest general price for scar treatment?")
    assert "Thailand" in ans.text
    assert "Treatment by treatment" not in ans.text  # that list answers "is X the cheapest?", not "which is?"


def test_several_words_typed_as_one_are_read_as_those_words(assistant):
    ans = assistant.ask("whatcausesatrophicscars")
    assert "acne" in ans.text.lower(), ans.text


def test_a_phrase_read_as_the_article_word_is_a_subject_of_its_own(chat):
    *_, ans = chat("Subcision price in Korea?", "One more thing, I worry about the language barrier - does the staff "
                                                 "speak English?")
    assert "subcision" not in ans.standalone_question.lower(), ans.standalone_question
    assert "multilingual" in ans.text


def test_a_possessive_share_asks_for_the_percentage(assistant):
    ans = assistant.ask("Boxcar scars' share?")
    assert "20-30%" in ans.text, ans.text


def test_is_one_price_the_same_as_another(assistant):
    ans = assistant.ask("is the Thai price for lasers the same as the Thai price for scar treatment in general?")
    assert ans.text.startswith("Yes"), ans.text
    assert "$151 - $500" in ans.text
