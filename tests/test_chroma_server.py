"""Server mode: a real ``chroma run`` holds the vectors and answers the dense search."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scarbot.embeddings import HashEmbedder
from scarbot.errors import BackendError, IndexMismatchError

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_exe() -> str:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the `chroma` executable is not installed next to the test interpreter")
    return exe


@pytest.fixture
def chroma_server(tmp_path):
    """`chroma run` on a free loopback port; yields its URL once the heartbeat answers."""
    port = _free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([_chroma_exe(), "run", "--host", "127.0.0.1", "--port", str(port),
                             "--path", str(tmp_path / "server-data")], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(tmp_path / 'chroma.log').read_text(errors='replace')[-2000:]}")
            assert time.monotonic() < deadline, "chroma run did not answer its heartbeat within 60 s"
            time.sleep(0.1)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def test_ingest_and_ask_through_a_chroma_server(settings, chroma_server, monkeypatch):
    from chromadb.api.models.Collection import Collection

    from scarbot.assistant import Assistant
    from scarbot.ingest import ingest
    from scarbot.store import chroma_client, get_collection, load_snapshot

    url, proc = chroma_server
    s = settings.model_copy(update={"chroma_url": url})
    r = ingest(s, embedder=HashEmbedder(64), progress=False)
    assert (r.added, r.updated, r.removed, r.total) == (48, 0, 0, 48)
    assert not s.chroma_dir.exists(), "server mode must not create a local Chroma store"

    col = get_collection(chroma_client(s), s.collection)
    assert col.count() == 48
    snap = load_snapshot(s)
    assert col.metadata["model_id"] == "hash-64" and col.metadata["dim"] == 64
    assert col.metadata["fingerprint"] == snap.manifest["fingerprint"] and len(col.metadata["fingerprint"]) == 16
    assert snap.manifest["store"] == url

    again = ingest(s, embedder=HashEmbedder(64), progress=False)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 48)

    queries: list[int] = []
    real_query = Collection.query

    def spy(self, *args, **kwargs):
        queries.append(1)
        return real_query(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "query", spy)
    ans = Assistant(s, embedder=HashEmbedder(64)).ask("How much does microneedling cost in Australia?")
    assert queries, "the dense search did not go through the Chroma server"
    assert not ans.abstained and "$400 - $530" in ans.text
    server_ids = set(col.get(include=[])["ids"])
    assert {c.chunk_id for c in ans.contexts} <= server_ids

    # a different model is refused by the server-side collection metadata too
    with pytest.raises(IndexMismatchError, match="scarbot ingest --rebuild"):
        ingest(s, embedder=HashEmbedder(32), progress=False)

    proc.terminate()
    proc.wait(timeout=15)
    with pytest.raises(BackendError, match=f"cannot reach the Chroma server at {url}"):
        Assistant(s, embedder=HashEmbedder(64)).load()


def test_down_server_is_a_clear_backend_error(settings):
    from scarbot.ingest import ingest

    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    s = settings.model_copy(update={"chroma_url": url})
    with pytest.raises(BackendError) as err:
        ingest(s, embedder=HashEmbedder(64), progress=False)
    msg = str(err.value)
    assert f"cannot reach the Chroma server at {url}" in msg
    assert "chroma run" in msg and "SCARBOT_CHROMA_URL" in msg
    assert not (s.data_dir / "index").exists()


def test_server_down_after_load_is_a_backend_error(settings, chroma_server):
    from scarbot.assistant import Assistant
    from scarbot.ingest import ingest

    url, proc = chroma_server
    s = settings.model_copy(update={"chroma_url": url})
    ingest(s, embedder=HashEmbedder(64), progress=False)
    bot = Assistant(s, embedder=HashEmbedder(64)).load()
    proc.terminate()
    proc.wait(timeout=15)
    with pytest.raises(BackendError, match="Chroma server"):
        bot.ask("How much does microneedling cost in Australia?")
