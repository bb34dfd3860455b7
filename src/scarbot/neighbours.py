"""Is a question word a paraphrase of something the article says, or a concept it never touches?

A word of the question that the article never uses ("pricey", "alcohol") is either another way of
saying something the article does say ("pricey" ~ "prices", "hurt" ~ "pain") or a topic it is
silent on ("alcohol", "acupuncture", "moisturizer"). The encoder tells them apart well enough
when each word is embedded on its own: a paraphrase has an article word close to it, an absent
concept has none. Measured on the scar article with MiniLM: paraphrases 0.60–0.87 to their
nearest article word, absent topics 0.37–0.59.

The article's words are embedded once per corpus (at ingest, or on first use) and kept in the
data folder, keyed by the model and the vocabulary, so a cold process only reads one array.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import threading
from pathlib import Path

import numpy as np

from scarbot.nlp import STOPWORDS

log = logging.getLogger(__name__)

# a question word whose nearest article word is at least this similar is a paraphrase
PARAPHRASE = 0.60
# the most frequent English words ("night", "rule", "happy", "described") frame a question; the article's
# silence about them says nothing. The encoder's WordPiece vocabulary lists whole words by frequency.
COMMON_WORDS = 2000


@functools.lru_cache(maxsize=4)
def common_words(model_dir: str | None) -> frozenset[str]:
    """The COMMON_WORDS most frequent whole words of a BERT-style ``vocab.txt`` (empty when there is none)."""
    if not model_dir:
        return frozenset()
    try:
        lines = (Path(model_dir) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    whole = (w for w in lines if len(w) >= 2 and w.isalpha() and w.isascii())
    return frozenset(itertools.islice(whole, COMMON_WORDS))


def corpus_vocabulary(found) -> list[str]:
    """The article's own words (from its word counts, ``nlp.corpus_stats``): lower-case, alphabetic,
    three letters or more, no stopwords."""
    return sorted({w for w in found if w.isalpha() and len(w) >= 3 and w not in STOPWORDS})


class WordNeighbours:
    def __init__(self, embedder, vocab: list[str], cache_dir: Path | None = None, model_dir: str | None = None):
        self.embedder = embedder
        self.model_dir = model_dir
        self.vocab = vocab
        self.cache_dir = cache_dir
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[str, float]] = {}  # word → its nearest article word (questions repeat words)
        self.enabled = not str(getattr(embedder, "model_id", "")).startswith("hash")  # a hash has no meaning

    def _key(self) -> str:
        h = hashlib.sha1(str(self.embedder.model_id).encode())
        h.update("\n".join(self.vocab).encode())
        return h.hexdigest()[:16]

    def vectors(self) -> np.ndarray:
        """The vocabulary's vectors: from the cache file when it matches, else computed (and cached)."""
        if self._vectors is not None:
            return self._vectors
        with self._lock:
            if self._vectors is None:
                self._vectors = self._load() if self.cache_dir else None
                if self._vectors is None:
                    self._vectors = self._compute()
        return self._vectors

    def _path(self) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / f"words-{self._key()}.npy"

    def _load(self) -> np.ndarray | None:
        try:
            arr = np.load(self._path(), mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError):
            return None
        if arr.ndim != 2 or arr.shape[0] != len(self.vocab):
            return None
        return arr

    def _compute(self) -> np.ndarray:
        if not self.vocab:
            return np.zeros((0, int(getattr(self.embedder, "dim", 1))), np.float32)
        vecs = np.asarray(self.embedder.embed_documents(self.vocab), np.float32)
        if self.cache_dir is not None:
            self._store(vecs)
        return vecs

    def _store(self, vecs: np.ndarray) -> None:
        """Atomic write; older vocabularies' files are removed. A read-only data folder only costs speed."""
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path = self._path()
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, vecs, allow_pickle=False)
            os.replace(tmp, path)
            for old in self.cache_dir.glob("words-*.npy"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not cache the article's word vectors in %s: %s", self.cache_dir, exc)

    def nearest(self, asked: list[str]) -> dict[str, tuple[str, float]]:
        """For each word, the closest article word and its cosine similarity."""
        if not asked or not self.vocab or not self.enabled:
            return {}
        todo = [w for w in dict.fromkeys(asked) if w not in self._seen]
        if todo:
            if len(self._seen) > 10_000:
                self._seen.clear()
            q = np.asarray(self.embedder.embed_documents(todo), np.float32)
            sims = q @ np.asarray(self.vectors()).T
            for w, row in zip(todo, sims, strict=True):
                j = int(row.argmax())
                self._seen[w] = (self.vocab[j], float(row[j]))
        return {w: self._seen[w] for w in asked}

    def common(self) -> frozenset[str]:
        return common_words(self.model_dir)

    def paraphrased(self, asked: list[str]) -> dict[str, str]:
        """The uncommon words that paraphrase an article word, with that word ("trip": "travel")."""
        common = common_words(self.model_dir)
        rare = [w for w in asked if w not in common]
        return {w: near for w, (near, sim) in self.nearest(rare).items() if sim >= PARAPHRASE}

    def absent(self, asked: list[str]) -> list[str]:
        """The uncommon words with no article word near them: topics the article is silent on."""
        common = common_words(self.model_dir)
        rare = [w for w in asked if w not in common]
        return [w for w, (_, sim) in self.nearest(rare).items() if sim < PARAPHRASE]


def cache_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "cache"


def model_folder(name: str) -> str | None:
    """The configured encoder's folder when it is a local one (its ``vocab.txt`` ranks English words)."""
    from scarbot.embeddings import resolve_model_path

    try:
        path = Path(resolve_model_path(name)).expanduser()
    except Exception:  # noqa: BLE001 - a hash embedder or an unknown name: no word ranks
        return None
    return str(path) if path.is_dir() else None
