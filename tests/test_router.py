"""The router: a strategy that raises is logged and skipped; the user gets an answer, not a traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_a_failing_strategy_is_skipped_and_logged(assistant, monkeypatch, caplog):
    prices = next(s for s in assistant.answerer.strategies if s.name == "prices")

    def broken(q, ctx):
        raise KeyError("")

    monkeypatch.setattr(prices, "answer", broken)
    ans = assistant.ask("What does laser resurfacing cost in Turkey?")
    assert "prices: failed" in ans.steps
    assert ans.text  # another strategy answered
    assert any("strategy prices failed" in r.getMessage() for r in caplog.records)


def test_when_every_strategy_fails_the_reply_says_so(assistant, monkeypatch):
    for s in assistant.answerer.strategies:
        monkeypatch.setattr(s, "answer", lambda q, ctx: 1 / 0)
    ans = assistant.ask("What does laser resurfacing cost in Turkey?")
    assert ans.abstained and "rephrase" in ans.text
