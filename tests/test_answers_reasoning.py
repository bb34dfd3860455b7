"""Answers that need more than one look-up: yes/no verdicts, a type named from a description, one of two
clinics picked by its own text, parts listed in one message, treatments compared on an attribute, one end
of a range, and the checks that decline a figure which does not answer what was asked.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _plain(text: str) -> str:
    return text.replace("\u2013", "-").replace("\u2014", "-")


@pytest.mark.parametrize("question", ["Is a medical visa needed to get treated in Korea?",
                                      "Do Korean dermatologists use advanced technology?"])
def test_a_yes_no_question_the_quote_confirms_starts_with_yes(assistant, question):
    ans = assistant.ask(question)
    assert ans.text.startswith("Yes"), ans.text
    assert not ans.abstained


@pytest.mark.parametrize("question", ["Are HA fillers permanent?", "Is stem cell therapy a proven treatment?",
                                      "Is microneedling painful?"])
def test_no_yes_when_the_quote_does_not_say_it(assistant, question):
    assert not assistant.ask(question).text.startswith("Yes")


def test_a_description_without_a_question_names_the_type(assistant):
    ans = assistant.ask("mine are wide, with sharp edges and flat bottoms")
    assert "boxcar" in ans.text.lower() and not ans.abstained


def test_a_correction_of_the_description_moves_the_type(chat):
    answers = chat("my scars are deep and narrow, like tiny holes",
                    "sorry, I got it wrong - they're wide with sharp edges and flat bottoms",
                    "what helps with that type then")
    assert "boxcar" in answers[1].text.lower()
    assert "boxcar" in answers[2].text.lower() and "icepick scars, the article names" not in answers[2].text


def test_which_of_two_clinics_is_picked_by_its_own_text(chat):
    answers = chat("which of the clinics do microneedling?",
                    "which one has plastic surgeons and dermatologists collaborating?")
    assert answers[1].text.startswith("Kangdong"), answers[1].text


def test_a_clinic_asked_about_another_clinics_service(assistant):
    ans = assistant.ask("Does Kangdong do hair transplants on scars?")
    assert "Geurim" in ans.text and ans.text.startswith("Not according to the article")


def test_a_clinic_asked_about_something_no_clinic_text_says(assistant):
    ans = assistant.ask("Does Geurim have parking for patients?")
    assert ans.abstained and "does not say" in ans.text


def test_a_share_must_be_of_the_asked_topic(assistant):
    ans = assistant.ask("What share of the VAT comes back to me?")
    assert ans.abstained and "10%" not in ans.text


def test_a_figure_for_another_year_is_not_given_as_the_asked_year(assistant):
    ans = assistant.ask("How many foreigners came to Korea for medical care in 2019?")
    assert ans.abstained and "1.17" not in ans.text


def test_a_list_after_a_colon_is_answered_item_by_item(assistant):
    ans = _plain(assistant.ask("two quick things: deposit size, visa processing").text)
    assert "10%" in ans and "12-14" in ans


def test_treatments_compared_on_an_attribute_are_answered_side_by_side(assistant):
    ans = _plain(assistant.ask("Between microneedling and subcision, which one needs fewer sessions?").text)
    assert "4-6" in ans and "3-6" in ans


def test_a_course_at_the_fewest_sessions(assistant):
    ans = assistant.ask("If I only need the fewest subcision sessions, what's the Korean total?")
    assert "$1,362" in ans.text and "$1,629" in ans.text and "$3,258" not in ans.text


def test_a_course_over_the_whole_range_when_both_ends_are_asked(assistant):
    ans = assistant.ask("subcision course total in Korea, from the fewest sessions to the most sessions?")
    assert "$1,362" in ans.text and "$3,258" in ans.text


def test_how_much_cheaper_is_the_difference(assistant):
    ans = assistant.ask("By how much is laser resurfacing cheaper in Korea than in Singapore?")
    assert "$1,180" in ans.text and "$720" in ans.text


def test_prices_for_a_country_the_table_lacks(assistant):
    ans = assistant.ask("Does the article have any prices for Japan?")
    assert ans.abstained and "Japan" in ans.text and "price for list" not in ans.text


# ------------------------------------------------------------------ in a conversation
def test_a_country_alone_after_a_question_no_country_changes_asks_the_price(chat):
    answers = chat("subcision price in KR", "how many sessions?", "and india?")
    assert "$127" in answers[2].text and "$158" in answers[2].text


def test_a_country_after_which_country_is_cheapest_asks_the_price_there(chat):
    answers = chat("which country in the table is cheapest for microneedling?", "and the usa?")
    assert "$500" in answers[1].text and "India" not in answers[1].text


def test_a_session_count_carries_into_a_comparison_with_another_country(chat):
    answers = chat("If I had 2 microneedling sessions in Korea, what would that total?",
                    "would that be cheaper than 2 sessions in the USA?")
    assert "$1,000" in answers[1].text  # 2 × $500 in the USA


def test_a_topic_set_before_a_dash_is_what_it_means(chat):
    answers = chat("Tell me about Juvederm and Restylane.", "What about Sculptra — how long does it last?")
    assert "two years" in answers[1].text and "6 months" not in answers[1].text


def test_two_ordinals_pick_two_of_the_list(chat):
    answers = chat("Three treatments I'm weighing, in order: microneedling, chemical peels, subcision. "
                               "What does microneedling involve?",
                    "What do the first and the third cost in Korea together, one session each?")
    text = _plain(answers[1].text)
    assert "$679" in text and "$1,143" in text  # $225–$600 + $454–$543


def test_a_superlative_given_to_another_type_is_corrected(assistant):
    ans = assistant.ask("Why are rolling scars the most common kind?")
    assert ans.text.startswith("No") and "icepick" in ans.text.lower()


def test_prices_in_another_currency_are_declined(assistant):
    ans = assistant.ask("what does laser resurfacing cost in korea in yen?")
    assert ans.abstained and "$" not in ans.text


def test_the_other_end_of_a_range_in_a_fragment(chat):
    answers = chat("What's microneedling in Korea?", "what's 10% of the top end of that?", "and the bottom end?")
    assert "about $60" in answers[1].text and "about $22" in answers[2].text


def test_a_count_in_a_fragment_multiplies_the_last_price(chat):
    answers = chat("laser resurfacing price per session in india?", "and for 3 sessions?")
    assert "$180" in answers[1].text and "$810" in answers[1].text


def test_general_in_a_fragment_asks_the_in_general_row(chat):
    answers = chat("turkey laser price?", "general?")
    assert "$540" in answers[1].text and "$1,620" in answers[1].text


def test_a_deposit_on_that_is_a_share_of_the_last_price(chat):
    answers = chat("Full filler treatment price in Korea?", "and the deposit on that?")
    assert "$100" in answers[1].text and "$200" in answers[1].text


def test_what_is_left_of_a_budget_stated_earlier(chat):
    answers = chat("I'm from Leeds and my budget is $2,000. What does subcision cost in Korea?",
                    "If I did 2 sessions there at the top price, how much of my budget is left?")
    assert "$1,086" in answers[1].text and "$914" in answers[1].text


def test_a_treatment_set_aside_is_not_recommended(assistant):
    ans = assistant.ask("other than microneedling, what works for rolling scars?")
    assert "subcision" in ans.text.lower() and "- Microneedling" not in ans.text


def test_a_figure_claimed_of_the_wrong_type_is_corrected(assistant):
    ans = assistant.ask("Rolling scars are 60-70% of atrophic scars, right?")
    assert ans.text.startswith("No") and "15-25%" in _plain(ans.text)


def test_a_figure_the_quote_confirms_starts_with_yes(assistant):
    ans = assistant.ask("subcision usually takes 3-6 treatments, correct?")
    assert ans.text.startswith("Yes")


def test_a_time_asked_in_one_unit_is_not_answered_in_another(assistant):
    ans = assistant.ask("how many hours does subcision take?")
    assert ans.abstained or "hour" in ans.text.lower()


def test_which_clinic_is_cheapest_is_declined(assistant):
    ans = assistant.ask("which clinic charges least for subcision?")
    assert ans.abstained and "$" not in ans.text


def test_a_course_in_the_story_is_not_the_question(assistant):
    ans = assistant.ask("My cousin did a full course of peels last year and loved it. Anyway, what does one chemical "
                        "peel cost in Turkey?")
    assert "course" not in ans.text.lower() or "full course of chemical peels" not in ans.text.lower()
    assert not ans.abstained or "Turkey" in ans.text


def test_a_supposition_is_no_instruction_and_its_treatment_carries(chat):
    answers = chat("Say I went for subcision. What does that cost in Korea?", "And in the UK?")
    assert "$454" in answers[0].text and "$1,890" in answers[1].text


def test_the_type_identified_is_what_them_means_next(chat):
    answers = chat("mine are wide with sharp edges and flat bottoms, which type is that?",
                    "what can improve them?")
    assert answers[1].text.startswith("For boxcar scars") and "For icepick scars" not in answers[1].text


def test_a_count_range_gives_both_totals(assistant):
    ans = assistant.ask("4 to 6 microneedling sessions in Korea at the top price, total?")
    assert "$2,400" in ans.text and "$3,600" in ans.text


def test_a_claimed_share_is_checked(assistant):
    ans = assistant.ask("is the deposit 50% of the price?")
    assert ans.text.startswith("No") and "10%" in ans.text


def test_slices_and_counts_over_a_list_the_user_set_up(chat):
    answers = chat("I'm weighing three: laser resurfacing, chemical peels and subcision. How many sessions "
                               "does the last one need?",
                    "Korean prices for the first two, please.", "And what does India charge for all three?")
    first_two = _plain(answers[1].text)
    assert "$300" in first_two and "$150" in first_two and "$454" not in first_two
    all_three = _plain(answers[2].text)
    assert "$60" in all_three and "$36" in all_three and "$127" in all_three


def test_what_about_x_then_a_question(chat):
    answers = chat("How long is recovery after chemical peels?", "What about lasers, how long is the redness?")
    assert "10 days" in answers[1].text


def test_travel_facts_of_the_article_country_are_not_given_for_another(assistant):
    ans = assistant.ask("How long does a medical visa for India take to process?")
    assert ans.abstained and "12-14" not in _plain(ans.text)


@pytest.mark.parametrize(("claim", "lead"), [("Subcision in India is $127?", "Yes"),
                                             ("Laser resurfacing in Turkey tops out at $2,000?", "No")])
def test_a_claimed_price_is_checked(assistant, claim, lead):
    assert assistant.ask(claim).text.startswith(lead)


def test_a_claim_of_its_own_is_not_the_last_question_again(chat):
    answers = chat("Boxcar scars are about 50% of atrophic scars?", "And icepick scars are around 65%?")
    assert answers[1].text.startswith("Yes") and "60-70%" in _plain(answers[1].text)


def test_a_terse_price_of_something_the_article_does_not_price(assistant):
    ans = assistant.ask("airport pickup fee?")
    assert ans.abstained and "$" not in ans.text


def test_a_budget_stated_as_money_to_spend_and_the_other_end_later(chat):
    answers = chat("I have $1,000 to spend. What does laser resurfacing cost in Korea?",
                    "If I did one session at the cheapest Korean price, how much of my budget would be left?",
                    "And at the priciest Korean laser rate?")
    assert "$700" in answers[1].text
    assert "$1,500" in answers[2].text and "$500" in answers[2].text  # $500 over


def test_a_relayed_question_is_a_question(assistant):
    ans = assistant.ask("a caller asks whether the clinics collect patients at the airport")
    assert "airport transfers" in ans.text and "icepick" not in ans.text.lower()


def test_only_the_sentences_about_what_was_asked_are_shown(assistant):
    ans = assistant.ask("Is VAT refundable there?")
    assert "VAT refunds" in ans.text and "2-4 weeks" not in _plain(ans.text)
    assert "2-4 weeks" in _plain(ans.citations[0].quote)  # the citation keeps the whole item


def test_at_home_then_another_country_replaces_home(chat):
    answers = chat("I'm in Sydney. How much is laser resurfacing in Korea?",
                    "What would I pay at home?", "And in Thailand?")
    assert "$470" in answers[1].text and "$300" not in answers[1].text.split("[1]")[0]
    assert "$151" in answers[2].text and "$470" not in answers[2].text


def test_a_should_i_question_gets_no_yes_and_one_disclaimer_at_the_end(assistant):
    ans = assistant.ask("Is stem cell therapy proven, and what does it cost in Korea? Should I get it for my skin?")
    assert "Yes." not in ans.text
    assert ans.text.count("not medical advice") <= 1
    assert not ans.text.rstrip().endswith("]") or "not medical advice" not in ans.text


def test_savings_in_a_story_are_no_second_country(assistant):
    ans = assistant.ask("I'm 41 and I have some savings. What price range does the article give for stem cell "
                        "therapy in Korea?")
    assert "$3,000" in ans.text and "$12,000" in ans.text


# ------------------------------------------------------------------ a budget divided by a price; ranges that cross
def test_how_many_sessions_a_budget_pays_for(assistant):
    ans = assistant.ask("I've saved $1,000 — how many microneedling sessions could that buy me in India?")
    assert ans.strategy == "compose", ans.text
    # $120–$300 a session: 8 at the bottom ($960), 3 at the top ($900)
    assert "8 sessions" in ans.text and "$960" in ans.text and "3 sessions" in ans.text and "$900" in ans.text


def test_how_many_sessions_at_one_end_only(assistant):
    ans = assistant.ask("How many laser sessions in Korea can $1,000 cover at the cheapest rate?")
    assert "3 sessions" in ans.text and "$900" in ans.text and "$100" in ans.text, ans.text
    assert "at the top" not in ans.text


def test_a_saving_between_ranges_that_cross_names_each_end(assistant):
    ans = assistant.ask("How much would I save on laser resurfacing in Turkey compared with Korea?")
    # Korea $300–$1,500, Turkey $500–$1,000: Korea is $200 cheaper at the bottom, Turkey $500 at the top
    assert "$200 less in South Korea" in ans.text and "$500 less in Turkey" in ans.text, ans.text


def test_a_thousands_figure_followed_by_a_comma_is_one_figure():
    from scarbot.text import figures_supported

    assert figures_supported("With $2,000, that is it", "a budget of $2,000")
    assert not figures_supported("With $2,000, that is it", "a budget of $2")


# ------------------------------------------------------------------ set-aside words, a checked claim before a question, origins
def test_what_else_besides_x_skips_sentences_about_x(assistant):
    ans = assistant.ask("Leaving acne aside, what else can cause scars like these?")
    assert "chickenpox" in ans.text and "90%" not in ans.text, ans.text


def test_a_tagged_claim_before_a_question_is_checked_and_the_question_answered(assistant):
    ans = assistant.ask("Subcision is done in a single session, right? What does it cost in India?")
    assert ans.text.startswith("No"), ans.text
    assert "3-6" in ans.text and "$127" in ans.text


def test_where_the_user_writes_from_is_not_the_subject(assistant):
    ans = assistant.ask("Writing from Nairobi: how many weeks ahead should appointments be booked?")
    assert not ans.abstained and "2-4 weeks" in ans.text, ans.text


def test_afterwards_points_at_the_treatment_talked_about(chat):
    *_, after = chat("How is punch excision done?", "is there any scarring afterwards?")
    assert "punch excision" in after.standalone_question.lower()
    assert "stitch" in after.text.lower(), after.text


# ------------------------------------------------------------------ budgets in a story, shares of a budget, amounts the article lacks
def test_a_budget_in_the_story_and_how_many_sessions_after_it(assistant):
    ans = assistant.ask("Client has 1200 USD for peels in India. How many sessions at the top price?")
    assert "14 sessions" in ans.text and "$1,190" in ans.text, ans.text  # 14 × $85


def test_how_many_sessions_needed_is_not_a_budget_question(assistant):
    ans = assistant.ask("I have $3,000 set aside. How many microneedling sessions are usually needed?")
    assert "4-6" in ans.text and ans.strategy != "compose", ans.text


def test_a_which_treatments_question_after_a_budget_story_recommends(assistant):
    ans = assistant.ask("My total budget is $1,500 for scar work in Korea and my scars are rolling. "
                        "Which procedures are linked to my scar type?")
    assert ans.strategy == "recommend" and "subcision" in ans.text.lower(), ans.text


def test_a_deposit_on_the_whole_budget(chat):
    *_, dep = chat("I can spend $3,000 in total on treatment in Korea.",
                    "What would the usual deposit be on my entire budget?")
    assert "$300" in dep.text, dep.text


def test_that_after_a_share_set_up_in_the_message_is_not_an_earlier_treatment(chat):
    *_, dep = chat("I have $1,500 for treatment.", "Microneedling price in India?",
                    "If they take the usual deposit on my whole budget, what is that?")
    assert "microneedling" not in dep.standalone_question.lower() and "$150" in dep.text, dep.standalone_question


def test_an_amount_the_article_does_not_give_for_the_asked_topic(assistant):
    ans = assistant.ask("How much money do I get back from the VAT refund?")
    assert ans.abstained and "10%" not in ans.text, ans.text


def test_a_count_of_treatments_at_a_countrys_lowest_price(assistant):
    ans = assistant.ask("what would 2 fillers at Korea's lowest price come to?")
    assert "$220" in ans.text and "$1,200" not in ans.text.split(".")[0], ans.text


# ------------------------------------------------------------------ superlatives, amounts in words, the same thing, cents
def test_which_of_a_list_is_the_most_something_quotes_the_superlative(chat):
    *_, most = chat("Name the kinds of atrophic scars.", "and which of those is the most common one?")
    assert "icepick" in most.text.lower() and "60-70%" in most.text, most.text


def test_an_amount_in_dollars_written_out_and_its_share_in_cents(assistant):
    ans = assistant.ask("what deposit would they take on a 225 dollar session?")
    assert "$22.5" in ans.text, ans.text


def test_the_same_thing_elsewhere(chat):
    *_, same = chat("How much is laser resurfacing in Thailand?", "and the Turkish price for the same thing?")
    assert "laser" in same.standalone_question.lower() and "$500 - $1,000" in same.text, same.text


def test_a_count_in_a_country_after_a_sessions_answer_is_priced(chat):
    *_, priced = chat("How many sessions of microneedling are recommended?", "ok, so for 5 sessions in India?")
    assert "$600" in priced.text and "$1,500" in priced.text, priced.text  # 5 × $120–$300


# ------------------------------------------------------------------ the question inside a story; asked facts a reply lacks
def test_a_time_for_another_treatment_does_not_answer_the_one_asked(assistant):
    ans = assistant.ask("I've read how long Juvederm and Sculptra last, but what about Radiesse, how long does it last?")
    assert ans.abstained and "Calcium Hydroxylapatite" in ans.text and "2 years" not in ans.text, ans.text


def test_the_clinic_asked_for_by_the_question_not_the_story(assistant):
    ans = assistant.ask("My scalp has a scar with no hair on it — which clinic does hair transplants on scars?")
    assert "Geurim" in ans.text and "Louis" not in ans.text, ans.text


def test_is_it_free_asks_a_price_the_article_may_not_give(assistant):
    ans = assistant.ask("Is the multilingual staff at clinics free, or paid separately?")
    assert ans.abstained and "multilingual" in ans.text, ans.text


def test_a_light_verb_does_not_stop_a_yes(assistant):
    ans = assistant.ask("Can subcision cause bruising?")
    assert ans.text.startswith("Yes"), ans.text


def test_how_many_sessions_in_a_course_is_not_a_price(assistant):
    ans = assistant.ask("How many laser sessions does a complete course involve?")
    assert ans.abstained and "$" not in ans.text, ans.text


def test_how_much_better_prefers_the_sentence_with_the_share(assistant):
    ans = assistant.ask("After laser resurfacing, roughly how much better do scars look for most people?")
    assert "30-70%" in ans.text, ans.text


# ------------------------------------------------------------------ a choice among named treatments for one scar type
def test_which_of_two_treatments_suits_a_scar_type(assistant):
    ans = assistant.ask("Out of punch excision and subcision, which one is meant for rolling scars?")
    assert ans.strategy == "recommend" and ans.text.lower().startswith("subcision"), ans.text
    assert "does not tie punch excision" in ans.text


def test_both_named_treatments_suit_the_type(assistant):
    ans = assistant.ask("Which of microneedling and subcision helps boxcar scars?")
    assert ans.text.startswith("Both"), ans.text


# ------------------------------------------------------------------ add-ons, where the user lives, causes
def test_an_add_on_with_no_treatment_named_finds_the_one_its_section_names(assistant):
    ans = assistant.ask("What does PRP cost on top in Korea?")
    assert ans.abstained and "microneedling" in ans.text and "$" not in ans.text, ans.text


def test_where_the_user_lives_does_not_make_a_general_question_country_specific(assistant):
    ans = assistant.ask("Hello from Toronto! How long do the results of HA fillers last?")
    assert not ans.abstained and "6 months to 2 years" in ans.text, ans.text


def test_what_causes_is_answered_by_a_cause_not_a_purpose(assistant):
    ans = assistant.ask("What brings these scars about in the first place?")
    assert "aim to" not in ans.text.split("[1]")[0] and "cause" in ans.text.split("[1]")[0].lower(), ans.text


# ------------------------------------------------------------------ absolute claims the article hedges
def test_an_absolute_claim_before_a_price_question_is_corrected_and_the_price_given(assistant):
    ans = assistant.ask("Since stem cell treatment is an established standard now, what does it cost in Korea?")
    assert ans.text.startswith("Not quite"), ans.text
    assert "$3,000" in ans.text and "$12,000" in ans.text


def test_a_guarantee_of_full_removal_is_corrected(assistant):
    ans = assistant.ask("Will microneedling completely erase my scars?")
    assert ans.text.startswith("Not quite") and "rare" in ans.text, ans.text


def test_a_word_like_completely_about_something_else_changes_nothing(assistant):
    ans = assistant.ask("Are consultations completely free of charge?")
    assert not ans.text.startswith("Not quite") and "Free" in ans.text, ans.text


# ------------------------------------------------------------------ ranges that start below another's
def test_countries_whose_range_starts_below_anothers(assistant):
    ans = assistant.ask("For peels, which countries have prices starting under Korea's?")
    assert "India" in ans.text and not ans.text.startswith("Yes"), ans.text


def test_a_which_question_with_an_amount_is_not_a_claim(assistant):
    ans = assistant.ask("Which countries' laser prices begin below $300?")
    assert not ans.text.startswith(("Yes", "No")), ans.text


def test_a_research_focus_is_not_a_correction_of_a_standard(assistant):
    ans = assistant.ask("Do the recommended clinics work to high standards?")
    assert not ans.text.startswith("Not quite"), ans.text


# ------------------------------------------------------------------ a cell's own average
def test_sessions_at_the_average_price_use_the_cells_average(assistant):
    ans = assistant.ask("What would 2 filler sessions cost in Korea at the average price?")
    assert "$540" in ans.text and "$660" in ans.text, ans.text  # 2 × $270–$330


def test_an_average_the_article_does_not_give_is_said_so(assistant):
    ans = assistant.ask("3 subcision sessions in India at the average price?")
    assert "no average price" in ans.text and "$381" in ans.text, ans.text  # 3 × $127
