"""Hybrid retrieval: dense (Chroma, or its snapshot) + BM25 keywords + entity sections, fused.

Two fusions are implemented and measured by ``benchmarks/calibrate.py`` on the eval set: a convex
mix of min-max-scaled scores (0.6 dense + 0.4 BM25 + 0.1 per entity match) and reciprocal-rank
fusion. The convex mix is the default: same hit@1 and answers, better hit@4 (0.972 vs 0.960), MRR
(0.919 vs 0.913) and nDCG@4 (0.927 vs 0.921). ``SCARBOT_FUSION=rrf`` switches back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from scarbot.chunking import Chunk, ClinicRecord, Unit
from scarbot.nlp import Analyzer, Frame, content_words, normalize, stem
from scarbot.precompute import PerItem
from scarbot.store import Snapshot
from scarbot.types import Context

RRF_K = 60
CONVEX_ALPHA = 0.6  # weight of the (min-max scaled) dense score in the convex mix


@dataclass
class Hit:
    index: int  # position in Index.chunks
    score: float  # fused
    dense: float  # cosine similarity
    keyword: float  # BM25


class Index:
    """The loaded snapshot plus the BM25 model and the analyzer bound to this corpus."""

    def __init__(self, snap: Snapshot, dictionary: set[str] | None = None, *, keyword=None,
                 derived: dict | None = None):
        from scarbot import precompute

        self.snap = snap
        # the structures ingest precomputed (precompute.py); an in-memory snapshot builds them here
        self.derived = derived if derived is not None else (snap.derived or {})
        columns = isinstance(snap.chunks, precompute.LazyChunks)  # the query path: a chunk is read when needed
        if columns:
            self.chunks = snap.chunks
        else:
            self.chunks = _records(Chunk, snap.chunks)
            # the snapshot's rows become views of these records (each one's own field dict, not a copy): the
            # parsed JSON rows are freed instead of being held twice (~70 MiB at 1,000 articles)
            snap.chunks = [vars(c) for c in self.chunks]
        if isinstance(snap.units, precompute.LazyUnits):  # the query path: a unit is read when a question needs it
            self.units = snap.units
        else:
            self.units = _records(Unit, snap.units)
            snap.units = [vars(u) for u in self.units]
        # each chunk's text as quotes are checked against it: normalised once per chunk, not on every answer
        self.chunk_normal = PerItem(self.chunks, lambda c: normalize(c.text))
        self.records = snap.records
        self.clinics: list[ClinicRecord] = [ClinicRecord(**c) for c in snap.records.get("clinics", [])]
        self.by_id = {c: i for i, c in enumerate(snap.chunks.ids() if columns else (c.id for c in self.chunks))}
        # each chunk's article (chunk id → file name)
        self.source_of: dict[str, str] = snap.chunks.source_of() if columns else {c.id: c.source for c in self.chunks}
        self.price_facts = getattr(snap, "prices", None)  # answer.base.PriceFact records from prices.npz (query path)
        self.bm25 = keyword or snap.keyword or precompute.KeywordIndex.build(
            [self.keyword_tokens(precompute.chunk_keyword_text(c)) for c in snap.chunks])
        clinics = [c.name for c in self.clinics]
        stored = self.derived.get("analyzer_procedures")  # stored by ingest with short texts (precompute.procedure_proxies)
        lowered: dict[str, str] = {}
        if stored is None or self.records.get("lexicon"):
            source_text: dict[str, list[str]] = {}
            for c in self.chunks:
                source_text.setdefault(c.source, []).append(c.text)
            lowered = {src: " ".join(texts).lower() for src, texts in source_text.items()}
        # each priced procedure with the text of its own article (a name means what its article means by it)
        procedures = [(name, text) for name, text in stored] if stored is not None else \
            sorted({(p["procedure"], lowered.get(self.source_of.get(p["chunk_id"], ""), ""))
                    for p in self.records.get("prices", [])})
        self.analyzer_procedures = procedures
        stats = self.derived.get("analyzer")  # its corpus statistics, stored by ingest: no text to count
        self.analyzer = Analyzer([] if stats else [f"{c.section}\n{c.text}" for c in self.chunks], clinics,
                                 self.records.get("countries", []), dictionary, procedures,
                                 stats=stats, overrides=self.records.get("lexicon"),
                                 # each article's text matters only to an article's own lexicon file (its
                                 # out-of-scope topics); without one, normalising 1,000 articles is 3 s for nothing
                                 source_texts=lowered if self.records.get("lexicon") else None)
        # stems of each chunk's own heading (and a table row's first cell): entity matches, as posting lists
        self.head_postings: dict[str, list[int]] = self.derived.get("head_postings") or {}
        self.priced_rows: list[int] = self.derived.get("priced_rows") or []
        heads: dict[str, set[str]] = {}
        for i, c in enumerate(() if "head_postings" in self.derived else self.chunks):  # stored by ingest
            last = c.section.split(" > ")[-1]
            if last not in heads:
                heads[last] = {stem(w) for w in content_words(last)}
            head = heads[last]
            if c.kind == "table_row":
                head = head | {stem(w) for w in content_words(c.text.split("|")[1])}
                if "$" in c.text:
                    self.priced_rows.append(i)
            for w in head:
                self.head_postings.setdefault(w, []).append(i)
        # the stems of each unit's own heading, found when a question reads the unit (one set per heading)
        self.unit_heads = PerItem(self.units, lambda u: heads.get(u.section.split(" > ")[-1]) or heads.setdefault(
            u.section.split(" > ")[-1], {stem(w) for w in content_words(u.section.split(" > ")[-1])}))
        self.unit_text_stems = PerItem(self.units, lambda u: {stem(w) for w in content_words(u.text)})
        self.units_by_chunk: dict[str, list[int]] = self.derived.get("units_by_chunk") or {}
        if "units_by_chunk" not in self.derived:
            for i, u in enumerate(self.units):
                self.units_by_chunk.setdefault(u.chunk_id, []).append(i)

    @staticmethod
    def keyword_tokens(text: str) -> list[str]:
        return [stem(w) for w in content_words(text)]

    def context(self, hit: Hit) -> Context:
        c = self.chunks[hit.index]
        return Context(c.id, c.section, c.text, round(float(hit.score), 6), c.source, c.kind)


def _records(cls, rows: list[dict[str, Any]]) -> list:
    """Frozen records (``Chunk``, ``Unit``) from the snapshot's dicts, each dict becoming its record's own
    field dict (five times faster than the generated ``__init__`` at 140k units; the parsed rows are not
    held twice). A row with other keys than the fields (the text a unit was embedded with, a field with a
    default that an older snapshot lacks) goes through the constructor."""
    names = tuple(f.name for f in fields(cls))
    out = []
    new, set_dict, keys = object.__new__, object.__setattr__, set(names)
    for row in rows:
        row.pop("embed", None)  # a unit's embedded text: only ingest reads it
        if len(row) == len(names) and keys.issuperset(row):
            rec = new(cls)
            set_dict(rec, "__dict__", row)
        else:
            rec = cls(**{k: v for k, v in row.items() if k in keys})
        out.append(rec)
    return out


def top_k(scores, k: int):
    """The indices of the k highest scores, best first, ties in index order: the same as a stable full
    sort's first k, found by a partition (linear) and a sort of the few candidates."""
    import numpy as np

    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    neg = -scores
    kth = np.partition(neg, k - 1)[k - 1]
    cand = np.flatnonzero(neg <= kth)  # every score tied with the k-th is kept, so ties resolve as before
    return cand[np.argsort(neg[cand], kind="stable")][:k]


class HybridRetriever:
    def __init__(self, index: Index, embedder, dense_backend=None, fusion: str = "convex"):
        self.index = index
        self.fusion = fusion
        self.embedder = embedder
        self.dense_backend = dense_backend  # None → snapshot vectors (same vectors Chroma holds)

    def query_vector(self, text: str):
        return self.embedder.embed_query(text)

    def search(self, text: str, frame: Frame, k: int, qvec=None) -> tuple[list[Hit], Any]:
        import numpy as np

        idx = self.index
        n = len(idx.chunks)
        if qvec is None:
            qvec = self.query_vector(text)
        if self.dense_backend is not None:
            dense = self.dense_backend(qvec, n)
        else:
            dense = idx.snap.chunk_vectors @ qvec
        corrected = " ".join(frame.tokens)
        kw = np.asarray(idx.bm25.scores(idx.keyword_tokens(corrected)), dtype=np.float32)
        ent = self._entity_scores(frame)
        fused = np.zeros(n, dtype=np.float64)
        if self.fusion == "convex":
            def scaled(x):
                span = float(x.max() - x.min())
                return (x - x.min()) / span if span > 0 else np.zeros_like(x)

            fused = CONVEX_ALPHA * scaled(dense) + (1 - CONVEX_ALPHA) * scaled(kw) + 0.1 * ent
        else:
            for scores, weight in ((dense, 1.0), (kw, 1.0), (ent, 0.5)):
                if not np.any(scores > 0):
                    continue
                order = np.argsort(-scores, kind="stable")
                ranks = np.empty(n, dtype=np.int64)
                ranks[order] = np.arange(n)
                fused += weight * np.where(scores > 0, 1.0 / (RRF_K + ranks + 1), 0.0)
        order = top_k(fused, k)
        return [Hit(int(i), float(fused[i]), float(dense[i]), float(kw[i])) for i in order], qvec

    def _entity_scores(self, frame: Frame):
        """Chunks whose heading path or row names an entity of the question."""
        import numpy as np

        names = [*frame.procedures, *frame.clinics, *frame.scar_types, *frame.filler_types]
        out = np.zeros(len(self.index.chunks), dtype=np.float32)
        if not names:
            return out
        keys = []
        for name in names:
            ws = [w for w in content_words(name.split("(")[0]) if w not in ("scar", "scars", "general")]
            if ws:
                keys.append({stem(w) for w in ws})
        postings = self.index.head_postings
        for key in keys:  # chunks whose heading holds every stem of the name: an intersection of postings
            lists = sorted((postings.get(w, ()) for w in key), key=len)
            found = set(lists[0]).intersection(*lists[1:]) if lists else set()
            if found:
                out[np.fromiter(found, dtype=np.int64)] += 1.0
        if frame.countries and frame.asks_cost and self.index.priced_rows:
            out[np.asarray(self.index.priced_rows)] += 0.5
        return out


def as_langchain_retriever(assistant, k: int = 4):
    """The hybrid retriever as a LangChain ``BaseRetriever`` (documents carry their scores)."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class ScarbotRetriever(BaseRetriever):
        top_k: int = k

        def _get_relevant_documents(self, query: str, *, run_manager=None) -> list[Document]:
            contexts = assistant.retrieve(query, k=self.top_k)
            return [Document(page_content=c.text, id=c.chunk_id,
                             metadata={"chunk_id": c.chunk_id, "section": c.section, "score": c.score,
                                       "source": c.source, "kind": c.kind}) for c in contexts]

    return ScarbotRetriever()
