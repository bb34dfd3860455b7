"""Readable forms for people: table quotes labelled with their columns, text without markers, strategy names.

Synthetic tables, not the article: the mechanism must work for any table the corpus may hold.
"""

from __future__ import annotations

import pytest

from scarbot.display import display_quote, strategy_label, strip_markers
from scarbot.types import Answer, Citation, Context

ROW = "| Peel | $10 - $20 | - | €30 |"
RENDERED = f"{ROW}\nPeel — Paris (USD): $10 - $20; Rome (USD): no figure given; Oslo (EUR): €30"
TABLE = "Prices vary.\n\n| Treatment | Paris | Rome | Oslo |\n| --- | --- | :---: | --- |\n" + ROW


def test_a_row_chunk_names_every_column_from_its_rendering():
    assert display_quote(ROW, RENDERED) == "Peel — Paris: $10–$20 · Oslo: €30 · no figure: Rome"


def test_a_table_inside_a_section_uses_its_header_line():
    assert display_quote(ROW, TABLE) == "Peel — Paris: $10–$20 · Oslo: €30 · no figure: Rome"


def test_without_headers_the_cells_are_still_readable():
    assert display_quote(ROW) == "Peel — $10–$20 · €30"


def test_cells_containing_the_separators_are_matched_by_value():
    row = "| Lab; A | x: 1; 2 | y |"
    text = f"{row}\nLab; A — First: x: 1; 2; Second col: y"
    assert display_quote(row, text) == "Lab; A — First: x: 1; 2 · Second col: y"


def test_prose_quotes_are_kept_as_they_are():
    quote = "Subcision  releases\n tethered scars - gently."
    assert display_quote(quote, "anything") == "Subcision releases tethered scars - gently."


def test_answer_labels_its_table_citations_from_the_cited_chunk():
    ctx = Context("c1", "Costs", RENDERED, 1.0, kind="table_row")
    ans = Answer("Peel in Paris: $10 - $20 [1].", [Citation(1, "c1", "Costs", ROW)], [ctx])
    (c,) = ans.citations
    assert c.quote == ROW  # verbatim, for verification
    assert c.quote_display == "Peel — Paris: $10–$20 · Oslo: €30 · no figure: Rome"
    assert ans.to_dict()["citations"][0]["quote_display"] == c.quote_display
    # an explicit display form is kept
    own = Citation(1, "c1", "Costs", ROW, quote_display="mine")
    assert Answer("x [1]", [own], [ctx]).citations[0].quote_display == "mine"


@pytest.mark.parametrize("text, plain", [
    ("Peel costs $10 [1]. Laser too [2, 3].", "Peel costs $10. Laser too."),
    ("- Paris: $10 [1]\n- Rome: no figure [1]", "- Paris: $10\n- Rome: no figure"),
    ("See [note] here [12]:", "See [note] here:"),
])
def test_strip_markers(text, plain):
    assert strip_markers(text) == plain


def test_strategy_labels():
    assert strategy_label("prices") == "the article's price tables"
    assert strategy_label("new_one") == "new one"
    assert strategy_label("") == ""
