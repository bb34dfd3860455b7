"""Suggested follow-ups: about the same thing, never what was just asked, never one the article refuses.

A fake parser and a fake assistant over an invented corpus: the mechanism, not this article.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from scarbot.errors import ScarbotError
from scarbot.followups import FollowUps, load_templates
from scarbot.types import Answer, Citation

TEMPLATES = """# comment
procedure cost: How much is {name}?
procedure sessions: How many {name} sessions?
procedure recovery: How long to recover from {name}?
procedure risks: Is {name} risky?
clinic location: Where is {name}?
"""
CITE = Citation(1, "c", "S", "q")


@dataclass
class Parsed:
    procedures: list[str] = field(default_factory=list)
    clinics: list[str] = field(default_factory=list)
    scar_types: list[str] = field(default_factory=list)
    filler_types: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)


def parse(text: str) -> Parsed:
    t = text.lower()
    p = Parsed(procedures=[w for w in ("glowpeel", "skinroll") if w in t],
               clinics=[c for c in ("Alpha Clinic", "Beta Clinic") if c.lower() in t])
    if "how much" in t:
        p.attributes.append("cost")
    return p


class Bot:
    def __init__(self, refuse: tuple[str, ...] = (), fail: tuple[str, ...] = ()):
        self.refuse, self.fail, self.asked = refuse, fail, []

    def __call__(self, q: str) -> Answer:
        self.asked.append(q)
        if any(r in q for r in self.fail):
            raise ScarbotError("boom")
        if any(r in q for r in self.refuse):
            return Answer("The article does not say.", abstained=True)
        return Answer(f"About {q} [1]", [CITE])


@pytest.fixture
def templates(tmp_path):
    path = tmp_path / "followups.txt"
    path.write_text(TEMPLATES, "utf-8")
    return load_templates(path)


def test_other_attributes_of_the_thing_asked_about(templates):
    bot = Bot(refuse=("sessions",))
    f = FollowUps(parse, bot, templates)
    ans = Answer("Glowpeel costs $10 [1].", [CITE], standalone_question="How much is glowpeel?")
    # cost was asked, sessions are refused by the article: recovery and risks are offered
    assert f.suggest(ans, "how much is it?") == ["How long to recover from glowpeel?", "Is glowpeel risky?"]
    assert "How much is glowpeel?" not in bot.asked


def test_a_list_answer_offers_one_question_per_thing_it_names(templates):
    f = FollowUps(parse, Bot(), templates, n=2)
    ans = Answer("Alpha Clinic and Beta Clinic [1].", [CITE], standalone_question="Which clinics are there?")
    assert f.suggest(ans, "Which clinics are there?") == ["Where is Alpha Clinic?", "Where is Beta Clinic?"]


def test_nothing_for_a_refusal_or_when_nothing_is_named(templates):
    f = FollowUps(parse, Bot(), templates)
    assert f.suggest(Answer("Not covered.", abstained=True, standalone_question="glowpeel?"), "glowpeel?") == []
    assert f.suggest(Answer("Weather is nice [1].", [CITE], standalone_question="weather?"), "weather?") == []


def test_errors_and_earlier_questions_are_skipped_and_tries_are_bounded(templates):
    bot = Bot(fail=("recover",))
    f = FollowUps(parse, bot, templates, max_tries=2)
    ans = Answer("Skinroll [1].", [CITE], standalone_question="What is skinroll?")
    assert f.suggest(ans, "What is skinroll?", exclude=["How much is skinroll?"]) == ["How many skinroll sessions?"]
    assert len(bot.asked) == 2


def test_bad_template_lines_are_reported(tmp_path):
    path = tmp_path / "followups.txt"
    path.write_text("procedure cost How much?\n", "utf-8")
    with pytest.raises(ScarbotError, match="followups.txt:1"):
        load_templates(path)


def test_the_shipped_templates_parse():
    from pathlib import Path

    loaded = load_templates(Path(__file__).resolve().parents[1] / "prompts" / "followups.txt")
    assert {t.kind for t in loaded} >= {"procedure", "clinic", "scar_type"}


def test_for_assistant_binds_lazily_and_needs_a_parser(tmp_path):
    (tmp_path / "followups.txt").write_text(TEMPLATES, "utf-8")

    class Lazy:
        parser = None

        def load(self):
            self.parser = type("P", (), {"parse": staticmethod(parse)})()
            return self

        def ask(self, q):
            return Answer(f"About {q} [1]", [CITE])

    f = FollowUps.for_assistant(Lazy(), tmp_path)
    ans = Answer("Glowpeel [1].", [CITE], standalone_question="How much is glowpeel?")
    assert f is not None and f.suggest(ans, "q")[0] == "How many glowpeel sessions?"
    assert FollowUps.for_assistant(object(), tmp_path) is None  # cannot parse questions
    assert FollowUps.for_assistant(Lazy(), tmp_path / "missing") is None
