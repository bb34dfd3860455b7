"""Chunking of the real article: nothing cut, every table row a self-contained document, prices parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scarbot.chunking import NO_FIGURE, build_corpus, parse_price_cell
from scarbot.corpus import load_corpus, parse_markdown

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO / "corpus" / "atrophic-scar-treatment-korea.md"
COUNTRIES = ["South Korea", "USA", "Australia", "Canada", "India", "Singapore", "Thailand", "Turkey", "UK"]
PROCEDURES = [
    "Atrophic Scar Treatment (General)",
    "Dermal Fillers",
    "Microneedling",
    "Laser Resurfacing (CO2/Fractional)",
    "Chemical Peels",
    "Subcision",
    "Stem Cell Therapy",
]


@pytest.fixture(scope="module")
def text() -> str:
    return ARTICLE.read_text("utf-8")


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(load_corpus(REPO / "corpus"))


def _body_lines(text: str) -> list[str]:
    """Article lines a reader sees as content: not front matter, headings, table header/delimiter."""
    body = text.split("\n---\n", 1)[1]
    out = []
    for ln in body.split("\n"):
        s = ln.strip()
        if not s or s.startswith("#") or s.startswith("| ---") or s.startswith("| Clinic Name"):
            continue
        if s.startswith("| Procedure Type"):
            continue
        out.append(s)
    return out


def test_chunk_counts(corpus):
    kinds = [c.kind for c in corpus.chunks]
    assert kinds.count("section") == 38
    assert kinds.count("table_row") == 10  # 3 clinic rows + 7 procedure rows
    assert [c.order for c in corpus.chunks] == list(range(48))
    assert len({c.id for c in corpus.chunks}) == 48


def test_section_chunks_are_whole_article_lines_and_cover_everything(corpus, text):
    body = _body_lines(text)
    lines = set(body)
    shown: set[str] = set()
    for c in corpus.chunks:
        if c.kind != "section":
            continue
        for ln in c.text.split("\n"):
            assert ln.strip() in lines, f"{c.id}: line not in the article (a sentence was cut?): {ln!r}"
            shown.add(ln.strip())
        # the heading path is embedded with the text, so the section name helps retrieval
        assert c.embed_text.endswith(c.text)
        assert c.section.split(" > ")[-1] in c.embed_text
    rows = {ln for ln in body if ln.startswith("|")}
    assert lines - rows - shown == set(), "article text that is in no chunk"


def test_every_table_row_is_one_row_document_naming_each_column(corpus, text):
    body = text.split("\n")
    tables: list[tuple[list[str], list[str]]] = []
    for i, ln in enumerate(body):
        if ln.startswith("| ---"):
            header = [h.strip() for h in body[i - 1].strip("|").split("|")]
            rows = []
            for row in body[i + 1 :]:
                if not row.startswith("|"):
                    break
                rows.append(row.strip())
            tables.append((header, rows))
    assert [len(r) for _, r in tables] == [3, 7]
    row_chunks = [c for c in corpus.chunks if c.kind == "table_row"]
    for header, rows in tables:
        for row in rows:
            matches = [c for c in row_chunks if c.text.split("\n")[0] == row]
            assert len(matches) == 1, row
            rendering = matches[0].text.split("\n", 1)[1]
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert rendering.startswith(f"{cells[0]} — ")
            for h, cell in zip(header[1:], cells[1:], strict=True):
                shown = NO_FIGURE if cell == "-" else cell
                assert f"{h}: {shown}" in rendering, (h, cell)
            assert " - ;" not in rendering and not rendering.endswith(": -")


def test_microneedling_row_reads_as_a_sentence_with_no_figure_cells(corpus):
    row = next(c for c in corpus.chunks if c.kind == "table_row" and c.text.startswith("| Microneedling"))
    assert row.text.split("\n")[1] == (
        "Microneedling — South Korea (USD): $225 - $600; USA (USD): $500; Australia (USD): $400 - $530 "
        "(with PRP); Canada (USD): no figure given; India (USD): $120 - $300; Singapore (USD): no figure "
        "given; Thailand (USD): no figure given; Turkey (USD): no figure given; UK (USD): no figure given"
    )
    assert row.section == "Cost Analysis: South Korea vs. Global Medical Tourism Destinations > Cost Comparison with Other Countries"


@pytest.mark.parametrize(
    "cell, low, high, approx, note",
    [
        ("$110 - $600 (avg. $270-$330)", 110.0, 600.0, False, "avg. $270-$330"),
        ("~$230", 230.0, 230.0, True, ""),
        ("$500", 500.0, 500.0, False, ""),
        ("~$454 - $543 (with combos)", 454.0, 543.0, True, "with combos"),
        ("$400 - $530 (with PRP)", 400.0, 530.0, False, "with PRP"),
        ("$1,200 - $1,600", 1200.0, 1600.0, False, ""),
        ("$3,000 - $12,000", 3000.0, 12000.0, False, ""),
    ],
)
def test_price_cell_parsing(cell, low, high, approx, note):
    p = parse_price_cell(cell)
    assert p is not None
    assert (p.low, p.high, p.approx, p.note, p.text) == (low, high, approx, note, cell)
    assert p.given


@pytest.mark.parametrize("cell", ["-", "–", ""])
def test_dash_cell_is_no_figure_never_zero(cell):
    p = parse_price_cell(cell)
    assert p is not None
    assert p.low is None and p.high is None and not p.given


@pytest.mark.parametrize("cell", ["ask the clinic", "about 300 dollars", "$300 per session or so"])
def test_unparseable_cell_is_none(cell):
    assert parse_price_cell(cell) is None


def test_comparison_table_records(corpus):
    recs = [p for p in corpus.prices if p.source_kind == "comparison table"]
    assert len(recs) == 63  # 7 procedures x 9 countries
    assert corpus.countries == COUNTRIES
    assert sorted({(r.procedure, r.country) for r in recs}) == sorted((p, c) for p in PROCEDURES for c in COUNTRIES)
    by = {(r.procedure, r.country): r for r in recs}
    assert (by["Microneedling", "Australia"].price.low, by["Microneedling", "Australia"].price.high) == (400, 530)
    assert by["Dermal Fillers", "South Korea"].price.note == "avg. $270-$330"
    assert by["Subcision", "UK"].price.approx and by["Subcision", "UK"].price.low == 1890
    assert by["Atrophic Scar Treatment (General)", "Canada"].price.low == 1200
    assert not by["Dermal Fillers", "Canada"].price.given
    no_figure = [r for r in recs if not r.price.given]
    assert len(no_figure) == 32  # the "-" cells: 1 + 4 + 5 + 1 + 7 + 6 + 8 by row
    assert all(r.cell == "-" for r in no_figure)
    assert all(r.price.low is None or r.price.low > 0 for r in recs), "a missing price became 0"
    for r in recs:
        assert r.quote.startswith(f"| {r.procedure} |")
        chunk = next(c for c in corpus.chunks if c.id == r.chunk_id)
        assert chunk.kind == "table_row" and chunk.text.startswith(r.quote)


def test_south_korea_price_list_records(corpus):
    recs = [p for p in corpus.prices if p.source_kind == "price list"]
    got = [(r.procedure, r.country, r.price.low, r.price.high) for r in recs]
    assert got == [
        ("Facial Fillers", "South Korea", 110, 600),
        ("Microneedling", "South Korea", 225, 600),
        ("Laser Resurfacing", "South Korea", 300, 1500),
        ("Chemical Peels", "South Korea", 150, 3000),
        ("Subcision", "South Korea", 454, 543),
        ("Stem Cell Therapy", "South Korea", 3000, 12000),
    ]
    assert recs[0].quote == "Facial Fillers: $110–$600 per session; full treatment $1,000–$2,000."
    for r in recs:
        chunk = next(c for c in corpus.chunks if c.id == r.chunk_id)
        assert f"- {r.quote}" in chunk.text
        assert r.section.endswith("Cost of Atrophic Scar Treatment in South Korea")
    assert len(corpus.prices) == 69


def test_clinic_records_with_locations(corpus):
    got = [(c.name, c.location) for c in corpus.clinics]
    assert got == [
        ("Kangdong Sacred Heart Hospital", "Cheonho, Seoul"),
        ("Geurim Plastic Surgery", "Gangnam, Seoul"),
        ("Louis Clinic", "Pangyo"),
    ]
    ids = {c.id: c for c in corpus.chunks}
    for rec in corpus.clinics:
        assert set(rec.fields) == {"Key Features", "Special Techniques"}
        assert ids[rec.chunk_id].kind == "table_row" and ids[rec.chunk_id].text.startswith(f"| {rec.name} |")
        assert f"located in {rec.location}" in rec.location_sentence
        assert rec.location_sentence in ids[rec.location_chunk_id].text
        assert ids[rec.location_chunk_id].section.endswith(rec.name)


def test_sentence_units_are_verbatim_and_respect_abbreviations(corpus):
    texts = {c.id: c.text for c in corpus.chunks}
    sentences = [u for u in corpus.units if u.kind == "sentence"]
    rows = [u for u in corpus.units if u.kind == "row"]
    assert len(rows) == 10
    assert all(u.text in texts[u.chunk_id] for u in corpus.units)
    assert "Superficial Peels: For mild scarring (e.g., Glycolic Acid, Salicylic Acid)." in [u.text for u in sentences]
    assert not any(u.text.endswith("e.g.") for u in sentences)
    recovery = next(u for u in sentences if u.text.startswith("Recovery: Redness and swelling"))
    assert recovery.label == "Recovery"


def test_chunk_ids_are_stable(text):
    a = build_corpus([parse_markdown(text, ARTICLE.name)])
    b = build_corpus([parse_markdown(text, ARTICLE.name)])
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    assert all(c.id.startswith("atrophic-scar-treatment-korea#") for c in a.chunks)


def test_editing_one_paragraph_changes_only_its_chunk_id(text):
    old = build_corpus([parse_markdown(text, ARTICLE.name)])
    sentence = "Punch excision is a precise way to remove stubborn icepick scars."
    assert text.count(sentence) == 1
    new = build_corpus([parse_markdown(text.replace(sentence, sentence.replace("precise", "careful")),
                                       ARTICLE.name)])
    old_ids, new_ids = [c.id for c in old.chunks], [c.id for c in new.chunks]
    changed = [(o, n) for o, n in zip(old_ids, new_ids, strict=True) if o != n]
    assert len(changed) == 1
    edited = next(c for c in new.chunks if c.id == changed[0][1])
    assert "careful way to remove" in edited.text


def test_inserting_a_section_keeps_every_other_id(text):
    old = {c.id for c in build_corpus([parse_markdown(text, ARTICLE.name)]).chunks}
    marker = "## What are Atrophic Scars?"
    edited = text.replace(marker, "## A New Section\n\nSomething new was added here.\n\n" + marker)
    new = {c.id for c in build_corpus([parse_markdown(edited, ARTICLE.name)]).chunks}
    assert old <= new and len(new - old) == 1
