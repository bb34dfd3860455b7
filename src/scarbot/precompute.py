"""Corpus structures the query path needs, built once by ``scarbot ingest`` and stored in the snapshot.

A process that answers questions should not rebuild per-corpus tables (BM25 statistics, the entity
look-ups that parse every heading and label, the price records bound to their procedures): at 100
articles that cost seconds per process, at 1,000 minutes. Ingest builds them here, the snapshot
stores them (``derived.json`` for the small tables, ``bm25.npz`` for the keyword index, checksummed
with the rest), and the query path loads them on first use.

The keyword index is BM25 (Okapi, k1=1.5, b=0.75, the idf floor of ``rank_bm25.BM25Okapi``) as a
term → (chunk, weight) sparse matrix: a question's scores are the sums of its terms' columns, so the
work per question is the postings of its terms, not a Python loop over every chunk. The weights are
the ones ``BM25Okapi.get_scores`` computes, bit for bit (same formula, same order of additions), so
retrieval ranks exactly as before. (``bm25s`` implements the same idea; its idf variants differ from
BM25Okapi's floor, which would have moved the fused ranking of the eval questions.)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DERIVED = "derived.json"
BM25_FILE = "bm25.npz"
UNITS_FILE = "units.npz"
CHUNKS_FILE = "chunks.npz"
PRICES_FILE = "prices.npz"
TEXT_FILE = "text.npz"  # the analyzer's lowered corpus text as one UTF-8 array (21 MB at 1,000 articles)
DERIVED_VERSION = 8  # bump when what CorpusView derives at load changes shape
K1, B, EPSILON = 1.5, 0.75, 0.25


def keyword_tokens(text: str) -> list[str]:
    from scarbot.nlp import content_words, stem

    return [stem(w) for w in content_words(text)]


def chunk_keyword_text(chunk: dict[str, Any]) -> str:
    """What BM25 indexes of a chunk: its heading path and the text it was embedded with."""
    return f"{chunk['section']} {chunk['embed_text']}"


# --------------------------------------------------------------------------- BM25


@dataclass
class KeywordIndex:
    """BM25 over the chunks as a sparse term → chunk matrix (CSR by term)."""

    vocab: dict[str, int]
    indptr: Any  # int64 (n_terms + 1)
    docs: Any  # int32 (nnz)
    weights: Any  # float64 (nnz)
    n_docs: int

    @classmethod
    def build(cls, docs_tokens: list[list[str]]) -> KeywordIndex:
        import numpy as np

        # each chunk's term counts, terms in the order they first occur (as rank_bm25 counts them), in C
        freqs = [Counter(tokens) for tokens in docs_tokens]
        lengths = [len(tokens) for tokens in docs_tokens]
        n = len(freqs)
        df: Counter[str] = Counter()  # insertion order as rank_bm25 builds it: the idf average sums in this order
        for f in freqs:
            df.update(f.keys())
        idf: dict[str, float] = {}
        total, negative = 0.0, []
        for t, c in df.items():
            idf[t] = math.log(n - c + 0.5) - math.log(c + 0.5)
            total += idf[t]
            if idf[t] < 0:
                negative.append(t)
        if idf:
            eps = EPSILON * (total / len(idf))
            for t in negative:
                idf[t] = eps
        avgdl = (sum(lengths) / n) if n else 0.0
        vocab = {t: i for i, t in enumerate(df)}
        # the postings as (term, chunk, count) triples in chunk order, sorted by term (stable: chunks stay in order)
        nnz = sum(len(f) for f in freqs)
        terms = np.fromiter(map(vocab.__getitem__, itertools.chain.from_iterable(freqs)), np.int64, count=nnz)
        counts = np.fromiter(itertools.chain.from_iterable(f.values() for f in freqs), np.float64, count=nnz)
        chunk_of = np.repeat(np.arange(n, dtype=np.int32), [len(f) for f in freqs]) if n else np.zeros(0, np.int32)
        by_term = np.argsort(terms, kind="stable")
        docs = chunk_of[by_term]
        tf = counts[by_term]
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(terms, minlength=len(vocab)))
        dl = np.asarray(lengths, dtype=np.float64)[docs] if len(docs) else np.zeros(0)
        idf_col = np.repeat(np.asarray([idf[t] for t in vocab], dtype=np.float64), np.diff(indptr))
        if avgdl > 0:
            weights = idf_col * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl)))
        else:
            weights = np.zeros_like(tf)
        return cls(vocab, indptr, docs, weights, n)

    def scores(self, tokens: Iterable[str]):
        """BM25 of every chunk for these query tokens (a repeated token counts again, as in BM25Okapi)."""
        import numpy as np

        out = np.zeros(self.n_docs, dtype=np.float64)
        for t in tokens:
            i = self.vocab.get(t)
            if i is None:
                continue
            lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
            out[self.docs[lo:hi]] += self.weights[lo:hi]  # a chunk appears once per term: no duplicate indices
        return out

    def save(self, path: Path) -> list[str]:
        import numpy as np

        np.savez(path, indptr=self.indptr, docs=self.docs, weights=self.weights)
        return list(self.vocab)

    @classmethod
    def load(cls, path: Path, terms: list[str], n_docs: int) -> KeywordIndex:
        import numpy as np

        # plain array views of the mapped file: ``scores`` indexes them a few times per query term, and a memmap's
        # own indexing (a Python ``__getitem__`` and ``__array_finalize__`` per access) is ten times slower
        arrays = {k: v.view(np.ndarray) if isinstance(v, np.memmap) else v for k, v in load_npz(path).items()}
        index = cls({t: i for i, t in enumerate(terms)}, arrays["indptr"], arrays["docs"], arrays["weights"], n_docs)
        if len(index.indptr) != len(terms) + 1 or int(index.indptr[-1]) != len(index.docs) != len(index.weights):
            raise ValueError(f"{path.name} does not match its term list")
        return index


def read_json(path: Path) -> Any:
    """A snapshot JSON file, parsed by orjson when it is installed (3-4x faster than ``json`` on the
    tens of MB a large corpus writes; the same values), else by ``json``. Both raise ValueError on bad input."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency
        return json.loads(path.read_text("utf-8"))
    return orjson.loads(path.read_bytes())


def write_json(path: Path, value: Any, *, indent: bool = False) -> None:
    """Write a snapshot JSON file (UTF-8, not ASCII-escaped) with orjson when it is installed (several
    times faster than ``json`` on large corpora), else with ``json``; ``read_json`` reads either."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency
        path.write_text(json.dumps(value, ensure_ascii=False, indent=1 if indent else None,
                                   separators=None if indent else (",", ":")), "utf-8")
        return
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)))


def load_npz(path: Path) -> dict[str, Any]:
    """The arrays of an uncompressed ``.npz`` memory-mapped in place (pages are read when touched):
    loading costs milliseconds and the process holds only the parts a question reads."""
    import numpy as np

    out: dict[str, Any] = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as fh:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{path.name} is compressed; it cannot be memory-mapped")
            fh.seek(info.header_offset)
            local = fh.read(30)
            if local[:4] != b"PK\x03\x04":
                raise ValueError(f"{path.name} has a damaged member header")
            name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            if dtype.hasobject:
                raise ValueError(f"{path.name} holds objects")
            count = int(np.prod(shape)) if shape else 1
            if fh.tell() + count * dtype.itemsize > info.header_offset + 30 + name_len + extra_len + info.file_size:
                raise ValueError(f"{path.name} is shorter than its arrays")
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            out[key] = np.memmap(path, dtype=dtype, mode="r", offset=fh.tell(), shape=shape,
                                 order="F" if fortran else "C") if count else np.zeros(shape, dtype)
    return out


class PerItem(Sequence):
    """``f(item)`` for each item, computed when first asked for: a question reads a few, never all."""

    def __init__(self, items: list, f: Callable):
        self._items, self._f = items, f
        self._cache: list = [None] * len(items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        value = self._cache[i]
        if value is None:
            value = self._cache[i] = self._f(self._items[i])
        return value


# --------------------------------------------------------------------------- the units as columns

_UNIT_FIELDS = ("section", "text", "label", "kind")  # strings; chunk (its index), order and depth are numbers


def write_unit_columns(path: Path, units: list[dict[str, Any]], chunk_index: dict[str, int]) -> None:
    """The quotable units as columns (``units.npz``, memory-mapped at load): each string field as one UTF-8
    blob with offsets (sections, labels and kinds as a table of their distinct values and a code per unit),
    the chunk as its index. A question decodes the few units it reads; no process parses them all."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for name in _UNIT_FIELDS:
        values = [u[name] for u in units]
        if name == "text":
            _blob(arrays, name, values)
        else:
            _coded(arrays, name, values)
    arrays["chunk"] = np.fromiter((chunk_index[u["chunk_id"]] for u in units), np.int32, count=len(units))
    arrays["order"] = np.fromiter((u["order"] for u in units), np.int64, count=len(units))
    arrays["depth"] = np.fromiter((u.get("depth", 0) for u in units), np.int32, count=len(units))
    np.savez(path, **arrays)


def _blob(arrays: dict[str, Any], name: str, values: list[str]) -> None:
    import numpy as np

    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    arrays[f"{name}_off"] = offsets
    arrays[f"{name}_blob"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)


def _coded(arrays: dict[str, Any], name: str, values: list[str]) -> None:
    """A string column of few distinct values: the table of those values (a blob) and a code per row."""
    import numpy as np

    table: dict[str, int] = {}
    arrays[f"{name}_code"] = np.fromiter((table.setdefault(v, len(table)) for v in values), np.int32,
                                         count=len(values))
    _blob(arrays, name, list(table))


class Columns(Sequence):
    """Records read from memory-mapped columns (a ``.npz`` of ``write_columns``) when first asked for, then
    kept: string columns are a UTF-8 blob with offsets (``blobs``) or a table of distinct values with a code
    per row (``coded``). Iterating reads every record in one pass over the columns. Subclasses say which
    columns there are and how a row becomes a record (``_row``)."""

    FILE = ""
    blobs: tuple[str, ...] = ()
    coded: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()

    def __init__(self, arrays: dict[str, Any]):
        import numpy as np

        # plain array views of the mapped files (a memmap's own indexing is ten times slower per row)
        self._a = arrays = {k: v.view(np.ndarray) if isinstance(v, np.memmap) else v for k, v in arrays.items()}
        try:
            self._n = len(arrays[self.numbers[0]]) if self.numbers else len(arrays[f"{self.blobs[0]}_off"]) - 1
            for name in self.blobs:
                off = arrays[f"{name}_off"]
                if len(off) != self._n + 1 or int(off[-1]) != len(arrays[f"{name}_blob"]):
                    raise ValueError(f"{self.FILE} does not hold its {name} column whole")
            for name in self.coded:
                off, codes = arrays[f"{name}_off"], arrays[f"{name}_code"]
                if len(off) < 1 or int(off[-1]) != len(arrays[f"{name}_blob"]) or len(codes) != self._n or (
                        self._n and not 0 <= int(codes.min()) <= int(codes.max()) < len(off) - 1):
                    raise ValueError(f"{self.FILE} does not hold its {name} column whole")
            if any(len(arrays[name]) != self._n for name in self.numbers):
                raise ValueError(f"{self.FILE} does not hold its number columns whole")
        except KeyError as exc:
            raise ValueError(f"{self.FILE} lacks the column {exc}") from None
        self._blob = {name: memoryview(arrays[f"{name}_blob"]) for name in self.blobs}
        self._cache: list = [None] * self._n
        self._tables: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return self._n

    def table(self, name: str) -> list[str]:
        """The distinct values of a coded column (decoded once: a few hundred strings at most)."""
        values = self._tables.get(name)
        if values is None:
            off = self._a[f"{name}_off"].tolist()
            blob = bytes(self._a[f"{name}_blob"])
            values = self._tables[name] = [blob[off[j]:off[j + 1]].decode("utf-8") for j in range(len(off) - 1)]
        return values

    def column(self, name: str, rows=None) -> list:
        """One column's values for these rows (all rows when None), read in one pass (blob, coded or number)."""
        import numpy as np

        a = self._a
        idx = slice(None) if rows is None else np.asarray(rows, dtype=np.int64)
        if name in self.coded:
            table = self.table(name)
            return [table[c] for c in a[f"{name}_code"][idx].tolist()]
        if name in self.blobs:
            off, blob = a[f"{name}_off"], self._blob[name]
            starts = off[:-1][idx].tolist()
            ends = off[1:][idx].tolist()
            return [str(blob[s:e], "utf-8") for s, e in zip(starts, ends, strict=True)]
        return a[name][idx].tolist()

    def _row(self, values: dict[str, Any]) -> Any:
        """The record of one row, from its column values by name."""
        raise NotImplementedError

    def rows(self, positions: Iterable[int]) -> list:
        """The records at these positions (negative positions not allowed), those not yet read read together."""
        positions = list(positions)
        cache = self._cache
        missing = [i for i in positions if cache[i] is None]
        if missing:
            names = (*self.blobs, *self.coded, *self.numbers)
            made = self._records({name: self.column(name, missing) for name in names})
            for i, rec in zip(missing, made, strict=True):
                cache[i] = rec
        return [cache[i] for i in positions]

    def _records(self, cols: dict[str, list]) -> list:
        """The records of some rows from their columns' values (a subclass may build them without a dict per row)."""
        names = list(cols)
        return [self._row(dict(zip(names, values, strict=True))) for values in zip(*cols.values(), strict=True)]

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return self.rows(range(*i.indices(self._n)))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"{self.FILE} row index out of range")
        rec = self._cache[i]
        if rec is None:
            a, values = self._a, {}
            for name in self.blobs:
                off = a[f"{name}_off"]
                values[name] = str(self._blob[name][off[i]:off[i + 1]], "utf-8")
            for name in self.coded:
                values[name] = self.table(name)[a[f"{name}_code"][i]]
            for name in self.numbers:
                values[name] = a[name][i].item()
            rec = self._cache[i] = self._row(values)
        return rec

    def __iter__(self):
        if any(r is None for r in self._cache):
            self.rows(range(self._n))
        return iter(list(self._cache))


def _record(cls, values: dict[str, Any]) -> Any:
    """A frozen dataclass record with this field dict, without its generated ``__init__`` (the snapshot
    rows were checked when written)."""
    rec = object.__new__(cls)
    object.__setattr__(rec, "__dict__", values)
    return rec


def write_chunk_columns(path: Path, chunks: list[dict[str, Any]]) -> None:
    """The chunks as columns (``chunks.npz``, memory-mapped at load; see ``LazyChunks``)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for name in LazyChunks.blobs:
        _blob(arrays, name, [c[name] for c in chunks])
    for name in LazyChunks.coded:
        _coded(arrays, name, [c[name] for c in chunks])
    arrays["order"] = np.fromiter((c["order"] for c in chunks), np.int64, count=len(chunks))
    np.savez(path, **arrays)


class LazyChunks(Columns):
    """The chunks of a snapshot as ``Chunk`` records, each read from ``chunks.npz`` when first asked for:
    no process parses the chunk texts of the whole corpus (53 MB of JSON at 1,000 articles)."""

    FILE = CHUNKS_FILE
    blobs = ("id", "text", "embed_text")
    coded = ("source", "section", "kind")
    numbers = ("order",)

    def __init__(self, arrays: dict[str, Any]):
        super().__init__(arrays)
        self._ids: list[str] | None = None

    def ids(self) -> list[str]:
        """Every chunk's id, in order (decoded once)."""
        if self._ids is None:
            self._ids = self.column("id")
        return self._ids

    def source_of(self) -> dict[str, str]:
        """Chunk id → its article, for every chunk (ids and a code per chunk: no text is read)."""
        return dict(zip(self.ids(), self.column("source"), strict=True))

    def _row(self, values: dict[str, Any]) -> Any:
        from scarbot.chunking import Chunk

        return _record(Chunk, {"id": values["id"], "source": values["source"], "section": values["section"],
                               "kind": values["kind"], "text": values["text"], "embed_text": values["embed_text"],
                               "order": values["order"]})


def write_price_columns(path: Path, prices: list, chunk_index: dict[str, int]) -> None:
    """The price records as ``PriceFact`` columns (``prices.npz``; see ``LazyPrices``), each bound to its
    procedure already (``canonical``). A cell with no figure ("-") has NaN for both ends."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for name in LazyPrices.coded:
        _coded(arrays, name, [getattr(p, name) for p in prices])
    for name in ("low", "high"):
        arrays[name] = np.fromiter((math.nan if getattr(p, name) is None else getattr(p, name) for p in prices),
                                   np.float64, count=len(prices))
    arrays["chunk"] = np.fromiter((chunk_index[p.chunk_id] for p in prices), np.int32, count=len(prices))
    np.savez(path, **arrays)


class LazyPrices(Columns):
    """The corpus's price records as ``answer.base.PriceFact``, each read from ``prices.npz`` when first
    asked for: a question reads the prices of the procedures and articles it is about, never all 50,000."""

    FILE = PRICES_FILE
    coded = ("procedure", "canonical", "country", "cell", "kind", "quote", "source")
    numbers = ("low", "high", "chunk")

    def __init__(self, arrays: dict[str, Any], chunk_ids: list[str]):
        super().__init__(arrays)
        chunks = arrays["chunk"]
        if self._n and not 0 <= int(chunks.min()) <= int(chunks.max()) < len(chunk_ids):
            raise ValueError(f"{PRICES_FILE} names chunks the snapshot does not hold")
        self._chunk_ids = chunk_ids

    def _records(self, cols: dict[str, list]) -> list:
        """Many price records at once (a procedure's group is thousands at 1,000 articles): built straight from
        the column values, three times faster than a dict of values per row."""
        from scarbot.answer.base import PriceFact

        ids, new, set_dict, out = self._chunk_ids, object.__new__, object.__setattr__, []
        for procedure, canonical, country, cell, kind, quote, source, low, high, chunk in zip(
                cols["procedure"], cols["canonical"], cols["country"], cols["cell"], cols["kind"], cols["quote"],
                cols["source"], cols["low"], cols["high"], cols["chunk"], strict=True):
            rec = new(PriceFact)
            set_dict(rec, "__dict__", {
                "procedure": procedure, "canonical": canonical, "country": country,
                "low": None if low != low else low, "high": None if high != high else high, "cell": cell,
                "kind": kind, "chunk_id": ids[chunk], "quote": quote, "source": source})
            out.append(rec)
        return out

    def _row(self, values: dict[str, Any]) -> Any:
        from scarbot.answer.base import PriceFact

        low, high = values["low"], values["high"]
        return _record(PriceFact, {
            "procedure": values["procedure"], "canonical": values["canonical"], "country": values["country"],
            "low": None if low != low else low, "high": None if high != high else high, "cell": values["cell"],
            "kind": values["kind"], "chunk_id": self._chunk_ids[values["chunk"]], "quote": values["quote"],
            "source": values["source"]})


class Grouped(Mapping):
    """Key → the records at stored positions (``{"microneedling": [3, 17, ...]}`` over ``LazyPrices``): a
    group's records are read when the group is first asked for."""

    def __init__(self, positions: dict[str, list[int]], records: Sequence):
        self._positions, self._records = positions, records
        self._groups: dict[str, list] = {}

    def __getitem__(self, key: str) -> list:
        group = self._groups.get(key)
        if group is None:
            records, positions = self._records, self._positions[key]
            group = self._groups[key] = records.rows(positions) if isinstance(records, Columns) else \
                [records[i] for i in positions]
        return group

    def __iter__(self):
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


class SetPostings(Mapping):
    """Key → a set of positions, made from a stored list when the key is first asked for."""

    def __init__(self, lists: dict[str, list[int]]):
        self._lists = lists
        self._sets: dict[str, set[int]] = {}

    def __getitem__(self, key: str) -> set[int]:
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = set(self._lists[key])
        return found

    def __iter__(self):
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)


class LazyUnits(Columns):
    """The units of a snapshot read from ``units.npz`` when first asked for (then kept): a sequence of
    ``Unit`` records like the list ingest wrote, whose building costs nothing until a question reads one."""

    FILE = UNITS_FILE
    blobs = ("text",)
    coded = ("section", "label", "kind")
    numbers = ("chunk", "order", "depth")

    def __init__(self, arrays: dict[str, Any], chunk_ids: list[str]):
        super().__init__(arrays)
        chunks = self._a["chunk"]
        if self._n and not 0 <= int(chunks.min()) <= int(chunks.max()) < len(chunk_ids):
            raise ValueError(f"{UNITS_FILE} names chunks the snapshot does not hold")
        self._chunk_ids = chunk_ids

    def _row(self, values: dict[str, Any]) -> Any:
        from scarbot.chunking import Unit

        return _record(Unit, {"chunk_id": self._chunk_ids[values["chunk"]], "section": values["section"],
                              "text": values["text"], "label": values["label"], "kind": values["kind"],
                              "order": values["order"], "depth": values["depth"]})


# --------------------------------------------------------------------------- the corpus tables


def corpus_tables(view) -> dict[str, Any]:
    """The tables ``CorpusView`` derives by parsing every heading, label, clause and price name with the
    analyzer: computed once (here, at ingest) and read back by ``CorpusView`` at load."""
    from scarbot import lexicon

    unit_at = {id(u): i for i, u in enumerate(view.units)}
    return {
        "price_canonical": [p.canonical for p in view.prices],
        "proc_sections": view.proc_sections,
        "sessions": {proc: unit_at[id(f.unit)] for proc, f in view.sessions.items()},
        "ties": [[t.procedure, t.scar_type, unit_at[id(t.unit)], t.strength] for t in view.ties],
        "scar_units": view.scar_units,
        "voice": sorted(view.voice),
        "unit_df": view.unit_df,
        "first_stem": _lists(view.first_stem),
        "label_prefix": _lists(view.label_prefix),
        "priced_prose": _lists(view.priced_prose),
        # compose's percentage index (stems of the sentences giving a percentage and no price): stored, so the
        # first percent question decodes no unit it does not read
        "percent_units": view._pre["percent_units"] if "percent_units" in view._pre else percent_units(view),
        "has": {kind: view.corpus_has([kind]) for kind in lexicon.UNGIVEN_FACTS},
        # the unit look-ups built from every unit: stored, so that the query path never reads every unit
        "labelled": view.labelled,
        "section_units": dict(view.section_units),
        "units_by_source": dict(view.units_by_source),
        "units_by_chunk": view.index.units_by_chunk,
        "head_postings": view.index.head_postings,
        "priced_rows": view.index.priced_rows,
        "head_index": _lists(view.head_index),
        # the price and article look-ups CorpusView builds from every price record and chunk: stored as positions
        # in ``prices.npz``, so the query path builds a price record only when a question reads it
        **price_tables(view),
    }


def price_tables(view) -> dict[str, Any]:
    """CorpusView's per-corpus price, article and clinic tables, as JSON (prices as their positions in
    ``view.prices``)."""
    at = {id(p): i for i, p in enumerate(view.prices)}

    def positions(groups) -> dict[str, list[int]]:
        return {k: [at[id(p)] for p in v] for k, v in groups.items()}

    return {"clinic_units": view.clinic_units,
            "sources": view.sources, "source_titles": view.source_titles, "homes": view.homes, "home": view.home,
            "priced": sorted(view.priced), "source_home": view.source_home, "by_proc": positions(view.by_proc),
            "prices_by_source": positions(view.prices_by_source),
            "price_name_stems": {k: sorted(v) for k, v in view.price_name_stems.items()},
            "price_list_sections": dict(view.price_list_sections)}


def procedure_proxies(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """The analyzer's priced procedures (name, its article's lowered text), each text replaced by the
    lexicon's procedure names it contains, one per line, and its position (unique, so no two pairs merge).

    ``Analyzer._corpus_procedures`` only asks whether a lexicon procedure's own name is in that text (and
    whether the text is empty): a name is in the short text exactly when it is in the article's (a name in
    the short text is a substring of a name found in the article; none holds a newline or a NUL). The pairs
    stay in the order sorted on the full texts: the query path then binds the same aliases in the same
    order without reading an article's text (0.45 s at 1,000 articles)."""
    from scarbot import lexicon

    names = list(lexicon.PROCEDURES)
    found: dict[str, str] = {}
    out = []
    for i, (name, text) in enumerate(pairs):
        if text not in found:
            found[text] = "\n".join(n for n in names if n in text)
        out.append([name, f"{found[text]}\n\x00{i}" if text else ""])
    return out


def percent_units(view) -> dict[str, list[int]]:
    """Stem → the units (in order) that give a percentage and no price and use that stem: the index
    ``answer.compose`` builds on its first percentage question when the snapshot does not hold it."""
    index: dict[str, list[int]] = {}
    for i, u in enumerate(view.units):
        if "%" in u.text and "$" not in u.text:
            for st in sorted(view.unit_stems[i]):
                index.setdefault(st, []).append(i)
    return index


def _lists(postings: dict[str, set[int]]) -> dict[str, list[int]]:
    return {k: sorted(v) for k, v in postings.items()}


class ChunkMemo:
    """What each chunk's text gives on its own — its BM25 tokens and its share of the analyzer's corpus
    statistics — kept between ingests (``memo.pickle`` in the data folder, like ``parsed.pickle``), so a
    re-ingest after one edited file tokenizes only that file's chunks. The merged statistics equal
    ``nlp.corpus_stats`` over all chunks exactly: it counts words per text in order, joins lowered lines
    with newlines, and its two word sets come from regexes that never match across a newline.

    A chunk's entry is five strings (``chunk_facts``), keyed by a digest of its text: a pickle of a few
    strings per chunk loads and saves in a tenth of the time the same facts as lists and dicts took.

    The same memo keeps what each quotable unit gives on its own (``unit``: the word sets and flags the
    corpus tables are made of) and the analyzer's frames of headings, labels, clauses and price names
    (``frames``: valid while the analyzer's entity binding is the same, see ``memo_frames``), so the corpus
    tables of a re-ingest cost a dictionary look-up per unchanged unit. The whole memo belongs to one
    version of the code (ingest drops it when ``pipeline_key`` changes)."""

    def __init__(self, saved: dict[bytes, tuple[str, ...]] | None = None,
                 units: dict[str, tuple] | None = None, frames: tuple[str, dict[str, Any]] | None = None):
        self.saved = saved or {}
        self.used: dict[bytes, tuple[str, ...]] = {}
        self.saved_units = units or {}
        self.used_units: dict[str, tuple] = {}
        self.saved_frames: tuple[str, dict[str, Any]] = frames or ("", {})  # (binding digest, text → Frame)
        self.used_frames: tuple[str, dict[str, Any]] = ("", {})

    def get(self, chunk: dict[str, Any]) -> tuple[str, ...]:
        """The chunk's facts (``chunk_facts``), from the memo when its text is unchanged."""
        key = hashlib.blake2b(f"{chunk['section']}\x00{chunk['text']}\x00{chunk['embed_text']}".encode(),
                              digest_size=16).digest()
        got = self.used.get(key) or self.saved.get(key)
        if got is None:
            got = chunk_facts(chunk)
        self.used[key] = got
        return got

    def unit(self, u) -> tuple:
        """(addresses the reader, stems, first body stem, label prefixes, kinds of fact carried) of a unit."""
        key = f"{u.section}\x00{u.text}\x00{u.label}\x00{u.kind}"
        got = self.used_units.get(key) or self.saved_units.get(key)
        if got is None:
            got = unit_facts(u)
        self.used_units[key] = got
        return got

    def state(self) -> dict[str, Any]:
        """What ``memo.pickle`` keeps: the entries the live corpus used (entries of text gone are dropped)."""
        return {"chunks": self.used, "units": self.used_units, "frames": self.used_frames}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ChunkMemo:
        frames = state.get("frames")
        return cls(dict(state["chunks"]), dict(state.get("units") or {}),
                   (str(frames[0]), dict(frames[1])) if frames else None)

    @staticmethod
    def merge(parts: list[tuple[str, ...]]) -> dict[str, Any]:
        """``corpus_stats`` of the texts whose facts (``chunk_facts``) these are, in the same order."""
        # a Counter over every word in text order: the counts and first-seen order corpus_stats gives
        vocab = Counter(itertools.chain.from_iterable(p[1].split() for p in parts))
        lower_words = set(itertools.chain.from_iterable(p[3].split() for p in parts))
        acronyms = set(itertools.chain.from_iterable(p[4].split() for p in parts))
        return {"vocab": dict(vocab), "corpus_lower": "\n".join(p[2] for p in parts),
                "lower_words": sorted(lower_words), "acronyms": sorted(acronyms)}


def chunk_facts(chunk: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """What a chunk gives the keyword index and the analyzer's statistics on its own, as five strings: its BM25
    tokens and its words in order (``nlp.corpus_stats`` counts these), space-separated (neither holds a space);
    its lowered lines; its lower-case words and its acronyms (space-separated)."""
    from scarbot.nlp import corpus_stats, words

    text = f"{chunk['section']}\n{chunk['text']}"
    stats = corpus_stats([text])
    return (" ".join(keyword_tokens(chunk_keyword_text(chunk))), " ".join(words(text)), stats["corpus_lower"],
            " ".join(stats["lower_words"]), " ".join(stats["acronyms"]))


def unit_facts(u) -> tuple:
    """What a unit gives the corpus tables on its own (``CorpusView``'s per-unit functions, computed once)."""
    from scarbot import lexicon
    from scarbot.answer.base import body_stems_of, carries_fact, unit_stems_of
    from scarbot.nlp import addressed_to_reader, content_words, normalize

    lowered = normalize(u.text).lower()
    first = body_stems_of(u)[:1]
    # word sets as sorted tuples: the tables come out in the same order in every process (a rebuild's bytes)
    return (addressed_to_reader(u.text), tuple(sorted(unit_stems_of(u))), first[0] if first else None,
            tuple(sorted({w[:4] for w in content_words(u.label)})) if u.label else (),
            tuple(k for k in lexicon.UNGIVEN_FACTS if carries_fact(k, lowered)))


def unit_tables(units: list, memo: ChunkMemo) -> dict[str, Any]:
    """The corpus tables made of each unit's own facts (``corpus_tables``' ``voice``, ``unit_df``,
    ``first_stem``, ``label_prefix``, ``priced_prose`` and ``has``; and ``percent_units``, the stems of each
    sentence that gives a percentage and no price, which ``answer.compose`` looks a share up in), from the
    memo where a unit is unchanged."""
    from scarbot import lexicon

    voice: list[int] = []
    df: dict[str, int] = {}
    first_stem: dict[str, list[int]] = {}
    label_prefix: dict[str, list[int]] = {}
    priced_prose: dict[str, list[int]] = {}
    percent_units: dict[str, list[int]] = {}
    kinds: set[str] = set()
    for i, u in enumerate(units):
        addressed, stems, first, prefixes, facts = memo.unit(u)
        if addressed:
            voice.append(i)
        for w in stems:
            df[w] = df.get(w, 0) + 1
        if first is not None:
            first_stem.setdefault(first, []).append(i)
        for w in prefixes:
            label_prefix.setdefault(w, []).append(i)
        if u.kind == "sentence" and not u.label and "$" in u.text:
            for w in stems:
                priced_prose.setdefault(w, []).append(i)
        if "%" in u.text and "$" not in u.text:
            for w in stems:
                percent_units.setdefault(w, []).append(i)
        kinds.update(facts)
    return {"voice": voice, "unit_df": df, "first_stem": first_stem, "label_prefix": label_prefix,
            "priced_prose": priced_prose, "percent_units": percent_units,
            "has": {k: k in kinds for k in lexicon.UNGIVEN_FACTS}}


def memo_frames(analyzer, memo: ChunkMemo) -> None:
    """Give ``analyzer.frame`` the frames the last ingest computed, where they cannot have changed.

    The corpus tables read a frame's entities (procedures, scar types), which depend on the text and on
    the analyzer's binding to the corpus: its alias table, article aliases, countries and clinics (one
    digest here; any change drops every saved frame) and its speller. A corpus text's words are all in
    the corpus vocabulary, so the speller leaves them as they are whatever the counts; a text with a word
    the speller might change is framed again. Each distinct text is framed once per build (headings,
    labels and clauses repeat across articles: "Recovery:", "Cost:"); nothing at build mutates a Frame."""
    import hashlib
    import pickle

    from scarbot import lexicon
    from scarbot.nlp import MAX_WORD, STOPWORDS, _possessor, normalize, words

    # as sets: the alias table's order among equally long keys follows set iteration, which varies by process
    digest = hashlib.sha256(pickle.dumps((sorted(set(analyzer._aliases)), sorted(analyzer._article_aliases.items()),
                                          sorted(analyzer.countries), sorted(analyzer.clinics),
                                          sorted(analyzer._paraphrases().items())),
                                         protocol=4)).hexdigest()
    saved = memo.saved_frames[1] if memo.saved_frames[0] == digest else {}
    used: dict[str, Any] = {}
    memo.used_frames = (digest, used)
    vocab, shorthand, framed = analyzer.speller.vocab, lexicon.CHAT_SHORTHAND, analyzer.frame

    def as_is(text: str) -> bool:
        for w in words(normalize(text)):
            w = shorthand.get(_possessor(w), _possessor(w))
            if not (w in vocab or w in STOPWORDS or not 5 <= len(w) <= MAX_WORD or not w.isalpha()):
                return False
        return True

    def frame(text: str):
        f = used.get(text)
        if f is None:
            f = saved.get(text)
            if f is None or not as_is(text):
                f = framed(text)
            used[text] = f
        return f

    analyzer.frame = frame


def build(snapshot, write_dir: Path, memo: ChunkMemo | None = None) -> dict[str, Any]:
    """Build the derived structures of an in-memory snapshot and write them into ``write_dir``.

    Returns what goes into ``derived.json`` (also written). Called by ingest before the snapshot's manifest.
    ``memo`` holds what unchanged chunks gave last time (their tokens and word statistics).
    """
    from scarbot.answer.base import CorpusView
    from scarbot.retrieval import Index

    memo = memo if memo is not None else ChunkMemo()
    per_chunk = [memo.get(c) for c in snapshot.chunks]
    keyword = KeywordIndex.build([facts[0].split() for facts in per_chunk])
    terms = keyword.save(write_dir / BM25_FILE)
    stats = ChunkMemo.merge(per_chunk) if per_chunk else None
    index = Index(snapshot, None, keyword=keyword, derived={"analyzer": stats} if stats else {})
    # the tables made of each unit's own facts, from the memo; CorpusView derives the rest (the ones that
    # frame headings, labels, clauses and price names) with the frames the memo still vouches for
    index.derived = {**index.derived, **unit_tables(index.units, memo)}
    memo_frames(index.analyzer, memo)  # this index is thrown away after the build
    view = CorpusView(index)
    tables = corpus_tables(view)
    write_price_columns(write_dir / PRICES_FILE, view.prices, index.by_id)
    import numpy as np

    stats = index.analyzer.stats
    # the lowered corpus text as raw UTF-8 beside the JSON: read back in milliseconds, not parsed as a JSON string
    np.savez(write_dir / TEXT_FILE, corpus_lower=np.frombuffer(stats["corpus_lower"].encode("utf-8"), np.uint8))
    derived = {"version": DERIVED_VERSION, "bm25_terms": terms, "n_chunks": len(snapshot.chunks), **tables,
               "analyzer": {k: v for k, v in stats.items() if k != "corpus_lower"},
               "analyzer_procedures": procedure_proxies(index.analyzer_procedures),
               # what the query path needs of records.json besides the prices (which it reads from prices.npz)
               "records": {k: v for k, v in snapshot.records.items() if k != "prices"}}
    write_json(write_dir / DERIVED, derived)
    derived["analyzer"] = stats
    return derived


class CorpusText:
    """The analyzer's lowered corpus text where it lies, UTF-8 in the snapshot (``text.npz``): ``needle in
    text`` searches the mapped bytes (a UTF-8 needle is in UTF-8 text exactly where the string is in the
    string), so binding the lexicon to the corpus reads no 40 MiB string; ``str(text)`` decodes it, once,
    for a caller that needs the whole text."""

    def __init__(self, data: Any):
        import mmap

        self._size = len(data)
        self._start = int(getattr(data, "offset", 0))
        self._text: str | None = None
        self._found: dict[str, bool] = {}
        self._map = None
        if self._size:
            with open(data.filename, "rb") as fh:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def __contains__(self, needle: str) -> bool:
        if self._text is not None:
            return needle in self._text
        found = self._found.get(needle)
        if found is None:
            found = not needle or (self._map is not None and self._map.find(
                needle.encode("utf-8"), self._start, self._start + self._size) >= 0)
            self._found[needle] = found
        return found

    def __bool__(self) -> bool:
        return self._size > 0

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._map[self._start:self._start + self._size].decode("utf-8") if self._map else ""
        return self._text


def load(root: Path, n_chunks: int) -> tuple[KeywordIndex, dict[str, Any]]:
    """The stored keyword index and corpus tables of a snapshot folder (its checksums already verified)."""
    derived = read_json(root / DERIVED)
    if not isinstance(derived, dict) or derived.get("version") != DERIVED_VERSION \
            or derived.get("n_chunks") != n_chunks:
        raise ValueError(f"{DERIVED} was written for another corpus or scarbot version")
    derived["analyzer"]["corpus_lower"] = CorpusText(load_npz(root / TEXT_FILE)["corpus_lower"])
    return KeywordIndex.load(root / BM25_FILE, derived["bm25_terms"], n_chunks), derived
