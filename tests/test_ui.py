"""The chat UI with a scripted assistant: what the patient sees, what is stored, and the /ask API."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator

import pytest

pytest.importorskip("gradio")

from markdown_it import MarkdownIt  # noqa: E402

from scarbot.chat_view import (  # noqa: E402
    SAVED_TURNS,
    answer_record,
    escape_answer,
    escape_text,
    load_conversation,
    render_conversation,
    render_reply,
    render_sources,
)
from scarbot.errors import InputError  # noqa: E402
from scarbot.feedback import FeedbackStore  # noqa: E402
from scarbot.settings import Settings  # noqa: E402
from scarbot.types import Answer, Citation, Context, PriceRow  # noqa: E402
from scarbot.ui import STORAGE_KEY, build_app, parse_history, resolve_address, serve  # noqa: E402

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
ROW = "| Laser Resurfacing (CO2/Fractional) | $300 - $1,500 | $1,500 | - |"
ROW_CHUNK = Context("c-cost", "Cost Analysis > Cost Comparison with Other Countries",
                    f"{ROW}\nLaser Resurfacing (CO2/Fractional) — South Korea (USD): $300 - $1,500; USA (USD): $1,500; "
                    "Canada (USD): no figure given", 1.0, kind="table_row")
CITE = Citation(1, "c-cost", "Cost Analysis > Cost Comparison with Other Countries", ROW)
LABELLED = "Laser Resurfacing (CO2/Fractional) — South Korea: $300–$1,500 · USA: $1,500 · no figure: Canada"


class ScriptedAssistant:
    """Answers from a script and records the history it was given (follow-ups are its job)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def _answer(self, question: str, history: list[dict[str, str]]) -> Answer:
        q = question.lower()
        if "mars" in q:
            return Answer("The article does not cover that.", abstained=True, standalone_question=question,
                          strategy="refusal")
        if "boom" in q:
            raise RuntimeError("backend exploded")
        if "invalid" in q:
            raise InputError("That question cannot be used.")
        if "compare" in q:
            return Answer("Laser resurfacing is $300 - $1,500 in Korea [1].", [CITE], [ROW_CHUNK],
                          standalone_question=question, prices=list(PRICES), strategy="prices")
        standalone = question if not history else f"{question} (about {history[-2]['content']})"
        return Answer(f"Answer to: {question} [1]", [CITE], [ROW_CHUNK], standalone_question=standalone,
                      strategy="extract")

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


def scripted_followups(answer: Answer, question: str, earlier: list[str]) -> list[str]:
    if answer.abstained or "compare" in question.lower():
        return []
    return [f"More about {question.rstrip('?')}?", "How long is recovery?"]


@pytest.fixture()
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path))
    return Settings(max_question_chars=200)


@pytest.fixture()
def app(settings):
    bot = ScriptedAssistant()
    demo = build_app(bot, settings, suggest=scripted_followups)
    fns = {f.name: f.fn for f in demo.fns.values()}
    return demo, bot, fns


def run_chat(fns, message: str, conv) -> tuple[list, tuple]:
    """Drive the chat handler like Gradio does; return every yielded update and the last one."""
    updates = list(fns["respond"](message, conv))
    return updates, updates[-1]


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


SAFE_TAGS = {"p", "ul", "ol", "li", "strong", "em", "blockquote", "br", "table", "thead", "tbody", "tr", "th", "td",
             # our own markup: chips, sources panel, chart, error note, the plain-text carrier
             "span", "div", "details", "summary", "figure", "figcaption", "input"}


def visible_text(html: str) -> str:
    import html as html_mod

    return html_mod.unescape(re.sub(r"<[^>]+>", "", html)).strip()


def tags(html: str) -> set[str]:
    """Element names in rendered HTML: anything outside SAFE_TAGS (a, img, script) would be live."""
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", html)}


def live_attributes(html: str) -> list[str]:
    """Event handlers, links and sources: none may appear on any element of a rendered message."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(name for name, _ in attrs if name.startswith("on") or name in ("href", "src", "action"))
            if tag == "input":
                assert ("type", "hidden") in attrs

    Collect().feed(html)
    return found


def plain_of(markdown: str) -> str:
    """The text web/chat.js gives to Copy and to screen readers."""
    import html as html_mod

    (value,) = re.findall(r'<input type="hidden" class="scarbot-plain" value="([^"]*)">', markdown)
    return html_mod.unescape(value)


def message_text(markdown: str) -> str:
    return visible_text(html_of(markdown))


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


@pytest.mark.parametrize("text", XSS)
def test_a_whole_reply_with_hostile_article_text_stays_inert(text):
    cite = Citation(1, "c1", f"Section {text}", f"quote {text}")
    md = render_reply(Answer(f"It says {text} [1].", [cite], standalone_question=f"what {text}"), "q")
    html = html_of(md)
    assert tags(html) <= SAFE_TAGS and not live_attributes(html)
    assert plain_of(md) == f"It says {text} [1]."
    assert text in visible_text(html)  # shown, as text


def test_answer_keeps_readable_markdown():
    html = html_of(escape_answer("- **Microneedling**: $225 - $600 [1]\n- Laser: $300 [2]"))
    assert "<li><strong>Microneedling</strong>" in html


def test_refusal_looks_different_from_an_answer():
    refusal = render_reply(Answer("The article doesn't cover flights.", abstained=True), "flights?")
    normal = render_reply(Answer("Subcision frees tethered scars [1].", [CITE]), "subcision?")
    assert "Not covered by the article" in refusal and refusal.startswith(">")
    assert "Not covered" not in normal and not normal.startswith(">")


def test_citations_are_chips_that_carry_the_labelled_quote():
    ans = Answer("Laser is $300 - $1,500 in Korea [1].", [CITE], [ROW_CHUNK], strategy="prices")
    md = render_reply(ans, "laser price?")
    html = html_of(md)
    (chip,) = re.findall(r'<span class="scarbot-cite"[^>]*>.*?</span></span>', html)
    assert "[1]" in visible_text(chip)
    assert LABELLED in visible_text(chip) and "Cost Comparison with Other Countries" in visible_text(chip)
    # Copy and screen readers get the answer as written, citations as [1], no Markdown escapes
    assert plain_of(md) == "Laser is $300 - $1,500 in Korea [1]."
    assert "\\" not in plain_of(md)


def test_sources_show_labelled_quotes_strategy_and_standalone_question_only_when_different():
    ans = Answer("x [1]", [CITE], [ROW_CHUNK], standalone_question="How much is laser resurfacing in the USA?",
                 strategy="prices")
    text = render_sources(ans, "and in the USA?")
    html = html_of(text)
    assert html.count("<details") == 1 and re.search(r"<summary>Sources &#40;1&#41;</summary>", html)
    assert "Question understood as" in visible_text(html) and "laser resurfacing in the USA" in visible_text(html)
    assert "Cost Analysis › Cost Comparison with Other Countries" in visible_text(html)
    assert f"“{LABELLED}”" in visible_text(html)  # column names, not a raw pipe row
    assert "| - |" not in visible_text(html)
    assert "Answered from the article's price tables (prices)" in visible_text(html)
    same = render_sources(Answer("x [1]", [CITE], standalone_question="How much is it?"), "how much is it")
    assert "Question understood as" not in same
    assert render_sources(Answer("No idea.", abstained=True, standalone_question="q"), "q") == ""


def test_price_answer_draws_its_chart_inside_the_reply():
    md = render_reply(Answer("Laser [1].", [CITE], prices=list(PRICES)), "compare")
    html = html_of(md)
    assert html.count('class="scarbot-chart"') == 1
    assert html.index("scarbot-chart") < html.index("scarbot-sources")  # the chart, then the sources
    rows = re.findall(r'<div class="scarbot-chart-row([^"]*)">(.*?)</div>', html)
    assert [visible_text(r[1]).split("$")[0].replace("no figure", "") for r in rows] == ["South Korea", "USA", "Canada"]
    assert rows[0][0] == " korea" and rows[2][0] == " none" and "no figure" in visible_text(rows[2][1])
    assert "$0–" not in html
    assert render_reply(Answer("Subcision [1].", [CITE]), "q").count("scarbot-chart") == 0


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


def test_reply_streams_then_shows_one_message_with_chips_sources_and_follow_ups(app):
    demo, bot, fns = app
    updates, (chat, box, conv, saved) = run_chat(fns, "How does subcision work?", None)
    # Several intermediate frames with a growing reply before the final one.
    partials = [plain_of(u[0][1]["content"]) for u in updates[1:] if "scarbot-plain" in u[0][1]["content"]]
    assert len(partials) >= 3 and [len(p) for p in partials[:3]] == sorted(len(p) for p in partials[:3])
    assert box == ""
    assert len(chat) == 2  # the question and one reply: sources live inside the reply
    assert message_text(chat[0]["content"]) == "How does subcision work?"
    reply = chat[1]["content"]
    assert plain_of(reply) == "Answer to: How does subcision work? [1]"
    assert 'class="scarbot-cite"' in reply and "<summary>Sources &#40;1&#41;</summary>" in reply
    # two follow-ups offered under the answer, as chips that ask them
    assert chat[1]["options"] == [{"value": "More about How does subcision work?", "label":
                                   "More about How does subcision work?"},
                                  {"value": "How long is recovery?", "label": "How long is recovery?"}]
    assert saved == conv and conv["turns"][0]["answer"]["text"] == "Answer to: How does subcision work? [1]"
    # one final frame: nothing arrives after it that could overwrite the next question
    assert [i for i, u in enumerate(updates) if "turns" in u[3]] == [len(updates) - 1]


def test_follow_up_sends_history_and_shows_the_standalone_question(app):
    demo, bot, fns = app
    _, first = run_chat(fns, "What is subcision?", None)
    _, (chat, _, conv, _) = run_chat(fns, "how long is recovery?", first[2])
    question, history = bot.calls[-1]
    assert question == "how long is recovery?"
    assert history == [
        {"role": "user", "content": "What is subcision?"},
        {"role": "assistant", "content": "Answer to: What is subcision? [1]"},
    ]
    assert "Question understood as" in message_text(chat[-1]["content"])
    assert len(conv["turns"]) == 2
    assert "options" not in chat[1]  # only the latest answer offers follow-ups


def test_clicking_a_follow_up_asks_it(app):
    import gradio as gr

    demo, bot, fns = app
    _, (chat, _, conv, _) = run_chat(fns, "What is subcision?", None)
    evt = gr.SelectData(None, {"index": 1, "value": {"value": "How long is recovery?"}})
    *_, (chat, _, conv, _) = list(fns["on_option"](conv, evt))
    assert bot.calls[-1][0] == "How long is recovery?"
    assert message_text(chat[2]["content"]) == "How long is recovery?" and len(chat) == 4


def test_price_comparison_shows_the_chart_in_its_answer(app):
    demo, bot, fns = app
    _, (chat, *_rest) = run_chat(fns, "Compare laser resurfacing prices across countries", None)
    assert chat[-1]["content"].count('class="scarbot-chart"') == 1
    assert "South Korea" in chat[-1]["content"] and "no figure" in chat[-1]["content"]


def test_refusal_and_errors_are_shown_plainly(app):
    demo, bot, fns = app
    _, (chat, _, conv, _) = run_chat(fns, "Is there a clinic on Mars?", None)
    assert "Not covered by the article" in message_text(chat[1]["content"])
    assert "options" not in chat[1]  # nothing to follow up on
    _, (chat, _, conv, _) = run_chat(fns, "boom", None)
    assert message_text(chat[-1]["content"]).startswith("⚠️ Sorry") and "exploded" not in chat[-1]["content"]
    assert 'class="scarbot-error"' in chat[-1]["content"]
    _, (chat, *_rest) = run_chat(fns, "invalid question", None)
    assert message_text(chat[-1]["content"]) == "⚠️ That question cannot be used."
    assert plain_of(chat[-1]["content"]) == "⚠️ That question cannot be used."


def test_over_long_input_gets_a_clear_message_and_is_not_answered(app, settings):
    demo, bot, fns = app
    long_q = "why is this so " * 16  # 240 chars > 200, ends in a space
    _, (chat, box, conv, _) = run_chat(fns, long_q, None)
    assert "239 characters long; the limit is 200" in message_text(chat[-1]["content"])  # trailing space ignored
    assert 'class="scarbot-error"' in chat[-1]["content"]  # no like/dislike on it (web/chat.css)
    assert box == long_q  # kept so the user can shorten it
    assert bot.calls == [] and conv["turns"][0]["kind"] == "error"


@pytest.mark.parametrize("text", XSS)
def test_hostile_user_text_is_escaped_in_the_chat(app, text):
    demo, bot, fns = app
    _, (chat, *_rest) = run_chat(fns, text, None)
    html = html_of(chat[0]["content"])
    assert tags(html) <= SAFE_TAGS and not live_attributes(html)
    assert visible_text(html) == text  # shown exactly as typed
    assert plain_of(chat[0]["content"]) == text


def test_thumbs_up_and_down_are_stored_and_a_dislike_asks_why(app, settings):
    import gradio as gr

    demo, bot, fns = app
    _, (chat, _, conv, _) = run_chat(fns, "What is subcision?", None)
    box, pending, *_ = fns["on_like"](conv, gr.LikeData(None, {"index": 1, "value": "", "liked": True}))
    assert box["visible"] is False and pending is None
    box, pending, *_ = fns["on_like"](conv, gr.LikeData(None, {"index": 1, "value": "", "liked": False}))
    assert box["visible"] is True and isinstance(pending, int)  # the reason box opens
    box, pending2, *_ = fns["send_reason"](pending, "A figure is wrong or missing", "  the USA price  ")
    assert box["visible"] is False and pending2 is None
    # A click that does not map to an answer (the user's own message) stores nothing.
    fns["on_like"](conv, gr.LikeData(None, {"index": 0, "value": "", "liked": True}))
    recs = list(FeedbackStore(settings.feedback_db).records())
    assert [r.rating for r in recs] == ["up", "down"]
    assert recs[0].question == "What is subcision?"
    assert recs[0].answer == "Answer to: What is subcision? [1]"
    assert recs[0].citations[0]["chunk_id"] == "c-cost" and recs[0].citations[0]["quote_display"] == LABELLED
    assert recs[1].reason == "A figure is wrong or missing: the USA price"


def test_errors_cannot_be_rated(app, settings):
    import gradio as gr

    demo, bot, fns = app
    _, (chat, _, conv, _) = run_chat(fns, "boom", None)
    box, pending, *_ = fns["on_like"](conv, gr.LikeData(None, {"index": 1, "value": "", "liked": False}))
    assert box["visible"] is False and pending is None
    assert list(FeedbackStore(settings.feedback_db).records()) == []


def test_a_reload_restores_the_conversation_from_browser_storage(app):
    demo, bot, fns = app
    _, first = run_chat(fns, "What is subcision?", None)
    _, (chat, _, conv, saved) = run_chat(fns, "Compare laser resurfacing prices across countries", first[2])
    stored = json.loads(json.dumps(saved))  # what localStorage holds
    restored_chat, restored_conv = fns["restore"](stored)
    assert restored_chat == chat
    assert restored_conv["turns"] == conv["turns"]
    # and the conversation continues with its history
    _, (chat2, *_rest) = run_chat(fns, "and recovery?", restored_conv)
    assert [m["content"] for m in bot.calls[-1][1]][::2] == ["What is subcision?",
                                                             "Compare laser resurfacing prices across countries"]
    # "New conversation" empties both
    assert fns["clear"]() == ([], "", {"v": 1, "turns": []}, {"v": 1, "turns": []})


def test_stored_conversations_are_data_checked_and_escaped_on_restore():
    evil = "<img src=x onerror=alert(1)>"
    good = {"q": evil, "kind": "answer", "followups": ["ok?", 5],
            "answer": answer_record(Answer(f"Text {evil} [1]", [CITE], [ROW_CHUNK]))}
    value = {"v": 1, "turns": [good, {"q": 1, "kind": "answer"}, {"q": "x", "kind": "answer", "answer": {"text": 3}},
                               {"q": "y", "kind": "error", "error": evil}, "junk"]}
    conv = load_conversation(value)
    assert [t["q"] for t in conv["turns"]] == [evil, "y"]
    chat = render_conversation(conv)
    for m in chat:
        html = html_of(m["content"])
        assert tags(html) <= SAFE_TAGS and not live_attributes(html)
    assert evil in message_text(chat[0]["content"]) and evil in message_text(chat[1]["content"])
    assert load_conversation({"v": 99, "turns": [good]})["turns"] == []
    assert load_conversation("nonsense")["turns"] == []
    many = {"v": 1, "turns": [dict(good, q=f"q{i}") for i in range(SAVED_TURNS + 5)]}
    assert len(load_conversation(many)["turns"]) == SAVED_TURNS


def test_first_load_has_description_notice_examples_and_browser_storage(app):
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
    assert chat["height"] == "auto"  # grows with the page: one scroll, not a box inside it
    (box,) = [p for p in props if p.get("elem_id") == "scarbot-input"]
    assert not box.get("autofocus")  # no jump on a phone; chat.js focuses on desktop only
    assert any(p.get("storage_key") == STORAGE_KEY for p in props)


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
    assert result["citations"][0]["quote_display"] == LABELLED
    assert result["strategy"] == "prices"
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
