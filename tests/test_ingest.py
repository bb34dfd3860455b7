"""Ingest: counts a maintainer reads, idempotent re-runs, bad input that leaves the index alone,
model mismatches and corrupt snapshots that name the fix, and a SIGKILL that loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scarbot.embeddings import HashEmbedder
from scarbot.errors import CorpusError, IndexMismatchError, IndexMissingError
from scarbot.ingest import ingest
from scarbot.store import chroma_client, get_collection, load_snapshot, snapshot_dir

ARTICLE = "atrophic-scar-treatment-korea.md"
EDIT_FROM = "Punch excision is a precise way to remove stubborn icepick scars."
EDIT_TO = "Punch excision is a careful way to remove stubborn icepick scars."
QUESTION = "How much does microneedling cost in Australia?"


def run(settings, **kw):
    return ingest(settings, embedder=kw.pop("embedder", HashEmbedder(64)), progress=False, **kw)


def chroma_ids(settings) -> set[str]:
    col = get_collection(chroma_client(settings), settings.collection)
    assert col is not None
    return set(col.get(include=[])["ids"])


def snapshot_state(settings) -> dict[str, tuple[int, int]]:
    root = snapshot_dir(settings)
    return {f.name: (f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(root.iterdir())}


def assert_queryable(settings, embedder=None) -> None:
    """A user question gets a cited answer whose every chunk is in the snapshot and in Chroma."""
    from scarbot.assistant import Assistant

    ans = Assistant(settings, embedder=embedder or HashEmbedder(64)).ask(QUESTION)
    assert not ans.abstained and ans.citations, ans.text
    assert "$400 - $530" in ans.text
    live = {c["id"] for c in load_snapshot(settings).chunks}
    in_chroma = chroma_ids(settings)
    for cid in [c.chunk_id for c in ans.contexts] + [c.chunk_id for c in ans.citations]:
        assert cid in live and cid in in_chroma, cid


def edit_article(settings, old: str = EDIT_FROM, new: str = EDIT_TO) -> None:
    p = settings.corpus_dir / ARTICLE
    text = p.read_text("utf-8")
    assert text.count(old) == 1
    p.write_text(text.replace(old, new), "utf-8")


# --------------------------------------------------------------------------- counts and idempotence


def test_first_run_adds_every_chunk(settings):
    r = run(settings)
    assert (r.added, r.updated, r.removed, r.unchanged, r.total) == (48, 0, 0, 0, 48)
    assert r.by_kind == {"section": 38, "table_row": 10}
    assert r.records == {"prices": 69, "clinics": 3}
    assert r.summary().startswith("48 added, 0 updated, 0 removed, 0 unchanged — 48 chunks (38 section, 10 table row)")
    col = get_collection(chroma_client(settings), settings.collection)
    assert col.count() == 48
    assert col.metadata["model_id"] == "hash-64" and col.metadata["dim"] == 64
    snap = load_snapshot(settings)
    assert snap.manifest["chunks"] == 48 and snap.manifest["fingerprint"] == col.metadata["fingerprint"]
    assert snap.chunk_vectors.shape == (48, 64)
    assert {c["id"] for c in snap.chunks} == chroma_ids(settings)
    assert_queryable(settings)


def test_second_run_changes_nothing_and_writes_nothing(settings):
    run(settings)
    before = snapshot_state(settings)
    r = run(settings)
    assert (r.added, r.updated, r.removed, r.unchanged, r.total) == (0, 0, 0, 48, 48)
    assert r.summary().startswith("0 added, 0 updated, 0 removed, 48 unchanged — 48 chunks")
    assert r.summary().endswith("(index already up to date; nothing written)")
    assert snapshot_state(settings) == before
    assert len(chroma_ids(settings)) == 48


def test_editing_a_paragraph_replaces_exactly_one_chunk(settings):
    run(settings)
    old_ids = chroma_ids(settings)
    edit_article(settings)
    r = run(settings)
    assert (r.added, r.updated, r.removed, r.unchanged, r.total) == (1, 0, 1, 47, 48)
    new_ids = chroma_ids(settings)
    assert len(new_ids) == 48 and len(new_ids - old_ids) == 1 and len(old_ids - new_ids) == 1
    (added,) = new_ids - old_ids
    chunk = next(c for c in load_snapshot(settings).chunks if c["id"] == added)
    assert "careful way to remove" in chunk["text"]
    assert {c["id"] for c in load_snapshot(settings).chunks} == new_ids
    assert_queryable(settings)


def test_an_edit_reuses_the_unchanged_chunks_work_and_derives_what_a_rebuild_derives(settings):
    """The per-chunk memo (BM25 tokens, word statistics) makes a re-ingest tokenize only the edited
    chunk, and the snapshot's derived tables and keyword index equal those of a --rebuild, byte for byte."""
    from scarbot import precompute

    run(settings)
    assert (settings.data_dir / "memo.pickle").is_file()
    edit_article(settings)
    calls = []
    real = precompute.keyword_tokens
    try:
        precompute.keyword_tokens = lambda text: calls.append(text) or real(text)
        run(settings)
    finally:
        precompute.keyword_tokens = real
    assert len(calls) == 1 and "careful way to remove" in calls[0]
    root = snapshot_dir(settings)
    incremental = {n: (root / n).read_bytes() for n in ("derived.json", "bm25.npz")}
    run(settings, rebuild=True)
    assert {n: (root / n).read_bytes() for n in incremental} == incremental


def test_an_edit_reads_the_stored_hashes_from_the_snapshot_the_store_records(settings, monkeypatch):
    """Chroma is read back page by page only when its collection does not record the live snapshot."""
    from chromadb.api.models.Collection import Collection

    run(settings)
    edit_article(settings)
    reads = []
    real_get = Collection.get
    monkeypatch.setattr(Collection, "get", lambda self, *a, **k: reads.append(k.get("include")) or real_get(self, *a, **k))
    r = run(settings)
    assert (r.added, r.removed) == (1, 1) and ["metadatas"] not in reads
    col = get_collection(chroma_client(settings), settings.collection)
    col.modify(metadata={**col.metadata, "snapshot": "another"})  # the store no longer vouches for the snapshot
    edit_article(settings, EDIT_TO, EDIT_FROM)
    r = run(settings)
    assert (r.added, r.removed) == (1, 1) and ["metadatas"] in reads
    assert_queryable(settings)


def test_a_second_article_dropped_in_is_picked_up(settings):
    run(settings)
    (settings.corpus_dir / "aftercare.md").write_text(
        "# Aftercare After Scar Treatment\n\n## Sun Protection\n\n"
        "Wear SPF 50 sunscreen every day for three months after laser resurfacing.\n", "utf-8")
    r = run(settings)
    assert (r.added, r.updated, r.removed, r.unchanged, r.total) == (1, 0, 0, 48, 49)
    snap = load_snapshot(settings)
    assert snap.manifest["sources"] == ["aftercare.md", ARTICLE]
    new = [c for c in snap.chunks if c["source"] == "aftercare.md"]
    assert len(new) == 1 and new[0]["section"] == "Sun Protection"
    assert new[0]["text"] == "Wear SPF 50 sunscreen every day for three months after laser resurfacing."
    col = get_collection(chroma_client(settings), settings.collection)
    assert col.get(ids=[new[0]["id"]], include=["metadatas"])["metadatas"][0]["source"] == "aftercare.md"
    assert col.count() == 49
    # and removing it again removes its chunk
    (settings.corpus_dir / "aftercare.md").unlink()
    r = run(settings)
    assert (r.added, r.removed, r.total) == (0, 1, 48)
    assert col.count() == 48


def test_rebuild_starts_over_with_the_same_count(settings):
    run(settings)
    r = run(settings, rebuild=True)
    assert r.rebuilt and (r.added, r.updated, r.removed, r.unchanged, r.total) == (48, 0, 0, 0, 48)
    client = chroma_client(settings)
    names = sorted(c.name if hasattr(c, "name") else str(c) for c in client.list_collections())
    assert names == [settings.collection]
    assert len(chroma_ids(settings)) == 48
    assert run(settings).changed is False
    assert_queryable(settings)


# --------------------------------------------------------------------------- bad input


def _no_corpus(settings):
    shutil.rmtree(settings.corpus_dir)


def _empty_file(settings):
    (settings.corpus_dir / "empty.md").write_text("", "utf-8")


def _latin1_file(settings):
    (settings.corpus_dir / "notes.md").write_bytes("# Notes\n\nCaf\u00e9 prices vary.\n".encode("latin-1"))


def _bad_table(settings):
    (settings.corpus_dir / "table.md").write_text(
        "# Prices\n\n## Table\n\n| Procedure | Korea |\n| --- | --- |\n| Peels | $150 |\n| Subcision | $454 | $543 |\n",
        "utf-8")


def _no_headings(settings):
    (settings.corpus_dir / "plain.md").write_text("Just some text about scars, no title.\n", "utf-8")


@pytest.mark.parametrize(
    "breaker, message",
    [
        (_no_corpus, "corpus folder not found: "),
        (_empty_file, "empty.md: the file is empty"),
        (_latin1_file, "notes.md: not UTF-8 text (byte 12); save it as UTF-8"),
        (_bad_table, "table.md:8: malformed table row: 3 cells, the header has 2"),
        (_no_headings, "plain.md: no headings found; add at least a '# Title' line"),
    ],
    ids=["missing-folder", "empty-file", "not-utf8", "malformed-table", "no-headings"],
)
def test_bad_input_is_a_clear_error_and_leaves_the_index_alone(settings, breaker, message):
    run(settings)
    before, ids = snapshot_state(settings), chroma_ids(settings)
    breaker(settings)
    with pytest.raises(CorpusError) as err:
        run(settings)
    assert message in str(err.value)
    assert snapshot_state(settings) == before
    assert chroma_ids(settings) == ids
    assert_queryable(settings)


# --------------------------------------------------------------------------- model mismatch, corrupt, missing


def test_ingest_with_another_model_refuses_and_names_rebuild(settings):
    run(settings)
    before = snapshot_state(settings)
    with pytest.raises(IndexMismatchError) as err:
        run(settings, embedder=HashEmbedder(32))
    msg = str(err.value)
    assert "'hash-64'" in msg and "'hash-32'" in msg and "scarbot ingest --rebuild" in msg
    assert snapshot_state(settings) == before
    # the suggested fix works
    r = run(settings, embedder=HashEmbedder(32), rebuild=True)
    assert (r.added, r.total, r.model_id) == (48, 48, "hash-32")
    assert load_snapshot(settings).manifest["model_id"] == "hash-32"
    assert_queryable(settings, HashEmbedder(32))


def test_assistant_with_another_model_refuses_and_names_rebuild(settings):
    from scarbot.assistant import Assistant

    run(settings)
    with pytest.raises(IndexMismatchError, match="scarbot ingest --rebuild") as err:
        Assistant(settings, embedder=HashEmbedder(32)).load()
    assert "'hash-64'" in str(err.value) and "'hash-32'" in str(err.value)


def test_settings_model_differs_from_index(settings):
    """No embedder passed: the configured SCARBOT_EMBEDDING_MODEL (MiniLM by default) is checked."""
    from scarbot.assistant import Assistant

    run(settings)
    with pytest.raises(IndexMismatchError, match="scarbot ingest --rebuild"):
        Assistant(settings).load()


@pytest.mark.parametrize("name", ["vectors.npz", "manifest.json", "chunks.json", "derived.json", "bm25.npz"])
@pytest.mark.parametrize("how", ["truncate", "empty"])
def test_corrupt_snapshot_names_the_fix(settings, name, how):
    from scarbot.assistant import Assistant

    run(settings)
    p = snapshot_dir(settings) / name
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2] if how == "truncate" else b"")
    with pytest.raises(IndexMismatchError) as err:
        Assistant(settings, embedder=HashEmbedder(64)).load()
    assert "corrupt" in str(err.value) and "scarbot ingest --rebuild" in str(err.value)
    # following the advice repairs it
    r = run(settings, rebuild=True)
    assert r.total == 48
    assert_queryable(settings)


def test_plain_ingest_also_repairs_a_corrupt_snapshot(settings):
    run(settings)
    (snapshot_dir(settings) / "vectors.npz").write_bytes(b"PK\x03\x04")
    r = run(settings)
    assert (r.added, r.removed, r.total) == (0, 0, 48)
    assert r.summary().endswith("(chunks unchanged; snapshot refreshed)"), "the summary must not claim nothing was written"
    assert_queryable(settings)


def test_missing_index_says_run_ingest(settings):
    from scarbot.assistant import Assistant

    with pytest.raises(IndexMissingError) as err:
        Assistant(settings, embedder=HashEmbedder(64)).ask(QUESTION)
    assert "run 'scarbot ingest'" in str(err.value) and str(settings.data_dir) in str(err.value)


def test_kill_between_snapshot_renames_is_recovered(settings):
    """write_snapshot renames live → index.old, then new → live; a kill in between leaves only index.old."""
    run(settings)
    live = snapshot_dir(settings)
    live.rename(settings.data_dir / "index.old")
    assert_queryable(settings)
    assert live.exists()


# --------------------------------------------------------------------------- SIGKILL mid-ingest


def _scarbot() -> str:
    exe = shutil.which("scarbot") or str(Path(sys.executable).with_name("scarbot"))
    assert Path(exe).exists(), "the scarbot console script is not installed in the venv"
    return exe


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCARBOT_")}
    env.update(SCARBOT_DATA_DIR=str(settings.data_dir), SCARBOT_CORPUS_DIR=str(settings.corpus_dir),
               SCARBOT_EMBEDDING_MODEL="hash-64", ANONYMIZED_TELEMETRY="False")
    return env


def _big_article(n: int) -> str:
    parts = ["# Extra Clinic Notes", ""]
    for i in range(n):
        parts += [f"## Note {i}", "",
                  f"Note {i} records a scar care visit. Patient group {i} waited {i % 30} days before "
                  f"session {i % 7}. Clinic {i} reported outcome score {i * 7}.", ""]
    return "\n".join(parts)


def _chroma_size(settings) -> int:
    total = 0
    for f in settings.chroma_dir.glob("chroma.sqlite3*"):
        with contextlib.suppress(FileNotFoundError):  # SQLite's journal comes and goes while the ingest writes
            total += f.stat().st_size
    return total


def _forget_chroma_clients() -> None:
    """Another process wrote the store: drop this process's cached Chroma system for a fresh read."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _kill_when(settings, ready, deadline_s: float = 60.0) -> str:
    """Start `scarbot ingest`, SIGKILL it once ready() holds (polled), return where it was."""
    proc = subprocess.Popen([_scarbot(), "ingest", "--quiet"], env=_env(settings), cwd=settings.data_dir.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        while not ready(t0):
            if proc.poll() is not None:
                out, errs = proc.communicate()
                return f"finished before the kill: {out.decode()} {errs.decode()[-500:]}"
            assert time.monotonic() - t0 < deadline_s, "ingest did not reach the kill point"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    return "killed"


def test_sigkill_mid_ingest_keeps_the_previous_index_queryable(settings):
    run(settings)
    old_snapshot_ids = {c["id"] for c in load_snapshot(settings).chunks}
    _forget_chroma_clients()
    # heavy change: 800 new sections, and one edited paragraph (its old chunk becomes stale)
    (settings.corpus_dir / "extra-notes.md").write_text(_big_article(800), "utf-8")
    edit_article(settings)
    base = _chroma_size(settings)

    def upserting(t0):
        return _chroma_size(settings) > base

    def upserting_for(delay):
        seen: list[float] = []

        def ready(t0):
            if not seen and upserting(t0):
                seen.append(time.monotonic())
            return bool(seen) and time.monotonic() - seen[0] >= delay
        return ready

    kill_points = [("first write to Chroma", upserting),
                   ("0.2 s into upserts", upserting_for(0.2)),
                   ("0.6 s into upserts", upserting_for(0.6))]
    landed_mid_upsert = 0
    where: list[str] = []
    for label, ready in kill_points:
        outcome = _kill_when(settings, ready)
        _forget_chroma_clients()
        snap = load_snapshot(settings)
        ids_now = chroma_ids(settings)
        snap_ids = {c["id"] for c in snap.chunks}
        assert snap_ids <= ids_now, f"{label}: snapshot names chunks missing from Chroma"
        if outcome == "killed" and snap_ids == old_snapshot_ids and len(ids_now) > len(old_snapshot_ids):
            landed_mid_upsert += 1
        where.append(f"{label}: {outcome}, {len(ids_now)} ids in Chroma, snapshot of {len(snap_ids)}")
        assert_queryable(settings)
        _forget_chroma_clients()
    assert landed_mid_upsert >= 1, f"no kill landed while chunks were being upserted: {where}"

    # the next ingest finishes the job and reports the right counts
    r = run(settings)
    assert r.total == 48 + 800 and r.by_kind == {"section": 838, "table_row": 10}
    assert r.added + r.updated + r.unchanged == r.total
    if all(w.split(": ")[1].startswith("killed") for w in where):
        assert 1 <= r.added <= 801 and r.removed == 1, where
    else:  # a fast machine finished one of the runs before its kill point: nothing is left to do
        assert (r.added, r.updated, r.removed) == (0, 0, 0), where
    assert chroma_ids(settings) == {c["id"] for c in load_snapshot(settings).chunks}
    assert len(chroma_ids(settings)) == 848
    assert_queryable(settings)
    again = run(settings)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 848)
    leftovers = [p.name for p in settings.data_dir.iterdir() if p.name.startswith("index.")]
    assert leftovers == [], leftovers


def test_cli_ingest_subprocess_prints_summary(settings):
    out = subprocess.run([_scarbot(), "ingest"], env=_env(settings), cwd=settings.data_dir.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("48 added, 0 updated, 0 removed, 0 unchanged — 48 chunks (38 section, 10 table row) in ")
    assert json.loads((snapshot_dir(settings) / "manifest.json").read_text())["model_id"] == "hash-64"


def test_sentence_vectors_always_match_the_text_they_were_made_from(settings):
    """Reused vectors are keyed by the exact embedded text: after an edit (or a change of what is
    embedded) every unit's vector is still the embedding of its own heading + sentence."""
    import numpy as np

    from scarbot.ingest import unit_embed_text

    emb = HashEmbedder(64)
    run(settings, embedder=emb)
    path = settings.corpus_dir / ARTICLE
    path.write_text(path.read_text("utf-8").replace(EDIT_FROM, EDIT_TO), "utf-8")
    run(settings, embedder=emb)
    snap = load_snapshot(settings)
    expected = emb.embed_documents([unit_embed_text(u) for u in snap.units])
    assert np.allclose(snap.unit_vectors, expected, atol=1e-6)
    assert any(EDIT_TO in u["text"] for u in snap.units)
