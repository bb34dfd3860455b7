"""The Chroma collection and the on-disk snapshot beside it.

Chroma holds the chunk vectors (local ``PersistentClient`` or a ``chroma run`` server). Beside it,
ingest writes a snapshot folder — chunks, quotable units, table records and the same vectors as
``.npz`` — swapped in atomically once Chroma holds every chunk it names. The snapshot is the
record of what is live: an ingest killed half-way leaves the previous snapshot in place, and
every chunk it names is still in Chroma, so the index stays fully queryable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scarbot.errors import BackendError, IndexMismatchError, IndexMissingError
from scarbot.settings import Settings

SCHEMA_VERSION = 1
SNAPSHOT = "index"


def chroma_client(settings: Settings):
    """A Chroma client for the configured store, telemetry off; a down server is a clear error."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several types for a refused connection
            raise BackendError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({type(exc).__name__}); "
                "start it (chroma run --host 127.0.0.1 --port 8000) or unset SCARBOT_CHROMA_URL"
            ) from exc
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:
        raise IndexMismatchError(
            f"the Chroma store at {settings.chroma_dir} cannot be opened ({exc}); "
            "run 'scarbot ingest --rebuild' to build it again"
        ) from exc


def get_collection(client, name: str):
    """The collection, or None when it does not exist."""
    try:
        return client.get_collection(name, embedding_function=None)
    except Exception as exc:
        if "does not exist" in str(exc) or "not found" in str(exc).lower():
            return None
        raise BackendError(f"cannot open the Chroma collection {name!r}: {exc}") from exc


def check_model(meta: dict[str, Any] | None, model_id: str, dim: int, where: str) -> None:
    """Refuse to mix embedding models: the index records the model that built it."""
    meta = meta or {}
    built = meta.get("model_id")
    if built and (built != model_id or int(meta.get("dim", dim)) != dim):
        raise IndexMismatchError(
            f"the index in {where} was built with embedding model {built!r} (dim {meta.get('dim')}), "
            f"but {model_id!r} (dim {dim}) is configured; run 'scarbot ingest --rebuild' to re-embed "
            "the corpus with the configured model, or set SCARBOT_EMBEDDING_MODEL back"
        )


@dataclass
class Snapshot:
    """Everything the query path needs, loaded from the snapshot folder without importing Chroma."""

    path: Path
    manifest: dict[str, Any]
    chunks: list[dict[str, Any]]
    units: list[dict[str, Any]]
    records: dict[str, Any]
    chunk_vectors: Any  # numpy (n_chunks, dim)
    unit_vectors: Any  # numpy (n_units, dim)

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])


def snapshot_dir(settings: Settings) -> Path:
    return settings.data_dir / SNAPSHOT


def load_snapshot(settings: Settings) -> Snapshot:
    """Load the live snapshot; missing or corrupt gives an error that names the fix."""
    import numpy as np

    root = snapshot_dir(settings)
    if not (root / "manifest.json").exists():
        _recover(settings)
    if not (root / "manifest.json").exists():
        raise IndexMissingError(f"no index in {settings.data_dir}; run 'scarbot ingest' first")
    try:
        manifest = json.loads((root / "manifest.json").read_text("utf-8"))
        if manifest.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"schema {manifest.get('schema')} != {SCHEMA_VERSION}")
        chunks = json.loads((root / "chunks.json").read_text("utf-8"))
        units = json.loads((root / "units.json").read_text("utf-8"))
        records = json.loads((root / "records.json").read_text("utf-8"))
        with np.load(root / "vectors.npz", allow_pickle=False) as z:
            cv, uv = z["chunks"].astype(np.float32), z["units"].astype(np.float32)
        if cv.shape[0] != len(chunks) or uv.shape[0] != len(units) or cv.shape[1] != int(manifest["dim"]):
            raise ValueError("vector counts do not match the chunk list")
    # A truncated vectors.npz raises BadZipFile or EOFError; a manifest that is valid JSON but not
    # an object raises AttributeError/TypeError: all of them mean "corrupt", not a crash.
    except (OSError, ValueError, KeyError, EOFError, AttributeError, TypeError, zipfile.BadZipFile) as exc:
        raise IndexMismatchError(
            f"the index in {root} is corrupt ({exc}); run 'scarbot ingest --rebuild'"
        ) from exc
    return Snapshot(root, manifest, chunks, units, records, cv, uv)


def write_snapshot(settings: Settings, manifest: dict, chunks: list, units: list, records: dict,
                   chunk_vectors, unit_vectors) -> None:
    """Write a complete new snapshot beside the live one, then swap it in with renames."""
    import numpy as np

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.data_dir / f"{SNAPSHOT}.new-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    (tmp / "chunks.json").write_text(json.dumps(chunks, ensure_ascii=False), "utf-8")
    (tmp / "units.json").write_text(json.dumps(units, ensure_ascii=False), "utf-8")
    (tmp / "records.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), "utf-8")
    np.savez(tmp / "vectors.npz", chunks=np.asarray(chunk_vectors, np.float32),
             units=np.asarray(unit_vectors, np.float32))
    # The manifest goes last: a folder without one is never taken for a snapshot.
    (tmp / "manifest.json").write_text(json.dumps({**manifest, "schema": SCHEMA_VERSION,
                                                   "written": time.time()}, indent=1), "utf-8")
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    live, old = snapshot_dir(settings), settings.data_dir / f"{SNAPSHOT}.old"
    shutil.rmtree(old, ignore_errors=True)
    if live.exists():
        live.rename(old)
    tmp.rename(live)
    shutil.rmtree(old, ignore_errors=True)


def _recover(settings: Settings) -> None:
    """A kill between the two renames of write_snapshot leaves only index.old: put it back."""
    old = settings.data_dir / f"{SNAPSHOT}.old"
    if (old / "manifest.json").exists() and not snapshot_dir(settings).exists():
        old.rename(snapshot_dir(settings))
