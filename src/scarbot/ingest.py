"""``scarbot ingest``: corpus → chunks → embeddings → Chroma (upsert by stable id) + snapshot.

Order matters for crash safety: (1) parse and validate everything before touching the store,
(2) upsert new and changed chunks, (3) write the new snapshot (atomic swap), (4) delete stale
chunks, (5) record model, dimension and corpus fingerprint on the collection. A kill at any
point leaves a snapshot whose every chunk is in Chroma; the next ingest finishes the job.

One ingest at a time (``ingest.lock``). ``--rebuild`` never reads the old store: a local one is
built in a fresh ``chroma.new-<pid>`` folder and swapped in, so a Chroma folder damaged in any way
(truncated or garbage ``chroma.sqlite3``, torn segment files) is replaced from ``corpus/``.

Incremental: the manifest keeps a SHA-256 per corpus file and a key of the code that derives
chunks from files; when neither changed (and the collection's metadata still names this
snapshot) ingest stops after hashing the files. Otherwise only files whose text changed are
parsed again (parsed documents are kept in ``parsed.pickle``), and only chunks and sentences
whose text changed are embedded. No Chroma call handles more than ``PAGE`` records, so no
SQLite variable limit is reached at any corpus size.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import pickle
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from scarbot.chunking import Corpus, build_corpus
from scarbot.corpus import load_corpus
from scarbot.errors import BackendError, DataDirError, IndexMismatchError, ScarbotError
from scarbot.settings import Settings
from scarbot.store import (
    MANIFEST,
    SCHEMA_VERSION,
    SNAPSHOT,
    check_data_dir,
    check_model,
    chroma_client,
    forget_local_client,
    fsync_dir,
    get_collection,
    ingest_lock,
    is_rust_panic,
    load_snapshot,
    remove_path,
    remove_stale,
    snapshot_dir,
    verify_files,
    write_snapshot,
)

BATCH = 64  # chunks per embedding call and per Chroma write: each write commits, so a kill loses little
UNIT_BATCH = 512  # sentences per embedding call (the encoder sorts each call's texts by length)
PAGE = 5000  # records per Chroma get/delete: far below SQLite's 32,766-variable limit
PARSED = "parsed.pickle"  # parsed documents by file, so unchanged files are not parsed again
MEMO = "memo.pickle"  # each chunk's BM25 tokens and word statistics, so unchanged chunks are not tokenized again
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def voice_warnings(corpus: Corpus, known: dict[str, tuple[str, list[str]]] | None = None,
                   docs=None) -> list[str]:
    """Sentences of the corpus that speak to an assistant or reader as instructions ("SYSTEM: …",
    "tell every user …", "say that …"): never quoted as answers, reported per file at ingest.

    ``known`` (file name → (text hash, its sentences found earlier)) skips files whose text is
    unchanged; it is updated in place with what this call finds."""
    from scarbot.nlp import addressed_to_reader

    sha = {d.source: d.sha256 for d in docs or []}
    reuse = {src: found for src, (h, found) in (known or {}).items() if h and sha.get(src) == h}
    by_file: dict[str, list[str]] = {src: list(found) for src, found in reuse.items() if found}
    source_of = {c.id: c.source for c in corpus.chunks}
    for u in corpus.units:
        src = source_of.get(u.chunk_id, "?")
        if src not in reuse and addressed_to_reader(u.text):
            by_file.setdefault(src, []).append(u.text)
    if known is not None:
        known.clear()
        known.update({src: (h, by_file.get(src, [])) for src, h in sha.items()})
    return [f"{src}: {len(found)} sentence(s) address an assistant or reader and will never be quoted as an "
            f"answer, e.g. {found[0][:120]!r}" for src, found in sorted(by_file.items())]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model_id: str = ""
    rebuilt: bool = False
    wrote_snapshot: bool = False  # also True when only a missing/corrupt snapshot was repaired
    notes: list[str] = field(default_factory=list)  # repairs made on the way, for the maintainer
    warnings: list[str] = field(default_factory=list)  # corpus text that tries to instruct (per file)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        kinds = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(self.by_kind.items()))
        head = f"{self.added} added, {self.updated} updated, {self.removed} removed"
        tail = ("" if self.changed else " (chunks unchanged; snapshot refreshed)" if self.wrote_snapshot
                else " (index already up to date; nothing written)")
        return f"{head}, {self.unchanged} unchanged — {self.total} chunks ({kinds}) in {self.seconds:.1f}s{tail}"


def _content_hash(text: str, model_id: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()[:16]


def fingerprint(corpus: Corpus) -> str:
    h = hashlib.sha256()
    for c in corpus.chunks:
        h.update(c.id.encode())
        h.update(hashlib.sha256(c.embed_text.encode()).digest())
    # everything the snapshot holds: a change in how units or records are derived rewrites it
    # (dataclass reprs name every field: the same content as JSON, several times faster)
    for u in corpus.units:
        h.update(repr(u).encode())
    for rec in (*corpus.prices, *corpus.clinics, *corpus.countries):
        h.update(repr(rec).encode())
    return h.hexdigest()[:16]


def source_hashes(corpus_dir: Path) -> dict[str, str]:
    """SHA-256 of every file's bytes in the corpus folder, by file name: the articles and anything read
    beside them (reading files is cheap; parsing is not)."""
    out = {}
    folder = Path(corpus_dir)
    for f in sorted(folder.iterdir() if folder.is_dir() else []):
        if f.name.startswith(".") or not f.is_file():
            continue
        with contextlib.suppress(OSError):  # load_corpus reports unreadable files
            out[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def pipeline_key() -> str:
    """Changes whenever scarbot's code changes: the same files may then give other chunks or records."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    with contextlib.suppress(PackageNotFoundError):
        h.update(version("scarbot").encode())
    root = Path(__file__).resolve().parent
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    for f in sorted([*(root / "data").glob("*.txt"), *(root / "data").glob("*.yaml")]):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _snapshot_digest(files: Any) -> str:
    """Names one written snapshot (its files' checksums): the collection records it, so a snapshot
    edited together with its manifest no longer matches the store."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def records_of(corpus: Corpus) -> dict[str, Any]:
    records = {
        "prices": [_record_dict(p) for p in corpus.prices],
        "clinics": [_record_dict(c) for c in corpus.clinics],
        "countries": list(corpus.countries),
    }
    if corpus.lexicons:  # each article's own words, bound by the Analyzer for that article only
        records["lexicon"] = corpus.lexicons
    return records


def _record_dict(rec: Any) -> dict[str, Any]:
    """``asdict`` for records one level deep (a Price inside, a dict of cells), without its deep copy."""
    out = dict(vars(rec))
    for k, v in out.items():
        if is_dataclass(v):
            out[k] = dict(vars(v))
        elif isinstance(v, dict):
            out[k] = dict(v)
    return out


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Texts embedded per second ("chunks/s" on the chunk bar)."""

        def render(self, task) -> Text:
            unit = task.fields.get("unit", "texts")
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"– {unit}/s", style="progress.data.speed")

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
                    disable=not enabled, transient=False)


def ingest(settings: Settings | None = None, *, rebuild: bool = False, progress: bool = True,
           embedder=None) -> IngestReport:
    """Bring the index in line with the corpus; returns counts. Raises ScarbotError subclasses."""
    settings = settings or Settings()
    t0 = time.perf_counter()
    if embedder is None:
        from scarbot.embeddings import get_embedder

        embedder = get_embedder(settings.embedding_model)  # loads nothing until a text needs embedding
    hashes, key = source_hashes(settings.corpus_dir), pipeline_key()
    check_data_dir(settings, write=True)
    with ingest_lock(settings):
        removed = remove_stale(settings)
        report = None if rebuild else _up_to_date(settings, embedder, hashes, key)
        if report is not None:
            report.notes = [f"removed what killed ingests left behind: {', '.join(removed)}"] if removed else []
            report.seconds = time.perf_counter() - t0
            return report
        # every error here leaves the index untouched
        known, voices = ({}, {}) if rebuild else _parsed(settings, key)
        docs = load_corpus(settings.corpus_dir, known)
        corpus = build_corpus(docs)
        try:
            report = _ingest(settings, docs, corpus, embedder, rebuild, progress, hashes, key, voices)
        except ScarbotError:
            raise
        except BaseException as exc:  # a Rust panic in Chroma is a BaseException
            translated = _store_error(settings, exc)
            if translated is exc:
                raise
            raise translated from exc
    if removed:
        report.notes.insert(0, f"removed what killed ingests left behind: {', '.join(removed)}")
    report.seconds = time.perf_counter() - t0
    return report


def _store_error(settings: Settings, exc: BaseException) -> BaseException:
    """A failure inside Chroma or the file system, as a sentence naming the fix (else ``exc`` itself)."""
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        reason = exc.strerror or str(exc)
        return DataDirError(f"cannot write {exc.filename or settings.data_dir} ({reason}); make the data folder "
                            "writable (and free some space), or set SCARBOT_DATA_DIR to another folder")
    if not (type(exc).__module__.startswith("chromadb") or isinstance(exc, sqlite3.Error) or is_rust_panic(exc)):
        return exc
    what = f"{type(exc).__name__}: {str(exc)[:200]}"
    if settings.chroma_url:
        return BackendError(f"the Chroma server at {settings.chroma_url} failed ({what}); "
                            "run 'scarbot ingest --rebuild' to recreate the collection")
    return IndexMismatchError(f"the Chroma store at {settings.chroma_dir} is damaged ({what}); "
                              f"run 'scarbot ingest --rebuild' to rebuild it from {settings.corpus_dir}")


def _up_to_date(settings: Settings, embedder, hashes: dict[str, str], key: str) -> IngestReport | None:
    """The report of an ingest with nothing to do, or None when there may be work (then the full
    comparison runs). Cheap: file hashes, the snapshot's checksums, one look at the collection."""
    try:
        root = snapshot_dir(settings)
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
        if not (isinstance(manifest, dict) and manifest.get("schema") == SCHEMA_VERSION and hashes
                and manifest.get("source_sha256") == hashes and manifest.get("pipeline") == key
                and manifest.get("model_id") == embedder.model_id and int(manifest.get("dim", -1)) == embedder.dim):
            return None
        verify_files(root, manifest, trust_stat=False)
        collection = get_collection(chroma_client(settings), settings.collection)
        meta = (collection.metadata or {}) if collection is not None else {}
        if (collection is None or meta.get("fingerprint") != manifest.get("fingerprint")
                or meta.get("snapshot") != _snapshot_digest(manifest.get("files"))
                or meta.get("model_id") != embedder.model_id or collection.count() != manifest.get("chunks")):
            return None
    except BaseException as exc:  # anything wrong: the full comparison finds and reports it
        if not isinstance(exc, Exception) and not is_rust_panic(exc):
            raise
        return None
    n = int(manifest["chunks"])
    return IngestReport(unchanged=n, total=n, by_kind=dict(manifest.get("by_kind") or {}),
                        records=dict(manifest.get("records") or {}), model_id=embedder.model_id,
                        warnings=list(manifest.get("warnings") or []))


def _parsed(settings: Settings, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Documents parsed by the last ingest and their instruction-like sentences, by file name
    (empty when absent, stale or unreadable)."""
    try:
        with open(settings.data_dir / PARSED, "rb") as fh:
            saved = pickle.load(fh)
        if saved.get("pipeline") == key:
            return dict(saved["docs"]), dict(saved.get("voices") or {})
    except Exception:  # noqa: BLE001 - a cache: any problem means "parse again"
        pass
    return {}, {}


def _save_parsed(settings: Settings, docs, key: str, voices: dict[str, Any]) -> None:
    tmp = settings.data_dir / f"{PARSED}.new-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            pickle.dump({"pipeline": key, "docs": {d.source: d for d in docs}, "voices": voices}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(settings.data_dir / PARSED)
    except OSError:
        remove_path(tmp)


def _memo(settings: Settings, key: str, rebuild: bool):
    """What each chunk's and unit's text gave the last ingest (``precompute.ChunkMemo``); empty for --rebuild,
    after a change of code, or when the file is missing or unreadable."""
    from scarbot.precompute import ChunkMemo

    if rebuild:
        return ChunkMemo()
    try:
        with open(settings.data_dir / MEMO, "rb") as fh:
            saved = pickle.load(fh)
        if saved.get("pipeline") == key:
            return ChunkMemo.from_state(saved)
    except Exception:  # noqa: BLE001 - a cache: any problem means "compute again"
        pass
    return ChunkMemo()


def _save_memo(settings: Settings, key: str, memo) -> None:
    """Keep what the live chunks gave (entries of chunks gone are dropped, so the file stays bounded)."""
    tmp = settings.data_dir / f"{MEMO}.new-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            pickle.dump({"pipeline": key, **memo.state()}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(settings.data_dir / MEMO)
    except OSError:
        remove_path(tmp)


class TablesAhead:
    """The snapshot's files other than the vectors (its JSON and columns and the derived tables,
    ``store.write_corpus_files``, with the memo) written by a forked child while this process imports
    Chroma and writes the changed chunks: the two halves of an ingest that do not depend on each other, on
    two cores (at 100 articles each is about a second).

    The child writes them into its own ``index.new-<pid>`` folder (removed by the next ingest if anything
    dies half-way), says so on a pipe, then saves the memo and exits; ``write_snapshot`` takes the files
    from there once Chroma holds every chunk, so the order that makes ingest crash-safe is unchanged, and
    the memo's save overlaps the parent's own writes (``finish`` waits for it before the lock is released).
    It starts only when a snapshot will be written (the corpus's fingerprint is not the live snapshot's) and
    the corpus is large enough to pay for a fork; any failure of the child means the tables are built here."""

    MIN_CHUNKS = 2000  # below this the build takes less than a fork and a Chroma import save

    def __init__(self, pid: int, folder: Path, ready: int):
        self.pid, self.folder, self.status = pid, folder, None
        self._ready: int | None = ready  # read end of the child's "tables written" pipe
        self._built: bool | None = None

    @classmethod
    def start(cls, settings: Settings, key: str, rebuild: bool, manifest: dict[str, Any], chunks: list,
              units: list, records: dict) -> TablesAhead | None:
        if len(chunks) < cls.MIN_CHUNKS or not hasattr(os, "fork"):
            return None
        if not rebuild:
            with contextlib.suppress(Exception):
                live = json.loads((snapshot_dir(settings) / MANIFEST).read_text("utf-8"))
                if live.get("fingerprint") == manifest["fingerprint"]:
                    return None  # the snapshot may well be current: nothing to build ahead
        sys.stdout.flush()
        sys.stderr.flush()
        ready, told = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: build, save, leave without running the parent's exit handlers
            code = 1
            try:
                os.close(ready)
                from scarbot.store import CHECKSUMS, CORPUS_FILES, file_digest, write_corpus_files

                folder = settings.data_dir / f"{SNAPSHOT}.new-{os.getpid()}"
                remove_path(folder)
                folder.mkdir()
                memo = _memo(settings, key, rebuild)
                write_corpus_files(folder, manifest, chunks, units, records, memo)
                for f in folder.iterdir():  # durable before the parent takes them (its fsync then costs nothing)
                    with open(f, "rb") as fh:
                        os.fsync(fh.fileno())
                # their checksums for the manifest, computed here rather than on the parent's path
                (folder / CHECKSUMS).write_text(json.dumps({n: file_digest(folder / n) for n in CORPUS_FILES}), "utf-8")
                os.write(told, b"1")  # the parent may take the folder now; the memo is saved meanwhile
                os.close(told)
                _save_memo(settings, key, memo)
                code = 0
            except BaseException:  # noqa: BLE001 - the parent builds the tables itself
                pass
            finally:
                os._exit(code)
        os.close(told)
        return cls(pid, settings.data_dir / f"{SNAPSHOT}.new-{pid}", ready)

    def _wait(self) -> int:
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def _close_pipe(self) -> None:
        if self._ready is not None:
            with contextlib.suppress(OSError):
                os.close(self._ready)
            self._ready = None

    def result(self) -> Path | None:
        """The folder holding the built tables, or None when the child failed (it may still be saving the memo)."""
        if self._built is None:
            got = b""
            with contextlib.suppress(OSError):
                got = os.read(self._ready, 1) if self._ready is not None else b""  # "" when the child died first
            self._close_pipe()
            self._built = got == b"1"
        return self.folder if self._built else None

    def finish(self) -> None:
        """Wait for the child to save the memo and exit (ingest returns only then: the lock covers the memo)."""
        self._close_pipe()
        self._wait()

    def discard(self) -> None:
        """Stop the child if it still runs and remove what it wrote (its files were moved if used)."""
        self._close_pipe()
        if self.status is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                self._wait()
        remove_path(self.folder)
        remove_path(self.folder.with_name(f"{MEMO}.new-{self.pid}"))  # a memo the child did not finish saving


def _ingest(settings: Settings, docs, corpus: Corpus, embedder, rebuild: bool, progress: bool,
            hashes: dict[str, str], key: str, voices: dict[str, Any]) -> IngestReport:
    model_id, dim = embedder.model_id, embedder.dim
    fp = fingerprint(corpus)
    name = settings.collection
    local = not settings.chroma_url
    fresh_dir = settings.data_dir / f"chroma.new-{os.getpid()}" if rebuild and local else None
    report = IngestReport(model_id=model_id, rebuilt=rebuild, total=len(corpus.chunks))
    for c in corpus.chunks:
        report.by_kind[c.kind] = report.by_kind.get(c.kind, 0) + 1
    report.records = {"prices": len(corpus.prices), "clinics": len(corpus.clinics)}
    report.warnings = voice_warnings(corpus, voices, docs)
    meta = {"model_id": model_id, "dim": dim, "fingerprint": "", "scarbot_schema": 1}
    # chunks and units hold only strings and numbers: a shallow copy is asdict() without its deep copy
    chunks = [dict(vars(c)) for c in corpus.chunks]
    units = [{**vars(u), "embed": unit_embed_text(u)} for u in corpus.units]
    records = records_of(corpus)
    manifest = {"model_id": model_id, "dim": dim, "fingerprint": fp, "collection": name,
                "chunks": len(corpus.chunks), "units": len(corpus.units),
                "sources": sorted({d.source for d in docs}), "source_sha256": hashes, "pipeline": key,
                "by_kind": report.by_kind, "records": report.records,
                "warnings": report.warnings, "store": settings.chroma_url or "local", "unit_embed": UNIT_EMBED}
    ahead = TablesAhead.start(settings, key, rebuild, manifest, chunks, units, records)
    try:
        report = _write(settings, docs, corpus, embedder, rebuild, progress, key, voices, report, meta, fresh_dir,
                        manifest, chunks, units, records, ahead)
        if ahead is not None:
            ahead.finish()
        return report
    finally:
        if ahead is not None:
            ahead.discard()


def _write(settings: Settings, docs, corpus: Corpus, embedder, rebuild: bool, progress: bool, key: str,
           voices: dict[str, Any], report: IngestReport, meta: dict[str, Any], fresh_dir: Path | None,
           manifest: dict[str, Any], chunks: list, units: list, records: dict, ahead) -> IngestReport:
    """The Chroma half of ``_ingest`` and the snapshot (whose tables ``ahead`` may be building meanwhile)."""
    model_id, dim, fp, name = embedder.model_id, embedder.dim, manifest["fingerprint"], settings.collection
    if fresh_dir is not None:
        # --rebuild of a local store: never open the old one (it may be what is broken)
        remove_path(fresh_dir)
        client, existing = chroma_client(settings, fresh_dir), None
        target_name = name
    else:
        client = chroma_client(settings)
        existing = _existing(client, name, rebuild)
        if existing is not None and not rebuild:
            check_model(existing.metadata, model_id, dim, f"collection {name!r}")
        target_name = f"{name}__rebuild" if rebuild or existing is None else name
        if target_name != name:
            _drop(client, target_name)
    collection = (existing if existing is not None and target_name == name else
                  client.create_collection(target_name, metadata=meta, embedding_function=None,
                                           configuration={"hnsw": {"space": "cosine"}}))
    old_snapshot = None if rebuild else _try_snapshot(settings, report)
    stored, by_text = _stored_hashes(collection, old_snapshot if collection is existing else None, model_id)
    todo = []
    for c in corpus.chunks:
        was = stored.get(c.id)
        if was is None:
            report.added += 1
            todo.append(c)
        elif was != (c.embed_text if by_text else _content_hash(c.embed_text, model_id)):
            report.updated += 1
            todo.append(c)
        else:
            report.unchanged += 1
    hashes_by_id = {c.id: _content_hash(c.embed_text, model_id) for c in todo}  # recorded with each written chunk
    live = {c.id for c in corpus.chunks}
    stale = [i for i in stored if i not in live]
    report.removed = len(stale)

    snapshot_current = (old_snapshot is not None and existing is not None and target_name == name
                        and old_snapshot.manifest.get("fingerprint") == fp
                        and old_snapshot.manifest.get("model_id") == model_id
                        and _same_files(old_snapshot, chunks, units, records))
    if old_snapshot is not None and not snapshot_current and old_snapshot.manifest.get("fingerprint") == fp:
        report.notes.append("the snapshot's content differed from the corpus (edited by hand?): rewritten")
    if not todo and not stale and snapshot_current and (collection.metadata or {}).get("fingerprint") == fp:
        _save_parsed(settings, docs, key, voices)
        _refresh_manifest(settings, collection, meta, manifest)
        return report

    with _progress(progress) as bar:
        task = bar.add_task("embedding chunks", total=len(todo), unit="chunks")
        vectors: dict[str, Any] = {}
        for i in range(0, len(todo), BATCH):
            batch = todo[i : i + BATCH]
            vecs = embedder.embed_documents([c.embed_text for c in batch])
            for write, rows in ((collection.add, [j for j, c in enumerate(batch) if c.id not in stored]),
                                (collection.upsert, [j for j, c in enumerate(batch) if c.id in stored])):
                if rows:  # add() skips upsert's look-up of existing ids
                    write(ids=[batch[j].id for j in rows], embeddings=vecs[rows],
                          documents=[batch[j].text for j in rows],
                          metadatas=[{"section": batch[j].section, "kind": batch[j].kind, "source": batch[j].source,
                                      "order": batch[j].order, "hash": hashes_by_id[batch[j].id]} for j in rows])
            vectors.update({c.id: v for c, v in zip(batch, vecs, strict=True)})
            bar.advance(task, len(batch))
        chunk_vecs = _chunk_vectors(collection, corpus, vectors, old_snapshot, model_id)
        unit_vecs = _unit_vectors(corpus, embedder, old_snapshot, bar, [u["embed"] for u in units])

    if fresh_dir is not None:
        # the fresh store is complete: record the fingerprint, close it, swap it in for the old folder
        collection.modify(metadata={**meta, "fingerprint": fp})
        collection = None
        _swap_in(settings, client, fresh_dir)
    elif target_name != name:
        # --rebuild on a server (or first build): the new collection is complete; only now replace the old one.
        _drop(client, name)
        collection.modify(name=name)
    _save_parsed(settings, docs, key, voices)  # a cache of each file's parse: valid whatever happens next
    here: list = []  # the memo, when the tables are built in this process

    def memo_here():
        here.append(_memo(settings, key, rebuild))
        return here[0]

    # the vectors are written while the child (if any) still builds the other files; then they are taken
    derived = write_snapshot(settings, manifest, chunks, units, records, chunk_vecs, unit_vecs, memo_here,
                             prebuilt=ahead.result if ahead is not None else None)
    report.wrote_snapshot = True
    if here:
        _save_memo(settings, key, here[0])
    _warm_word_vectors(settings, embedder, corpus, (derived.get("analyzer") or {}).get("vocab"))
    written = json.loads((snapshot_dir(settings) / MANIFEST).read_text("utf-8"))
    if collection is None:  # the rebuilt local store was swapped in: reopen it to record the snapshot
        collection = get_collection(chroma_client(settings), name)
    elif stale and target_name == name:
        for i in range(0, len(stale), PAGE):
            collection.delete(ids=stale[i : i + PAGE])
    collection.modify(metadata={**meta, "fingerprint": fp, "snapshot": _snapshot_digest(written.get("files"))})
    return report


def _refresh_manifest(settings: Settings, collection, meta: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Nothing to re-embed or rewrite, but the file hashes or code key moved (a file re-saved with the
    same text, scarbot upgraded): record them, so the next ingest is the quick no-op again."""
    path = snapshot_dir(settings) / MANIFEST
    current = json.loads(path.read_text("utf-8"))
    digest = _snapshot_digest(current.get("files"))
    if {k: current.get(k) for k in manifest} == manifest and (collection.metadata or {}).get("snapshot") == digest:
        return
    tmp = path.with_name(f"{MANIFEST}.new-{os.getpid()}")
    tmp.write_text(json.dumps({**current, **manifest}, indent=1), "utf-8")
    tmp.replace(path)
    collection.modify(metadata={**meta, "fingerprint": manifest["fingerprint"], "snapshot": digest})


def _warm_word_vectors(settings: Settings, embedder, corpus: Corpus, found=None) -> None:
    """Embed the article's words now, so that no question pays for it (``neighbours.py``). ``found``:
    the corpus's word counts as the snapshot's analyzer statistics hold them (what the query path reads)."""
    from scarbot.neighbours import WordNeighbours, cache_dir, corpus_vocabulary
    from scarbot.nlp import words as words_of

    if found is None:  # as the Analyzer counts them
        found = {w for c in corpus.chunks for w in words_of(f"{c.section}\n{c.text}")}
    words = WordNeighbours(embedder, corpus_vocabulary(found), cache_dir(settings.data_dir))
    if words.enabled:
        words.vectors()


def _existing(client, name: str, rebuild: bool):
    """The collection to update; for --rebuild a collection that cannot even be opened is just replaced."""
    try:
        return get_collection(client, name)
    except BackendError:
        if rebuild:
            return None
        raise


def _swap_in(settings: Settings, client, fresh_dir) -> None:
    """Replace the local Chroma folder by the freshly built one (renames; the old folder is deleted)."""
    with contextlib.suppress(Exception):
        client.close()
    forget_local_client(fresh_dir)
    forget_local_client(settings.chroma_dir)
    live, old = settings.chroma_dir, settings.data_dir / f"chroma.old-{os.getpid()}"
    remove_path(old)
    if live.exists() or live.is_symlink():
        live.rename(old)
    fresh_dir.rename(live)
    fsync_dir(settings.data_dir)
    remove_path(old)


def _same(stored: Any, fresh: Any) -> bool:
    """Does the snapshot hold exactly what this corpus gives (compared as JSON, as it was written)?"""
    return stored == json.loads(json.dumps(fresh, ensure_ascii=False))


def _same_files(old, chunks: list, units: list, records: dict) -> bool:
    """Do the snapshot's JSON files hold exactly these chunks, units and records? (Read only when the
    fingerprints agree: the columns serve every other comparison.)"""
    from scarbot.precompute import read_json

    try:
        return all(_same(read_json(old.path / f"{name}.json"), fresh)
                   for name, fresh in (("chunks", chunks), ("units", units), ("records", records)))
    except (OSError, ValueError):
        return False


def _old_chunks(old) -> tuple[list[str], list[str]]:
    """The ids and embedded texts of a snapshot's chunks, in order (from its columns when it was loaded lazily)."""
    from scarbot.precompute import LazyChunks

    if isinstance(old.chunks, LazyChunks):
        return old.chunks.ids(), old.chunks.column("embed_text")
    return [c["id"] for c in old.chunks], [c["embed_text"] for c in old.chunks]


def _old_unit_embeds(old) -> list[str]:
    """The text each of a snapshot's unit vectors was made from, in order: from its columns when the snapshot
    records that its units were embedded as ``unit_embed_text`` embeds them now, else from ``units.json``."""
    from scarbot.precompute import LazyUnits, read_json

    units = old.units
    if isinstance(units, LazyUnits):
        if old.manifest.get("unit_embed") == UNIT_EMBED:
            return list(map(embed_text_of, units.column("section"), units.column("text")))
        units = read_json(old.path / "units.json")
        if len(units) != len(old.units):
            raise ValueError("units.json does not match the unit columns")
    return [u.get("embed") or "" for u in units]


def _drop(client, name: str) -> None:
    with contextlib.suppress(Exception):  # absent is fine
        client.delete_collection(name)


def _stored_hashes(collection, snapshot=None, model_id: str = "") -> tuple[dict[str, str], bool]:
    """What every stored chunk was embedded from, and whether that is its text (True) or its content hash:
    the embedded text from the live snapshot when the collection records that it holds exactly that
    snapshot's chunks (ingest marks it so only after upserting them and deleting the stale ones), else the
    content hash read from Chroma a page at a time (seconds at 1,000 articles)."""
    if snapshot is not None and snapshot.model_id == model_id:
        meta = collection.metadata or {}
        files = snapshot.manifest.get("files")
        if files and meta.get("snapshot") == _snapshot_digest(files) and meta.get("model_id") == model_id \
                and collection.count() == len(snapshot.chunks):
            ids, texts = _old_chunks(snapshot)
            return dict(zip(ids, texts, strict=True)), True
    out: dict[str, str] = {}
    offset, total = 0, collection.count()
    while offset < total:
        got = collection.get(include=["metadatas"], limit=PAGE, offset=offset)
        if not got["ids"]:
            break
        out.update((i, str((m or {}).get("hash", ""))) for i, m in zip(got["ids"], got["metadatas"], strict=True))
        offset += len(got["ids"])
    return out, False


def _chunk_vectors(collection, corpus: Corpus, fresh: dict[str, Any], old, model_id: str):
    """Vectors for every live chunk in corpus order: fresh ones, then the previous snapshot's for chunks
    whose embedded text is unchanged (copied by row, in one step), the rest read back from Chroma (a page at
    a time)."""
    rows: dict[str, int] = {}  # chunk id → its row in the previous snapshot's vectors
    if old is not None and old.model_id == model_id:
        same = {c.id: c.embed_text for c in corpus.chunks if c.id not in fresh}
        ids, texts = _old_chunks(old)
        rows = {cid: i for i, (cid, text) in enumerate(zip(ids, texts, strict=True)) if same.get(cid) == text}
    missing = [c.id for c in corpus.chunks if c.id not in fresh and c.id not in rows]
    for i in range(0, len(missing), PAGE):
        got = collection.get(ids=missing[i : i + PAGE], include=["embeddings"])
        fresh = {**fresh, **dict(zip(got["ids"], got["embeddings"], strict=True))}
    return _gather([c.id for c in corpus.chunks], fresh, rows, old.chunk_vectors if rows else None)


def _gather(keys: list[str], fresh: dict[str, Any], rows: dict[str, int], old_vectors) -> Any:
    """One float32 row per key: its fresh vector, else its row of ``old_vectors`` (a memory-mapped array
    read in one fancy-indexing step, not row by row)."""
    import numpy as np

    if not keys:
        return np.asarray([], np.float32)
    where = np.fromiter((-1 if k in fresh else rows[k] for k in keys), np.int64, count=len(keys))
    reused = where >= 0
    dim = old_vectors.shape[1] if reused.any() else len(next(iter(fresh.values())))
    out = np.empty((len(keys), dim), np.float32)
    if reused.any():
        out[reused] = old_vectors[where[reused]]
    for j in np.flatnonzero(~reused).tolist():
        out[j] = np.asarray(fresh[keys[j]], np.float32)
    return out


def _unit_vectors(corpus: Corpus, embedder, old, bar, texts: list[str]):
    """Units are embedded once: texts already in the previous snapshot reuse its vectors. ``texts``: each
    unit's ``unit_embed_text``."""
    import numpy as np

    rows: dict[str, int] = {}  # embedded text → its row in the previous snapshot's unit vectors
    if old is not None and old.model_id == embedder.model_id:
        # reuse a vector only when it was made from exactly the text we would embed now
        rows = {text: i for i, text in enumerate(_old_unit_embeds(old)) if text}
    todo = sorted(set(texts) - rows.keys())
    fresh: dict[str, Any] = {}
    task = bar.add_task("embedding sentences", total=len(todo), unit="sentences")
    for i in range(0, len(todo), UNIT_BATCH):
        batch = todo[i : i + UNIT_BATCH]
        fresh.update(zip(batch, embedder.embed_documents(batch), strict=True))
        bar.advance(task, len(batch))
    if not corpus.units:
        return np.zeros((0, embedder.dim), np.float32)
    return _gather(texts, fresh, rows, old.unit_vectors if rows else None)


UNIT_EMBED = "topic: text"  # names how unit_embed_text embeds a unit (the manifest records it): change it with it


def unit_embed_text(u) -> str:
    """A unit is embedded with the heading it sits under: "Recovery: Redness ..." alone does not say
    it is about microneedling."""
    if isinstance(u, dict):
        return embed_text_of(u["section"], u["text"])
    return embed_text_of(u.section, u.text)


def embed_text_of(section: str, text: str) -> str:
    """``unit_embed_text`` of a unit with this heading path and text."""
    return f"{section.rsplit(' > ', 1)[-1]}: {text}"


def _try_snapshot(settings: Settings, report: IngestReport | None = None):
    """The live snapshot, or None when there is none or it fails its checks (then it is rewritten)."""
    root = snapshot_dir(settings)
    if not (root / "manifest.json").exists():
        if report is not None and (root.exists() or root.is_symlink()):
            report.notes.append(f"the index in {root} had no manifest: rewritten")
        return None
    try:
        # the chunks, units and prices from their columns: a re-ingest reads the JSON only to compare it
        return load_snapshot(settings, trust_stat=False, lazy_units=True)
    except ScarbotError as err:
        if report is not None:
            report.notes.append(f"{err}".replace("; run 'scarbot ingest --rebuild'", "") + ": rewritten")
        return None


def ensure_index(settings: Settings | None = None, *, progress: bool = True) -> IngestReport | None:
    """Build the index when there is none (first run of the app); otherwise do nothing."""
    settings = settings or Settings()
    check_data_dir(settings, write=False)  # a file in the way is one clear error, not "building the index"
    if _try_snapshot(settings) is not None:
        return None
    print(f"No index in {settings.data_dir} yet: building it from {settings.corpus_dir} (first run only)…",
          file=sys.stderr)
    report = ingest(settings, progress=progress)
    print(report.summary(), file=sys.stderr)
    return report

