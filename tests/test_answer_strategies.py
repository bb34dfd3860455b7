"""The answer strategies as a user meets them, on two articles.

1. A tiny synthetic article (``tests/fixtures/second-article/``): acne-scar care in *Turkey*, its
   own procedures, prices, session counts, clinics and scar-type ties, ingested alone with the
   bundled MiniLM. Nothing here can pass by remembering the Korea article: the home country, the
   figures, the clinics and which procedure suits which scar are all different.
2. The real article, with phrasings written for this file (never those of ``evals/qa.jsonl``; a
   test below checks that).

Every assertion is something a user would see: the figure and where it comes from, the computed
total (checked arithmetically against the quoted inputs), whether the bot declined, and that a
refusal states no figures. A test marked ``xfail(strict=True)`` documents an engine defect: the
assertion is what the engine should do, the reason is what it does instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SECOND = REPO / "tests" / "fixtures" / "second-article"
REAL_ARTICLE = REPO / "corpus" / "atrophic-scar-treatment-korea.md"

_FIGURE = re.compile(r"\$[\d,]*\d(?:\.\d+)?|\d+(?:\.\d+)?%")
_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\-])|\n+")
_SESSIONS = re.compile(r"(\d+)\s*[-–]\s*(\d+)\s+(?:treatments|sessions)")
_MONEY_RANGE = re.compile(r"\$([\d,]+)\s*[-–]\s*\$([\d,]+)")
_NOT_MENTIONED = re.compile(r"does not mention (.+?)(?:, and it |, so )")  # "mentions X only in another context" is no claim of absence


# ------------------------------------------------------------------ helpers
def _dash(text: str) -> str:
    return text.replace("\u2013", "-").replace("\u2014", "-")


def _money(x: float) -> str:
    return f"${x:,.0f}"


def assert_grounded(ans, computed: tuple[str, ...] = ()) -> None:
    """The citation contract, sentence by sentence.

    Every [n] resolves to a citation and every citation is referenced; each quote is verbatim in
    its cited chunk; a figure in a sentence that carries [n] is in the quote of that [n]; a figure
    in a sentence without a marker is either in some cited quote (a restated input) or one of
    ``computed`` (a total the caller has checked arithmetically).
    """
    by_n = {c.n: c for c in ans.citations}
    markers = {int(n) for n in _MARKER.findall(ans.text)}
    assert markers == set(by_n), f"markers {sorted(markers)} vs citations {sorted(by_n)}: {ans.text}"
    contexts = {c.chunk_id: c for c in ans.contexts}
    for c in ans.citations:
        assert c.chunk_id in contexts, f"cited chunk {c.chunk_id} is not among the contexts"
        assert c.quote and c.quote in contexts[c.chunk_id].text, f"quote not verbatim in its chunk: {c.quote!r}"
    every_quote = _dash(" ".join(c.quote for c in ans.citations))
    for sentence in _SENTENCE_END.split(ans.text):
        nums = [int(n) for n in _MARKER.findall(sentence)]
        own = _dash(" ".join(by_n[n].quote for n in nums)) if nums else every_quote
        for fig in _FIGURE.findall(_MARKER.sub("", sentence)):
            if fig in computed:
                continue
            assert _dash(fig) in own, f"figure {fig} of {sentence!r} is not in the quote it cites"


def assert_refusal(ans) -> None:
    assert ans.abstained, ans.text
    prose = _MARKER.sub("", ans.text)  # citation markers are not figures
    assert not re.search(r"\d", prose), f"a refusal must state no figures: {ans.text}"


def _quotes(ans) -> list[str]:
    return [c.quote for c in ans.citations]


def _course_total(ans) -> tuple[str, str]:
    """Recompute a course total from the two quotes the answer cites: sessions × per-session price."""
    sessions = [m for q in _quotes(ans) if q.startswith("Sessions:") and (m := _SESSIONS.search(q))]
    prices = [m for q in _quotes(ans) if (m := _MONEY_RANGE.search(q))]
    assert len(sessions) == 1 and len(prices) == 1, f"expected one session count and one price: {_quotes(ans)}"
    n_low, n_high = int(sessions[0][1]), int(sessions[0][2])
    p_low, p_high = (float(prices[0][i].replace(",", "")) for i in (1, 2))
    return _money(n_low * p_low), _money(n_high * p_high)


def assert_named_gaps_are_real(ans, article: Path) -> None:
    """"The article does not mention X" is said only of words the article really never uses (the word
    itself, or its plural or singular: "refunds" is mentioned by "VAT refunds", "evening" is not by "even")."""
    from scarbot.nlp import words

    used = set(words(article.read_text(encoding="utf-8")))
    for m in _NOT_MENTIONED.finditer(ans.text):
        named = [w for w in words(m.group(1)) if w not in ("or", "and")]
        wrong = [w for w in named if {w, f"{w}s", w.removesuffix("s")} & used]
        assert not wrong, f"the reply says the article does not mention {wrong}, but it does: {ans.text}"


# ------------------------------------------------------------------ the test set is not the eval set
def test_questions_here_are_not_in_the_eval_set():
    own = Path(__file__).read_text(encoding="utf-8").lower()
    for line in (REPO / "evals" / "qa.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)["question"].strip().lower()
            assert f'"{q}"' not in own, f"eval question reused in a behaviour test: {q}"


# ================================================================== 1. a second, synthetic article
@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """The synthetic Turkey article ingested ALONE with the bundled MiniLM, built once for this module."""
    from scarbot.assistant import Assistant
    from scarbot.ingest import ingest
    from scarbot.settings import DEFAULT_MODEL, Settings

    data = tmp_path_factory.mktemp("second-article-index")
    s = Settings(_env_file=None, data_dir=data, corpus_dir=SECOND, embedding_model=DEFAULT_MODEL, llm="none",
                 chroma_url=None)
    ingest(s, progress=False)
    return Assistant(s).load()


SECOND_ARTICLE = SECOND / "acne-scar-care-turkey.md"
MICRO_LIST = "Microneedling: $150\u2013$250 per session."
PEELS_LIST = "Chemical Peels: $80\u2013$120 per session."
FILLERS_LIST = "Dermal Fillers: $300\u2013$450 per syringe."
MICRO_SESSIONS = "Sessions: 2-4 treatments, spaced six weeks apart."
MICRO_ROW = "| Microneedling | $150 - $250 | $300 - $450 | $350 - $600 |"
PEELS_ROW = "| Chemical Peels | $80 - $120 | $200 - $350 | - |"


def test_second_article_is_read_from_its_own_structure(second):
    """Home country from its own price list, countries from its table header, sessions, clinics, ties."""
    corpus = second.answerer.corpus
    assert corpus.home == "Turkey"
    assert corpus.countries == ["Turkey", "Germany", "UK"]
    assert {k: (v.low, v.high) for k, v in corpus.sessions.items()} == {"microneedling": (2, 4),
                                                                       "chemical peels": (3, 5)}
    assert [(c.name, c.location) for c in corpus.clinics] == [("Bosphorus Clinic", "Besiktas, Istanbul"),
                                                              ("Moda Dermatology Clinic", "Kadikoy, Istanbul")]
    assert {(t.procedure, t.scar_type) for t in corpus.ties} == {("microneedling", "rolling scars"),
                                                                 ("chemical peels", "boxcar scars")}


def test_price_without_a_country_is_the_articles_own_country(second):
    ans = second.ask("Roughly what price is a microneedling session?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "prices"
    assert "Turkey" in ans.text and "$150" in ans.text and "$250" in ans.text
    assert "Korea" not in ans.text and "Germany" not in ans.text
    assert MICRO_LIST in _quotes(ans) and MICRO_ROW in _quotes(ans)
    assert_grounded(ans)


def test_price_in_another_column_of_the_table(second):
    ans = second.ask("What would dermal fillers cost me in Britain?")
    assert not ans.abstained, ans.text
    assert "$550 - $900" in ans.text and "UK" in ans.text
    assert "$300" not in ans.text  # not the home country's price
    assert_grounded(ans)


def test_price_for_a_country_only_this_article_has(second):
    ans = second.ask("What is the price of microneedling in Germany?")
    assert not ans.abstained, ans.text
    assert "$300 - $450" in ans.text and "Germany" in ans.text
    assert "$150" not in ans.text


def test_course_total_is_sessions_times_price(second):
    ans = second.ask("If I do a full course of microneedling, what's the total cost?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "compose"
    # both inputs cited: the procedure's own Sessions item and the home country's price-list item
    assert MICRO_SESSIONS in _quotes(ans) and MICRO_LIST in _quotes(ans)
    low, high = _course_total(ans)
    assert (low, high) == ("$300", "$1,000")  # 2 × $150, 4 × $250
    assert low in ans.text and high in ans.text
    assert "Turkey" in ans.text and "Korea" not in ans.text
    assert_grounded(ans, computed=(low, high))


def test_two_procedures_added_together(second):
    ans = second.ask("How much is one microneedling session plus one chemical peel?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "compose"
    assert "$150\u2013$250" in ans.text and "$80\u2013$120" in ans.text
    assert _money(150 + 80) in ans.text and _money(250 + 120) in ans.text  # $230, $370


def test_sessions_the_user_plans_times_the_price(second):
    ans = second.ask("If I go for 3 microneedling sessions, what do I pay altogether?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "compose"
    assert "$450–$750" in ans.text  # 3 × $150, 3 × $250
    assert MICRO_LIST in _quotes(ans)
    assert "Korea" not in ans.text


def test_saving_over_the_sessions_the_user_plans(second):
    ans = second.ask("I'm in the UK. With 3 microneedling sessions, how much do I save doing them in Turkey?")
    assert not ans.abstained, ans.text
    assert "$1,050–$1,800" in ans.text and "$450–$750" in ans.text  # both totals
    assert "$300–$1,350" in ans.text  # the least and the most saved


def test_a_share_of_a_price_the_user_was_quoted(second):
    ans = second.ask("A clinic quoted me $400 for fillers. What would a 15% deposit be?")
    assert not ans.abstained, ans.text
    assert "$60" in ans.text


def test_course_without_a_session_count_states_no_total(second):
    ans = second.ask("What would a full course of dermal fillers cost in total?")
    assert ans.strategy == "compose"
    assert "how many sessions" in ans.text.lower() and "no course total" in ans.text.lower()
    assert FILLERS_LIST in _quotes(ans)
    # the only figures are the quoted price: no invented total
    assert set(_FIGURE.findall(ans.text)) <= {"$300", "$450"}, ans.text
    assert_grounded(ans)


def test_course_without_a_session_count_keeps_the_articles_unit(second):
    ans = second.ask("What would a full course of dermal fillers cost in total?")
    assert "per syringe" in ans.text
    assert "per session" not in ans.text, ans.text


@pytest.mark.parametrize(("question", "tied", "untied"), [
    ("What treatment do you recommend for boxcar scars?", "chemical peels", "microneedling"),
    ("Which procedure is recommended for rolling scars?", "microneedling", "chemical peels"),
])
def test_recommendation_lists_the_procedure_this_article_ties(second, question, tied, untied):
    ans = second.ask(question)
    assert not ans.abstained, ans.text
    assert ans.strategy == "recommend"
    assert tied in ans.text.lower()
    assert untied not in ans.text.lower()  # the Korea article ties microneedling to boxcar; this one does not
    assert_grounded(ans)


def test_lay_description_maps_to_this_articles_scar_type(second):
    ans = second.ask("My scars look like craters with steep walls, what can help?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "recommend"
    assert "boxcar scars" in ans.text and "chemical peels" in ans.text.lower()
    assert "Boxcar Scars: Broad craters with steep vertical walls and flat floors." in _quotes(ans)
    assert_grounded(ans)


@pytest.mark.parametrize(("question", "clinic", "place"), [
    ("Where is Bosphorus Clinic located?", "Bosphorus Clinic", "Besiktas, Istanbul"),
    ("Which clinic is in Kadikoy?", "Moda Dermatology Clinic", "Kadikoy, Istanbul"),
])
def test_clinic_location_from_the_located_in_sentence(second, question, clinic, place):
    ans = second.ask(question)
    assert not ans.abstained, ans.text
    assert ans.strategy == "clinics"
    assert clinic in ans.text and place in ans.text
    assert any(q.startswith(f"{clinic}, located in {place}") for q in _quotes(ans)), _quotes(ans)
    assert_grounded(ans)


def test_dash_cell_is_no_figure(second):
    ans = second.ask("What's the UK price for a chemical peel?")
    assert_refusal(ans)
    assert ans.strategy == "prices"
    assert "UK" in ans.text
    assert PEELS_ROW in _quotes(ans)


def test_session_count_is_extracted_from_this_article(second):
    ans = second.ask("How many sessions of chemical peels are needed?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "extract"
    assert "3-5 treatments" in ans.text
    assert_grounded(ans)


def test_false_premise_is_corrected_with_this_articles_count(second):
    ans = second.ask("Is a single chemical peel enough?")
    assert not ans.abstained, ans.text
    assert ans.text.startswith("No \u2014"), ans.text
    assert "3-5" in ans.text


@pytest.mark.parametrize("question", [
    "Does the article cover tattoo removal?",
    "Is acupuncture offered for acne scars?",  # not one whole token of MiniLM's vocabulary, still a word
    "Can I drink alcohol after a chemical peel?",  # the closest sentence is about peels (similarity 0.57)
    "Can hypnotherapy help with acne scars?",
    "Which moisturizer should I use after microneedling?",
])
def test_something_the_article_never_mentions_is_declined(second, question):
    ans = second.ask(question)
    assert_refusal(ans)
    assert ans.strategy in ("refusal", "extract")
    assert_named_gaps_are_real(ans, SECOND_ARTICLE)


@pytest.mark.parametrize(("question", "said"), [
    ("Are chemical peels pricey in Turkey?", "$80"),
    ("How long after microneedling before my wedding photos look normal?", "two days"),  # my wedding: context
])
def test_words_the_article_does_not_use_but_paraphrases_are_answered(second, question, said):
    ans = second.ask(question)
    assert not ans.abstained, ans.text
    assert said in ans.text


@pytest.mark.parametrize(("question", "said"), [
    ("How long is the healing period for punch excision and grafting?", "how long"),  # only its risks are given
    ("What's the price of the medical visa itself?", "price"),
])
def test_a_reply_of_another_kind_than_asked_is_declined(assistant, question, said):
    """"how long ...?" answered with no time, "what is the fee ...?" with no price: the asked fact is missing."""
    ans = assistant.ask(question)
    assert_refusal(ans)
    assert said in ans.text


def test_a_price_per_another_unit_is_not_given_as_the_answer(second):
    ans = second.ask("What does one syringe of dermal filler cost per vial in Turkey?")
    assert_refusal(ans)
    assert "per vial" in ans.text and "per syringe" in ans.text


def test_a_fact_about_a_neighbouring_procedure_is_not_given_as_the_answer(second):
    ans = second.ask("How long does the skin stay pink after dermal fillers?")
    assert "pink" not in ans.text.split("[")[0] or ans.abstained, ans.text


def test_which_scars_a_treatment_suits_lists_this_articles_ties(second):
    ans = second.ask("What sort of scars are chemical peels used for?")
    assert ans.strategy == "recommend", ans.text
    assert "boxcar" in ans.text.lower() and "rolling" not in ans.text.lower()


# ------------------------------------------------------------------ a citation shows what it supports
def test_each_added_price_is_in_the_quote_it_cites(second):
    ans = second.ask("How much is one microneedling session plus one chemical peel?")
    assert MICRO_LIST in _quotes(ans) and PEELS_LIST in _quotes(ans), _quotes(ans)
    assert_grounded(ans, computed=(_money(150 + 80), _money(250 + 120)))


# ================================================================== 2. the real article, new phrasings
SUBCISION_SESSIONS = "Sessions: Usually 3-6 treatments, spaced a month apart."
SUBCISION_LIST = "Subcision: $454\u2013$543 (with combination treatments)."


def test_real_course_total_for_subcision(assistant):
    ans = assistant.ask("What would I pay altogether for a complete course of subcision in Korea?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "compose"
    assert SUBCISION_SESSIONS in _quotes(ans) and SUBCISION_LIST in _quotes(ans)
    low, high = _course_total(ans)
    assert (low, high) == ("$1,362", "$3,258")  # 3 × $454, 6 × $543
    assert low in ans.text and high in ans.text
    assert_grounded(ans, computed=(low, high))


def test_real_laser_plus_peel_in_korea(assistant):
    ans = assistant.ask("In Korea, how much is one laser resurfacing session plus one chemical peel?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "compose"
    assert "$450" in ans.text and "$4,500" in ans.text  # $300 + $150, $1,500 + $3,000
    assert "$300\u2013$1,500" in ans.text and "$150\u2013$3,000" in ans.text


def test_real_each_added_price_is_in_the_quote_it_cites(assistant):
    ans = assistant.ask("In Korea, how much is one laser resurfacing session plus one chemical peel?")
    assert_grounded(ans, computed=("$450", "$4,500"))


def test_real_countries_besides_korea_with_a_microneedling_price(assistant):
    ans = assistant.ask("Apart from Korea, which countries have a price for microneedling?")
    assert not ans.abstained, ans.text
    assert ans.strategy == "prices"
    bullets = re.findall(r"^- (\w[\w ]*?): (.+)$", ans.text, re.M)
    assert [country for country, _ in bullets] == ["USA", "Australia", "India"], ans.text
    assert "$225 - $600" not in ans.text and "$225\u2013$600" not in ans.text  # Korea's own cell is not one of them
    assert_grounded(ans)


@pytest.mark.parametrize("question", [
    "I have narrow, deep little holes in my cheeks, what would help?",
    "My acne left tiny deep pits that look like large pores. What treatment works for that?",
])
def test_real_lay_description_maps_to_icepick_scars(assistant, question):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    assert ans.strategy == "recommend"
    assert "icepick scars" in ans.text
    assert "punch excision" in ans.text.lower()
    assert_grounded(ans)


@pytest.mark.parametrize("question", [
    "Will a single subcision session be enough?",
    "Are two sessions of microneedling enough?",
])
def test_real_false_premise_about_sessions_is_corrected(assistant, question):
    ans = assistant.ask(question)
    assert not ans.abstained, ans.text
    assert ans.text.startswith("No \u2014"), ans.text
    expected = "3-6" if "subcision" in question else "4-6"
    assert expected in ans.text
    assert_grounded(ans)


@pytest.mark.parametrize(("question", "missing"), [
    ("Will my deposit be refunded if I cancel?", "cancel"),
    ("Can I drink alcohol the evening after subcision?", "alcohol"),
])
def test_real_near_miss_names_the_missing_word(assistant, question, missing):
    ans = assistant.ask(question)
    assert_refusal(ans)
    assert missing in ans.text.lower(), ans.text


@pytest.mark.parametrize("question", [
    "Can I drink alcohol the evening after subcision?",
    "Will my deposit be refunded if I cancel?",  # "refunds" is in the article ("VAT refunds")
])
def test_real_a_gap_is_only_claimed_for_words_the_article_never_uses(assistant, question):
    ans = assistant.ask(question)
    assert_named_gaps_are_real(ans, REAL_ARTICLE)


def test_real_multi_part_keeps_the_unanswerable_part(assistant):
    ans = assistant.ask("How much is subcision in India and can I drink alcohol afterwards?")
    assert not ans.abstained, ans.text
    assert "$127 - $158" in ans.text
    # the part the article cannot answer is said, not dropped
    assert re.search(r"does not (?:mention|say|cover)[^.]*alcohol", ans.text), ans.text
    assert_grounded(ans)


def test_real_price_for_something_never_priced(assistant):
    ans = assistant.ask("How much does a Botox shot cost in Seoul?")
    assert_refusal(ans)
    assert "botox" in ans.text.lower()
    assert not ans.citations
