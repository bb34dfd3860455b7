"""Shared fixtures: no network, settings in temp folders, a small index built once per session."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")
_real_connect = socket.socket.connect
_real_create = socket.create_connection


def _allowed(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not (isinstance(address, tuple) and address):
        return False
    host = str(address[0])
    return host.startswith(_LOOPBACK) or host == ""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any outbound connection that is not loopback fails the test."""

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return _real_connect(sock, address)

    def guarded_create(address, *args, **kwargs):
        if not _allowed(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return _real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)
    yield


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings pointing at a temp data folder and a copy of the corpus; no .env is read."""
    from scarbot.settings import Settings

    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    for key in list(os.environ):
        if key.startswith("SCARBOT_"):
            monkeypatch.delenv(key, raising=False)
    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory):
    """The real corpus embedded with the bundled MiniLM, built once for the whole session."""
    from scarbot.ingest import ingest
    from scarbot.settings import Settings

    data = tmp_path_factory.mktemp("real-index")
    s = Settings(_env_file=None, data_dir=data, corpus_dir=REPO / "corpus")
    ingest(s, progress=False)
    return s


@pytest.fixture(scope="session")
def assistant(real_index):
    from scarbot.assistant import Assistant

    return Assistant(real_index).load()


@pytest.fixture
def chat(assistant):
    """Messages asked in turn, each with the bot's own earlier answers as the history (as in the web chat)."""

    def ask_in_turn(*messages: str):
        history, answers = [], []
        for m in messages:
            a = assistant.ask(m, history=history)
            answers.append(a)
            history += [{"role": "user", "content": m}, {"role": "assistant", "content": a.text}]
        return answers

    return ask_in_turn
