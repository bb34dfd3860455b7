"""Blocks → chunks, quotable units and structured table records.

Three views of the same article are built here, all verbatim:

* section chunks: consecutive blocks of one heading path, never cutting a sentence or a row;
* row documents: one per table row, the raw row line plus a rendering that repeats the header,
  so "laser resurfacing prices" retrieves a row that names every country with its price;
* units: single sentences / list items / table rows, the spans the answerer may quote.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from scarbot.corpus import Block, Document, Table

NO_FIGURE = "no figure given"

_ABBREV = ("e.g.", "i.e.", "vs.", "avg.", "approx.", "etc.", "Dr.", "St.", "No.")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘($~])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking at common abbreviations."""
    out: list[str] = []
    buf = ""
    for piece in _SENT_END.split(text.strip()):
        buf = f"{buf} {piece}" if buf else piece
        if not buf.endswith(_ABBREV):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return [s for s in (s.strip() for s in out) if s]


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_UNIT_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_LABEL = re.compile(r"^([A-Z][\w ()/&'’-]{1,60}):(?:\s|$)")


def slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:60]


def section_label(path: tuple[str, ...]) -> str:
    """Heading path without the article title (the same for every chunk), or the title alone."""
    return " > ".join(path[1:]) if len(path) > 1 else (path[0] if path else "")


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    section: str
    kind: str  # "section" | "table_row"
    text: str  # stored and shown: verbatim article lines
    embed_text: str  # what is embedded: heading path + text (+ the header-repeating rendering)
    order: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Unit:
    """The smallest quotable span: one sentence, one list item sentence, or one table row."""

    chunk_id: str
    section: str
    text: str  # verbatim
    label: str  # a list item's "Label:" (e.g. "Recovery"), or ""
    kind: str  # "sentence" | "row"
    order: int
    depth: int = 0  # list nesting: 2 for the sub-items under "- Types:"


@dataclass(frozen=True)
class Price:
    low: float | None
    high: float | None
    approx: bool
    note: str
    text: str  # the verbatim figure text, e.g. "$225 - $600" or "$110–$600 per session"

    @property
    def given(self) -> bool:
        return self.low is not None


@dataclass(frozen=True)
class PriceRecord:
    procedure: str
    country: str
    price: Price
    cell: str  # verbatim cell or list-item text
    source_kind: str  # "comparison table" | "price list"
    chunk_id: str
    quote: str  # verbatim row line / list item quoted as the citation
    section: str


@dataclass(frozen=True)
class ClinicRecord:
    name: str
    fields: dict[str, str]  # column header → verbatim cell
    location: str
    location_sentence: str
    chunk_id: str  # the row document
    quote: str
    section: str
    location_chunk_id: str = ""


@dataclass
class Corpus:
    chunks: list[Chunk] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    prices: list[PriceRecord] = field(default_factory=list)
    clinics: list[ClinicRecord] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    lexicons: dict[str, dict] = field(default_factory=dict)  # article → its own words (<name>.lexicon.yaml)


_MONEY = r"\$\s?[\d,]+(?:\.\d+)?"
_PRICE_CELL = re.compile(
    rf"^(?P<approx>~)?(?P<low>{_MONEY})(?:\s*[-–]\s*~?(?P<high>{_MONEY}))?\s*(?:\((?P<note>[^)]*)\))?\s*$"
)


def _money(s: str) -> float:
    return float(s.replace("$", "").replace(",", "").strip())


def parse_price_cell(cell: str) -> Price | None:
    """A table cell → Price; "-" or empty is a Price with no figure; unparseable → None."""
    c = cell.strip()
    if c in ("-", "–", "—", ""):
        return Price(None, None, False, "", c)
    m = _PRICE_CELL.match(c)
    if not m:
        return None
    low = _money(m["low"])
    high = _money(m["high"]) if m["high"] else low
    return Price(low, high, bool(m["approx"]), (m["note"] or "").strip(), c)


_LIST_RANGE = re.compile(rf"(?P<approx>~)?(?P<low>{_MONEY})(?:\s*(?:[-–]|to)\s*(?P<high>{_MONEY}))?")


def parse_price_text(text: str) -> Price | None:
    """The first figure or range in free text, e.g. "$110–$600 per session; full treatment ..."."""
    m = _LIST_RANGE.search(text)
    if not m:
        return None
    low = _money(m["low"])
    high = _money(m["high"]) if m["high"] else low
    return Price(low, high, bool(m["approx"]), "", m.group(0))


def country_of(header: str) -> str:
    """"South Korea (USD)" → "South Korea"."""
    return _UNIT_NOTE.sub("", header).strip()


def _chunk_id(source: str, section: str, text: str, seen: dict[str, int]) -> str:
    """source + heading path + content hash; the n-th copy of the same text under the same heading
    of the same file gets "~n" (an occurrence counter), so no corpus yields two chunks with one id."""
    digest = hashlib.sha256(f"{section}\n{text}".encode()).hexdigest()[:12]
    stem = source.rsplit(".", 1)[0]
    base = f"{stem}#{slug(section) or 'top'}#{digest}"
    seen[base] = n = seen.get(base, 0) + 1
    return base if n == 1 else f"{base}~{n}"


def _label(text: str) -> str:
    m = _LABEL.match(text)
    return m.group(1).strip() if m else ""


def _render_block(b: Block) -> str:
    return ("  " * max(b.depth - 1, 0) + "- " + b.text) if b.kind == "list_item" else b.text


def build_corpus(docs: list[Document], max_chars: int = 700) -> Corpus:
    """Chunks, units and records for every document, in document order."""
    out = Corpus()
    order = 0
    seen: dict[str, int] = {}
    for doc in docs:
        title = doc.title
        if doc.lexicon:
            out.lexicons[doc.source] = doc.lexicon
        # Countries first: table headers name them, and price lists under a heading are matched to them.
        price_tables = {id(b.table): _is_price_table(b.table) for b in doc.blocks if b.table}
        for b in doc.blocks:
            if b.table and price_tables[id(b.table)]:
                for h in b.table.header[1:]:
                    if country_of(h) not in out.countries:
                        out.countries.append(country_of(h))
        groups: list[tuple[tuple[str, ...], list[Block]]] = []
        for b in doc.blocks:
            if groups and groups[-1][0] == b.path:
                groups[-1][1].append(b)
            else:
                groups.append((b.path, [b]))
        for path, blocks in groups:
            section = section_label(path) or title
            pending: list[Block] = []

            def flush(pending: list[Block] = pending, section: str = section, path=path, doc=doc) -> None:
                nonlocal order
                if not pending:
                    return
                text = "\n".join(_render_block(b) for b in pending)
                cid = _chunk_id(doc.source, section, text, seen)
                embed = f"{' > '.join(path)}\n{text}"
                out.chunks.append(Chunk(cid, doc.source, section, "section", text, embed, order))
                order += 1
                parent = ""
                for b in pending:
                    if b.kind == "list_item" and b.depth == 1:
                        parent = _label(b.text)
                    lab = _label(b.text) or (parent if b.depth > 1 else "")
                    # a list item is quoted whole ("Boxcar Scars: ... They account for 20-30% of cases ...")
                    # unless it is long; prose is quoted sentence by sentence
                    pieces = [b.text] if b.kind == "list_item" and len(b.text) <= 320 else split_sentences(b.text)
                    for s in pieces:
                        out.units.append(Unit(cid, section, s, lab, "sentence", len(out.units), b.depth))
                    _price_list_record(out, b, section, cid, path)
                pending.clear()

            size = 0
            for b in blocks:
                if b.table is not None:
                    flush()
                    size = 0
                    order = _table(out, doc, b, section, path, order, seen, price_tables[id(b.table)])
                    continue
                n = len(b.text)
                # A list item that introduces a nested list stays with its sub-items.
                if pending and size + n > max_chars and not (b.depth > 1 and pending[-1].kind == "list_item"):
                    flush()
                    size = 0
                pending.append(b)
                size += n + 1
            flush()
    _attach_locations(out, docs)
    return out


def _is_price_table(t: Table) -> bool:
    cells = [c for row in t.rows for c in row[1:]]
    return bool(cells) and sum(parse_price_cell(c) is not None for c in cells) >= 0.8 * len(cells)


def _table(out: Corpus, doc: Document, b: Block, section: str, path: tuple[str, ...], order: int,
           seen: dict[str, int], price_table: bool) -> int:
    t = b.table
    assert t is not None
    clinic_table = not price_table and "clinic" in t.header[0].lower()
    for row, line in zip(t.rows, t.lines, strict=True):
        parts = []
        for h, c in zip(t.header[1:], row[1:], strict=True):
            shown = NO_FIGURE if price_table and c.strip() in ("-", "") else c
            parts.append(f"{h}: {shown}")
        rendering = f"{row[0]} — " + "; ".join(parts)
        text = f"{line}\n{rendering}"
        cid = _chunk_id(doc.source, section, line, seen)
        embed = f"{' > '.join(path)}\n{t.header[0]}: {rendering}"
        out.chunks.append(Chunk(cid, doc.source, section, "table_row", text, embed, order))
        order += 1
        out.units.append(Unit(cid, section, line, row[0], "row", len(out.units)))
        if price_table:
            for h, c in zip(t.header[1:], row[1:], strict=True):
                price = parse_price_cell(c)
                if price is not None:
                    out.prices.append(
                        PriceRecord(row[0], country_of(h), price, c, "comparison table", cid, line, section)
                    )
        elif clinic_table:
            fields = dict(zip(t.header[1:], row[1:], strict=True))
            out.clinics.append(ClinicRecord(row[0], fields, "", "", cid, line, section))
    return order


def _price_list_record(out: Corpus, b: Block, section: str, cid: str, path: tuple[str, ...]) -> None:
    """A list item "Label: $a–$b ..." under a heading that names a country is a price-list record."""
    if b.kind != "list_item" or "$" not in b.text:
        return
    label = _label(b.text)
    heading = " ".join(path)
    country = next((c for c in out.countries if c.lower() in heading.lower()), "")
    if not label or not country:
        return
    price = parse_price_text(b.text[len(label) + 1 :])
    if price is None:
        return
    figure = b.text[len(label) + 1 :].strip()
    out.prices.append(
        PriceRecord(label, country, Price(price.low, price.high, price.approx, "", figure), figure,
                    "price list", cid, b.text, section)
    )


# "located in Cheonho, Seoul" / "located in Şişli, Istanbul": capitalised place names, any script
_PLACE = r"(?:(?=[^\W\d_])(?-i:[^\W\d_a-z]|[A-Z])[\w-]*)"
_LOCATED = re.compile(rf"located in ({_PLACE}(?:,\s*{_PLACE})*)")


def _attach_locations(out: Corpus, docs: list[Document]) -> None:
    """Clinic location: the sentence "… located in X, Y …" in the section named after the clinic.

    The sentences that say "located in" are found once, so this is linear in the corpus, not
    clinics × sentences."""
    located = [(u, m) for u in out.units if (m := _LOCATED.search(u.text))]
    for i, rec in enumerate(out.clinics):
        for u, loc in located:
            if u.section.endswith(rec.name):
                out.clinics[i] = ClinicRecord(
                    rec.name, rec.fields, loc.group(1), u.text, rec.chunk_id, rec.quote, rec.section, u.chunk_id
                )
                break
