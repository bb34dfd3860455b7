"""Load and validate a QA set in the format of ``evals/SCHEMA.md``.

A line is a single item (``question`` + ``history``) or a whole conversation (``turns``), which
the runner plays live. Validation is strict and reports the line number, so a maintainer fixes the
file instead of discovering, after a long run, that half of the items were silently skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED = ("id", "category", "history", "question", "answerable", "expect_all", "evidence", "forbid")
TURN_REQUIRED = ("user", "answerable", "expect_all", "forbid")
CONVERSATION_CATEGORY = "conversation"


class DatasetError(ValueError):
    """A dataset line cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class QAItem:
    id: str
    category: str
    question: str
    answerable: bool
    history: list[dict[str, str]] = field(default_factory=list)
    expect_all: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "history": [dict(t) for t in self.history],
            "question": self.question,
            "answerable": self.answerable,
            "expect_all": [list(g) for g in self.expect_all],
            "evidence": list(self.evidence),
            "forbid": list(self.forbid),
        }


@dataclass(frozen=True)
class Turn:
    """One user message of a live conversation, scored like a single item (without evidence)."""

    user: str
    answerable: bool
    expect_all: list[list[str]] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Conversation:
    """A whole conversation, run live: the bot's own answers become the assistant turns."""

    id: str
    turns: list[Turn]
    category: str = CONVERSATION_CATEGORY
    persona: str = ""

    def turn_id(self, n: int) -> str:
        """``conv-001#3`` for the third turn (1-based)."""
        return f"{self.id}#{n}"

    def turn_item(self, n: int, history: list[dict[str, str]]) -> QAItem:
        """Turn ``n`` (1-based) as a single item asked after ``history``."""
        turn = self.turns[n - 1]
        return QAItem(id=self.turn_id(n), category=self.category, question=turn.user, answerable=turn.answerable,
                      history=[dict(t) for t in history], expect_all=[list(g) for g in turn.expect_all],
                      evidence=[], forbid=list(turn.forbid))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "persona": self.persona,
            "turns": [{"user": t.user, "answerable": t.answerable, "expect_all": [list(g) for g in t.expect_all],
                       "forbid": list(t.forbid)} for t in self.turns],
        }


Entry = QAItem | Conversation


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_expectations(obj: dict[str, Any], evidence: list[str] | None) -> None:
    """``answerable`` / ``expect_all`` / ``forbid`` (and ``evidence``, for single items) agree."""
    if not isinstance(obj["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
    expect = obj["expect_all"]
    if not isinstance(expect, list) or not all(_is_str_list(g) and g for g in expect):
        raise ValueError("'expect_all' must be a list of non-empty lists of strings")
    if not _is_str_list(obj["forbid"]):
        raise ValueError("'forbid' must be a list of strings")
    if not obj["answerable"] and evidence is None and expect:
        raise ValueError("unanswerable turns must have an empty 'expect_all'")
    if not obj["answerable"] and (expect or evidence):
        raise ValueError("unanswerable items must have empty 'expect_all' and 'evidence'")
    if obj["answerable"] and not expect:
        raise ValueError(f"answerable {'turns' if evidence is None else 'items'} need at least one 'expect_all' group")


def parse_item(obj: Any) -> QAItem:
    """Check one decoded line against the schema; raise ``ValueError`` with the reason."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "category", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise ValueError(f"'{key}' must be a non-empty string")
    history = obj["history"]
    if not isinstance(history, list):
        raise ValueError("'history' must be a list of {role, content} objects")
    for n, turn in enumerate(history, 1):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise ValueError(f"history turn {n} must be {{'role': 'user'|'assistant', 'content': str}}")
    if not _is_str_list(obj["evidence"]):
        raise ValueError("'evidence' must be a list of strings")
    _check_expectations(obj, obj["evidence"])
    return QAItem(
        id=obj["id"],
        category=obj["category"],
        question=obj["question"],
        answerable=obj["answerable"],
        history=[{"role": t["role"], "content": t["content"]} for t in history],
        expect_all=[list(g) for g in obj["expect_all"]],
        evidence=list(obj["evidence"]),
        forbid=list(obj["forbid"]),
    )


def parse_conversation(obj: Any) -> Conversation:
    """Check one conversation line (a ``turns`` key) against the schema; ``ValueError`` with the reason."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    if "question" in obj or "history" in obj:
        raise ValueError("a line is a single item ('question', 'history') or a conversation ('turns'), not both")
    if not isinstance(obj.get("id"), str) or not obj["id"].strip():
        raise ValueError("conversation: 'id' must be a non-empty string")
    for key in ("category", "persona"):
        if key in obj and not isinstance(obj[key], str):
            raise ValueError(f"conversation: '{key}' must be a string")
    if "category" in obj and not obj["category"].strip():
        raise ValueError("conversation: 'category' must be a non-empty string when given")
    turns = obj["turns"]
    if not isinstance(turns, list) or not turns:
        raise ValueError("conversation: 'turns' must be a non-empty list of {user, answerable, expect_all, forbid}")
    parsed: list[Turn] = []
    for n, turn in enumerate(turns, 1):
        try:
            if not isinstance(turn, dict):
                raise ValueError("expected a JSON object")
            missing = [k for k in TURN_REQUIRED if k not in turn]
            if missing:
                raise ValueError(f"missing field(s): {', '.join(missing)}")
            if not isinstance(turn["user"], str) or not turn["user"].strip():
                raise ValueError("'user' must be a non-empty string")
            _check_expectations(turn, None)
        except ValueError as exc:
            raise ValueError(f"conversation turn {n}: {exc}") from None
        parsed.append(Turn(user=turn["user"], answerable=turn["answerable"],
                           expect_all=[list(g) for g in turn["expect_all"]], forbid=list(turn["forbid"])))
    return Conversation(id=obj["id"], turns=parsed, category=obj.get("category") or CONVERSATION_CATEGORY,
                        persona=obj.get("persona", ""))


def parse_line(obj: Any) -> Entry:
    """A single item, or a conversation when the object has a ``turns`` key."""
    if isinstance(obj, dict) and "turns" in obj:
        return parse_conversation(obj)
    return parse_item(obj)


def load_dataset(path: str | Path) -> list[Entry]:
    """Read every line (single items and conversations, in file order); the first bad line raises
    ``DatasetError`` naming its number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    items: list[Entry] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}, line {lineno}: invalid JSON ({exc.msg})") from exc
        try:
            item = parse_line(obj)
        except ValueError as exc:
            raise DatasetError(f"{path}, line {lineno}: {exc}") from exc
        ids = [item.id]
        if isinstance(item, Conversation):
            ids += [item.turn_id(n) for n in range(1, len(item.turns) + 1)]
        for id_ in ids:
            if id_ in seen:
                raise DatasetError(f"{path}, line {lineno}: id {id_!r} already used on line {seen[id_]}")
            seen[id_] = lineno
        items.append(item)
    if not items:
        raise DatasetError(f"{path} holds no QA items")
    return items
