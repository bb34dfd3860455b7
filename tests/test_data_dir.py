"""An unusable data folder — read-only, or a file where the folder should be — is one clear line in every
command (ingest, ask, eval, feedback export, chat, serve), never a traceback; what can be done read-only
(answering, exporting feedback, scoring) still works; a rating that cannot be saved says so."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_ingest import QUESTION, _scarbot, run

import scarbot
from scarbot.cli import main
from scarbot.errors import FeedbackError
from scarbot.feedback import FeedbackStore
from scarbot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SRC = str(Path(scarbot.__file__).resolve().parents[1])
EVAL_ITEM = {"id": "t1", "category": "cost_table", "history": [], "question": "How much is microneedling in India?",
             "answerable": True, "expect_all": [["$120"], ["$300"]], "evidence": ["$120 - $300"], "forbid": []}


def _cli_env(data: Path, corpus: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCARBOT_")}
    env.update(SCARBOT_DATA_DIR=str(data), SCARBOT_CORPUS_DIR=str(corpus), SCARBOT_EMBEDDING_MODEL="hash-64",
               PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]), ANONYMIZED_TELEMETRY="False")
    return env


# --------------------------------------------------------------------------- a file where the folder should be


@pytest.fixture
def file_in_the_way(tmp_path, monkeypatch):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", "utf-8")
    for key in list(os.environ):
        if key.startswith("SCARBOT_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(blocker))
    monkeypatch.setenv("SCARBOT_EMBEDDING_MODEL", "hash-64")
    monkeypatch.chdir(tmp_path)
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text(json.dumps(EVAL_ITEM) + "\n", "utf-8")
    return blocker


@pytest.mark.parametrize("args", [
    ["ingest"], ["ingest", "--rebuild"], ["ask", QUESTION], ["eval", "--dataset", "qa.jsonl", "--out", "out"],
    ["feedback", "export"], ["chat"], ["serve"],
], ids=["ingest", "ingest-rebuild", "ask", "eval", "feedback-export", "chat", "serve"])
def test_a_file_where_the_data_folder_should_be_is_one_line(file_in_the_way, args):
    result = CliRunner().invoke(main, args, input="")
    assert result.exit_code == 1, result.output
    assert result.output == (f"Error: the data folder {file_in_the_way} is a file, not a folder; move the file "
                             "away, or set SCARBOT_DATA_DIR to a folder\n")
    assert file_in_the_way.read_text("utf-8") == "not a folder"


def test_a_rating_that_cannot_be_saved_says_so(file_in_the_way):
    store = FeedbackStore(Settings().feedback_db)
    with pytest.raises(FeedbackError) as err:
        store.add("up", "How much is microneedling?", "$225 - $600 [1]")
    msg = str(err.value)
    assert msg.startswith(f"your rating was not saved: the feedback database {file_in_the_way / 'feedback.sqlite3'} "
                          "cannot be written (")
    assert "SCARBOT_DATA_DIR" in msg


def test_a_damaged_feedback_database_is_named_on_export(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "feedback.sqlite3").write_bytes(b"this is not SQLite" * 100)
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(data))
    result = CliRunner().invoke(main, ["feedback", "export"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: the feedback database {data / 'feedback.sqlite3'} is damaged (")
    assert "move it away to start a new one" in result.output and result.output.count("\n") == 1


# --------------------------------------------------------------------------- a read-only folder
# Permission bits do not stop root, and these tests often run as root. Then each command runs in a private
# mount namespace (unshare) where the data folders are bind-mounted read-only: a real read-only file
# system for that process only, nothing changes for anyone else. Without that ability the tests skip.


def _read_only(cmd: list[str], folders: list[Path]) -> list[str]:
    """``cmd`` as run with ``folders`` read-only: chmod already did it for a normal user; root needs a mount."""
    if os.geteuid() != 0:
        return cmd
    mounts = " && ".join(f"mount --bind {shlex.quote(str(d))} {shlex.quote(str(d))} && "
                         f"mount -o remount,bind,ro {shlex.quote(str(d))} {shlex.quote(str(d))}" for d in folders)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f"{mounts} && exec {' '.join(shlex.quote(c) for c in cmd)}"]


@pytest.fixture
def read_only(tmp_path):
    """A built index with two ratings, and an empty folder, both read-only; yields the reason writes fail."""
    base = tmp_path
    corpus = base / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    data, empty = base / "data", base / "empty"
    settings = Settings(_env_file=None, data_dir=data, corpus_dir=corpus)
    run(settings)
    store = FeedbackStore(settings.feedback_db)
    store.add("up", "How much is microneedling?", "$225 - $600 [1]")
    store.add("down", "Is it safe?", "The article does not say.")
    empty.mkdir()
    (base / "qa.jsonl").write_text(json.dumps(EVAL_ITEM) + "\n", "utf-8")
    folders = [data, empty]
    writable = [p for f in folders for p in [f, *f.rglob("*")]]
    for p in writable:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        probe = subprocess.run(_read_only([sys.executable, "-c", f"open({str(data / 'probe')!r}, 'w')"], folders),
                               capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 or "Error" not in probe.stderr:
            pytest.skip(f"cannot make a folder read-only here (root, and no private read-only mount): {probe.stderr}")
        reason = "Permission denied" if "Permission denied" in probe.stderr else "Read-only file system"
        assert reason in probe.stderr, probe.stderr
        yield base, data, empty, corpus, reason
    finally:
        for p in writable:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


def _run_cli(args: list[str], data: Path, corpus: Path, cwd: Path, folders: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(_read_only([_scarbot(), *args], folders), env=_cli_env(data, corpus), cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _snapshot_of(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")}


def test_read_only_data_folder_every_command(read_only):
    base, data, empty, corpus, reason = read_only
    folders = [data, empty]
    before = _snapshot_of(data)
    unwritable = f"cannot be written ({reason}); make it writable, or set SCARBOT_DATA_DIR to a folder you can write"

    for args in (["ingest"], ["ingest", "--rebuild"]):
        out = _run_cli(args, data, corpus, base, folders)
        assert (out.returncode, out.stdout) == (1, ""), out.stderr
        assert out.stderr == f"Error: the data folder {data} {unwritable}\n"

    # what only reads still works
    out = _run_cli(["ask", QUESTION], data, corpus, base, folders)
    assert out.returncode == 0 and "$400 - $530" in out.stdout, out.stderr
    out = _run_cli(["feedback", "export", "--format", "jsonl"], data, corpus, base, folders)
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["rating"] for line in out.stdout.splitlines()] == ["up", "down"]
    assert out.stderr == "exported 2 feedback records\n"
    out = _run_cli(["eval", "--dataset", "qa.jsonl", "--out", str(base / "run"), "--json"], data, corpus, base,
                   folders)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["overall"]["answer_pass_rate"] == 1.0

    # a read-only folder without an index: the commands that would build one say why they cannot
    out = _run_cli(["eval", "--dataset", "qa.jsonl", "--out", str(base / "run2")], empty, corpus, base, folders)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.splitlines()[-1] == f"Error: the data folder {empty} {unwritable}"
    out = _run_cli(["ask", QUESTION], empty, corpus, base, folders)
    assert (out.returncode, out.stderr) == (1, f"Error: no index in {empty}; run 'scarbot ingest' first\n")

    assert _snapshot_of(data) == before  # nothing was written, nothing was lost


def test_a_rating_in_a_read_only_folder_is_an_error_not_silence(read_only):
    base, data, empty, corpus, reason = read_only
    code = ("from scarbot.feedback import FeedbackStore\n"
            "from scarbot.errors import FeedbackError\n"
            f"try:\n    FeedbackStore({str(data / 'feedback.sqlite3')!r}).add('up', 'q', 'a')\n"
            "except FeedbackError as err:\n    print(err)\n")
    out = subprocess.run(_read_only([sys.executable, "-c", code], [data, empty]), env=_cli_env(data, corpus),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"your rating was not saved: the feedback database {data / 'feedback.sqlite3'} "
                                 "cannot be written ("), out.stdout
    assert len(list(FeedbackStore(data / "feedback.sqlite3").records())) == 2


def test_a_store_from_before_reasons_still_exports(tmp_path):
    """Reading never alters the database: a column an older store lacks is read as empty."""
    import sqlite3

    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_utc TEXT NOT NULL, "
                     "rating TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL "
                     "DEFAULT '[]', standalone_question TEXT NOT NULL DEFAULT '', abstained INTEGER NOT NULL "
                     "DEFAULT 0)")
        conn.execute("INSERT INTO feedback (created_utc, rating, question, answer) VALUES "
                     "('2025-01-01T00:00:00+00:00', 'down', 'q', 'a')")
    (rec,) = FeedbackStore(path).records()
    assert (rec.rating, rec.question, rec.reason) == ("down", "q", "")


def test_a_reason_that_cannot_be_saved_says_so(file_in_the_way):
    with pytest.raises(FeedbackError, match="^your reason was not saved: the feedback database "):
        FeedbackStore(Settings().feedback_db).set_reason(1, "wrong price")
