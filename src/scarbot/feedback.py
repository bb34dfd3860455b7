"""Thumbs up/down from patients, kept in SQLite under the data folder so support staff can review them.

Every write opens its own connection (SQLite connections must not be shared across Gradio's worker
threads), in WAL mode with a busy timeout, so concurrent clicks from many browsers never lose a row
and a restart never loses anything already acknowledged. A write that fails raises ``FeedbackError``
(the UI must tell the user it was not saved); reading opens the database read-only, so ratings can be
exported from a read-only data folder.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from scarbot.errors import FeedbackError

BUSY_TIMEOUT_S = 10.0
RATINGS = ("up", "down")
FIELDS = ("id", "created_utc", "rating", "question", "answer", "citations", "standalone_question", "abstained",
          "reason")
MAX_REASON_CHARS = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_utc TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    standalone_question TEXT NOT NULL DEFAULT '',
    abstained INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_utc: str
    rating: str
    question: str
    answer: str
    citations: list[dict[str, Any]]
    standalone_question: str
    abstained: bool
    reason: str = ""  # why a patient disliked the answer (optional, free text)


def _citation_dicts(citations: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for c in citations:
        if is_dataclass(c) and not isinstance(c, type):
            out.append(asdict(c))
        elif isinstance(c, dict):
            out.append(dict(c))
        else:
            raise TypeError(f"citation must be a Citation or a dict, not {type(c).__name__}")
    return out


def _clean_reason(reason: str) -> str:
    """One tidy line of at most MAX_REASON_CHARS characters."""
    return " ".join(str(reason or "").split())[:MAX_REASON_CHARS]


class FeedbackStore:
    """Append-only store of ratings; one short-lived connection per operation."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._ready = False

    def _problem(self, err: BaseException) -> str:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        if isinstance(err, sqlite3.DatabaseError) and not isinstance(err, sqlite3.OperationalError):
            return (f"the feedback database {self.path} is damaged ({reason}); move it away to start a new one "
                    "(ratings already in it cannot be read)")
        return (f"the feedback database {self.path} cannot be written ({reason}); make the data folder writable, "
                "or set SCARBOT_DATA_DIR to a folder you can write")

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if not self._ready:
            # Switching to WAL takes an exclusive lock and SQLite does not always wait for it, so
            # several processes opening a new store at once retry here instead of failing.
            deadline = time.monotonic() + BUSY_TIMEOUT_S
            while True:
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute(_SCHEMA)
                    columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
                    if "reason" not in columns:  # a store written before reasons existed
                        conn.execute("ALTER TABLE feedback ADD COLUMN reason TEXT NOT NULL DEFAULT ''")
                    break
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) or time.monotonic() > deadline:
                        conn.close()
                        raise
                    time.sleep(0.01)
            self._ready = True
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def add(
        self,
        rating: str | bool,
        question: str,
        answer: str,
        citations: Sequence[Any] = (),
        standalone_question: str = "",
        abstained: bool = False,
        created_utc: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Store one rating ("up"/"down", or True/False) and return its row id."""
        if isinstance(rating, bool):
            rating = "up" if rating else "down"
        if rating not in RATINGS:
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        when = (created_utc or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        cites = json.dumps(_citation_dicts(citations), ensure_ascii=False)
        try:
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")  # take the write lock up front: waits, never "locked" mid-way
                cur = conn.execute(
                    "INSERT INTO feedback (created_utc, rating, question, answer, citations,"
                    " standalone_question, abstained, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (when, rating, question, answer, cites, standalone_question, int(bool(abstained)),
                     _clean_reason(reason)),
                )
                conn.execute("COMMIT")
                return int(cur.lastrowid or 0)
        except (sqlite3.Error, OSError) as err:
            raise FeedbackError(f"your rating was not saved: {self._problem(err)}") from err

    def _read_rows(self) -> list[tuple]:
        """Rows through a read-only connection; an immutable one when the folder is read-only too (SQLite then
        cannot create the WAL index file a plain read-only connection needs). A store written before a
        column existed reads that column as empty."""
        last: sqlite3.Error | None = None
        for mode in ("mode=ro", "immutable=1"):
            try:
                with closing(sqlite3.connect(f"{self.path.resolve().as_uri()}?{mode}", uri=True,
                                             timeout=BUSY_TIMEOUT_S)) as conn:
                    have = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
                    if not have:
                        return []  # created but never written
                    cols = ", ".join(f if f in have else f"'' AS {f}" for f in FIELDS)
                    return conn.execute(f"SELECT {cols} FROM feedback ORDER BY id").fetchall()
            except sqlite3.OperationalError as err:
                last = err
            except sqlite3.DatabaseError as err:
                raise FeedbackError(self._problem(err)) from err
        raise FeedbackError(f"the feedback database {self.path} cannot be read ({last})") from last

    def set_reason(self, feedback_id: int, reason: str) -> bool:
        """Attach the patient's reason to a rating already stored; False when there is no such row."""
        try:
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")
                cur = conn.execute("UPDATE feedback SET reason = ? WHERE id = ?",
                                   (_clean_reason(reason), int(feedback_id)))
                conn.execute("COMMIT")
                return cur.rowcount == 1
        except (sqlite3.Error, OSError) as err:
            raise FeedbackError(f"your reason was not saved: {self._problem(err)}") from err

    def records(self) -> Iterator[FeedbackRecord]:
        """All ratings, oldest first; nothing when no feedback has been given yet."""
        if not self.path.exists():
            return
        rows = self._read_rows()
        for r in rows:
            yield FeedbackRecord(
                id=r[0],
                created_utc=r[1],
                rating=r[2],
                question=r[3],
                answer=r[4],
                citations=json.loads(r[5] or "[]"),
                standalone_question=r[6],
                abstained=bool(r[7]),
                reason=r[8] or "",
            )

    def count(self) -> int:
        return sum(1 for _ in self.records())

    def export(self, out: TextIO, fmt: str = "csv") -> int:
        """Write every record as CSV (citations as a JSON cell) or JSON Lines; return how many."""
        n = 0
        records = list(self.records())  # read everything first: an unreadable store writes nothing
        if fmt == "jsonl":
            for rec in records:
                out.write(json.dumps(asdict(rec), ensure_ascii=False) + "\n")
                n += 1
        elif fmt == "csv":
            writer = csv.writer(out)
            writer.writerow(FIELDS)
            for rec in records:
                d = asdict(rec)
                d["citations"] = json.dumps(d["citations"], ensure_ascii=False)
                d["abstained"] = int(d["abstained"])
                writer.writerow([d[f] for f in FIELDS])
                n += 1
        else:
            raise ValueError(f"unknown export format {fmt!r}; use csv or jsonl")
        return n


@click.group("feedback")
def feedback_cmd() -> None:
    """Patient ratings (thumbs up/down, with the reason for a thumbs down) collected by the web UI."""


@feedback_cmd.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
def export_cmd(fmt: str, out_path: Path | None) -> None:
    """Export all feedback with question, answer, citations, reason and UTC timestamp."""
    from scarbot.settings import Settings
    from scarbot.store import check_data_dir

    settings = Settings()
    check_data_dir(settings, write=False)  # a file where the folder should be is not "no feedback yet"
    store = FeedbackStore(settings.feedback_db)
    if out_path is None:
        n = store.export(sys.stdout, fmt)
    else:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("w", encoding="utf-8", newline="") as fh:
            n = store.export(fh, fmt)
    click.echo(f"exported {n} feedback record{'s' if n != 1 else ''}"
               + (f" to {out_path}" if out_path else ""), err=True)
