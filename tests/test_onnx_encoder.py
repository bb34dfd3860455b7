"""The ONNX encoder: exported once and cached with its model id, shared safely by request threads,
and replaced by sentence-transformers (with a warning) when the export is impossible."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from scarbot.embeddings import (
    CANONICAL_DEFAULT,
    OnnxEmbedder,
    OnnxUnavailable,
    SentenceTransformerEmbedder,
    get_embedder,
    onnx_cache_root,
    resolve_model_path,
)

QUESTIONS = [
    "How much is microneedling in Korea?",
    "what is a boxcar scar",
    "Which clinics in Gangnam offer subcision?",
    "How many sessions of fractional CO2 laser do I need?",
    "Is PRP better than subcision for rolling scars?",
    "and in the USA?",
    "TCA CROSS for ice-pick scars: downtime 5–7 days.",
    "Microneedling | $225 - $600 | $500",
]


def test_cache_root_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCARBOT_ONNX_CACHE", str(tmp_path / "onnx"))
    assert onnx_cache_root() == tmp_path / "onnx"
    monkeypatch.delenv("SCARBOT_ONNX_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert onnx_cache_root() == tmp_path / "xdg" / "scarbot" / "onnx"


def test_default_model_gets_the_onnx_encoder_lazily() -> None:
    e = get_embedder("all-MiniLM-L6-v2")
    assert isinstance(e, OnnxEmbedder)
    assert (e.model_id, e.dim) == (CANONICAL_DEFAULT, 384)  # the id sentence-transformers stores too
    assert e._sessions == {}  # nothing exported or loaded until a text is embedded


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    return OnnxEmbedder(resolve_model_path("all-MiniLM-L6-v2")).prepare()


@pytest.mark.slow
def test_export_is_cached_with_its_model_id(onnx: OnnxEmbedder) -> None:
    assert onnx._model_file is not None and onnx._model_file.is_file()
    meta = json.loads((onnx._model_file.parent / "meta.json").read_text())
    assert meta["model_id"] == CANONICAL_DEFAULT
    assert meta["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    # the weights sit beside the graph, so onnxruntime maps them rather than parsing and copying them
    assert (onnx._model_file.parent / "model.onnx.data").stat().st_size > 80e6
    assert onnx._model_file.stat().st_size < 1e6
    again = OnnxEmbedder(resolve_model_path("all-MiniLM-L6-v2")).prepare()
    assert again._model_file == onnx._model_file  # found in the cache, not exported again


@pytest.mark.slow
def test_export_is_fused_and_checked_against_torch(onnx: OnnxEmbedder) -> None:
    """The cached graph holds onnxruntime's fused transformer kernels (one Attention per layer), and the
    export child checked it against the torch model on a padded batch before keeping it."""
    import onnx as onnx_pb

    meta = json.loads((onnx._model_file.parent / "meta.json").read_text())
    assert meta["fused"] is True and meta["check_cosine"] >= 0.99999
    graph = onnx_pb.load(str(onnx._model_file), load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("Attention") == 6 and "EmbedLayerNormalization" in ops and "Softmax" not in ops
    assert [i.name for i in graph.input] == meta["inputs"]


def test_only_bert_graphs_are_fused() -> None:
    from types import SimpleNamespace

    from scarbot.embeddings import _fuse

    cfg = SimpleNamespace(model_type="mpnet", num_attention_heads=12, hidden_size=768, num_hidden_layers=12)
    assert _fuse(object(), cfg) is None  # not BERT: exported unfused, as before


@pytest.mark.slow
def test_one_text_takes_the_unpadded_path_with_the_same_bits(onnx: OnnxEmbedder) -> None:
    sess = onnx._session("query")
    for q in [*QUESTIONS, "", "x" * 5000]:
        ids = onnx._tok.encode(q.lower() if onnx._lower else q).ids
        np.testing.assert_array_equal(onnx.embed_documents([q]), onnx._run(sess, [ids]))
        np.testing.assert_array_equal(onnx.embed_query(q), onnx._run_one(sess, ids)[0])


def _blas_threads() -> list[tuple[str, int]]:
    from threadpoolctl import threadpool_info

    return sorted((str(p.get("filepath")), int(p["num_threads"])) for p in threadpool_info())


@pytest.mark.slow
def test_eight_threads_get_the_one_thread_vectors_and_change_no_process_setting(onnx: OnnxEmbedder) -> None:
    alone = np.stack([onnx.embed_query(q) for q in QUESTIONS])
    blas_before, env_before = _blas_threads(), {k: os.environ.get(k) for k in ("OMP_NUM_THREADS",
                                                                              "OPENBLAS_NUM_THREADS")}
    ort_before = {k: s.get_session_options().intra_op_num_threads for k, s in onnx._sessions.items()}
    results: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        try:
            start.wait()
            results[i] = [onnx.embed_query(q) for q in QUESTIONS[i:] + QUESTIONS[:i]]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, vecs in results.items():
        got = np.stack(vecs[len(QUESTIONS) - i:] + vecs[: len(QUESTIONS) - i])
        np.testing.assert_array_equal(got, alone)
    assert _blas_threads() == blas_before
    assert {k: os.environ.get(k) for k in env_before} == env_before
    assert {k: s.get_session_options().intra_op_num_threads for k, s in onnx._sessions.items()} == ort_before
    # the query session's own pool (at most two threads for a dozen tokens), set once when it opened
    assert ort_before["query"] == min(os.cpu_count() or 1, OnnxEmbedder.query_threads) <= 2


@pytest.mark.slow
def test_assistant_answers_from_eight_threads_like_from_one(assistant) -> None:
    questions = QUESTIONS[:6]
    alone = [assistant.ask(q).text for q in questions]
    blas_before = _blas_threads()
    got: dict[int, list[str]] = {}
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        start.wait()
        got[i] = [assistant.ask(q).text for q in questions]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and all(v == alone for v in got.values())
    assert _blas_threads() == blas_before


@pytest.mark.slow
def test_failed_export_falls_back_to_sentence_transformers_with_a_warning(monkeypatch, caplog) -> None:
    import scarbot.embeddings as emb

    def refuse(*_a, **_k):
        raise OnnxUnavailable("exporting the model to ONNX failed: no exporter here")

    monkeypatch.setattr(emb, "_ensure_export", refuse)
    e = OnnxEmbedder(resolve_model_path("all-MiniLM-L6-v2"))
    with caplog.at_level(logging.WARNING, logger="scarbot.embeddings"):
        vec = e.embed_query("How much is microneedling in Korea?")
    assert isinstance(e._fallback, SentenceTransformerEmbedder)
    assert "sentence-transformers instead" in caplog.text and "no exporter here" in caplog.text
    ref = get_embedder("all-MiniLM-L6-v2", light=False).embed_query("How much is microneedling in Korea?")
    assert float(vec @ ref) >= 0.9999
    assert e.model_id == CANONICAL_DEFAULT


def test_unwritable_cache_is_a_clear_reason(tmp_path: Path) -> None:
    from scarbot.embeddings import _ensure_export

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OnnxUnavailable, match="SCARBOT_ONNX_CACHE"):
        _ensure_export(Path(resolve_model_path("all-MiniLM-L6-v2")), CANONICAL_DEFAULT, blocker / "onnx")
