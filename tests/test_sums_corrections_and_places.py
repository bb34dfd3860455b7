"""Treatments added up without a price word, countries compared on what they differ in, a correction wrapped
in a sentence, a treatment's property asked without the treatment, somewhere to stay, a person named in the
question, a budget for the consultation, lay words for scars, and function words that name nothing.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

from scarbot.nlp import STOPWORDS


def test_prepositions_and_modal_verbs_are_function_words():
    for w in ("underneath", "beneath", "throughout", "however", "must", "might"):
        assert w in STOPWORDS


@pytest.mark.slow
@pytest.mark.parametrize("question, said", [
    # two treatments joined by "plus" and a total word: summed by price
    ("filler session plus chemical peel (Korea), added up?", ["$260", "total"]),
    # countries compared with "how does ... compare": the price in each
    ("How does laser resurfacing in Turkey compare to Korea?", ["$500", "$300"]),
    # a person the article never writes of does not drown the words that matter
    ("How far ahead should my sister book?", ["2-4 weeks"]),
    # a budget for the consultation is no budget for treatments
    ("I've put aside $150 for the consultation in Seoul. Will that cover it?", ["Free"]),
    # slang for the price
    ("what's the damage for microneedling in korea", ["$225"]),
    # a lay word typed as one ("pinholes") still tells the scar type; "which would you pick" asks advice
    ("my nose is covered in little deep pinholes, which procedure would you pick?", ["icepick", "punch"]),
    # where to stay while healing: somewhere to stay, not one treatment's aftercare
    ("where might I stay in Seoul as my skin recovers?", ["medical hotels"]),
])
def test_one_message_answered(assistant, question, said):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    for s in said:
        assert s in ans.text, ans.text


@pytest.mark.slow
def test_a_preposition_does_not_make_a_question_about_something_the_article_lacks(assistant):
    ans = assistant.ask("what sits underneath a rolling scar and pulls it down?")
    assert not ans.abstained, ans.text
    assert "fibrous bands" in ans.text, ans.text


@pytest.mark.slow
def test_a_correction_wrapped_in_a_sentence_asks_the_last_question_again(chat):
    first, fixed = chat("is subcision any good for boxcar marks?",
                        "oops, they're really icepick, not the boxcar kind. would that change the answer?")
    assert "boxcar" in first.text.lower(), first.text
    assert "punch excision" in fixed.text.lower(), fixed.text


@pytest.mark.slow
def test_a_property_of_treatments_asked_alone_is_of_the_treatment_in_focus(chat):
    sessions, swelling = chat("what's the usual number of microneedling sessions?",
                              "and the swelling, how long is that around for?")
    assert "4-6" in sessions.text, sessions.text
    assert "few days" in swelling.text, swelling.text  # microneedling's, not the laser's 10 days
    assert "10 days" not in swelling.text, swelling.text


@pytest.mark.slow
def test_chat_shorthand_and_modal_verbs_keep_a_follow_up_on_its_treatment(chat):
    price, times = chat("microneedling in korea per sesh?", "how many times do i gotta go?")
    assert "$225" in price.text, price.text
    assert "4-6" in times.text, times.text


def test_british_spellings_bind_american_ones():
    from scarbot.query import related

    assert related("recognise", "recognize") and related("colour", "color") and related("centre", "center")
    assert not related("rise", "rize")  # too short to be a spelling of anything


@pytest.mark.slow
def test_a_number_that_counts_the_names_after_it_plans_no_sessions(assistant):
    ans = assistant.ask("I'm in Canada, choosing between two fillers (Bellafill, Radiesse). The difference?")
    assert "Bellafill" in ans.text and "Radiesse" in ans.text, ans.text
    assert "sessions of" not in ans.text, ans.text  # no total of two filler sessions


@pytest.mark.slow
def test_a_share_named_before_the_question_is_what_it_points_at(assistant):
    ans = assistant.ask("They asked me for a deposit - how much is it on a $3,000 laser package?")
    assert "$300" in ans.text, ans.text


def test_a_counted_intro_without_a_noun_lists_its_questions():
    from scarbot.dialogue import split_question

    assert split_question("Quick two: visa processing days, and deposit share?") == [
        "visa processing days?", "deposit share?"]


@pytest.mark.slow
def test_a_per_session_follow_up_is_rewritten_grammatically(chat):
    _, price = chat("how long does subcision take to heal", "ok, per-session fee over in Korea?")
    assert "per-session of" not in price.standalone_question, price.standalone_question
    assert "$454" in price.text, price.text


@pytest.mark.slow
def test_whether_a_travel_item_is_free_is_a_price_the_article_does_not_give(assistant):
    ans = assistant.ask("would my Korean medical visa be free of charge?")
    assert ans.abstained, ans.text
    assert "12-14" not in ans.text, ans.text  # not the processing time, as if that answered it


@pytest.mark.slow
def test_what_a_price_covers_is_said_only_when_its_cell_says_so(assistant):
    silent = assistant.ask("is PRP part of what subcision costs in Korea?")
    assert silent.abstained and "does not say whether" in silent.text and "$454" in silent.text, silent.text
    noted = assistant.ask("is PRP part of what microneedling costs in Australia?")
    assert not noted.abstained and noted.text.startswith("Yes"), noted.text


@pytest.mark.slow
def test_what_a_how_many_question_counts_is_its_topic(assistant):
    from scarbot.dialogue_state import topic_of

    asked = "How many dermatology patients does Korea treat each year?"
    assert topic_of(asked, assistant.parser.parse(asked)) == "dermatology patients"  # what "them" can point back to


@pytest.mark.slow
def test_where_we_live_is_the_home_the_user_gave(chat):
    _, price = chat("We're based in Toronto and my wife has rolling scars.",
                    "subcision in Korea against where we live?")
    assert "Canada" in price.standalone_question and "in the Canada" not in price.standalone_question, \
        price.standalone_question


@pytest.mark.slow
def test_there_after_a_place_in_the_same_message_is_that_place(chat):
    _, near = chat("microneedling prices for the UK and India?",
                   "my hotel is in Gangnam - any clinic near there?")
    assert not near.text.startswith("Which country"), near.text
    assert "Geurim" in near.text, near.text


@pytest.mark.slow
def test_somewhere_to_stay_is_asked_of_no_clinic(chat):
    _, stay = chat("the Pangyo clinic, what's it called?", "where can I sleep while I recover?")
    assert "Louis" not in stay.standalone_question, stay.standalone_question
    assert "medical hotels" in stay.text, stay.text


def test_every_kind_of_ungiven_fact_has_a_refusal_wording():
    from scarbot import lexicon
    from scarbot.answer.refusals import _UNGIVEN

    assert set(lexicon.UNGIVEN_FACTS) <= set(_UNGIVEN)


@pytest.mark.slow
def test_an_age_limit_is_a_fact_the_article_does_not_give(assistant):
    ans = assistant.ask("what's the age limit for getting subcision done over there?")
    assert ans.abstained and "age" in ans.text, ans.text


@pytest.mark.slow
def test_everyday_words_in_the_asking_sentence_still_weigh_after_a_story(assistant):
    ans = assistant.ask("One more thing, the language barrier worries me - can anybody there speak English?")
    assert "multilingual" in ans.text, ans.text


@pytest.mark.slow
def test_a_plan_resting_on_a_false_claim_gets_the_claim_corrected(assistant):
    ans = assistant.ask("with laser resurfacing there's no downtime at all, meaning I can hike the next morning, correct?")
    assert not ans.abstained, ans.text
    assert ans.text.startswith("Not quite") and "10 days" in ans.text, ans.text


def test_a_bare_check_tag_asks_about_the_statement_before_it():
    from scarbot.nlp import Analyzer
    from scarbot.query import QueryParser

    parser = QueryParser(Analyzer(["A medical visa takes 12-14 days to process."], [], ["South Korea"]))
    assert parser.parse("The travel desk told me processing is a fortnight. Sound right?").asking == ""
    assert parser.parse("My scars got me down for years. Is this usual?").asking == ""
    assert parser.parse("I'm from Leeds. Is a visa needed?").asking == "Is a visa needed?"


@pytest.mark.slow
def test_home_as_the_subject_of_a_comparison_is_the_home_country(chat):
    _, general = chat("I'm based in Sydney. fillers in Korea, price?",
                      "general scar care: how does home stack up against Korea?")
    assert "Australia" in general.standalone_question and "in Australia stack" not in general.standalone_question, \
        general.standalone_question
