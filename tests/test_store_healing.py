"""A store that heals: every kind of damage to the data folder is either repaired by the next ingest or
named ("run 'scarbot ingest --rebuild'"), never served, and ``--rebuild`` always recovers; one ingest
at a time; killed ingests leave nothing that stays."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_ingest import (
    QUESTION,
    _big_article,
    _env,
    _scarbot,
    assert_queryable,
    chroma_ids,
    edit_article,
    run,
)

from scarbot.embeddings import HashEmbedder
from scarbot.errors import IndexMismatchError, IndexMissingError, IngestLockedError, ScarbotError
from scarbot.store import (
    SCHEMA_VERSION,
    SNAPSHOT_FILES,
    chroma_client,
    file_digest,
    forget_local_client,
    ingest_lock,
    load_snapshot,
    snapshot_dir,
)

REAL = "$400 - $530"  # the article's price for the test QUESTION
FAKE = "$1 - $5"
TEMP_PREFIXES = ("index.", "chroma.", ".write-test")


def _garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _segment_dirs(s) -> list[Path]:
    return [p for p in s.chroma_dir.iterdir() if p.is_dir()]


# --------------------------------------------------------------------------- the damage table
# Each entry: what it breaks, whether it hits Chroma ("chroma"), the snapshot ("snapshot") or only
# leaves debris ("debris"), and a function that does it to a freshly built data folder.


def _sqlite(s) -> Path:
    return s.chroma_dir / "chroma.sqlite3"


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))


def _edit_price(text: str) -> str:
    assert REAL in text
    return text.replace(REAL, FAKE)


def _consistent_price_edit(s) -> None:
    """Change the price everywhere the snapshot holds it, as a careful hand edit would."""
    root = snapshot_dir(s)
    for name in ("chunks.json", "units.json", "records.json"):
        p = root / name
        text = p.read_text("utf-8")
        if REAL in text:
            p.write_text(_edit_price(text), "utf-8")


def _forged_price_edit(s) -> None:
    """The same edit, with the manifest's checksums recomputed to match."""
    _consistent_price_edit(s)
    root = snapshot_dir(s)
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    manifest["files"] = {n: {"sha256": file_digest(root / n), "bytes": (root / n).stat().st_size}
                         for n in SNAPSHOT_FILES}
    (root / "manifest.json").write_text(json.dumps(manifest), "utf-8")


DAMAGE: list[tuple[str, str, Callable]] = [
    # Chroma's SQLite file
    ("sqlite-truncated", "chroma", lambda s: _sqlite(s).write_bytes(_sqlite(s).read_bytes()[: _sqlite(s).stat().st_size // 3])),
    ("sqlite-garbage", "chroma", lambda s: _sqlite(s).write_bytes(_garbage(_sqlite(s).stat().st_size, 1))),
    ("sqlite-empty", "chroma", lambda s: _sqlite(s).write_bytes(b"")),
    ("sqlite-torn-pages", "chroma", lambda s: _sqlite(s).write_bytes(
        (lambda b: b[:4096] + _garbage(8192, 2) + b[12288:])(_sqlite(s).read_bytes()))),
    ("sqlite-missing", "chroma", lambda s: _sqlite(s).unlink()),
    ("sqlite-table-dropped", "chroma", lambda s: _sql(s, "DROP TABLE embeddings")),
    ("sqlite-segments-deleted", "chroma", lambda s: _sql(s, "DELETE FROM segments")),
    # Chroma's segment files and the folder itself
    ("segment-files-garbage", "chroma", lambda s: [f.write_bytes(_garbage(f.stat().st_size, 3))
                                                   for d in _segment_dirs(s) for f in d.iterdir()]),
    ("segment-folder-missing", "chroma", lambda s: [shutil.rmtree(d) for d in _segment_dirs(s)]),
    ("chroma-folder-missing", "chroma", lambda s: shutil.rmtree(s.chroma_dir)),
    ("chroma-folder-is-a-file", "chroma", lambda s: (shutil.rmtree(s.chroma_dir), s.chroma_dir.write_text("x"))),
    # the snapshot
    ("manifest-truncated", "snapshot", lambda s: _truncate(snapshot_dir(s) / "manifest.json")),
    ("manifest-missing", "snapshot", lambda s: (snapshot_dir(s) / "manifest.json").unlink()),
    ("manifest-is-a-folder", "snapshot", lambda s: ((snapshot_dir(s) / "manifest.json").unlink(),
                                                    (snapshot_dir(s) / "manifest.json").mkdir())),
    ("manifest-not-an-object", "snapshot", lambda s: (snapshot_dir(s) / "manifest.json").write_text("[1, 2]")),
    ("chunks-byte-flipped", "snapshot", lambda s: _flip_byte(snapshot_dir(s) / "chunks.json")),
    ("chunks-missing", "snapshot", lambda s: (snapshot_dir(s) / "chunks.json").unlink()),
    ("units-truncated", "snapshot", lambda s: _truncate(snapshot_dir(s) / "units.json")),
    ("records-emptied", "snapshot", lambda s: (snapshot_dir(s) / "records.json").write_bytes(b"")),
    ("vectors-byte-flipped", "snapshot", lambda s: _flip_byte(snapshot_dir(s) / "vectors.npz")),
    ("vectors-truncated", "snapshot", lambda s: _truncate(snapshot_dir(s) / "vectors.npz")),
    ("consistent-price-edit", "snapshot", _consistent_price_edit),
    ("snapshot-folder-missing", "snapshot", lambda s: shutil.rmtree(snapshot_dir(s))),
    ("snapshot-folder-is-a-file", "snapshot", lambda s: (shutil.rmtree(snapshot_dir(s)),
                                                         snapshot_dir(s).write_text("x"))),
    # debris: nothing served is wrong, but it must not stay
    ("dead-ingest-temp-folders", "debris", lambda s: [
        *[(s.data_dir / f"{kind}.new-{_dead_pid()}").mkdir() for kind in ("index", "chroma")],
        (s.data_dir / f".write-test-{_dead_pid()}").write_bytes(b"")]),
    ("lock-is-a-folder", "debris", lambda s: ((s.data_dir / "ingest.lock").unlink(),
                                              (s.data_dir / "ingest.lock").mkdir())),
]


def _sql(s, statement: str) -> None:
    with sqlite3.connect(_sqlite(s)) as conn:
        conn.execute(statement)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage(settings, breaker) -> None:
    run(settings)
    forget_local_client(settings.chroma_dir)  # as if another process had damaged it
    breaker(settings)


def _leftovers(settings) -> list[str]:
    return sorted(p.name for p in settings.data_dir.iterdir()
                  if p.name.startswith(TEMP_PREFIXES) and p.name not in ("index", "chroma"))


def _collections(settings) -> list[str]:
    return sorted(c.name for c in chroma_client(settings).list_collections())


def _assert_healthy(settings) -> None:
    assert_queryable(settings)
    again = run(settings)
    assert not again.changed and not again.wrote_snapshot, again.summary()
    assert again.summary().endswith("(index already up to date; nothing written)")
    assert _collections(settings) == [settings.collection]
    assert chroma_ids(settings) == {c["id"] for c in load_snapshot(settings).chunks}
    assert _leftovers(settings) == []


@pytest.mark.parametrize("label, hits, breaker", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damage_is_never_served_plain_ingest_repairs_or_names_rebuild_and_rebuild_recovers(
        settings, label, hits, breaker):
    from scarbot.assistant import Assistant

    _damage(settings, breaker)
    if hits == "snapshot":  # the query path reads only the snapshot: it must refuse, naming the fix
        with pytest.raises((IndexMismatchError, IndexMissingError)) as err:
            Assistant(settings, embedder=HashEmbedder(64)).ask(QUESTION)
        assert "scarbot ingest" in str(err.value)
    else:  # a damaged local Chroma folder is not read when answering
        assert_queryable_answer(settings)
    try:
        r = run(settings)
    except ScarbotError as err:  # only a damaged Chroma store may stop a plain ingest
        assert hits == "chroma", f"{label}: {err}"
        assert "run 'scarbot ingest --rebuild'" in str(err)
        run(settings, rebuild=True)
    else:
        if hits == "snapshot":
            assert r.wrote_snapshot, "plain ingest must notice the damage, not say 'up to date'"
            assert not r.summary().endswith("(index already up to date; nothing written)")
    _assert_healthy(settings)

    # the same damage again, and this time straight to --rebuild: it always recovers
    forget_local_client(settings.chroma_dir)
    breaker(settings)
    r = run(settings, rebuild=True)
    assert r.rebuilt and (r.added, r.total) == (48, 48) and r.wrote_snapshot
    _assert_healthy(settings)


def assert_queryable_answer(settings) -> None:
    from scarbot.assistant import Assistant

    ans = Assistant(settings, embedder=HashEmbedder(64)).ask(QUESTION)
    assert REAL in ans.text and FAKE not in ans.text


def test_forged_checksums_are_caught_by_ingest(settings):
    """An edit that also rewrites the manifest's checksums passes the load check (the manifest is the only
    record), but ingest compares the snapshot with the corpus and rewrites it."""
    _damage(settings, _forged_price_edit)
    r = run(settings)
    assert r.wrote_snapshot and any("differed from the corpus" in n for n in r.notes), r.notes
    assert_queryable_answer(settings)
    _assert_healthy(settings)


def test_an_edited_snapshot_file_names_the_file_and_the_fix(settings):
    from scarbot.assistant import Assistant

    _damage(settings, _consistent_price_edit)
    with pytest.raises(IndexMismatchError) as err:
        Assistant(settings, embedder=HashEmbedder(64)).load()
    msg = str(err.value)
    assert "chunks.json does not match its checksum" in msg and "run 'scarbot ingest --rebuild'" in msg


def test_cli_rebuild_after_a_malformed_database(settings):
    """The issue's case end to end: `ingest` names the fix, `ingest --rebuild` applies it; no traceback."""
    run(settings)
    db = _sqlite(settings)
    db.write_bytes(db.read_bytes()[:4096] + _garbage(8192, 4) + db.read_bytes()[12288:])
    plain = subprocess.run([_scarbot(), "ingest", "--quiet"], env=_env(settings), capture_output=True, text=True,
                           timeout=120)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "malformed" in plain.stderr and "run 'scarbot ingest --rebuild'" in plain.stderr
    fixed = subprocess.run([_scarbot(), "ingest", "--rebuild", "--quiet"], env=_env(settings), capture_output=True,
                           text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("48 added, 0 updated, 0 removed, 0 unchanged — 48 chunks")
    forget_local_client(settings.chroma_dir)
    _assert_healthy(settings)


# --------------------------------------------------------------------------- killed ingests

_KILLED_CHILD = """
import os, signal, sys
from scarbot.embeddings import HashEmbedder
from scarbot.settings import Settings
import scarbot.ingest

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

where, data, corpus, rebuild = sys.argv[1:5]
if where == "snapshot":  # half-way through writing index.new-<pid>
    import numpy
    numpy.savez = die
else:  # --rebuild: the fresh Chroma folder is full, not yet swapped in
    scarbot.ingest._unit_vectors = die
s = Settings(_env_file=None, data_dir=data, corpus_dir=corpus)
scarbot.ingest.ingest(s, embedder=HashEmbedder(64), progress=False, rebuild=rebuild == "1")
"""


@pytest.mark.parametrize("where, rebuild, leftover", [("snapshot", False, "index.new"),
                                                      ("snapshot", True, "index.new"),
                                                      ("fresh-store", True, "chroma.new")])
def test_a_killed_ingest_leaves_debris_the_next_one_removes(settings, where, rebuild, leftover):
    run(settings)
    edit_article(settings)  # something to write
    child = subprocess.run([sys.executable, "-c", _KILLED_CHILD, where, str(settings.data_dir),
                            str(settings.corpus_dir), "1" if rebuild else "0"], capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    left = _leftovers(settings)
    assert left and all(name.startswith(leftover) for name in left), left
    assert int(left[0].rsplit("-", 1)[1]) != os.getpid()
    forget_local_client(settings.chroma_dir)
    # the previous index still answers (a killed --rebuild may already have swapped in the new Chroma folder,
    # which the local query path does not read)
    assert_queryable_answer(settings) if rebuild else assert_queryable(settings)
    r = run(settings)
    assert any(left[0] in n for n in r.notes), r.notes
    assert _leftovers(settings) == []
    assert any("careful way to remove" in c["text"] for c in load_snapshot(settings).chunks)
    _assert_healthy(settings)


def test_a_live_ingests_temp_folder_is_left_alone(settings):
    run(settings)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (settings.data_dir / f"index.new-{live.pid}").mkdir()
        run(settings, rebuild=True)
        assert (settings.data_dir / f"index.new-{live.pid}").is_dir()
    finally:
        live.kill()
        live.wait()
    run(settings)
    assert _leftovers(settings) == []


# --------------------------------------------------------------------------- one ingest at a time


def test_a_second_ingest_names_the_one_that_holds_the_lock(settings):
    run(settings)
    with ingest_lock(settings):
        with pytest.raises(IngestLockedError, match=rf"another ingest is running \(pid {os.getpid()}\)"):
            run(settings)
        out = subprocess.run([_scarbot(), "ingest", "--quiet"], env=_env(settings), capture_output=True, text=True,
                             timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (f"Error: another ingest is running (pid {os.getpid()}) on {settings.data_dir}; "
                                  "wait for it to finish, then run the command again")
    assert run(settings).summary().endswith("(index already up to date; nothing written)")


def _lock_pid(settings) -> str:
    try:
        return (settings.data_dir / "ingest.lock").read_text().strip()
    except OSError:
        return ""


def test_two_ingests_at_once(settings):
    """A real race: the second `scarbot ingest` starts while the first holds the lock."""
    run(settings)
    forget_local_client(settings.chroma_dir)
    (settings.corpus_dir / "extra-notes.md").write_text(_big_article(1500), "utf-8")
    first = subprocess.Popen([_scarbot(), "ingest", "--quiet"], env=_env(settings), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.monotonic()
        while _lock_pid(settings) != str(first.pid):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() - t0 < 60, "the first ingest never took the lock"
            time.sleep(0.01)
        second = subprocess.run([_scarbot(), "ingest", "--quiet"], env=_env(settings), capture_output=True,
                                text=True, timeout=120)
        first_still_running = first.poll() is None
        out, errs = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, errs
    assert "Traceback" not in second.stderr + errs
    if first_still_running:
        assert second.returncode == 1
        assert f"another ingest is running (pid {first.pid})" in second.stderr
    assert out.strip().splitlines()[-1].startswith("1500 added, 0 updated, 0 removed, 48 unchanged")
    forget_local_client(settings.chroma_dir)
    assert len(chroma_ids(settings)) == 1548 == len(load_snapshot(settings).chunks)
    assert run(settings).summary().endswith("(index already up to date; nothing written)")


def test_a_killed_ingest_does_not_keep_the_lock(settings):
    (settings.corpus_dir / "extra-notes.md").write_text(_big_article(1500), "utf-8")
    proc = subprocess.Popen([_scarbot(), "ingest", "--quiet"], env=_env(settings), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while _lock_pid(settings) != str(proc.pid) and proc.poll() is None:
        assert time.monotonic() - t0 < 60
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    r = run(settings)  # no "another ingest is running"
    assert r.total == 48 + 1500 and _leftovers(settings) == []


def test_a_snapshot_from_an_older_version_says_run_ingest_and_ingest_rewrites_it(settings):
    from scarbot.assistant import Assistant

    run(settings)
    manifest_path = snapshot_dir(settings) / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    del manifest["files"]
    manifest_path.write_text(json.dumps({**manifest, "schema": 1}), "utf-8")
    with pytest.raises(IndexMismatchError) as err:
        Assistant(settings, embedder=HashEmbedder(64)).load()
    assert str(err.value) == (f"the index in {snapshot_dir(settings)} was written by another scarbot version "
                              f"(schema 1; this one reads {SCHEMA_VERSION}); run 'scarbot ingest' to rewrite it")
    r = run(settings)
    assert r.wrote_snapshot and not r.changed
    _assert_healthy(settings)


def test_an_unchanged_snapshot_is_not_hashed_again_on_load(settings, monkeypatch):
    """Files whose size and modification time are the recorded ones are not read to be hashed (seconds
    at 1,000 articles); a file written since is hashed and, differing, refused."""
    import scarbot.store as store

    run(settings)
    hashed = []
    real = store.file_digest
    monkeypatch.setattr(store, "file_digest", lambda p: hashed.append(p.name) or real(p))
    store.load_snapshot(settings)
    assert hashed == []
    _flip_byte(snapshot_dir(settings) / "records.json")
    with pytest.raises(IndexMismatchError, match="records.json does not match its checksum"):
        store.load_snapshot(settings)
    assert hashed == ["records.json"]
