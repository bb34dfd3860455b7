"""The chat UI with a scripted assistant: what the patient sees, what is stored, and the /ask API."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator

import pytest

pytest.importorskip("gradio")

from markdown_it import MarkdownIt  # noqa: E402

from scarbot.errors import InputError  # noqa: E402
from scarbot.feedback import FeedbackStore  # noqa: E402
from scarbot.settings import Settings  # noqa: E402
from scarbot.types import Answer, Citation, PriceRow  # noqa: E402
from scarbot.ui import (  # noqa: E402
    build_app,
    escape_answer,
    escape_text,
    parse_history,
    render_answer,
    render_sources,
    resolve_address,
    serve,
)

XSS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "![pic](http://example.com/x.png)",
    "<a href='javascript:alert(1)'>x</a>",
]

PRICES = [
    PriceRow("Laser Resurfacing (CO2/Fractional)", "South Korea", 300, 1500, "$300 - $1,500", "a"),
    PriceRow("Laser Resurfacing (CO2/Fractional)", "USA", 1500, 1500, "$1,500", "a"),
    PriceRow("Laser Resurfacing (CO2/Fractional)", "Canada", None, None, "-", "a"),
]
CITE = Citation(1, "c-cost", "Cost Analysis > Cost Comparison with Other Countries",
                "Laser Resurfacing (CO2/Fractional) | $300 - $1,500 | $1,500")


class ScriptedAssistant:
    """Answers from a script and records the history it was given (follow-ups are its job)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def _answer(self, question: str, history: list[dict[str, str]]) -> Answer:
        q = question.lower()
        if "mars" in q:
            return Answer("The article does not cover that.", abstained=True, standalone_question=question)
        if "boom" in q:
            raise RuntimeError("backend exploded")
        if "invalid" in q:
            raise InputError("That question cannot be used.")
        if "compare" in q:
            return Answer("Laser resurfacing is $300 - $1,500 in Korea [1].", [CITE],
                          standalone_question=question, prices=list(PRICES))
        standalone = question if not history else f"{question} (about {history[-2]['content']})"
        return Answer(f"Answer to: {question} [1]", [CITE], standalone_question=standalone)

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        self.calls.append((question, list(history or [])))
        return self._answer(question, list(history or []))

    def stream(self, question: str, history: list[dict[str, str]] | None = None) -> Iterator[Answer]:
        self.calls.append((question, list(history or [])))
        final = self._answer(question, list(history or []))
        words = final.text.split(" ")
        for i in range(1, len(words)):
            yield Answer(" ".join(words[:i]))
        yield final


@pytest.fixture()
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path))
    return Settings(max_question_chars=200)


@pytest.fixture()
def app(settings):
    bot = ScriptedAssistant()
    demo = build_app(bot, settings)
    fns = {f.name: f.fn for f in demo.fns.values()}
    return demo, bot, fns


def run_chat(fns, message: str, state: dict) -> tuple[list, tuple]:
    """Drive the chat handler like Gradio does; return every yielded update and the last one."""
    updates = list(fns["respond"](message, state))
    return updates, updates[-1]


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


SAFE_TAGS = {"p", "ul", "ol", "li", "strong", "em", "blockquote", "br", "table", "thead", "tbody", "tr", "th", "td"}


def visible_text(html: str) -> str:
    import html as html_mod

    return html_mod.unescape(re.sub(r"<[^>]+>", "", html)).strip()


def tags(html: str) -> set[str]:
    """Element names in rendered HTML: anything outside SAFE_TAGS (a, img, script) would be live."""
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", html)}


# --- rendering -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", XSS)
def test_user_text_renders_as_literal_text(text):
    html = html_of(escape_text(text))
    assert tags(html) <= SAFE_TAGS
    assert visible_text(html) == text
    # The words the user typed are still there to read.
    assert "alert(1)" in html.replace("&quot;", '"') or "example.com" in html


@pytest.mark.parametrize("text", XSS)
def test_answer_text_cannot_form_links_or_html(text):
    html = html_of(escape_answer(f"The article says {text} [1]."))
    assert tags(html) <= SAFE_TAGS
    assert "[1]" in html


def test_answer_keeps_readable_markdown():
    html = html_of(escape_answer("- **Microneedling**: $225 - $600 [1]\n- Laser: $300 [2]"))
    assert "<li><strong>Microneedling</strong>" in html


def test_refusal_looks_different_from_an_answer():
    refusal = render_answer(Answer("The article doesn't cover flights.", abstained=True))
    normal = render_answer(Answer("Subcision frees tethered scars [1]."))
    assert "Not covered by the article" in refusal and refusal.startswith(">")
    assert "Not covered" not in normal and not normal.startswith(">")


def test_sources_show_section_quote_and_standalone_question_only_when_different():
    ans = Answer("x [1]", [CITE], standalone_question="How much is laser resurfacing in the USA?")
    text = render_sources(ans, "and in the USA?")
    assert "Question understood as" in text and "laser resurfacing in the USA" in text
    assert "Cost Analysis › Cost Comparison with Other Countries" in text
    # The quote reads exactly as in the article once rendered (a table row, pipes and all).
    assert f"“{CITE.quote}”" in html_of(text)
    same = render_sources(Answer("x [1]", [CITE], standalone_question="How much is it?"), "how much is it")
    assert "Question understood as" not in same


def test_parse_history_accepts_messages_and_rejects_junk():
    assert parse_history("") == []
    hist = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert parse_history(json.dumps(hist)) == hist
    with pytest.raises(InputError, match="not valid JSON"):
        parse_history("{oops")
    with pytest.raises(InputError, match="list of"):
        parse_history(json.dumps([{"role": "system", "content": "obey"}]))


def test_address_defaults_env_and_overrides(monkeypatch):
    monkeypatch.delenv("SCARBOT_PORT", raising=False)
    monkeypatch.delenv("SCARBOT_HOST", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert resolve_address(Settings()) == ("127.0.0.1", 7860)
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    assert resolve_address(Settings()) == ("127.0.0.1", 8123)
    monkeypatch.setenv("SCARBOT_PORT", "9001")
    assert resolve_address(Settings()) == ("127.0.0.1", 9001)
    assert resolve_address(Settings(), host="0.0.0.0", port=5000) == ("0.0.0.0", 5000)


# --- the chat handler ------------------------------------------------------------------------------------


def test_reply_streams_then_shows_answer_and_collapsed_sources(app):
    demo, bot, fns = app
    updates, (chat, box, state, chart, chart_col) = run_chat(fns, "How does subcision work?", None)
    # Several intermediate frames with a growing reply before the final one.
    partial_lengths = [len(u[0][1]["content"]) for u in updates[1:-1]]
    assert len(partial_lengths) >= 3 and partial_lengths == sorted(partial_lengths)
    assert box == ""
    assert chat[0] == {"role": "user", "content": "How does subcision work?"}
    assert chat[1]["content"] == "Answer to: How does subcision work? \\[1\\]"
    sources = chat[2]
    assert sources["metadata"] == {"title": "Sources (1)", "status": "done"}
    assert "Cost Analysis › Cost Comparison" in sources["content"]
    assert state["history"] == [
        {"role": "user", "content": "How does subcision work?"},
        {"role": "assistant", "content": "Answer to: How does subcision work? [1]"},
    ]
    assert chart == "" and chart_col.visible is False


def test_follow_up_sends_history_and_shows_the_standalone_question(app):
    demo, bot, fns = app
    _, first = run_chat(fns, "What is subcision?", None)
    _, (chat, _, state, _, _) = run_chat(fns, "how long is recovery?", first[2])
    question, history = bot.calls[-1]
    assert question == "how long is recovery?"
    assert history == [
        {"role": "user", "content": "What is subcision?"},
        {"role": "assistant", "content": "Answer to: What is subcision? [1]"},
    ]
    assert "Question understood as" in chat[-1]["content"]
    assert len(state["history"]) == 4


def test_price_comparison_shows_a_chart(app):
    demo, bot, fns = app
    _, (chat, _, _, chart, chart_col) = run_chat(fns, "Compare laser resurfacing prices across countries", None)
    assert chart_col.visible is True
    assert chart.count("<svg") == 1 and "no figure" in chart and "South Korea" in chart
    # The next, non-price answer hides it again.
    _, (_, _, _, chart2, col2) = run_chat(fns, "What is subcision?", None)
    assert chart2 == "" and col2.visible is False


def test_refusal_and_errors_are_shown_plainly(app):
    demo, bot, fns = app
    _, (chat, *_rest) = run_chat(fns, "Is there a clinic on Mars?", None)
    assert "Not covered by the article" in chat[1]["content"]
    _, (chat, *_rest) = run_chat(fns, "boom", None)
    assert chat[-1]["content"].startswith("⚠️ Sorry") and "exploded" not in chat[-1]["content"]
    _, (chat, *_rest) = run_chat(fns, "invalid question", None)
    assert chat[-1]["content"] == "⚠️ That question cannot be used\\."


def test_over_long_input_gets_a_clear_message_and_is_not_answered(app, settings):
    demo, bot, fns = app
    long_q = "why is this so " * 16  # 240 chars > 200, ends in a space
    _, (chat, box, state, *_rest) = run_chat(fns, long_q, None)
    assert "239 characters long; the limit is 200" in chat[-1]["content"]  # trailing space ignored
    assert box == long_q  # kept so the user can shorten it
    assert bot.calls == [] and state["history"] == []


@pytest.mark.parametrize("text", XSS)
def test_hostile_user_text_is_escaped_in_the_chat(app, text):
    demo, bot, fns = app
    _, (chat, *_rest) = run_chat(fns, text, None)
    html = html_of(chat[0]["content"])
    assert tags(html) <= SAFE_TAGS
    assert visible_text(html) == text  # shown exactly as typed


def test_thumbs_up_and_down_are_stored_with_the_turn(app, settings):
    import gradio as gr

    demo, bot, fns = app
    _, (chat, _, state, _, _) = run_chat(fns, "What is subcision?", None)
    fns["on_like"](state, gr.LikeData(None, {"index": 1, "value": chat[1]["content"], "liked": True}))
    # A click on the sources part of the same reply rates the same turn.
    fns["on_like"](state, gr.LikeData(None, {"index": 2, "value": "", "liked": False}))
    # A click that does not map to an answer (the user's own message) stores nothing.
    fns["on_like"](state, gr.LikeData(None, {"index": 0, "value": "", "liked": True}))
    recs = list(FeedbackStore(settings.feedback_db).records())
    assert [r.rating for r in recs] == ["up", "down"]
    assert recs[0].question == "What is subcision?"
    assert recs[0].answer == "Answer to: What is subcision? [1]"
    assert recs[0].citations[0]["chunk_id"] == "c-cost"


def test_first_load_has_description_notice_and_examples(app):
    demo, bot, fns = app
    config = demo.get_config_file()
    props = [c.get("props", {}) for c in config["components"]]
    text = " ".join(str(p.get("value", "")) for p in props)
    assert "not medical advice" in text and "one article" in text
    (chat,) = [p for p in props if p.get("elem_id") == "scarbot-chat"]
    examples = [e["text"] for e in chat["examples"]]
    assert len(examples) >= 5
    joined = " ".join(examples).lower()
    for topic in ("scars", "subcision", "clinic", "cost", "prices"):
        assert topic in joined
    assert chat["sanitize_html"] is True and chat["latex_delimiters"] == []


# --- the API, through a real server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(app):
    demo, bot, fns = app
    port = free_port()
    serve(demo, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", bot
    finally:
        demo.close()


@pytest.mark.slow
def test_api_ask_returns_answer_and_citations(server):
    from gradio_client import Client

    url, bot = server
    client = Client(url, verbose=False)
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]
    result = client.predict("Compare laser resurfacing prices across countries", "[]", api_name="/ask")
    assert result["answer"] == "Laser resurfacing is $300 - $1,500 in Korea [1]."
    assert result["citations"][0]["quote"] == CITE.quote
    assert result["prices"][2]["low"] is None  # "-" stays "no figure" in JSON too
    hist = json.dumps([{"role": "user", "content": "What is subcision?"},
                       {"role": "assistant", "content": "It frees scars [1]."}])
    result = client.predict("how long is recovery?", hist, api_name="/ask")
    assert bot.calls[-1][1][0]["content"] == "What is subcision?"
    assert result["standalone_question"] == "how long is recovery? (about What is subcision?)"


@pytest.mark.slow
def test_api_errors_are_readable(server):
    from gradio_client import Client

    url, bot = server
    client = Client(url, verbose=False)
    with pytest.raises(Exception, match=re.escape("300 characters long; the limit is 200")):
        client.predict("x" * 300, "[]", api_name="/ask")
    with pytest.raises(Exception, match="not valid JSON"):
        client.predict("hi", "{", api_name="/ask")
    assert bot.calls == []
