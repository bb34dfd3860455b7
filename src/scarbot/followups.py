"""Suggested follow-up questions: two or three short questions about the same thing that the article
can answer, offered under an answer so a patient can keep going with one tap.

Mechanism, not a list of questions: the templates (``prompts/followups.txt``) are per kind of thing
(procedure, clinic, scar type) and per attribute; the thing comes from the question (or, when the
question names none, from the answer), the attribute just asked about is skipped, and every candidate
is asked of the assistant first: one it would refuse, or that repeats the current answer, is never
offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scarbot.errors import ScarbotError
from scarbot.types import Answer

_LINE = re.compile(r"^\s*([a-z_]+)\s+([a-z_]+)\s*:\s*(.+?)\s*$")
# Query/Frame fields holding each kind of thing, in the order they are tried.
_KINDS = (("procedure", "procedures"), ("clinic", "clinics"), ("scar_type", "scar_types"),
          ("filler_type", "filler_types"))


@dataclass(frozen=True)
class FollowUpTemplate:
    kind: str
    attribute: str
    text: str

    def render(self, name: str) -> str:
        return self.text.replace("{name}", name)


def load_templates(path: Path | str) -> list[FollowUpTemplate]:
    """Parse ``<kind> <attribute>: <question with {name}>`` lines; ``#`` starts a comment."""
    out: list[FollowUpTemplate] = []
    for n, raw in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m or "{name}" not in m.group(3):
            raise ScarbotError(f"{path}:{n}: expected '<kind> <attribute>: question with {{name}}', got {raw!r}")
        out.append(FollowUpTemplate(m.group(1), m.group(2), m.group(3)))
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


class FollowUps:
    """``suggest(answer, asked)`` → up to ``n`` questions the article answers about the same thing.

    ``parse`` turns text into an object with ``procedures``/``clinics``/``scar_types``/``filler_types``
    and ``attributes`` lists (``QueryParser.parse``); ``ask`` answers a standalone question.
    """

    def __init__(self, parse: Callable[[str], Any], ask: Callable[[str], Answer],
                 templates: Iterable[FollowUpTemplate], *, n: int = 3, max_tries: int = 6):
        self.parse = parse
        self.ask = ask
        self.templates = list(templates)
        self.n = n
        self.max_tries = max_tries

    @classmethod
    def for_assistant(cls, assistant: Any, prompts_dir: Path | str, **kw: Any) -> FollowUps | None:
        """Suggestions for an ``Assistant`` (loaded now or on its first answer); None when it cannot
        parse questions or there are no templates."""
        path = Path(prompts_dir) / "followups.txt"
        loadable = callable(getattr(assistant, "load", None))
        if not path.is_file() or (getattr(assistant, "parser", None) is None and not loadable):
            return None

        def parse(text: str) -> Any:
            parser = getattr(assistant, "parser", None)
            if parser is None:
                parser = assistant.load().parser
            return parser.parse(text)

        return cls(parse, lambda q: assistant.ask(q), load_templates(path), **kw)

    def _subjects(self, answer: Answer, asked: str) -> tuple[list[tuple[str, str]], set[str], bool]:
        """The things to ask about, as (kind, name); the attributes already asked; whether the things
        came from the answer (a list such as "which clinics ...") rather than from the question."""
        question = self.parse(answer.standalone_question or asked)
        asked_attrs = set(getattr(question, "attributes", []) or [])
        for source, from_answer in ((question, False), (None, True)):
            if source is None:  # the question named nothing: take what the answer talks about
                source = self.parse(answer.text)
            found: list[tuple[str, str]] = []
            for kind, attr in _KINDS:
                for name in getattr(source, attr, []) or []:
                    if (kind, name) not in found:
                        found.append((kind, name))
            if found:
                return found, asked_attrs, from_answer
        return [], asked_attrs, False

    def suggest(self, answer: Answer, asked: str, exclude: Iterable[str] = ()) -> list[str]:
        """Up to ``n`` follow-ups, each checked to be answered (not refused) and not a repeat."""
        if answer.abstained:
            return []
        subjects, asked_attrs, from_answer = self._subjects(answer, asked)
        seen = {_norm(asked), _norm(answer.standalone_question)} | {_norm(q) for q in exclude}
        out: list[str] = []
        tries = 0
        if from_answer:  # an answer listing several things: one question about each
            per_subject = {name: [t.render(name) for t in self.templates if t.kind == kind]
                           for kind, name in subjects}
            candidates = [qs[i] for i in range(max(map(len, per_subject.values()), default=0))
                          for qs in per_subject.values() if i < len(qs)]
        else:  # one thing: its other attributes, in the templates' order
            kind, name = subjects[0] if subjects else ("", "")
            candidates = [t.render(name) for t in self.templates if t.kind == kind and t.attribute not in asked_attrs]
        for question in candidates:
            if len(out) >= self.n or tries >= self.max_tries:
                break
            if _norm(question) in seen:
                continue
            seen.add(_norm(question))
            tries += 1
            try:
                reply = self.ask(question)
            except ScarbotError:
                continue
            if reply.abstained or not reply.citations or _norm(reply.text) == _norm(answer.text):
                continue
            out.append(question)
        return out
