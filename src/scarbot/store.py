"""The Chroma collection and the on-disk snapshot beside it.

Chroma holds the chunk vectors (local ``PersistentClient`` or a ``chroma run`` server). Beside it,
ingest writes a snapshot folder — chunks, quotable units, table records and the same vectors as
``.npz`` — swapped in atomically once Chroma holds every chunk it names. The snapshot is the
record of what is live: an ingest killed half-way leaves the previous snapshot in place, and
every chunk it names is still in Chroma, so the index stays fully queryable.

The snapshot's manifest holds a SHA-256 and size for every file; ``load_snapshot`` checks them, so
a file edited by hand or torn by a crash is refused ("run 'scarbot ingest --rebuild'"), never
served. One ingest at a time holds ``ingest.lock`` in the data folder (an OS lock, released when
the process dies, so a killed ingest never leaves it held); the holder removes the temp folders
that killed ingests left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scarbot import precompute
from scarbot.errors import (
    BackendError,
    DataDirError,
    IndexMismatchError,
    IndexMissingError,
    IngestLockedError,
)
from scarbot.settings import Settings

try:  # POSIX advisory locks; elsewhere ingests are not serialised
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 5  # 2: the manifest lists every file's checksum; 3: precomputed query structures; 4: unit columns;
# 5: chunk and price columns
SNAPSHOT = "index"
MANIFEST = "manifest.json"
SNAPSHOT_FILES = ("chunks.json", "units.json", "records.json", "vectors.npz", "derived.json", "bm25.npz",
                  "units.npz", "chunks.npz", "prices.npz", "text.npz")
LOCK = "ingest.lock"
_TEMP = re.compile(r"(?:(?:index|chroma)\.(?:new|old)|\.write-test)-(\d+)")


def chroma_client(settings: Settings, path: Path | None = None):
    """A Chroma client for the configured store, telemetry off; a down server is a clear error.

    ``path`` opens a local store in another folder (``--rebuild`` fills a fresh one, then swaps it in).
    """
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
    where = path or settings.chroma_dir
    try:
        where.mkdir(parents=True, exist_ok=True)
        sqlite_problem = _sqlite_problem(where / "chroma.sqlite3")
        if sqlite_problem:  # Chroma's Rust core panics on some of these: never hand it a damaged file
            raise ValueError(sqlite_problem)
        return chromadb.PersistentClient(path=str(where), settings=chroma_settings)
    except BaseException as exc:
        if not isinstance(exc, Exception) and not is_rust_panic(exc):
            raise
        raise IndexMismatchError(
            f"the Chroma store at {where} cannot be opened ({exc}); "
            "run 'scarbot ingest --rebuild' to build it again"
        ) from exc


def is_rust_panic(exc: BaseException) -> bool:
    """pyo3's PanicException (a Rust panic inside Chroma) derives from BaseException, not Exception."""
    return type(exc).__name__ == "PanicException"


def _sqlite_problem(path: Path) -> str:
    """What SQLite's own quick check says is wrong with a database file ("" when fine or absent)."""
    import sqlite3

    if not path.exists() or path.stat().st_size == 0:
        return ""  # Chroma creates a new one
    try:
        # read-write (never create): a writer killed mid-transaction leaves a WAL that only a writer can
        # replay, and a read-only connection would call that intact database unreadable
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=10)) as conn:
            rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        return "" if "locked" in str(exc) else f"{path.name}: {exc}"
    except sqlite3.Error as exc:
        return f"{path.name}: {exc}"
    result = "; ".join(str(r[0]) for r in rows[:3])
    return "" if result == "ok" else f"{path.name}: {result}"


def forget_local_client(path: Path) -> None:
    """Drop this process's cached Chroma system for a store folder that is about to be moved or deleted:
    Chroma caches one system per path, and a cached one would keep reading the old files."""
    from chromadb.api.shared_system_client import SharedSystemClient

    wanted = {str(path), str(path.resolve())}
    for ident in [i for i in SharedSystemClient._identifier_to_system if i in wanted]:
        system = SharedSystemClient._identifier_to_system.pop(ident, None)
        SharedSystemClient._identifier_to_refcount.pop(ident, None)
        if system is not None:
            with contextlib.suppress(Exception):
                system.stop()


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
    chunks: Any  # list of dicts (chunks.json), or precompute.LazyChunks (the query path: records read when asked for)
    units: Any  # list of dicts (units.json), or precompute.LazyUnits (the query path)
    records: dict[str, Any]  # records.json; on the query path without "prices" (those are ``prices``)
    chunk_vectors: Any  # numpy (n_chunks, dim), memory-mapped: pages are read when a question touches them
    unit_vectors: Any  # numpy (n_units, dim), memory-mapped
    keyword: Any = None  # scarbot.precompute.KeywordIndex (None: built at load)
    derived: dict[str, Any] | None = None  # the corpus tables ingest precomputed (None: derived at load)
    prices: Any = None  # precompute.LazyPrices (the query path: price records from prices.npz), else None

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])


def snapshot_dir(settings: Settings) -> Path:
    return settings.data_dir / SNAPSHOT


def load_snapshot(settings: Settings, *, trust_stat: bool = True, lazy_units: bool = False) -> Snapshot:
    """Load the live snapshot; missing, corrupt or edited gives an error that names the fix.
    ``trust_stat=False`` (ingest) hashes every file, whatever its size and time (``verify_files``);
    ``lazy_units`` (the query path) leaves the JSON files of chunks, units and records unread: chunks, units
    and price records come from their memory-mapped columns (``chunks.npz``, ``units.npz``, ``prices.npz``),
    one at a time as questions read them, and the other records from ``derived.json``."""
    import numpy as np

    check_data_dir(settings, write=False)
    root = snapshot_dir(settings)
    if not (root / MANIFEST).exists():
        _recover(settings)
    if not (root / MANIFEST).exists():
        raise IndexMissingError(f"no index in {settings.data_dir}; run 'scarbot ingest' first")
    try:
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
        if isinstance(manifest, dict) and isinstance(manifest.get("schema"), int) \
                and manifest["schema"] != SCHEMA_VERSION:
            raise IndexMismatchError(f"the index in {root} was written by another scarbot version (schema "
                                     f"{manifest['schema']}; this one reads {SCHEMA_VERSION}); run 'scarbot ingest' "
                                     "to rewrite it")
        if manifest.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"schema {manifest.get('schema')!r} != {SCHEMA_VERSION}")
        verify_files(root, manifest, trust_stat=trust_stat)
        prices = None
        if lazy_units:
            chunks = precompute.LazyChunks(precompute.load_npz(root / precompute.CHUNKS_FILE))
            units = precompute.LazyUnits(precompute.load_npz(root / precompute.UNITS_FILE), chunks.ids())
            prices = precompute.LazyPrices(precompute.load_npz(root / precompute.PRICES_FILE), chunks.ids())
            records: dict[str, Any] = {}
        else:
            chunks = precompute.read_json(root / "chunks.json")
            units = precompute.read_json(root / "units.json")
            records = precompute.read_json(root / "records.json")
        n_units = len(units)
        vectors = precompute.load_npz(root / "vectors.npz")
        cv, uv = vectors["chunks"], vectors["units"]
        if cv.dtype != np.float32 or uv.dtype != np.float32:
            cv, uv = cv.astype(np.float32), uv.astype(np.float32)
        if cv.shape[0] != len(chunks) or uv.shape[0] != n_units or cv.shape[1] != int(manifest["dim"]):
            raise ValueError("vector counts do not match the chunk list")
        keyword, derived = precompute.load(root, len(chunks))
        if lazy_units:
            records = derived["records"]
            if not isinstance(records, dict) or len(prices) != manifest["records"]["prices"]:
                raise ValueError(f"{precompute.PRICES_FILE} does not hold the snapshot's price records")
    # A truncated vectors.npz raises BadZipFile or EOFError; a manifest that is valid JSON but not
    # an object raises AttributeError/TypeError: all of them mean "corrupt", not a crash.
    except (OSError, ValueError, KeyError, EOFError, AttributeError, TypeError, zipfile.BadZipFile) as exc:
        raise IndexMismatchError(
            f"the index in {root} is corrupt ({exc}); run 'scarbot ingest --rebuild'"
        ) from exc
    return Snapshot(root, manifest, chunks, units, records, cv, uv, keyword, derived, prices)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_files(root: Path, manifest: dict[str, Any], *, trust_stat: bool = True) -> None:
    """Every snapshot file has the size and SHA-256 the manifest recorded when it was written.

    For the query path (``trust_stat``), a file whose size and modification time (ns) are still the
    ones recorded is the file that was hashed: like git's index, only a file whose stat changed is read
    and hashed again (hashing 400 MB of snapshot cost a cold process at 1,000 articles 0.7 s); any
    write to a file moves its time. Ingest hashes every file, so that a manifest edited by hand (its
    checksums no longer those of the files) is found and rewritten."""
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(SNAPSHOT_FILES):
        raise ValueError("the manifest has no checksums for the snapshot files")
    for name in SNAPSHOT_FILES:
        path, want = root / name, files[name]
        if not path.is_file():
            raise ValueError(f"{name} is missing")
        st = path.stat()
        if st.st_size != want.get("bytes") or ((not trust_stat or st.st_mtime_ns != want.get("mtime_ns"))
                                               and file_digest(path) != want.get("sha256")):
            raise ValueError(f"{name} does not match its checksum (edited, or only partly written)")


CHECKSUMS = "checksums.json"  # beside prebuilt corpus files: their SHA-256, computed by the process that wrote them
CORPUS_FILES = ("chunks.json", "units.json", "records.json", precompute.UNITS_FILE, precompute.CHUNKS_FILE,
                precompute.DERIVED, precompute.BM25_FILE, precompute.PRICES_FILE, precompute.TEXT_FILE)


def write_corpus_files(folder: Path, manifest: dict, chunks: list, units: list, records: dict,
                       memo: precompute.ChunkMemo | None = None) -> dict[str, Any]:
    """Every snapshot file but the vectors (``CORPUS_FILES``: they depend on the corpus alone, so ingest can
    write them beside the Chroma half, in ``ingest.TablesAhead``); returns the derived tables."""
    precompute.write_json(folder / "chunks.json", chunks)
    precompute.write_json(folder / "units.json", units)
    precompute.write_json(folder / "records.json", records, indent=True)
    precompute.write_unit_columns(folder / precompute.UNITS_FILE, units, {c["id"]: i for i, c in enumerate(chunks)})
    precompute.write_chunk_columns(folder / precompute.CHUNKS_FILE, chunks)
    # what the query path would otherwise rebuild in every process: built once, here
    return precompute.build(Snapshot(folder, manifest, chunks, units, records, None, None), folder, memo)


def write_snapshot(settings: Settings, manifest: dict, chunks: list, units: list, records: dict,
                   chunk_vectors, unit_vectors,
                   memo: precompute.ChunkMemo | Callable[[], precompute.ChunkMemo] | None = None,
                   prebuilt: Path | Callable[[], Path | None] | None = None) -> dict[str, Any]:
    """Write a complete new snapshot beside the live one, then swap it in with renames; returns the
    derived tables (``precompute.build``; ``memo``: what unchanged chunks gave last time, or a function that
    loads it, called only when the tables are built here; ``prebuilt``: a folder where ``write_corpus_files``
    already wrote exactly these chunks, units and records, or a function that waits for one (None: build
    here), called once the vectors are written)."""
    import numpy as np

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.data_dir / f"{SNAPSHOT}.new-{os.getpid()}"
    remove_path(tmp)
    tmp.mkdir()
    np.savez(tmp / "vectors.npz", chunks=np.asarray(chunk_vectors, np.float32),
             units=np.asarray(unit_vectors, np.float32))
    with open(tmp / "vectors.npz", "rb") as fh:
        os.fsync(fh.fileno())
    digests: dict[str, str] = {"vectors.npz": file_digest(tmp / "vectors.npz")}
    if callable(prebuilt):
        prebuilt = prebuilt()
    if prebuilt is not None:
        with contextlib.suppress(OSError, ValueError):  # the writer's checksums of its files, if it left them
            digests.update(json.loads((prebuilt / CHECKSUMS).read_text("utf-8")))
        for name in CORPUS_FILES:
            os.replace(prebuilt / name, tmp / name)
        _, derived = precompute.load(tmp, len(chunks))
    else:
        derived = write_corpus_files(tmp, manifest, chunks, units, records, memo() if callable(memo) else memo)
    for f in tmp.iterdir():
        if f.name != "vectors.npz":
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    files = {name: {"sha256": digests.get(name) or file_digest(tmp / name), "bytes": (tmp / name).stat().st_size,
                    "mtime_ns": (tmp / name).stat().st_mtime_ns} for name in SNAPSHOT_FILES}
    # The manifest goes last: a folder without one is never taken for a snapshot.
    with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({**manifest, "schema": SCHEMA_VERSION, "written": time.time(), "files": files},
                            indent=1))
        fh.flush()
        os.fsync(fh.fileno())
    live, old = snapshot_dir(settings), settings.data_dir / f"{SNAPSHOT}.old"
    remove_path(old)
    if live.exists() or live.is_symlink():
        live.rename(old)
    tmp.rename(live)
    remove_path(old)
    fsync_dir(settings.data_dir)
    return derived


def _recover(settings: Settings) -> None:
    """A kill between the two renames of write_snapshot leaves only index.old: put it back."""
    old = settings.data_dir / f"{SNAPSHOT}.old"
    live = snapshot_dir(settings)
    if (old / MANIFEST).exists() and not (live.exists() or live.is_symlink()):
        with contextlib.suppress(OSError):  # a read-only folder: the next ingest puts it back
            old.rename(live)


# --------------------------------------------------------------------------- the data folder


def remove_path(path: Path) -> None:
    """Remove a file, symlink or folder tree; absent is fine."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def fsync_dir(path: Path) -> None:
    """Make renames inside ``path`` durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _unusable(where: Path, exc: OSError) -> DataDirError:
    reason = exc.strerror or type(exc).__name__
    return DataDirError(f"the data folder {where} cannot be written ({reason}); make it writable, or set "
                        "SCARBOT_DATA_DIR to a folder you can write")


def check_data_dir(settings: Settings, *, write: bool) -> None:
    """One clear error for a data folder that is a file, cannot be created, or is read-only."""
    where = settings.data_dir
    if where.exists() and not where.is_dir():
        raise DataDirError(f"the data folder {where} is a file, not a folder; move the file away, or set "
                           "SCARBOT_DATA_DIR to a folder")
    if not write:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        probe = where / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise _unusable(where, exc) from exc


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def remove_stale(settings: Settings) -> list[str]:
    """Remove the temp folders (``index.new-<pid>``, ``chroma.new-<pid>`` ...) of ingests that died.

    Called with the ingest lock held. A leftover ``index.old`` is put back when the live snapshot is
    missing (a kill between write_snapshot's renames), otherwise removed.
    """
    _recover(settings)
    removed = []
    for path in sorted(settings.data_dir.iterdir()):
        m = _TEMP.fullmatch(path.name)
        stale = path.name == f"{SNAPSHOT}.old" or (m is not None and (int(m[1]) == os.getpid()
                                                                       or not _pid_alive(int(m[1]))))
        if stale:
            remove_path(path)
            removed.append(path.name)
    return removed


def _lock_holder(fd: int) -> str:
    for _ in range(50):  # the holder writes its pid just after taking the lock
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "unknown"


@contextlib.contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold the data folder's ingest lock, or fail at once with the pid of the ingest that holds it."""
    path = settings.data_dir / LOCK
    try:
        if path.is_dir() and not path.is_symlink():
            remove_path(path)  # damage, not a lock: only ever a file is created here
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unusable(settings.data_dir, exc) from exc
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IngestLockedError(
                    f"another ingest is running (pid {_lock_holder(fd)}) on {settings.data_dir}; "
                    "wait for it to finish, then run the command again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
