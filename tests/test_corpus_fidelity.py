"""The Markdown corpus must say exactly what the source article says, no more and no less.

Every answer scarbot gives is quoted from corpus/atrophic-scar-treatment-korea.md, so a dropped
sentence is a question it can no longer answer, and an invented or altered one is a citation that
misquotes the article. These tests compare the corpus with the original .txt line by line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "atrophic-scar-treatment-korea.md"
SOURCE_NAME = "atrophic-scar-treatment-korea.txt"

H1 = "Effective Atrophic Scar Treatment Options in Korea for Smooth and Clear Skin"
# (level, text) of every heading below the H1, in document order.
HEADINGS: list[tuple[int, str]] = [
    (2, "What are Atrophic Scars?"),
    (3, "Common Pseudonyms for Atrophic Scars"),
    (3, "Types of Atrophic Scars"),
    (2, "Medical Procedures for Atrophic Scar Treatment"),
    (3, "An Introduction to Treatment Approaches"),
    (3, "Dermal Fillers"),
    (3, "Microneedling (Collagen Induction Therapy - CIT)"),
    (3, "Laser Resurfacing"),
    (3, "Chemical Peels"),
    (3, "Subcision"),
    (3, "Punch Excision and Grafting"),
    (3, "Stem Cell Therapy"),
    (2, "Best Clinics in Korea for Atrophic Scar"),
    (3, "Kangdong Sacred Heart Hospital"),
    (3, "Geurim Plastic Surgery"),
    (3, "Louis Clinic"),
    (2, "Navigating Atrophic Scar Treatment in South Korea"),
    (3, "South Korea as a Medical Tourism Destination"),
    (3, "The Patient Journey in South Korea"),
    (2, "Cost Analysis: South Korea vs. Global Medical Tourism Destinations"),
    (3, "Cost of Atrophic Scar Treatment in South Korea"),
    (3, "Cost Comparison with Other Countries"),
    (2, "Patient Experiences and Treatment Outcomes"),
    (3, "General Patient Outcomes"),
    (3, "Specific Treatment Outcomes"),
    (2, "Conclusion"),
]
REF_NUMBERS = re.compile(r"\d+(, \d+)*")
TABLE_DELIMITER = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def _source_path() -> Path:
    """Where the original article lives: env override, else ../shared beside the repo (as in CI)."""
    override = os.environ.get("SCARBOT_SOURCE_TXT")
    if override:
        return Path(override)
    return REPO.parent / "shared" / "source" / SOURCE_NAME


@pytest.fixture(scope="module")
def source_lines() -> list[str]:
    path = _source_path()
    if not path.is_file():
        pytest.skip(
            f"source article not found at {path}; copy shared/ beside the repo as ../shared "
            "or set SCARBOT_SOURCE_TXT to the .txt file"
        )
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def corpus_text() -> str:
    assert CORPUS.is_file(), f"missing corpus file {CORPUS}"
    return CORPUS.read_text(encoding="utf-8")


def _split_front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "corpus must start with YAML front matter between '---' lines"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), "front matter must be a YAML mapping"
    return meta, text[match.end() :]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("|") if c.strip()]


def _content_lines(source_lines: list[str]) -> list[str]:
    """Source lines that must survive: everything but the site name, TOC, References and ref numbers."""
    kept: list[str] = []
    i = 2  # line 0 is the site name (front matter `source`), line 1 the title (front matter + H1)
    while i < len(source_lines):
        line = source_lines[i].strip()
        i += 1
        if line == "Table of contents":
            while i < len(source_lines) and source_lines[i].startswith("- "):
                i += 1
            continue
        if not line or line == "References" or REF_NUMBERS.fullmatch(line):
            continue
        kept.append(line)
    return kept


def _is_table_line(line: str) -> bool:
    return "|" in line


def _table_blocks(lines: list[str]) -> list[list[str]]:
    """Consecutive runs of table lines (header, delimiter, rows)."""
    blocks: list[list[str]] = []
    previous_was_table = False
    for line in lines:
        if _is_table_line(line):
            if not previous_was_table:
                blocks.append([])
            blocks[-1].append(line)
            previous_was_table = True
        else:
            previous_was_table = False
    return blocks


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


# 1. nothing dropped --------------------------------------------------------------------------


def test_every_prose_and_list_line_of_the_source_is_in_the_corpus_in_order(source_lines, corpus_text):
    _, body = _split_front_matter(corpus_text)
    position = 0
    for line in _content_lines(source_lines):
        if _is_table_line(line):
            continue
        text = line[2:] if line.startswith("- ") else line
        found = body.find(text, position)
        if found == -1:
            where = "out of order" if text in body else "missing"
            pytest.fail(f"source line {where} in corpus: {text!r}")
        position = found + len(text)


def test_every_table_row_of_the_source_is_the_same_row_in_the_corpus(source_lines, corpus_text):
    _, body = _split_front_matter(corpus_text)
    source_tables = _table_blocks(_content_lines(source_lines))
    corpus_tables = _table_blocks(body.splitlines())
    assert len(source_tables) == 2, "the source article has two tables (clinics, costs)"
    assert len(corpus_tables) == len(source_tables)
    for source_table, corpus_table in zip(source_tables, corpus_tables, strict=True):
        assert len(corpus_table) == len(source_table), f"row count differs for table {source_table[0]!r}"
        for source_row, corpus_row in zip(source_table, corpus_table, strict=True):
            if TABLE_DELIMITER.fullmatch(source_row.strip()):
                assert TABLE_DELIMITER.fullmatch(corpus_row), f"expected a delimiter row, got {corpus_row!r}"
                continue
            assert _cells(corpus_row) == _cells(source_row)


def test_site_name_and_title_go_into_front_matter(source_lines, corpus_text):
    meta, _ = _split_front_matter(corpus_text)
    assert meta.get("source") == source_lines[0].strip() == "Medical Tourism Blog"
    assert meta.get("title") == source_lines[1].strip() == H1
    assert meta.get("language") == "en"
    assert meta.get("file") == SOURCE_NAME


# 2. structure ---------------------------------------------------------------------------------


def test_front_matter_one_h1_and_the_section_headings_in_order(corpus_text):
    meta, body = _split_front_matter(corpus_text)
    for key in ("title", "source", "language"):
        assert meta.get(key), f"front matter lacks {key!r}"
    tokens = _md().parse(body)
    headings = [
        (int(tok.tag[1]), tokens[i + 1].content) for i, tok in enumerate(tokens) if tok.type == "heading_open"
    ]
    assert [text for level, text in headings if level == 1] == [meta["title"]]
    assert [h for h in headings if h[0] > 1] == HEADINGS


def test_dropped_blocks_are_gone(corpus_text):
    _, body = _split_front_matter(corpus_text)
    lines = [line.strip() for line in body.splitlines()]
    assert "Table of contents" not in lines
    assert not any(line.lstrip("#- ").strip() == "References" for line in lines)
    assert not any(REF_NUMBERS.fullmatch(line) for line in lines if line)


def test_no_inline_markup_and_filler_types_are_a_nested_list(corpus_text):
    """Quotes are matched against the rendered text, so Markdown must not rewrite a single sentence."""
    _, body = _split_front_matter(corpus_text)
    tokens = _md().parse(body)
    markup = {"em_open", "strong_open", "link_open", "code_inline", "html_inline", "image"}
    for tok in tokens:
        if tok.type == "inline":
            bad = [child.type for child in tok.children or [] if child.type in markup]
            assert not bad, f"inline markup {bad} in {tok.content!r}"
            assert "\\" not in tok.content, f"escape in {tok.content!r}"
    assert not any(tok.type in ("code_block", "fence", "html_block") for tok in tokens)
    # "- Types:" under Dermal Fillers owns the five filler kinds as a nested list.
    depth = 0
    nested_items: list[str] = []
    for tok in tokens:
        if tok.type == "bullet_list_open":
            depth += 1
        elif tok.type == "bullet_list_close":
            depth -= 1
        elif tok.type == "inline" and depth == 2:
            nested_items.append(tok.content)
    assert (
        "Hyaluronic Acid (HA) Fillers: Brands like Juvederm and Restylane provide immediate results and last 6 months to 2 years."
        in nested_items
    )
    assert "Autologous Fat Transfer: Fat is taken from your own body and injected into scars." in nested_items
    assert len(nested_items) == 5 + 3 + 3  # filler, laser and peel types


# 3. tables ------------------------------------------------------------------------------------


def _parsed_tables(body: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header cells, body rows) of every table markdown-it finds."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    header: list[str] = []
    rows: list[list[str]] = []
    section = None
    tokens = _md().parse(body)
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            header, rows = [], []
        elif tok.type == "thead_open":
            section = "head"
        elif tok.type == "tbody_open":
            section = "body"
        elif tok.type == "tr_open" and section == "body":
            rows.append([])
        elif tok.type in ("th_open", "td_open"):
            cell = tokens[i + 1].content
            (header if section == "head" else rows[-1]).append(cell)
        elif tok.type == "table_close":
            tables.append((header, rows))
            section = None
    return tables


def test_both_tables_parse_as_gfm_tables_with_the_right_shape(source_lines, corpus_text):
    _, body = _split_front_matter(corpus_text)
    tables = _parsed_tables(body)
    assert len(tables) == 2
    (clinic_head, clinic_rows), (cost_head, cost_rows) = tables
    assert clinic_head == ["Clinic Name", "Key Features", "Special Techniques"]
    assert [row[0] for row in clinic_rows] == [
        "Kangdong Sacred Heart Hospital",
        "Geurim Plastic Surgery",
        "Louis Clinic",
    ]
    assert all(len(row) == 3 for row in clinic_rows)
    assert len(cost_head) == 10
    assert cost_head[0] == "Procedure Type (Approximate Cost per Session/Treatment)"
    assert len(cost_rows) == 7
    assert all(len(row) == 10 for row in cost_rows)
    # Rendered cells equal the source cells, e.g. "-" and "~$230" are not reinterpreted as Markdown.
    source_rows = [_cells(line) for block in _table_blocks(_content_lines(source_lines)) for line in block]
    source_rows = [row for row in source_rows if not all(set(c) == {"-"} and len(c) >= 3 for c in row)]
    rendered = [clinic_head, *clinic_rows, cost_head, *cost_rows]
    assert rendered == source_rows
    dermal = dict(zip(cost_head, cost_rows[1], strict=True))
    assert dermal["Australia (USD)"] == "~$230"
    assert dermal["Canada (USD)"] == "-"


def test_table_lines_use_single_spaces_around_pipes(corpus_text):
    _, body = _split_front_matter(corpus_text)
    table_lines = [line for line in body.splitlines() if line.startswith("|")]
    assert len(table_lines) == (1 + 1 + 3) + (1 + 1 + 7)
    for line in table_lines:
        assert line.startswith("| ") and line.endswith(" |"), line
        assert line == "| " + " | ".join(_cells(line)) + " |", f"irregular spacing: {line!r}"


# 4. nothing invented --------------------------------------------------------------------------


def test_every_corpus_line_comes_from_the_source(source_lines, corpus_text):
    _, body = _split_front_matter(corpus_text)
    source_text_lines = {
        line.strip()[2:] if line.strip().startswith("- ") else line.strip() for line in source_lines
    }
    source_cells = {cell for line in source_lines if _is_table_line(line) for cell in _cells(line)}
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("|"):
            if TABLE_DELIMITER.fullmatch(line):
                continue
            extra = [cell for cell in _cells(line) if cell not in source_cells]
            assert not extra, f"table cells not in the source: {extra}"
            continue
        text = re.sub(r"^(#{1,6} |- )", "", line)
        assert text in source_text_lines, f"corpus line not in the source: {text!r}"
