"""Load and validate a QA set in the format of ``evals/SCHEMA.md``.

Validation is strict and reports the line number, so a maintainer fixes the file instead of
discovering, after a long run, that half of the items were silently skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED = ("id", "category", "history", "question", "answerable", "expect_all", "evidence", "forbid")


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


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
    if not isinstance(obj["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
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
    expect = obj["expect_all"]
    if not isinstance(expect, list) or not all(_is_str_list(g) and g for g in expect):
        raise ValueError("'expect_all' must be a list of non-empty lists of strings")
    for key in ("evidence", "forbid"):
        if not _is_str_list(obj[key]):
            raise ValueError(f"'{key}' must be a list of strings")
    if not obj["answerable"] and (expect or obj["evidence"]):
        raise ValueError("unanswerable items must have empty 'expect_all' and 'evidence'")
    if obj["answerable"] and not expect:
        raise ValueError("answerable items need at least one 'expect_all' group")
    return QAItem(
        id=obj["id"],
        category=obj["category"],
        question=obj["question"],
        answerable=obj["answerable"],
        history=[{"role": t["role"], "content": t["content"]} for t in history],
        expect_all=[list(g) for g in expect],
        evidence=list(obj["evidence"]),
        forbid=list(obj["forbid"]),
    )


def load_dataset(path: str | Path) -> list[QAItem]:
    """Read every line; the first bad line raises ``DatasetError`` naming its number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    items: list[QAItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}, line {lineno}: invalid JSON ({exc.msg})") from exc
        try:
            item = parse_item(obj)
        except ValueError as exc:
            raise DatasetError(f"{path}, line {lineno}: {exc}") from exc
        if item.id in seen:
            raise DatasetError(f"{path}, line {lineno}: id {item.id!r} already used on line {seen[item.id]}")
        seen[item.id] = lineno
        items.append(item)
    if not items:
        raise DatasetError(f"{path} holds no QA items")
    return items
