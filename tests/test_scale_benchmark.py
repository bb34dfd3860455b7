"""benchmarks/scale.py: the generated corpora are deterministic, realistic variants that ingest cleanly,
and the report renders a table and a log-log plot from stored results."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import scale  # noqa: E402


def test_generated_corpus_is_deterministic_and_varied(tmp_path: Path) -> None:
    names = scale.make_corpus(tmp_path / "a", 12, seed=15)
    assert names == scale.make_corpus(tmp_path / "b", 12, seed=15)
    assert names[0] == "atrophic-scar-treatment-korea.md" and len(names) == 12
    assert any(n.startswith("variant-") for n in names) and any(n.startswith("bulk-") for n in names)
    original = (REPO / "corpus" / names[0]).read_text("utf-8")
    variant = next((tmp_path / "a" / n).read_text("utf-8") for n in names if n.startswith("variant-"))
    assert variant != original
    assert "Kangdong Sacred Heart Hospital" not in variant and "located in" in variant
    assert "edition" in variant.splitlines()[1]  # another title
    for n in names:
        assert (tmp_path / "a" / n).read_text("utf-8") == (tmp_path / "b" / n).read_text("utf-8")


def test_generated_corpus_ingests_and_one_edit_reingests(settings) -> None:
    import shutil

    from scarbot.embeddings import HashEmbedder
    from scarbot.ingest import ingest

    shutil.rmtree(settings.corpus_dir)
    scale.make_corpus(settings.corpus_dir, 6)
    first = ingest(settings, progress=False, embedder=HashEmbedder(16))
    assert first.total > 200
    edited = scale.edit_one(settings.corpus_dir)
    again = ingest(settings, progress=False, embedder=HashEmbedder(16))
    assert edited.startswith("variant-") and again.changed and again.added <= 3


def test_report_renders_a_table_and_a_log_log_plot() -> None:
    rows = [
        {"system": "scarbot", "articles": 10, "embedder": "hash", "chunks": 430,
         "ingest": {"wall_s": 3.0, "rss_mib": 120.0, "chunks_per_s": 143.3}, "reingest_edit": {"wall_s": 2.0},
         "cold": {"wall_s": 1.5, "rss_mib": 70.0, "answer_chars": 900, "citations": 4, "cited_sources": 2},
         "warm": {"p50_ms": 6.0, "p95_ms": 9.0}},
        {"system": "scarbot", "articles": 100, "embedder": "hash", "chunks": 4268,
         "ingest": {"wall_s": 30.0, "rss_mib": 300.0}, "cold": {"wall_s": 5.0}, "warm": {"p50_ms": 40.0, "p95_ms": 900.0}},
        {"system": "plain LangChain", "articles": 10, "embedder": "hash", "ingest": {"error": "exit 1: boom"}},
    ]
    table = scale.render(rows)
    assert "| scarbot | hash | 10 (430) | 3.0 s | 143.3 |" in table
    assert "6.0 / 9.0 ms" in table and "error: exit 1: boom" in table
    svg = scale.svg_plot(rows)
    assert svg.startswith("<svg") and svg.count("<path") == 4  # ingest, re-ingest, cold, warm p95 of scarbot
