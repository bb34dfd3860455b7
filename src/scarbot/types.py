"""Typed values that cross module boundaries: the UI, the CLI and the evals rely on these.

Kept free of heavy imports so that ``import scarbot`` stays cheap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from scarbot.display import display_quote


@dataclass(frozen=True)
class Context:
    """One retrieved chunk, in rank order."""

    chunk_id: str
    section: str
    text: str
    score: float
    source: str = ""
    kind: str = "section"


@dataclass(frozen=True)
class Citation:
    """A ``[n]`` marker in the answer text, resolved to the chunk and the quoted span."""

    n: int
    chunk_id: str
    section: str
    quote: str  # verbatim from the chunk: what verification checks
    source: str = ""
    # For people: a table row with its column headers ("Subcision — South Korea: ~$454–$543 · ...").
    # Left empty, it is derived from the quote; ``Answer`` adds the headers from the cited chunk's text.
    quote_display: str = ""

    def __post_init__(self) -> None:
        if not self.quote_display:
            object.__setattr__(self, "quote_display", display_quote(self.quote))


@dataclass(frozen=True)
class PriceRow:
    """One cell of a price table, for charts: ``low``/``high`` are ``None`` when no figure is given."""

    procedure: str
    country: str
    low: float | None
    high: float | None
    text: str
    source: str


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    abstained: bool = False
    standalone_question: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    prices: list[PriceRow] = field(default_factory=list)
    strategy: str = ""  # which answer strategy produced the text ("prices", "extract", "refusal", ...)
    steps: list[str] = field(default_factory=list)  # what the pipeline did, for the UI and the evals

    def __post_init__(self) -> None:
        # Label table-row quotes with their column headers, read from the cited chunk's own text.
        texts = {c.chunk_id: c.text for c in self.contexts}
        labelled = []
        for c in self.citations:
            if c.chunk_id in texts and c.quote_display == display_quote(c.quote):
                shown = display_quote(c.quote, texts[c.chunk_id])
                c = c if shown == c.quote_display else replace(c, quote_display=shown)
            labelled.append(c)
        self.citations = labelled

    def to_dict(self) -> dict[str, Any]:
        """The ``scarbot ask --json`` object."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "standalone_question": self.standalone_question,
            "citations": [asdict(c) for c in self.citations],
            "contexts": [asdict(c) for c in self.contexts],
            "timings_ms": dict(self.timings_ms),
            "prices": [asdict(p) for p in self.prices],
            "strategy": self.strategy,
            "steps": list(self.steps),
        }
