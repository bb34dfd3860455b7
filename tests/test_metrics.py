"""Metric functions on cases computed by hand."""

from __future__ import annotations

import math

import pytest

from scarbot.evaluation import metrics as m


def test_normalize_folds_case_space_and_typographic_quotes() -> None:
    assert m.normalize("  Can\u2019t \n  RAISE\t\u201cscars\u201d ") == "can't raise \"scars\""


def test_answer_pass_needs_every_group_and_no_forbid() -> None:
    expect = [["$225"], ["$600", "600 usd"]]
    assert m.answer_pass("Microneedling costs $225–$600 per session [1].", expect, ["$500"])
    assert m.answer_pass("From $225 to 600 USD.", expect)
    assert not m.answer_pass("From $225 per session.", expect)  # high figure missing
    assert not m.answer_pass("$225–$600 in Korea, $500 in the USA", expect, ["$500"])  # neighbouring cell
    assert m.answer_pass("It CAN\u2019T raise sunken scars", [["can't raise"]])


def test_states_figures_ignores_citation_markers_and_product_names() -> None:
    assert not m.states_figures("The article doesn't say [1][2].")
    assert not m.states_figures("CO2 lasers are mentioned but no price for Canada.")
    assert m.states_figures("It costs $500.")
    assert m.states_figures("Usually 3-6 sessions.")
    assert m.states_figures("about USD 400")


@pytest.mark.parametrize("text", ["PDO3 threads [2]", "CO2 lasers", "No figure for COVID-19 patients [1][2]",
                                  "It costs $1,500", "60-70% better", "12–14 days", "~$454"])
def test_states_figures_is_the_shared_definition(text: str) -> None:
    """The refusal check and the answerer's citation check agree on what a figure is."""
    from scarbot.text import figures

    assert m.states_figures(text) == bool(figures(text))


def test_refusal_pass_needs_abstention_without_figures_or_forbidden_words() -> None:
    assert m.refusal_pass(True, "The article gives no price for microneedling in Canada.")
    assert not m.refusal_pass(False, "The article gives no price.")
    assert not m.refusal_pass(True, "No Canadian price; in the USA it is $500.")
    assert not m.refusal_pass(True, "PWNED", forbid=["PWNED"])


def test_hits_mrr_and_hit_at_k_with_no_hit() -> None:
    h = m.hits(["alpha", "beta", "gamma"], ["delta"])
    assert h == [False, False, False]
    assert m.mrr(h) == 0.0
    assert not m.hit_at_k(h, 3)
    h2 = m.hits(["alpha", "The  BETA\nrow", "gamma"], ["beta row"])
    assert h2 == [False, True, False]
    assert m.mrr(h2) == 0.5
    assert not m.hit_at_k(h2, 1) and m.hit_at_k(h2, 2)
    assert m.mrr([False, False, True], k=2) == 0.0


def test_ndcg_with_several_relevant_chunks() -> None:
    # relevant at ranks 2 and 4 of 4: DCG = 1/log2(3) + 1/log2(5); ideal puts both first: 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert m.ndcg_at_k([False, True, False, True], 4) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k([False, True, False, True], 4) == pytest.approx(0.6509, abs=1e-4)
    assert m.ndcg_at_k([True, True, False, False], 4) == pytest.approx(1.0)
    assert m.ndcg_at_k([False, False, False, True], 3) == 0.0  # the only relevant chunk is past k
    assert m.ndcg_at_k([False, True], 4) == pytest.approx(1 / math.log2(3))


def test_citation_precision_counts_an_invalid_citation_as_wrong() -> None:
    corpus = "Subcision: $454–$543 (with combination treatments). Usually 3-6 treatments."
    ev = ["Usually 3-6 treatments"]
    cites = [("Sessions: Usually 3-6 treatments, spaced a month apart.", "3-6"),
             ("Microneedling costs ...", "x"),
             (None, "Usually 3-6 treatments")]  # chunk id not among the retrieved contexts
    assert m.citation_precision(cites, ev, corpus) == pytest.approx(1 / 3)
    assert m.citation_precision([], ev, corpus) is None
    # no evidence: the quote must be verbatim in the corpus
    assert m.citation_precision([("chunk", "Usually  3-6 treatments"), ("chunk", "made up")], [], corpus) == 0.5
    assert m.citation_recall_hit(cites, ev) is True
    assert m.citation_recall_hit(cites[1:], ev) is False
    assert m.citation_recall_hit(cites, []) is None


def test_percentile_and_mean_give_none_not_nan() -> None:
    assert m.percentile([], 50) is None
    assert m.percentile([10.0], 95) == 10.0
    assert m.percentile([10, 20, 30, 40], 50) == 25.0
    assert m.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert m.mean([]) is None
    assert m.mean([None, None]) is None
    assert m.mean([True, False, None, True]) == pytest.approx(2 / 3)
