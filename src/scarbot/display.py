"""Readable forms for people: table-row quotes with their column headers, answer text without
``[n]`` markers, and a short name for the answer strategy.

A citation's ``quote`` stays verbatim (it is what verification checks); ``quote_display`` is for
people. A raw row such as ``| Subcision | ~$454 - $543 | - | $127 - $158 |`` says nothing about which
figure belongs to which column, so it is re-labelled from the chunk text, which already carries a
header-repeating rendering of the row (``Subcision — South Korea (USD): ~$454 - $543; ...``) or,
for a table kept inside a section, the table's own header line. Pure string work: no imports
beyond ``re``, so ``scarbot.types`` can use it without making ``import scarbot`` heavier.
"""

from __future__ import annotations

import re

SEP = " · "
_EMPTY_CELLS = {"", "-", "–", "—", "no figure given"}
# "(USD)" after a column name: the figures already carry "$", so the code is noise in a short label.
_CURRENCY_SUFFIX = re.compile(r"\s*\((?:[A-Z]{3})\)\s*$")
# "$127 - $158" → "$127–$158": a spaced hyphen between two figures is a range.
_RANGE = re.compile(r"(?<=[\d%])\s+[-–]\s+(?=[~≈$€£¥₩]?\s?\d)")
_DIVIDER = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def split_row(line: str) -> list[str] | None:
    """The cells of one Markdown table line, or None when the line is not a table row."""
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|") and line.count("|") >= 3):
        return None
    return [c.strip() for c in line[1:-1].split("|")]


def tidy_value(cell: str) -> str:
    """A cell as a person reads it: single spaces, ranges with an en dash."""
    return _RANGE.sub("–", " ".join(cell.split()))


def tidy_header(header: str) -> str:
    return _CURRENCY_SUFFIX.sub("", " ".join(header.split())) or header.strip()


def _headers_from_rendering(cells: list[str], text: str) -> list[str] | None:
    """Column headers for ``cells`` read back from a "Label — H1: v1; H2: v2" line in ``text``."""
    label = cells[0]
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith(f"{label} — "):
            continue
        rest = line[len(label) + 3:]
        headers: list[str] = []
        pos = 0
        for i, cell in enumerate(cells[1:]):
            last = i == len(cells) - 2
            shown = [cell] if cell.strip() not in _EMPTY_CELLS else [cell, "no figure given"]
            found = None
            for value in shown:
                needle = f": {value}" if last else f": {value}; "
                at = len(rest) - len(needle) if last and rest.endswith(needle) else (-1 if last else rest.find(needle, pos))
                if at >= pos:
                    found = (at, len(needle))
                    break
            if found is None:
                break
            headers.append(rest[pos:found[0]])
            pos = found[0] + found[1]
        if len(headers) == len(cells) - 1:
            return headers
    return None


def _headers_from_table(cells: list[str], text: str) -> list[str] | None:
    """Column headers from the header line of a Markdown table in ``text`` that has as many columns."""
    lines = [ln.strip() for ln in text.splitlines()]
    for i in range(len(lines) - 1):
        head = split_row(lines[i])
        if head and len(head) == len(cells) and _DIVIDER.match(lines[i + 1]):
            return head[1:]
    return None


def display_quote(quote: str, chunk_text: str = "") -> str:
    """``quote`` as a person should read it.

    A table row becomes "Row — Header: value · Header: value" (empty cells listed last as
    "no figure: ..."); without the headers its cells are joined with " · ". Anything else is the
    quote with its whitespace tidied.
    """
    first = quote.strip().splitlines()[0] if quote.strip() else ""
    cells = split_row(first)
    if not cells or len(cells) < 2:
        return " ".join(quote.split())
    headers = _headers_from_rendering(cells, chunk_text) or _headers_from_table(cells, chunk_text)
    label = tidy_value(cells[0])
    if headers is None:
        return f"{label} — " + SEP.join(tidy_value(c) for c in cells[1:] if c not in _EMPTY_CELLS)
    given, missing = [], []
    for header, cell in zip(headers, cells[1:], strict=True):
        name = tidy_header(header)
        if cell.strip() in _EMPTY_CELLS:
            missing.append(name)
        else:
            given.append(f"{name}: {tidy_value(cell)}")
    parts = given + ([f"no figure: {', '.join(missing)}"] if missing else [])
    return f"{label} — " + SEP.join(parts)


def strip_markers(text: str) -> str:
    """Answer text without its ``[n]`` citation markers, for pasting where the sources are not shown."""
    text = re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", text)


# What each answer strategy is, in words a patient or support agent understands.
STRATEGY_LABELS = {
    "prices": "the article's price tables",
    "clinics": "the article's clinic listings",
    "recommend": "the article's treatment descriptions",
    "extract": "sentences quoted from the article",
    "compose": "several parts, each answered from the article",
    "refusal": "a check of what the article covers",
    "llm": "a language model, checked against the quotes",
}


def strategy_label(strategy: str) -> str:
    """"answered from the article's price tables" for "prices"; unknown names are shown as they are."""
    name = (strategy or "").strip()
    if not name:
        return ""
    return STRATEGY_LABELS.get(name, name.replace("_", " "))
