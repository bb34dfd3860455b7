"""A clinic pointed at before any was named, a clinic found by what the user needs, a place that only sets the
scene, numbered questions, words the article says another way, treatments chosen by a wish, two countries'
course totals, a bare "how long?" after a topic, and a yes/no about something the article never touches.

Phrasings are our own (none is an eval question); assertions are what a user reads.
"""

from __future__ import annotations

import pytest

from scarbot.dialogue import split_question


def test_numbered_questions_are_split_and_the_numbers_dropped():
    parts = split_question("Two things before I book: 1) how big is the deposit, 2) what lead time for reserving?")
    assert parts == ["how big is the deposit?", "what lead time for reserving?"]


def test_one_lettered_item_is_no_list():
    assert split_question("Is option b) cheaper than a peel?") == ["Is option b) cheaper than a peel?"]


@pytest.mark.slow
def test_that_clinic_before_any_clinic_was_named_asks_which_one(chat):
    _first, where = chat("Is the aftercare in Korea any good?", "Where is that clinic?")
    assert where.text.startswith("Which clinic do you mean"), where.text
    for name in ("Kangdong", "Geurim", "Louis"):
        assert name in where.text, where.text


@pytest.mark.slow
def test_a_clinic_found_by_what_the_user_needs_is_the_one_pointed_at_next(chat):
    found, where = chat("Bald patch from an old scar on my head, hair never came back. Any clinic over there for that?",
                        "and where's that clinic?")
    assert "Geurim" in found.text, found.text
    assert "Gangnam" in where.text, where.text


@pytest.mark.slow
@pytest.mark.parametrize("question, said", [
    # "whereabouts" asks where, in a question that first asks which clinic
    ("which clinic offers hair transplants into scars, and whereabouts is it?", ["Geurim", "Gangnam"]),
    # a clinic described, then asked for by name and area
    ("The hospital known for collaboration between dermatologists and plastic surgeons: what is it called and what "
     "area is it in?", ["Kangdong", "Cheonho"]),
    # both things asked of one clinic: only the clinic whose own text has both
    ("i want microneedling and a thread lift in one place, who does that?", ["Louis"]),
    # a wrong place: corrected, and the clinic that is there named
    ("Louis Clinic is the one in Gangnam, yes?", ["Pangyo", "Geurim"]),
    # a word the article says another way ("trip" ~ "travel")
    ("is a visa needed for this kind of trip?", ["medical visa"]),
    # "priciest" is a word, not a typo of "prices": both ends of the course
    ("whole microneedling course in Korea, cheapest to priciest total?", ["$900", "$3,600"]),
    # a course in each of two countries
    ("full subcision course in Korea and in the UK: totals?", ["$1,362", "$5,670"]),
    # prices said to be higher: the comparison, both ways
    ("Indian laser prices are higher than Korea's, yes?", ["India cheaper", "$60"]),
    # a wish, not a scar type: what the article says gives it
    ("Honeymoon in Seoul in a few days, I'd like my acne scars less noticeable by then with no downtime. "
     "What's the option?", ["filler"]),
    # an average the table states is the price compared
    ("Korea's average filler price against the UK one: how much less per session?", ["$130", "$70", "avg."]),
    # "per go": per session
    ("what's a laser go in Korea per go?", ["$300"]),
    # "can you confirm?" asks about the statement before it
    ("Someone told me Kangdong Sacred Heart is in Cheonho. Can you confirm?", ["Cheonho"]),
])
def test_one_message_answered(assistant, question, said):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    for s in said:
        assert s in ans.text, ans.text


@pytest.mark.slow
def test_the_scene_set_before_a_dash_is_no_place_asked_about(assistant):
    ans = assistant.ask("Staying in Pangyo — what does Geurim do for depressed scars?")
    assert "does not place" not in ans.text, ans.text
    assert "scar management" in ans.text, ans.text


@pytest.mark.slow
def test_an_activity_mentioned_after_the_question_is_context(assistant):
    ans = assistant.ask("how soon can I go in the sun after microneedling? planning some sightseeing")
    assert not ans.abstained, ans.text
    assert "2 days" in ans.text, ans.text


@pytest.mark.slow
def test_a_yes_or_no_about_something_the_article_never_touches_is_declined(assistant):
    ans = assistant.ask("Is it fine to take ibuprofen for the swelling after microneedling?")
    assert ans.abstained, ans.text
    assert "ibuprofen" in ans.text, ans.text


@pytest.mark.slow
def test_a_specific_doctor_is_a_name_the_article_does_not_give(assistant):
    ans = assistant.ask("Which specific doctor at Louis Clinic is best for subcision?")
    assert ans.abstained, ans.text
    assert "names of doctors" in ans.text, ans.text


@pytest.mark.slow
def test_how_long_alone_is_about_the_topic_just_asked(chat):
    _visa, wait = chat("do Americans need a visa for treatment in Korea?", "how long till it comes through?")
    assert "12-14 days" in wait.text, wait.text


@pytest.mark.slow
def test_why_pay_more_in_a_country_asks_for_its_case_not_a_price(chat):
    _prices, why = chat("peel prices, India vs Korea?", "so why would anyone pay more in Korea?")
    assert "reputation" in why.text, why.text


def test_a_doubled_consonant_before_ing_or_ed_is_one_stem():
    from scarbot.nlp import stem

    assert stem("scarring") == stem("scarred") == stem("scars") == "scar"
    assert stem("planned") == "plan" and stem("filling") == "fill" and stem("added") == "add"


@pytest.mark.slow
@pytest.mark.parametrize("question, said, unsaid", [
    # "scarring" is "scars": the severity decides which peel
    ("what kind of peel handles severe scarring?", ["Phenol"], []),
    # a budget told before "what would you suggest?" asks for a treatment, not a price
    ("Budget is around $900. My marks are mild and shallow. What would you suggest?", ["peel"], []),
    # "tell me about X": what it is and how it works
    ("tell me about microneedling for pitted scars", ["collagen"], []),
    # "can you tell me ...?" is a request, not a yes/no
    ("could you tell me more about subcision?", ["fibrous bands"], ["Yes."]),
    # a clinic asked for with a country and a treatment is a clinic, not a price
    ("which Korean hospital would you point me to for laser treatment?", ["Kangdong"], ["$"]),
    # how payment works is not a price
    ("can I settle the whole bill at the end, pay in full on the day?", [], ["$"]),
])
def test_one_message_read_as_meant(assistant, question, said, unsaid):
    ans = assistant.ask(question)
    for s in said:
        assert s in ans.text, ans.text
    for s in unsaid:
        assert s not in ans.text, ans.text


@pytest.mark.slow
def test_a_price_compared_with_home_uses_the_home_the_user_gave(chat):
    *_, compared = chat("Hi, I'm from Ohio and my scars are rolling ones.",
                        "how does the microneedling price in Korea stack up against back home?")
    assert "$500" in compared.text and "$225" in compared.text, compared.text


@pytest.mark.slow
def test_the_usual_deposit_is_worked_out_on_the_last_price_asked(chat):
    *_, deposit = chat("stem cell therapy price in Korea?", "which clinic offers it?",
                       "if they take the usual deposit, what would that be?")
    assert "$300" in deposit.text and "$1,200" in deposit.text, deposit.text


@pytest.mark.slow
def test_severe_ones_are_the_scars_asked_about_not_the_ones_said_before(chat):
    *_, works = chat("My daughter has rolling scars, what's the best procedure for her?",
                     "does subcision actually help severe ones?")
    assert "severe" in works.text, works.text


@pytest.mark.slow
def test_a_side_effect_only_one_treatment_has_is_asked_of_the_treatment_in_focus(chat):
    *_, bruise = chat("is subcision painful?", "and the bruising, gone after how many days?")
    assert "subcision" in bruise.text.lower() and "temporary" in bruise.text, bruise.text


@pytest.mark.slow
@pytest.mark.parametrize("question, said", [
    # the article's count of sessions at its spacing, first to last
    ("from the first session to the last, how long is a whole subcision course?", ["2–5 months", "3-6 treatments"]),
    # the user's number at the article's spacing
    ("6 microneedling sessions a month apart: how many months overall?", ["5 months"]),
])
def test_a_course_asked_in_time_is_months_not_money(assistant, question, said):
    ans = assistant.ask(question)
    assert "$" not in ans.text, ans.text
    for s in said:
        assert s in ans.text, ans.text


@pytest.mark.slow
def test_a_course_length_needs_a_session_count(assistant):
    ans = assistant.ask("how long does a whole course of laser resurfacing take?")
    assert ans.abstained and "how many sessions" in ans.text, ans.text


def test_a_line_that_only_introduces_a_list_has_no_body_of_its_own():
    from scarbot.answer.base import body

    assert body("Why this hospital stands out among the clinics of the city for patients with scars:") == ""
    assert body("Sessions: Usually 3-6 treatments") == "Usually 3-6 treatments"


@pytest.mark.slow
def test_why_a_named_clinic_is_answered_by_its_own_reasons(assistant):
    ans = assistant.ask("Why do people send complicated scar cases to Kangdong Sacred Heart?")
    assert not ans.abstained, ans.text
    assert "specialties" in ans.text or "Collaboration" in ans.text, ans.text
    assert not ans.text.startswith("Why"), ans.text


@pytest.mark.slow
def test_why_a_clinic_is_somewhere_it_is_not_is_corrected(assistant):
    ans = assistant.ask("Why is Geurim in Pangyo?")
    assert "Gangnam" in ans.text and "Louis" in ans.text, ans.text


@pytest.mark.slow
def test_the_city_a_patient_lands_in_is_where_they_arrive_not_a_country_asked_about(assistant):
    ans = assistant.ask("when my flight lands in Busan, will someone from the clinic pick me up?")
    assert not ans.abstained, ans.text
    assert "airport transfers" in ans.text, ans.text
    clinic = assistant.ask("any scar clinic in Busan you can name?")
    assert clinic.abstained and "Busan" in clinic.text, clinic.text
