"""The query path reads chunks and price records from memory-mapped columns (``chunks.npz``, ``prices.npz``)
and the price, article and percentage look-ups from ``derived.json``: the same records and tables as building
them from the JSON files, no price record or chunk built until a question reads it, and a damaged, missing
or older file refused with the command that fixes it, changing nothing."""

from __future__ import annotations

import json
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from scarbot import precompute
from scarbot.embeddings import HashEmbedder
from scarbot.errors import IndexMismatchError
from scarbot.ingest import ingest
from scarbot.store import SCHEMA_VERSION, load_snapshot, snapshot_dir


def run(settings, **kw):
    return ingest(settings, embedder=HashEmbedder(64), progress=False, **kw)


def _views(settings):
    from scarbot.answer.base import CorpusView
    from scarbot.retrieval import Index

    lazy = Index(load_snapshot(settings, lazy_units=True))
    scratch = Index(load_snapshot(settings), derived={})  # every table derived here from the JSON files
    return lazy, scratch, CorpusView(lazy), CorpusView(scratch)


def test_chunks_and_prices_from_columns_equal_the_records_built_from_scratch(settings):
    run(settings)
    lazy, scratch, a, b = _views(settings)
    assert isinstance(lazy.chunks, precompute.LazyChunks) and isinstance(a.prices, precompute.LazyPrices)
    assert not lazy.records.get("prices") and scratch.records["prices"]
    assert lazy.chunks[7] == scratch.chunks[7] and lazy.chunks[-1] == scratch.chunks[-1]
    assert list(lazy.chunks) == scratch.chunks and len(lazy.chunks) == len(scratch.chunks) > 40
    assert lazy.by_id == scratch.by_id and lazy.source_of == scratch.source_of
    assert lazy.records == {k: v for k, v in scratch.records.items() if k != "prices"}
    assert list(a.prices) == b.prices and len(b.prices) > 50
    # the same values of the same types (a "-" cell has no figure: None, not NaN)
    assert [[type(getattr(p, f.name)) for f in fields(p)] for p in a.prices] == \
        [[type(getattr(p, f.name)) for f in fields(p)] for p in b.prices]
    assert any(not p.given for p in b.prices) and [p.given for p in a.prices] == [p.given for p in b.prices]
    # the analyzer binds the same aliases in the same order from the short texts ingest stored
    assert lazy.analyzer._aliases == scratch.analyzer._aliases
    assert lazy.analyzer_procedures != scratch.analyzer_procedures  # short texts, not the articles'
    assert [n for n, _ in lazy.analyzer_procedures] == [n for n, _ in scratch.analyzer_procedures]


def test_the_stored_price_and_article_tables_equal_the_ones_derived_from_every_record(settings):
    run(settings)
    _, _, a, b = _views(settings)
    assert precompute.price_tables(a) == precompute.price_tables(b)
    assert precompute.corpus_tables(a) == precompute.corpus_tables(b)
    assert (a.homes, a.home, a.priced, a.sources, a.source_titles, a.title) == \
        (b.homes, b.home, b.priced, b.sources, b.source_titles, b.title)
    assert {k: a.by_proc[k] for k in a.by_proc} == dict(b.by_proc) and a.by_proc.get("nothing", ()) == ()
    assert {k: a.prices_by_source[k] for k in a.prices_by_source} == dict(b.prices_by_source)
    assert {k: a.price_name_stems[k] for k in a.price_name_stems} == b.price_name_stems
    assert a.price_list_sections == b.price_list_sections and a.source_home == b.source_home
    assert a.ties_by_source == b.ties_by_source and a.clinic_source == b.clinic_source
    scoped_a, scoped_b = a.scoped(tuple(a.sources)), b.scoped(tuple(b.sources))
    assert scoped_a.prices == scoped_b.prices and dict(scoped_a.by_proc) == dict(scoped_b.by_proc)
    assert a.only(a.sources[0]).prices == b.only(b.sources[0]).prices


def test_the_percentage_index_is_stored_and_equals_the_one_compose_builds(settings):
    from scarbot.answer.compose import ComputeStrategy

    run(settings)
    lazy, _, a, b = _views(settings)
    built = ComputeStrategy(b)._percent_units()  # no stored tables: every unit read
    stored = lazy.derived["percent_units"]
    assert stored == built and any(len(v) for v in stored.values())
    decoded = sum(u is not None for u in lazy.units._cache)
    assert ComputeStrategy(a)._percent_units() is stored
    assert sum(u is not None for u in lazy.units._cache) == decoded < len(lazy.units) // 2  # no unit read for it


def test_a_question_builds_only_the_chunks_and_prices_it_reads(settings):
    from scarbot.assistant import Assistant

    run(settings)
    bot = Assistant(settings, embedder=HashEmbedder(64)).load()
    chunks, prices = bot.index.chunks, bot.index.price_facts
    assert isinstance(chunks, precompute.LazyChunks) and isinstance(prices, precompute.LazyPrices)
    assert all(c is None for c in chunks._cache) and all(p is None for p in prices._cache)
    assert "$400 - $530" in bot.ask("How much does microneedling cost in Australia?").text
    read_chunks, read_prices = (sum(x is not None for x in c._cache) for c in (chunks, prices))
    assert 0 < read_chunks < len(chunks) // 2 and 0 < read_prices < len(prices), (read_chunks, read_prices)


def test_columns_that_do_not_hold_their_records_whole_are_refused():
    chunks = [{"id": "c0", "source": "a.md", "section": "S", "kind": "section", "text": "One.",
               "embed_text": "S\nOne.", "order": 0}]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / precompute.CHUNKS_FILE
        precompute.write_chunk_columns(path, chunks)
        arrays = precompute.load_npz(path)
        assert precompute.LazyChunks(arrays)[0].text == "One." and precompute.LazyChunks(arrays).ids() == ["c0"]
        with pytest.raises(ValueError, match="text column"):
            precompute.LazyChunks({**arrays, "text_off": np.asarray([0], np.int64)})
        with pytest.raises(ValueError, match="source column"):
            precompute.LazyChunks({**arrays, "source_code": np.asarray([3], np.int32)})
        with pytest.raises(ValueError, match="lacks the column"):
            precompute.LazyChunks({k: v for k, v in arrays.items() if k != "order"})
        with pytest.raises(IndexError):
            precompute.LazyChunks(arrays)[1]


@pytest.mark.parametrize("name", [precompute.CHUNKS_FILE, precompute.PRICES_FILE])
@pytest.mark.parametrize("damage", ["missing", "flipped-byte", "truncated"])
def test_a_damaged_or_missing_column_file_names_the_fix_changes_nothing_and_ingest_heals(settings, name, damage):
    from scarbot.assistant import Assistant

    run(settings)
    root = snapshot_dir(settings)
    path = root / name
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    files = {p.name: p.read_bytes() for p in root.iterdir()}
    with pytest.raises(IndexMismatchError, match=rf"{name.replace('.', '[.]')}.*scarbot ingest --rebuild"):
        Assistant(settings, embedder=HashEmbedder(64)).load()
    assert {p.name: p.read_bytes() for p in root.iterdir()} == files  # refused, nothing rewritten
    assert run(settings).wrote_snapshot  # a plain ingest sees the damage and rewrites the snapshot
    assert "$400 - $530" in Assistant(settings, embedder=HashEmbedder(64)).ask(
        "How much does microneedling cost in Australia?").text


def test_a_schema_4_snapshot_without_the_column_files_says_run_ingest(settings):
    from scarbot.assistant import Assistant

    run(settings)
    root = snapshot_dir(settings)
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    for name in (precompute.CHUNKS_FILE, precompute.PRICES_FILE):  # what a schema 4 snapshot held
        (root / name).unlink()
        del manifest["files"][name]
    (root / "manifest.json").write_text(json.dumps({**manifest, "schema": 4}), "utf-8")
    with pytest.raises(IndexMismatchError) as err:
        Assistant(settings, embedder=HashEmbedder(64)).load()
    assert str(err.value) == (f"the index in {root} was written by another scarbot version (schema 4; this one "
                              f"reads {SCHEMA_VERSION}); run 'scarbot ingest' to rewrite it")
    r = run(settings)
    assert r.wrote_snapshot and not r.changed
    assert (root / precompute.PRICES_FILE).is_file()
    assert "$400 - $530" in Assistant(settings, embedder=HashEmbedder(64)).ask(
        "How much does microneedling cost in Australia?").text
