"""Patient feedback: every click is kept, survives restarts and concurrent writers, and exports cleanly."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from scarbot.feedback import FeedbackStore, feedback_cmd
from scarbot.types import Citation

CITE = Citation(1, "chunk-7", "Cost Analysis > Cost Comparison", "Microneedling | $225 - $600 | $500", "article")


def test_rating_is_stored_with_question_answer_citations_and_utc_time(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    before = datetime.now(UTC).replace(microsecond=0)
    store.add("up", "How much is microneedling?", "$225–$600 per session [1].", [CITE], "q2", False)
    (rec,) = list(store.records())
    assert (rec.rating, rec.question, rec.answer) == ("up", "How much is microneedling?", "$225–$600 per session [1].")
    assert rec.citations == [
        {"n": 1, "chunk_id": "chunk-7", "section": "Cost Analysis > Cost Comparison",
         "quote": "Microneedling | $225 - $600 | $500", "source": "article",
         "quote_display": "Microneedling | $225 - $600 | $500"}
    ]
    when = datetime.fromisoformat(rec.created_utc)
    assert when.utcoffset().total_seconds() == 0
    assert before <= when <= datetime.now(UTC)


def test_feedback_survives_a_restart(tmp_path):
    path = tmp_path / "data" / "feedback.sqlite3"
    FeedbackStore(path).add(False, "q", "a")
    FeedbackStore(path).add(True, "q2", "a2", [{"n": 1, "quote": "x"}])
    again = FeedbackStore(path)
    assert [(r.rating, r.question) for r in again.records()] == [("down", "q"), ("up", "q2")]


def test_database_uses_wal(tmp_path):
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).add("up", "q", "a")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_writers_lose_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(w: int) -> None:
        try:
            start.wait()
            mine = FeedbackStore(store.path)  # a fresh store per thread, like separate processes
            for i in range(25):
                mine.add("up" if i % 2 else "down", f"q{w}-{i}", "a", [CITE])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    questions = [r.question for r in store.records()]
    assert len(questions) == 200 and len(set(questions)) == 200


def test_bad_rating_is_refused(tmp_path):
    with pytest.raises(ValueError, match="up' or 'down"):
        FeedbackStore(tmp_path / "fb.sqlite3").add("meh", "q", "a")


def test_export_jsonl_and_csv_roundtrip(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("down", 'Why "no" answer, costs?', "The article doesn't say.", [], "", True)
    store.add("up", "Microneedling price", "$225–$600 [1]", [CITE])

    buf = io.StringIO()
    assert store.export(buf, "jsonl") == 2
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [x["rating"] for x in lines] == ["down", "up"]
    assert lines[0]["abstained"] is True and lines[1]["citations"][0]["chunk_id"] == "chunk-7"

    buf = io.StringIO()
    assert store.export(buf, "csv") == 2
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert rows[0]["question"] == 'Why "no" answer, costs?'
    assert json.loads(rows[1]["citations"])[0]["quote"] == "Microneedling | $225 - $600 | $500"


def test_cli_export_reads_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path))
    from scarbot.settings import Settings

    FeedbackStore(Settings().feedback_db).add("up", "Which clinics?", "Louis Clinic [1]", [CITE])
    runner = CliRunner()

    res = runner.invoke(feedback_cmd, ["export", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout.splitlines()[0])
    assert first["question"] == "Which clinics?" and first["rating"] == "up"

    out = tmp_path / "exports" / "fb.csv"
    res = runner.invoke(feedback_cmd, ["export", "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "exported 1 feedback record" in res.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["answer"] == "Louis Clinic [1]"


def test_cli_export_with_no_feedback_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(feedback_cmd, ["export", "--format", "csv"])
    assert res.exit_code == 0
    assert res.stdout.strip() == ",".join(
        ["id", "created_utc", "rating", "question", "answer", "citations", "standalone_question", "abstained",
         "reason"]
    )
    assert "exported 0 feedback records" in res.stderr


def test_a_dislike_carries_its_reason_into_the_export(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    up = store.add("up", "q1", "a1")
    down = store.add("down", "q2", "a2 [1]", [CITE])
    assert store.set_reason(down, "  Wrong figure:\n the USA price is $500  ") is True
    assert store.set_reason(999, "no such rating") is False
    recs = {r.id: r for r in store.records()}
    assert recs[up].reason == "" and recs[down].reason == "Wrong figure: the USA price is $500"
    buf = io.StringIO()
    store.export(buf, "csv")
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["reason"] for r in rows] == ["", "Wrong figure: the USA price is $500"]
    buf = io.StringIO()
    store.export(buf, "jsonl")
    assert json.loads(buf.getvalue().splitlines()[1])["reason"] == "Wrong figure: the USA price is $500"
    store.add("down", "q3", "a3", reason="x" * 5000)
    assert len(list(store.records())[-1].reason) == 1000


def test_a_store_from_before_reasons_gains_the_column(tmp_path):
    path = tmp_path / "fb.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_utc TEXT NOT NULL, "
                     "rating TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL "
                     "DEFAULT '[]', standalone_question TEXT NOT NULL DEFAULT '', abstained INTEGER NOT NULL "
                     "DEFAULT 0)")
        conn.execute("INSERT INTO feedback (created_utc, rating, question, answer) VALUES ('2024-01-01', 'up', "
                     "'old q', 'old a')")
    store = FeedbackStore(path)
    new = store.add("down", "new q", "new a", reason="unclear")
    assert [(r.question, r.reason) for r in store.records()] == [("old q", ""), ("new q", "unclear")]
    assert store.set_reason(1, "late reason") and list(store.records())[0].reason == "late reason"
    assert new == 2
