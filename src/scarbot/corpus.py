"""Read Markdown articles into blocks that know their heading path.

markdown-it-py is used rather than LangChain's Markdown splitters because we need the
structure *inside* a section — paragraphs, nested list items and GFM tables with their
cells — not just text split at headings. Tables become structured records and row
documents; LangChain's splitters would hand them over as flat text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from scarbot.errors import CorpusError

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[str, ...]  # the source line of each row, verbatim


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph" | "list_item" | "table"
    path: tuple[str, ...]  # heading path, H1 first
    text: str  # verbatim text ("" for tables)
    line: int  # 1-based line in the file
    depth: int = 0  # list nesting depth
    table: Table | None = None


@dataclass
class Document:
    source: str  # file name, e.g. "atrophic-scar-treatment-korea.md"
    meta: dict
    blocks: list[Block] = field(default_factory=list)
    sha256: str = ""
    lexicon: dict = field(default_factory=dict)  # its <name>.lexicon.yaml, checked (lexicon.read_override)

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or (self.blocks[0].path[0] if self.blocks else self.source))


def _md():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def parse_markdown(text: str, source: str) -> Document:
    """Parse one article; raises CorpusError with the file and line when it cannot be used."""
    import yaml

    if not text.strip():
        raise CorpusError(f"{source}: the file is empty")
    meta: dict = {}
    offset = 0
    m = FRONT_MATTER.match(text)
    if m:
        try:
            meta = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"{source}: the front matter is not valid YAML ({exc})") from exc
        if not isinstance(meta, dict):
            raise CorpusError(f"{source}: the front matter must be a mapping of key: value lines")
        offset = m.group(0).count("\n")
        body = text[m.end() :]
    else:
        body = text
    lines = body.split("\n")
    tokens = _md().parse(body)
    doc = Document(source=source, meta=meta, sha256=hashlib.sha256(text.encode()).hexdigest())
    path: list[tuple[int, str]] = []
    depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = tokens[i + 1].content.strip()
            path = [p for p in path if p[0] < level] + [(level, title)]
            i += 3
            continue
        if tok.type == "bullet_list_open" or tok.type == "ordered_list_open":
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            line = (tokens[i - 1].map or [0])[0] + 1 + offset
            kind = "list_item" if depth else "paragraph"
            for part in tok.content.split("\n"):
                if part.strip():
                    doc.blocks.append(Block(kind, tuple(t for _, t in path), part.strip(), line, depth))
        elif tok.type == "table_open":
            start, end = tok.map or (0, 0)
            table, i = _read_table(tokens, i, lines[start:end], source, start + 1 + offset)
            doc.blocks.append(Block("table", tuple(t for _, t in path), "", start + 1 + offset, 0, table))
            continue
        i += 1
    if not any(b.path for b in doc.blocks) and not any(t.type == "heading_open" for t in tokens):
        raise CorpusError(f"{source}: no headings found; add at least a '# Title' line")
    if not doc.blocks:
        raise CorpusError(f"{source}: no text found under the headings")
    orphan = [b for b in doc.blocks if not b.path]
    if orphan:
        raise CorpusError(f"{source}:{orphan[0].line}: text before the first heading; start the file with '# Title'")
    return doc


def _read_table(tokens, i: int, src_lines: list[str], source: str, first_line: int) -> tuple[Table, int]:
    header: list[str] = []
    rows: list[list[str]] = []
    current: list[str] | None = None
    in_head = False
    while tokens[i].type != "table_close":
        t = tokens[i]
        if t.type == "thead_open":
            in_head = True
        elif t.type == "thead_close":
            in_head = False
        elif t.type == "tr_open":
            current = []
        elif t.type == "tr_close":
            if in_head:
                header = current or []
            else:
                rows.append(current or [])
        elif t.type == "inline" and current is not None:
            current.append(t.content.strip())
        i += 1
    # Row lines: header, delimiter, then one line per row (GFM tables have no multi-line rows).
    body_lines = [ln.strip() for ln in src_lines[2:] if ln.strip()]
    if len(body_lines) != len(rows):
        raise CorpusError(f"{source}:{first_line}: malformed table (rows could not be matched to lines)")
    for n, (row, ln) in enumerate(zip(rows, body_lines, strict=True)):
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        if len(cells) != len(header):
            raise CorpusError(
                f"{source}:{first_line + 2 + n}: malformed table row: {len(cells)} cells, "
                f"the header has {len(header)}"
            )
        if any(not c for c in row[:1]):
            raise CorpusError(f"{source}:{first_line + 2 + n}: a table row has an empty first cell")
    return Table(tuple(header), tuple(tuple(r) for r in rows), tuple(body_lines)), i + 1


def load_corpus(corpus_dir: Path, known: dict[str, Document] | None = None) -> list[Document]:
    """Every ``*.md`` in the folder, sorted by name, each with its ``<name>.lexicon.yaml`` when there is
    one. Any unusable file (an override file too) stops the load.

    ``known`` (file name → a Document parsed earlier) skips parsing a file whose text is unchanged:
    re-ingesting after one edit parses one file, not the corpus (its override file is read again)."""
    from scarbot.lexicon import OVERRIDE_SUFFIX, override_path, read_override

    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (set SCARBOT_CORPUS_DIR or create it)")
    files = sorted(corpus_dir.glob("*.md"))
    if not files:
        raise CorpusError(f"no .md files in {corpus_dir}")
    docs = []
    for f in files:
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{f.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
        text = text.replace("\r\n", "\n")
        old = (known or {}).get(f.name)
        if old is not None and old.sha256 == hashlib.sha256(text.encode()).hexdigest():
            doc = old
        else:
            doc = parse_markdown(text, f.name)
        override = override_path(f)
        doc.lexicon = read_override(override, text) if override.is_file() else {}
        docs.append(doc)
    articles = {f.name for f in files}
    for orphan in sorted(corpus_dir.glob(f"*{OVERRIDE_SUFFIX}")):
        if orphan.name[: -len(OVERRIDE_SUFFIX)] + ".md" not in articles:
            raise CorpusError(f"{orphan.name}: no article {orphan.name[: -len(OVERRIDE_SUFFIX)]}.md beside it; "
                              "rename it after its article or remove it")
    return docs
