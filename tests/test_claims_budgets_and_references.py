"""Session 13 mechanisms, each asserted as a user would see it (phrasings our own, not from any eval split).

Verdicts on "is X the cheapest?", per-treatment minima beside the general row, clinic facts the article lacks,
clinics named by their place, "it" after a declined question, typed shorthand ("n" for "and"), one description
clause per scar type, a pronoun that points forward within a message, words the article says of another
treatment only, budgets checked against a computed total, and references to lists ("each of those").
"""

from __future__ import annotations


# ---------------------------------------------------------------- superlatives as yes/no, and in general
def test_is_a_country_the_cheapest_gets_a_verdict_first(assistant):
    ans = assistant.ask("Is the UK the least expensive country for subcision?")
    assert ans.text.startswith("No."), ans.text
    assert "India" in ans.text and "$127" in ans.text


def test_cheapest_overall_also_names_each_treatments_cheapest_country(assistant):
    ans = assistant.ask("Is South Korea the cheapest destination overall for scar treatment?")
    assert ans.text.startswith("No."), ans.text
    assert "Thailand" in ans.text  # the general row
    assert "- Chemical peels: India, $36 - $85" in ans.text  # and treatment by treatment
    assert "- Subcision: India" in ans.text


def test_cheaper_than_everywhere_else_is_not_a_place_the_article_lacks(assistant):
    ans = assistant.ask("Is Korea cheaper than everywhere else for laser resurfacing?")
    assert "does not mention everywhere" not in ans.text
    assert "India" in ans.text


def test_a_named_variant_of_a_priced_treatment_is_not_given_its_price(assistant):
    ans = assistant.ask("What does a PicoWay laser session cost in Seoul?")
    assert ans.abstained, ans.text
    assert "PicoWay" in ans.text and "$" not in ans.text


# ---------------------------------------------------------------- clinics
def test_a_count_about_a_clinic_the_article_never_gives_is_declined(assistant):
    ans = assistant.ask("How many surgeons does Louis Clinic employ?")
    assert ans.abstained, ans.text
    assert ans.text.startswith("The article does not say")


def test_when_a_clinic_was_founded_is_declined_as_history_not_as_staff(assistant):
    ans = assistant.ask("Who founded Geurim Plastic Surgery, and when?")
    assert ans.abstained
    assert "founded" in ans.text and "names of doctors" not in ans.text


def test_a_clinic_named_by_its_district_is_asked_about_what_it_offers(assistant):
    ans = assistant.ask("does the hospital in Cheonho offer stem cell therapy?")
    assert "Kangdong Sacred Heart Hospital" in ans.standalone_question, ans.standalone_question
    assert "Geurim Plastic Surgery" in ans.text  # the clinic that does


def test_what_a_district_clinic_is_called(assistant):
    ans = assistant.ask("what's the clinic in Gangnam called?")
    assert ans.text.startswith("That is Geurim Plastic Surgery"), ans.text


# ---------------------------------------------------------------- references
def test_it_after_a_declined_question_is_that_questions_subject(chat):
    _, price = chat("Can you book a taxi from Incheon to my hotel for me?", "how much is it?")
    assert price.abstained, price.text
    assert "$" not in price.text  # not the general treatment range


def test_it_points_forward_to_the_treatment_a_later_part_names(assistant):
    ans = assistant.ask("Is it painful? Tell me how subcision works.")
    assert ans.standalone_question.lower().startswith("is subcision painful"), ans.standalone_question
    assert "bruising" in ans.text


def test_each_of_those_after_two_countries_prices_both(chat):
    *_, both = chat("India: laser resurfacing figure?", "Singapore too?",
                     "chemical peels in each of those?")
    assert "$36" in both.text  # India's peel price
    assert "Singapore" in both.text


def test_the_whole_table_is_not_only_the_countries_talked_about(chat):
    *_, best = chat("microneedling in Korea?", "and the USA?",
                     "Across the whole table, where is microneedling cheapest?")
    assert "India" in best.text, best.text


def test_what_about_x_would_that_work_asks_of_x(chat):
    *_, ans = chat("what helps with icepick scars?", "what about subcision instead, would that help?")
    assert ans.standalone_question.lower().startswith("would subcision help"), ans.standalone_question


def test_a_treatment_in_apposition_is_not_a_pointer_to_the_last_answer(chat):
    *_, ans = chat("Which filler brands are named?",
                    "what does the other option, subcision, cost in Korea?")
    assert "$454" in ans.text, ans.text


# ---------------------------------------------------------------- typed shorthand, descriptions, claims
def test_n_for_and_splits_two_questions(assistant):
    ans = assistant.ask("howmuch is subcision in india n how long does recovery take")
    assert "$127" in ans.text
    assert "bruising" in ans.text.lower()


def test_each_clause_of_a_description_gets_its_own_scar_type(assistant):
    q = assistant.parser.parse("Some are wide box-shaped dents and a few are wavy patches.")
    assert set(q.described_types) == {"boxcar scars", "rolling scars"}


def test_which_type_names_the_described_type(assistant):
    ans = assistant.ask("mine are fairly wide dents with flat floors. which type would that be?")
    assert "boxcar" in ans.text.split(".")[0].lower(), ans.text


def test_a_fact_the_article_states_of_another_treatment_is_not_a_yes(assistant):
    ans = assistant.ask("Has stem cell therapy been FDA-approved?")  # the article says so of a filler brand only
    assert ans.abstained, ans.text
    assert "mentions FDA only in another context" in ans.text


# ---------------------------------------------------------------- budgets
def test_a_computed_total_is_checked_against_the_budget_stated(chat):
    *_, fit = chat("My budget is $2,000.",
                    "3 subcision sessions at the highest Korean price: total?", "Does that fit my budget?")
    assert "$1,629" in fit.text
    assert "within your $2,000 budget" in fit.text, fit.text


def test_how_far_over_budget(assistant):
    ans = assistant.ask("With a $1,000 budget, how far over would 5 microneedling sessions at the highest Korean "
                        "price put me?")
    assert "$3,000" in ans.text
    assert "over your $1,000 budget, by about $2,000" in ans.text, ans.text


# ---------------------------------------------------------------- claims put to the article
def test_a_claim_someone_made_is_confirmed_when_one_sentence_says_it_all(assistant):
    ans = assistant.ask("Quick check on what my aunt told me. She claims that dermatology is the most popular medical "
                        "field for foreigners visiting Korea. Did she get it right?")
    assert ans.text.startswith("Yes."), ans.text
    assert "1.17 million" in ans.text


def test_and_that_adds_one_more_claim_to_check(chat):
    *_, ans = chat("My uncle says punch excision suits rolling scars. Is he right?",
                    "and that stem cell therapy is a proven standard treatment")
    assert ans.text.startswith("Not quite"), ans.text
    assert "experimental" in ans.text


def test_tell_me_about_a_treatment_with_a_full_stop_gives_its_definition(assistant):
    ans = assistant.ask("Tell me about stem cell therapy for acne marks.")
    assert "emerging treatment" in ans.text, ans.text


def test_a_treatment_tied_to_no_scar_type_is_described_not_just_declined(assistant):
    ans = assistant.ask("Would dermal fillers do anything for boxcar scars?")
    assert "dermal fillers suit boxcar scars" in ans.text  # not claimed by the article ...
    assert "adding volume to lift" in ans.text, ans.text  # ... but what fillers do for depressed scars is said


def test_a_kind_without_the_fact_falls_back_to_its_treatment_said_to_be_general(assistant):
    ans = assistant.ask("Radiesse: how quickly do the results show?")
    assert "specifically" in ans.text and "dermal fillers in general" in ans.text, ans.text
    assert "immediate results" in ans.text
    assert "HA fillers" not in ans.text  # another kind's figure is not passed off as this one's
    assert ans.abstained  # the fact asked, of Radiesse itself, is still not in the article


def test_each_part_of_a_question_split_at_and_keeps_its_question_mark():
    from scarbot.dialogue import split_question

    parts = split_question("We booked already. Is the deposit refundable, and how long does visa processing take?")
    assert len(parts) == 2, parts
    assert all(p.endswith("?") for p in parts), parts


def test_fillers_session_count_is_answered_by_what_the_article_says_of_repeats(assistant):
    ans = assistant.ask("How many filler sessions would I need?")
    assert "repeat treatments" in ans.text, ans.text
