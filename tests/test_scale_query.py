"""The query path at corpus scale: structures precomputed by ingest (and loaded back exactly), BM25 as
a sparse index equal to BM25Okapi, and per-question work bounded by the retrieved articles."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from scarbot import precompute
from scarbot.embeddings import HashEmbedder
from scarbot.errors import IndexMismatchError
from scarbot.ingest import ingest
from scarbot.store import load_snapshot, snapshot_dir

REPO = Path(__file__).resolve().parents[1]

QUESTIONS = ["How much does microneedling cost in Australia?", "what is subcision", "icepick scars treatment",
             "laser resurfacing laser price laser", "which clinic is in Gangnam", "zzzz unknown words"]


def _variants():
    spec = importlib.util.spec_from_file_location("variants", REPO / "benchmarks" / "variants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("variants", module)
    spec.loader.exec_module(module)
    return module


def run(settings, **kw):
    return ingest(settings, embedder=kw.pop("embedder", HashEmbedder(64)), progress=False, **kw)


def test_sparse_bm25_equals_bm25okapi(settings):
    from rank_bm25 import BM25Okapi

    run(settings)
    snap = load_snapshot(settings)
    docs = [precompute.keyword_tokens(precompute.chunk_keyword_text(c)) for c in snap.chunks]
    okapi = BM25Okapi(docs)
    for q in QUESTIONS:
        tokens = precompute.keyword_tokens(q)
        assert np.array_equal(snap.keyword.scores(tokens), okapi.get_scores(tokens)), q  # bit for bit


def test_stored_tables_equal_the_ones_derived_at_load(settings):
    """What ingest stored is what CorpusView would derive itself (price bindings, sections, ties ...)."""
    from scarbot.answer.base import CorpusView
    from scarbot.retrieval import Index

    run(settings)
    snap = load_snapshot(settings)
    assert snap.derived and snap.keyword is not None
    loaded = CorpusView(Index(snap))
    derived_here = CorpusView(Index(snap, derived={}))
    assert precompute.corpus_tables(loaded) == precompute.corpus_tables(derived_here)
    assert loaded.prices == derived_here.prices and loaded.sessions == derived_here.sessions
    assert loaded.clinic_units == derived_here.clinic_units and loaded.head_index == derived_here.head_index
    a, b = loaded.analyzer, derived_here.analyzer
    assert a._aliases == b._aliases and a.lower_words == b.lower_words and a.corpus_lower == b.corpus_lower
    for q in [*QUESTIONS, "hw much is lazer resurfacng in teh UK", "dermal filers for boxcar"]:
        assert a.frame(q) == b.frame(q), q


def test_vectors_are_memory_mapped(settings):
    run(settings)
    snap = load_snapshot(settings)
    assert isinstance(snap.chunk_vectors, np.memmap) and isinstance(snap.unit_vectors, np.memmap)
    assert snap.chunk_vectors.dtype == np.float32 and snap.chunk_vectors.shape == (48, 64)


def test_bm25_postings_are_plain_views_of_the_mapped_file(settings):
    """``scores`` indexes the postings per query term: plain arrays (fast indexing), still the file's pages."""
    run(settings)
    kw = load_snapshot(settings).keyword
    for arr in (kw.indptr, kw.docs, kw.weights):
        assert type(arr) is np.ndarray and isinstance(arr.base, np.memmap)


@pytest.mark.parametrize("edit", ["garbage-json", "other-corpus", "bm25-bytes"])
def test_damaged_precomputed_files_name_the_fix_and_ingest_heals(settings, edit):
    from scarbot.assistant import Assistant

    run(settings)
    root = snapshot_dir(settings)
    if edit == "garbage-json":
        (root / precompute.DERIVED).write_text("{not json", "utf-8")
    elif edit == "other-corpus":
        data = json.loads((root / precompute.DERIVED).read_text("utf-8"))
        (root / precompute.DERIVED).write_text(json.dumps({**data, "n_chunks": 3}), "utf-8")
    else:
        raw = bytearray((root / precompute.BM25_FILE).read_bytes())
        raw[-5] ^= 0xFF
        (root / precompute.BM25_FILE).write_bytes(bytes(raw))
    with pytest.raises(IndexMismatchError, match="scarbot ingest --rebuild"):
        Assistant(settings, embedder=HashEmbedder(64)).load()
    r = run(settings)  # a plain ingest sees the damage and rewrites the snapshot
    assert r.wrote_snapshot
    ans = Assistant(settings, embedder=HashEmbedder(64)).ask(QUESTIONS[0])
    assert "$400 - $530" in ans.text


def test_a_schema_2_snapshot_asks_for_ingest(settings):
    from scarbot.assistant import Assistant

    run(settings)
    manifest = snapshot_dir(settings) / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text("utf-8")), "schema": 2}), "utf-8")
    with pytest.raises(IndexMismatchError, match="run 'scarbot ingest'"):
        Assistant(settings, embedder=HashEmbedder(64)).load()


# --------------------------------------------------------------------------- many articles


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """50 articles: the scar article, the hair article and variants of both with other clinics and prices."""
    from scarbot.assistant import Assistant
    from scarbot.settings import Settings

    root = tmp_path_factory.mktemp("many")
    _variants().generate(root / "corpus", 50, seed=3)
    s = Settings(_env_file=None, data_dir=root / "data", corpus_dir=root / "corpus")
    run(s)
    return Assistant(s, embedder=HashEmbedder(64)).load()


def test_price_answer_on_50_articles_is_short_and_names_its_sources(many):
    ans = many.ask("How much is microneedling in Korea?")
    assert not ans.abstained and ans.citations
    assert len(ans.text) < 1000, ans.text
    sources = {c.source for c in ans.citations}
    assert 1 <= len(sources) <= 3
    assert all(src in ans.text for src in sources), "each price names the article it comes from"
    assert "other articles in the collection also list a price for microneedling" in ans.text


def test_which_clinic_reads_only_the_clinics_of_the_retrieved_articles(many, monkeypatch):
    from scarbot.answer.base import CorpusView

    calls = []
    real = CorpusView.mentions
    monkeypatch.setattr(CorpusView, "mentions", lambda self, clinic, procs: calls.append(clinic) or real(self, clinic, procs))
    ans = many.ask("Which clinic offers microneedling?")
    assert not ans.abstained
    per_article = max(len(v) for v in many.answerer.corpus.clinics_by_source.values())
    assert 0 < len(calls) <= 3 * per_article < len(many.answerer.corpus.clinics)
    assert len({c.source for c in ans.citations}) <= 3


@pytest.mark.parametrize("question", ["which procedure keeps downtime lowest?",
                                      "how long does recovery from dermabrasion take?"])
def test_property_and_passing_name_answers_read_only_the_retrieved_articles(many, question, caplog):
    """The treatment-by-property strategy and the passing-name check work on a view of a few articles: no
    strategy fails, and every quote comes from at most three articles."""
    ans = many.ask(question)
    assert not any(step.endswith(": failed") for step in ans.steps), ans.steps
    assert "failed on" not in caplog.text
    assert len({c.source for c in ans.citations}) <= 3


def test_work_per_question_does_not_grow_with_the_corpus(many, assistant_small, monkeypatch):
    """Units scored by extraction come from the retrieved articles: about the same at 1 and at 50 articles."""
    from scarbot.answer.extract import ExtractStrategy

    scored: list[int] = []
    real = ExtractStrategy._score
    monkeypatch.setattr(ExtractStrategy, "_score", lambda self, *a, **kw: scored.append(1) or real(self, *a, **kw))

    def count(bot, question: str) -> int:
        scored.clear()
        bot.ask(question)
        return len(scored)

    for q in ("What is subcision?", "What are the side effects of chemical peels?", "How long is the recovery?"):
        small, big = count(assistant_small, q), count(many, q)
        assert 0 < big <= 3 * max(small, 10), (q, small, big)


@pytest.fixture(scope="module")
def assistant_small(tmp_path_factory):
    from scarbot.assistant import Assistant
    from scarbot.settings import Settings

    root = tmp_path_factory.mktemp("one")
    shutil.copytree(REPO / "corpus", root / "corpus")
    s = Settings(_env_file=None, data_dir=root / "data", corpus_dir=root / "corpus")
    run(s)
    return Assistant(s, embedder=HashEmbedder(64)).load()


def test_server_mode_asks_chroma_for_the_nearest_chunks_only(many, monkeypatch):
    """With SCARBOT_CHROMA_URL the asking process takes the top chunks from the server, not every chunk."""
    import scarbot.store
    from scarbot.assistant import DENSE_CANDIDATES, Assistant

    snap = many.index.snap
    asked: list[int] = []

    class FakeCollection:
        metadata = {"model_id": snap.model_id, "dim": int(snap.manifest["dim"])}

        def count(self):
            return len(snap.chunks)

        def query(self, query_embeddings, n_results, include):
            asked.append(n_results)
            sims = np.asarray(snap.chunk_vectors) @ np.asarray(query_embeddings[0], dtype=np.float32)
            top = np.argsort(-sims, kind="stable")[:n_results]
            return {"ids": [[many.index.chunks[i].id for i in top]], "distances": [[1.0 - float(sims[i]) for i in top]]}

    monkeypatch.setattr(scarbot.store, "chroma_client", lambda settings: object())
    monkeypatch.setattr(scarbot.store, "get_collection", lambda client, name: FakeCollection())
    server = Assistant(many.settings.model_copy(update={"chroma_url": "http://127.0.0.1:1"}),
                       embedder=HashEmbedder(64))
    ans = server.ask("How much is microneedling in Korea?")
    local = many.ask("How much is microneedling in Korea?")
    assert asked and max(asked) <= 2 * DENSE_CANDIDATES < len(snap.chunks)
    assert ans.text == local.text


def test_top_k_is_the_stable_sort_prefix():
    from scarbot.retrieval import top_k

    rng = np.random.default_rng(0)
    for n, k in [(3, 6), (50, 6), (1000, 4), (200, 20)]:
        scores = rng.integers(0, 5, n).astype(np.float64)  # many ties
        assert np.array_equal(top_k(scores, k), np.argsort(-scores, kind="stable")[:k])
        scores = rng.random(n)
        assert np.array_equal(top_k(scores, k), np.argsort(-scores, kind="stable")[:k])


def test_scoped_answers_from_several_threads_equal_one_thread(many):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["How much is microneedling in Korea?", "Which clinic offers microneedling?",
                 "How much does a hair transplant cost in Turkey?", "What is subcision?"] * 4
    alone = {q: many.ask(q).text for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: (q, many.ask(q).text), questions))
    assert all(text == alone[q] for q, text in together)


def test_a_named_clinic_is_answered_from_its_own_article(many):
    corpus = many.answerer.corpus
    for source in corpus.sources[-5:]:
        clinics = corpus.clinics_by_source.get(source)
        if not clinics:
            continue
        clinic = clinics[0]
        ans = many.ask(f"Where is {clinic.name}?")
        assert clinic.name in ans.text and clinic.location in ans.text, ans.text
        assert {c.source for c in ans.citations} == {source}


def test_alias_index_finds_what_a_scan_of_every_alias_finds(many):
    """frame() looks only at aliases whose first word is in the question; the result is the full scan's."""
    from scarbot.nlp import Analyzer

    analyzer = many.index.analyzer
    questions = ["How much is microneedling in Korea?", "where is louis clinic", "dermal fillers vs laser resurfacing",
                 "rolling scars and boxcar scars in the uk", "hw much is lazer in teh usa", "fue hair transplant turkey"]
    for q in questions:
        fast = analyzer.frame(q)
        try:
            analyzer._aliases_in = lambda joined: analyzer._aliases  # the old behaviour: every alias
            slow = analyzer.frame(q)
        finally:
            del analyzer._aliases_in
        assert fast == slow, q
    assert isinstance(analyzer, Analyzer)
