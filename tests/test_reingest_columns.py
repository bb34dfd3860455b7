"""A re-ingest reads the previous snapshot from its columns, and the chunk memo keeps each chunk's facts as
strings: the vectors it reuses are those of the very texts it would embed, a snapshot written before the
manifest named how units are embedded is still reused (from its JSON), and the memo's merged statistics are
``nlp.corpus_stats`` exactly."""

from __future__ import annotations

import json

import numpy as np

from scarbot import precompute
from scarbot.embeddings import HashEmbedder
from scarbot.ingest import UNIT_EMBED, ingest, unit_embed_text
from scarbot.nlp import corpus_stats
from scarbot.store import MANIFEST, load_snapshot, snapshot_dir

ARTICLE = "atrophic-scar-treatment-korea.md"
EDIT_FROM = "Punch excision is a precise way to remove stubborn icepick scars."
EDIT_TO = "Punch excision is a careful way to remove stubborn icepick scars."


class CountingEmbedder(HashEmbedder):
    """The hash embedder, remembering every text it was asked to embed."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.seen: list[str] = []

    def embed_documents(self, texts):
        self.seen.extend(texts)
        return super().embed_documents(texts)


def _edit_and_reingest(settings, *, forget_how_units_were_embedded: bool) -> CountingEmbedder:
    ingest(settings, embedder=HashEmbedder(64), progress=False)
    manifest_path = snapshot_dir(settings) / MANIFEST
    manifest = json.loads(manifest_path.read_text("utf-8"))
    assert manifest["unit_embed"] == UNIT_EMBED
    if forget_how_units_were_embedded:  # as the code before this field wrote it
        del manifest["unit_embed"]
        manifest_path.write_text(json.dumps(manifest, indent=1), "utf-8")
    path = settings.corpus_dir / ARTICLE
    text = path.read_text("utf-8")
    assert text.count(EDIT_FROM) == 1
    path.write_text(text.replace(EDIT_FROM, EDIT_TO), "utf-8")
    counting = CountingEmbedder(64)
    report = ingest(settings, embedder=counting, progress=False)
    assert report.updated + report.added == 1 and report.wrote_snapshot
    return counting


def _vectors_match_their_texts(settings) -> None:
    snap = load_snapshot(settings)
    emb = HashEmbedder(64)
    assert np.allclose(snap.unit_vectors, emb.embed_documents([unit_embed_text(u) for u in snap.units]), atol=1e-6)
    assert np.allclose(snap.chunk_vectors, emb.embed_documents([c["embed_text"] for c in snap.chunks]), atol=1e-6)


def test_an_edit_embeds_only_the_edited_texts_reusing_vectors_read_through_the_columns(settings):
    counting = _edit_and_reingest(settings, forget_how_units_were_embedded=False)
    assert counting.seen and all("careful way" in t for t in counting.seen), counting.seen
    _vectors_match_their_texts(settings)


def test_a_snapshot_that_does_not_say_how_its_units_were_embedded_is_reused_from_its_json(settings):
    counting = _edit_and_reingest(settings, forget_how_units_were_embedded=True)
    assert counting.seen and all("careful way" in t for t in counting.seen), counting.seen
    _vectors_match_their_texts(settings)
    assert json.loads((snapshot_dir(settings) / MANIFEST).read_text("utf-8"))["unit_embed"] == UNIT_EMBED


def test_the_memo_merges_to_the_corpus_statistics_of_the_same_texts(settings):
    ingest(settings, embedder=HashEmbedder(64), progress=False)
    chunks = list(load_snapshot(settings).chunks)
    chunks.append({"section": "Notes > O’Brien’s NHS tips", "text": "Don't mix AHA and BHA; Ünal's café\n\nsaid “ok”.",
                   "embed_text": "x"})
    chunks.append({"section": "Empty", "text": "", "embed_text": ""})
    merged = precompute.ChunkMemo.merge([precompute.chunk_facts(c) for c in chunks])
    expected = corpus_stats([f"{c['section']}\n{c['text']}" for c in chunks])
    assert merged == expected
    assert list(merged["vocab"]) == list(expected["vocab"])  # the same first-seen order, too


def test_the_memo_gives_an_unchanged_chunk_the_facts_it_computed_before(settings):
    chunk = {"section": "Recovery", "text": "Redness fades within 3 days.", "embed_text": "Recovery\nRedness fades."}
    memo = precompute.ChunkMemo()
    facts = memo.get(chunk)
    later = precompute.ChunkMemo.from_state(memo.state())
    calls = []
    real = precompute.chunk_facts
    try:
        precompute.chunk_facts = lambda c: calls.append(c) or real(c)
        assert later.get(dict(chunk)) == facts and calls == []
        later.get({**chunk, "text": "Redness fades within 4 days."})
    finally:
        precompute.chunk_facts = real
    assert len(calls) == 1
