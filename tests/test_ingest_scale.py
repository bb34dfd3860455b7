"""Ingest at any corpus size: ids that cannot collide, only changed files re-read and re-embedded,
deleted files' chunks removed, and no Chroma/SQLite limit reached above 32,766 chunks."""

from __future__ import annotations

import shutil

import pytest

from scarbot.embeddings import HashEmbedder
from scarbot.ingest import ingest
from scarbot.store import chroma_client, get_collection, load_snapshot, snapshot_dir

ARTICLE = "atrophic-scar-treatment-korea.md"


class CountingEmbedder(HashEmbedder):
    """The hash fake, counting every text it is asked to embed."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__(dim)
        self.texts: list[str] = []

    def embed_documents(self, texts, progress=False):
        self.texts.extend(texts)
        return super().embed_documents(texts, progress)


def run(settings, embedder=None, **kw):
    return ingest(settings, progress=False, embedder=embedder or HashEmbedder(16), **kw)


def chroma_ids(settings) -> set[str]:
    col = get_collection(chroma_client(settings), settings.collection)
    ids: set[str] = set()
    offset, total = 0, col.count()
    while offset < total:
        got = col.get(include=[], limit=5000, offset=offset)
        ids.update(got["ids"])
        offset += len(got["ids"])
    return ids


def _article(title: str, n_sections: int = 3) -> str:
    parts = [f"# {title}\n"]
    for i in range(n_sections):
        parts.append(f"## {title} part {i}\n\n{title} paragraph {i} says something of its own about topic {i}.\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------- ids


def test_identical_passages_under_one_heading_get_distinct_stable_ids(settings):
    twice = "The same sentence twice, word for word, under the same heading."
    (settings.corpus_dir / "repeats.md").write_text(
        "# Repeats\n\n## Notes\n\n" + twice + "\n\n"
        "| Item | Note |\n|---|---|\n| Same row | same cell |\n| Same row | same cell |\n\n"
        + "x " * 400 + "\n\n" + twice + "\n", "utf-8")
    r = run(settings)  # a duplicate id would stop Chroma with DuplicateIDError
    chunks = [c for c in load_snapshot(settings).chunks if c["source"] == "repeats.md"]
    ids = [c["id"] for c in chunks]
    assert len(ids) == len(set(ids)) == 5  # the paragraph, two rows, the long one, the paragraph again
    rows = [c["id"] for c in chunks if c["kind"] == "table_row"]
    assert rows[1] == rows[0] + "~2"
    assert ids[-1] == ids[0] + "~2"
    assert chroma_ids(settings) == {c["id"] for c in load_snapshot(settings).chunks}
    again = run(settings, rebuild=True)
    assert again.total == r.total and [c["id"] for c in load_snapshot(settings).chunks if c["source"] == "repeats.md"] == ids


# --------------------------------------------------------------------------- incremental


@pytest.fixture
def three_files(settings):
    for name in ("alpha", "beta", "gamma"):
        (settings.corpus_dir / f"{name}.md").write_text(_article(name.capitalize()), "utf-8")
    return settings


def test_nothing_changed_is_a_no_op_that_parses_nothing(three_files, monkeypatch):
    s = three_files
    first = run(s)
    import scarbot.ingest as ingest_mod

    def no_parse(*_a, **_k):
        raise AssertionError("an unchanged corpus must not be parsed again")

    monkeypatch.setattr(ingest_mod, "load_corpus", no_parse)
    emb = CountingEmbedder()
    r = run(s, emb)
    assert (r.added, r.updated, r.removed, r.unchanged, r.total) == (0, 0, 0, first.total, first.total)
    assert r.by_kind == first.by_kind and not r.wrote_snapshot and emb.texts == []
    assert r.summary().endswith("(index already up to date; nothing written)")


def test_one_edited_file_is_the_only_one_parsed_and_embedded(three_files, monkeypatch):
    s = three_files
    first = run(s)
    import scarbot.corpus as corpus_mod

    parsed: list[str] = []
    real = corpus_mod.parse_markdown
    monkeypatch.setattr(corpus_mod, "parse_markdown", lambda text, source: parsed.append(source) or real(text, source))
    (s.corpus_dir / "beta.md").write_text(_article("Beta").replace("paragraph 1 says", "paragraph 1 now says"), "utf-8")
    emb = CountingEmbedder()
    r = run(s, emb)
    assert parsed == ["beta.md"]
    assert (r.added, r.updated, r.removed, r.total) == (1, 0, 1, first.total)
    assert all("now says" in t for t in emb.texts) and len(emb.texts) == 2  # one chunk, its one sentence
    snap = load_snapshot(s)
    assert any("now says" in c["text"] for c in snap.chunks)
    assert chroma_ids(s) == {c["id"] for c in snap.chunks}


def test_a_deleted_file_takes_its_chunks_with_it(three_files):
    s = three_files
    run(s)
    (s.corpus_dir / "gamma.md").unlink()
    r = run(s)
    snap = load_snapshot(s)
    assert r.removed == 3 and not any(c["source"] == "gamma.md" for c in snap.chunks)
    assert "gamma.md" not in snap.manifest["source_sha256"]
    assert chroma_ids(s) == {c["id"] for c in snap.chunks}


def test_a_snapshot_edited_with_its_manifest_is_not_taken_as_up_to_date(three_files):
    s = three_files
    run(s)
    manifest = snapshot_dir(s) / "manifest.json"
    text = manifest.read_text("utf-8")
    # the store records which snapshot it was written with: a forged manifest no longer matches it
    manifest.write_text(text.replace('"sha256": "', '"sha256": "0', 1), "utf-8")
    r = run(s)
    assert r.wrote_snapshot
    assert not run(s).wrote_snapshot


# --------------------------------------------------------------------------- size


def _table_article(name: str, rows: int) -> str:
    lines = [f"# {name}\n", "## Inventory\n", "| Item | Note |", "|---|---|"]
    lines += [f"| {name} item {i} | note {i % 97} for {name} |" for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_corpus_above_sqlites_variable_limit_ingests_and_re_ingests(settings):
    """33,600 chunks: past the 32,766 records a single unpaged Chroma get() can return."""
    s = settings
    shutil.rmtree(s.corpus_dir)
    s.corpus_dir.mkdir()
    for i in range(8):
        (s.corpus_dir / f"inventory-{i}.md").write_text(_table_article(f"Inventory {i}", 4200), "utf-8")
    first = run(s)
    assert first.total == first.added == 33_600

    # one file edited: the stored hashes of every chunk are read back (paged) and its stale rows deleted
    (s.corpus_dir / "inventory-3.md").write_text(_table_article("Inventory 3", 4100), "utf-8")
    r = run(s)
    assert (r.added, r.removed, r.total) == (0, 100, 33_500)
    assert len(chroma_ids(s)) == 33_500

    # no snapshot to take vectors from: all of them are read back from Chroma (paged)
    shutil.rmtree(snapshot_dir(s))
    r = run(s)
    assert r.wrote_snapshot and r.unchanged == 33_500
    assert load_snapshot(s).chunk_vectors.shape == (33_500, 16)


def test_progress_bar_shows_the_embedding_rate():
    from types import SimpleNamespace

    from scarbot.ingest import _progress

    bar = _progress(True)
    rate = next(c for c in bar.columns if type(c).__name__ == "Rate")
    task = SimpleNamespace(fields={"unit": "chunks"}, finished_speed=None, speed=123.4)
    assert rate.render(task).plain == "123 chunks/s"
    assert rate.render(SimpleNamespace(fields={}, finished_speed=None, speed=None)).plain == "– texts/s"


def test_a_file_read_beside_the_articles_also_counts_as_a_change(three_files, monkeypatch):
    """Any file in the corpus folder (e.g. an article's word list beside it) is hashed: editing one is
    never taken for "nothing changed"; the run after that is the quick no-op again."""
    s = three_files
    run(s)
    import scarbot.ingest as ingest_mod

    calls: list[int] = []
    real = ingest_mod.load_corpus
    monkeypatch.setattr(ingest_mod, "load_corpus", lambda *a, **k: calls.append(1) or real(*a, **k))
    (s.corpus_dir / "alpha.lexicon.yaml").write_text("aliases: {}\n", "utf-8")
    r = run(s)
    assert calls == [1] and not r.changed
    assert "alpha.lexicon.yaml" in load_snapshot(s).manifest["source_sha256"]
    run(s)
    assert calls == [1]
