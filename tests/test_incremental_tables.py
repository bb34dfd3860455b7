"""Corpus tables at re-ingest: what each unit and each framed text gave the last ingest is kept
(``memo.pickle``), so one edited file recomputes only its own part, and the tables equal a fresh build."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from scarbot import nlp, precompute
from scarbot.embeddings import HashEmbedder
from scarbot.ingest import ingest
from scarbot.store import Snapshot, load_snapshot

ARTICLE = "atrophic-scar-treatment-korea.md"


def run(settings, **kw):
    return ingest(settings, embedder=HashEmbedder(16), progress=False, **kw)


def fresh_tables(settings) -> dict:
    """The derived tables of the live snapshot built again from nothing (no memo)."""
    snap = load_snapshot(settings)
    with tempfile.TemporaryDirectory() as d:
        precompute.build(Snapshot(Path(d), snap.manifest, snap.chunks, snap.units, snap.records, None, None), Path(d))
        return precompute.read_json(Path(d) / precompute.DERIVED)


def stored_tables(settings) -> dict:
    return precompute.read_json(load_snapshot(settings).path / precompute.DERIVED)


class Counting:
    """Counts the calls of a function it replaces (monkeypatched in)."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def __call__(self, *a, **k):
        self.calls += 1
        return self.real(*a, **k)


def _second_article(settings) -> None:
    text = (settings.corpus_dir / ARTICLE).read_text("utf-8")
    (settings.corpus_dir / "second-edition.md").write_text(text.replace("Seoul", "Busan"), "utf-8")


def test_an_edited_price_recomputes_only_the_changed_units_and_the_tables_equal_a_fresh_build(settings, monkeypatch):
    _second_article(settings)
    run(settings)
    n_units = len(load_snapshot(settings).units)
    path = settings.corpus_dir / "second-edition.md"
    path.write_text(re.sub(r"\$([\d,]+)", lambda m: f"${int(m[1].replace(',', '')) + 5:,}",
                           path.read_text("utf-8"), count=1), "utf-8")
    facts = Counting(precompute.unit_facts)
    frames = Counting(nlp.Analyzer.frame)
    monkeypatch.setattr(precompute, "unit_facts", facts)
    monkeypatch.setattr(nlp.Analyzer, "frame", lambda self, text: frames(self, text))
    report = run(settings)
    assert report.updated + report.added >= 1 and report.wrote_snapshot
    assert 1 <= facts.calls <= 3  # the edited sentence (or row), not the ~n_units of the corpus
    assert frames.calls <= 3, frames.calls  # headings, labels, clauses and price names come from the memo
    assert n_units > 100
    monkeypatch.undo()
    assert stored_tables(settings) == fresh_tables(settings)


def test_a_change_of_the_entity_binding_frames_everything_again_and_still_equals_a_fresh_build(settings, monkeypatch):
    _second_article(settings)
    run(settings)
    # a new clinic changes the analyzer's alias table: no saved frame is trusted any more
    path = settings.corpus_dir / "second-edition.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("Louis Clinic", "Zelkova Garden Skin Clinic"), "utf-8")
    frames = Counting(nlp.Analyzer.frame)
    monkeypatch.setattr(nlp.Analyzer, "frame", lambda self, text: frames(self, text))
    run(settings)
    assert frames.calls > 50
    monkeypatch.undo()
    assert stored_tables(settings) == fresh_tables(settings)


def test_a_saved_frame_is_not_reused_for_a_text_the_speller_might_change(settings):
    run(settings)
    snap = load_snapshot(settings)
    from scarbot.retrieval import Index

    analyzer = Index(snap).analyzer
    memo = precompute.ChunkMemo()
    precompute.memo_frames(analyzer, memo)
    digest = memo.used_frames[0]
    sentinel = nlp.Frame(text="sentinel", tokens=[])
    known, typo = "Microneedling for rolling scars", "Mikroneedlng for rolling scars"
    later = Index(snap).analyzer
    precompute.memo_frames(later, precompute.ChunkMemo(frames=(digest, {known: sentinel, typo: sentinel})))
    assert later.frame(known) is sentinel  # every word is a corpus word: the saved frame stands
    assert later.frame(typo) is not sentinel and later.frame(typo).procedures  # framed again, corrected
    other = Index(snap).analyzer
    precompute.memo_frames(other, precompute.ChunkMemo(frames=("another binding", {known: sentinel})))
    assert other.frame(known) is not sentinel


def test_a_memo_from_another_code_version_or_a_torn_file_is_ignored(settings):
    import pickle

    from scarbot.ingest import MEMO

    run(settings)
    (settings.data_dir / MEMO).write_bytes(b"torn")
    (settings.corpus_dir / ARTICLE).write_text((settings.corpus_dir / ARTICLE).read_text("utf-8")
                                               + "\nOne more sentence about recovery.\n", "utf-8")
    run(settings)
    assert stored_tables(settings) == fresh_tables(settings)
    saved = pickle.loads((settings.data_dir / MEMO).read_bytes())
    assert saved["units"] and saved["frames"][1] and saved["chunks"]


# --------------------------------------------------------------------------- tables built beside the Chroma writes


def _leftovers(settings) -> list[str]:
    return sorted(p.name for p in settings.data_dir.iterdir() if ".new-" in p.name)


def test_tables_built_ahead_in_a_child_are_the_ones_built_here(settings, monkeypatch):
    import os

    import scarbot.ingest as ingest_mod
    from scarbot.store import snapshot_dir

    if not hasattr(os, "fork"):
        return
    monkeypatch.setattr(ingest_mod.TablesAhead, "MIN_CHUNKS", 0)
    started = Counting(ingest_mod.TablesAhead.start.__func__)
    monkeypatch.setattr(ingest_mod.TablesAhead, "start", classmethod(started))
    run(settings)
    path = settings.corpus_dir / ARTICLE
    path.write_text(path.read_text("utf-8").replace("Subcision", "Subcision, a careful way to lift scars,", 1), "utf-8")
    run(settings)
    assert started.calls == 2 and _leftovers(settings) == []
    root = snapshot_dir(settings)
    from scarbot.store import CORPUS_FILES, MANIFEST, verify_files

    verify_files(root, json.loads((root / MANIFEST).read_text("utf-8")), trust_stat=False)  # the child's checksums
    ahead = {n: (root / n).read_bytes() for n in CORPUS_FILES}  # every file the child wrote
    monkeypatch.setattr(ingest_mod.TablesAhead, "MIN_CHUNKS", 10**9)
    run(settings, rebuild=True)  # built here, from no memo
    assert {n: (root / n).read_bytes() for n in ahead} == ahead
    assert stored_tables(settings) == fresh_tables(settings)


def test_a_child_that_fails_leaves_the_tables_to_the_parent(settings, monkeypatch):
    import os

    import scarbot.ingest as ingest_mod

    if not hasattr(os, "fork"):
        return
    parent, real = os.getpid(), precompute.build

    def build_only_here(*a, **k):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(*a, **k)

    monkeypatch.setattr(ingest_mod.TablesAhead, "MIN_CHUNKS", 0)
    monkeypatch.setattr(precompute, "build", build_only_here)
    report = run(settings)
    assert report.wrote_snapshot and _leftovers(settings) == []
    monkeypatch.undo()
    assert stored_tables(settings) == fresh_tables(settings)


def test_a_chroma_failure_after_the_fork_stops_the_child_and_leaves_nothing_behind(settings, monkeypatch):
    import os

    import pytest

    import scarbot.ingest as ingest_mod
    from scarbot.errors import BackendError

    if not hasattr(os, "fork"):
        return
    monkeypatch.setattr(ingest_mod.TablesAhead, "MIN_CHUNKS", 0)

    def down(*_a, **_k):
        raise BackendError("the store is down")

    monkeypatch.setattr(ingest_mod, "chroma_client", down)
    with pytest.raises(BackendError):
        run(settings)
    assert _leftovers(settings) == [] and not (settings.data_dir / "index").exists()
