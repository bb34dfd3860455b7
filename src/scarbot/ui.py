"""The patient-facing Gradio chat: streamed, cited answers, collapsible sources, price charts, feedback.

Everything shown is escaped first: the user's text, the history and the article's own sentences are
data, never markup, so a message like ``<img src=x onerror=...>`` is displayed, not executed.
``build_app`` takes any object with ``ask``/``stream`` (tests pass a fake); ``launch`` builds the
index when missing, warms the real assistant and serves on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from html import escape as html_escape
from typing import TYPE_CHECKING, Any, Protocol

from scarbot.charts import price_charts_html
from scarbot.errors import InputError, ScarbotError
from scarbot.feedback import FeedbackStore
from scarbot.settings import Settings
from scarbot.types import Answer

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

log = logging.getLogger(__name__)

TITLE = "scarbot · atrophic scar treatment in Korea"
DESCRIPTION = (
    "Ask about atrophic acne scars, their treatments, Korean clinics and what they cost — "
    "every answer quotes the article it comes from."
)
NOTICE = (
    "Answers come from one article only (a medical-tourism blog post on atrophic scar treatment in Korea). "
    "This is general information, **not medical advice**: please see a dermatologist about your own skin."
)
EXAMPLES: list[tuple[str, str]] = [
    ("Scar types", "What are the main types of atrophic scars?"),
    ("Procedure", "How does subcision help rolling scars?"),
    ("Procedure", "What is the downtime after laser resurfacing?"),
    ("Clinics", "Which clinics in Korea treat atrophic scars?"),
    ("Costs", "How much does microneedling cost in Korea?"),
    ("Costs", "Compare laser resurfacing prices across countries"),
]
GENERIC_ERROR = (
    "Sorry — something went wrong while answering. Please try again; if it keeps happening, "
    "tell the support team the time you asked."
)
DEFAULT_CONCURRENCY = 4

CSS = """
#scarbot-header h1 { margin-bottom: 0.2rem; }
#scarbot-header p { margin-top: 0; color: var(--body-text-color-subdued); }
#scarbot-notice { border-left: 4px solid #f59e0b; background: #fffbeb; color: #78350f;
  padding: 0.45rem 0.8rem; border-radius: 6px; font-size: 0.92rem; }
#scarbot-notice p { margin: 0; color: #78350f; }
#scarbot-chart figure { margin: 0 0 1rem 0; }
#scarbot-chart .chart-caption { font-size: 0.85rem; color: var(--body-text-color-subdued); margin: 0 0 .5rem 0; }
"""


class AssistantLike(Protocol):
    def ask(self, question: str, history: list[dict[str, str]] | None = ...) -> Answer: ...

    def stream(self, question: str, history: list[dict[str, str]] | None = ...) -> Iterator[Answer]: ...


# --- rendering: untrusted text -> inert Markdown ---------------------------------------------------------

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_LINK_CHARS = set("\\[]`")
_MD_ALL_CHARS = set("\\[]`*_{}()#+-.!|~")


def _escape(text: str, chars: set[str]) -> str:
    out: list[str] = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in chars:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def escape_text(text: str) -> str:
    """Render arbitrary text literally in Gradio's Markdown: no HTML, no links, no images, no formatting."""
    return _escape(text, _MD_ALL_CHARS)


def escape_answer(text: str) -> str:
    """Render answer text safely while keeping harmless Markdown (lists, bold, tables) readable.

    HTML becomes entities and brackets/backticks are escaped, so no link, image or raw HTML can form.
    """
    return _escape(text, _MD_LINK_CHARS)


def _norm(q: str) -> str:
    return re.sub(r"[\W_]+", " ", q.casefold()).strip()


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_answer(answer: Answer) -> str:
    """The reply bubble: the answer text, or a visibly different note when the article does not cover it."""
    body = escape_answer(answer.text.strip()) or "…"
    if answer.abstained:
        quoted = "\n".join("> " + line if line.strip() else ">" for line in body.splitlines())
        return "> ℹ️ **Not covered by the article**\n>\n" + quoted
    return body


def render_sources(answer: Answer, asked: str) -> str:
    """The collapsible sources: only the citations the answer uses, plus the question as understood."""
    parts: list[str] = []
    sq = (answer.standalone_question or "").strip()
    if sq and _norm(sq) != _norm(asked):
        parts.append(f"**Question understood as:** “{escape_text(sq)}”")
    seen: set[int] = set()
    for c in sorted(answer.citations, key=lambda c: c.n):
        if c.n in seen:
            continue
        seen.add(c.n)
        section = escape_text(c.section.replace(" > ", " › ")) or "Article"
        # Table-row quotes arrive as "| cell | cell |": the outer pipes are noise to a reader.
        quote = escape_text(" ".join(c.quote.split()).strip("| "))
        parts.append(f"**[{c.n}]** {section}\n> “{quote}”")
    return "\n\n".join(parts)


def sources_title(answer: Answer) -> str:
    n = len({c.n for c in answer.citations})
    if n == 0:
        return "How your question was read"
    return f"Sources ({n})"


def chart_html(answer: Answer, asked: str) -> str:
    """The side-panel chart for an answer with one procedure priced in several countries, or ""."""
    charts = price_charts_html(answer.prices)
    if not charts:
        return ""
    caption = f'<p class="chart-caption">For: “{html_escape(_shorten(asked, 120))}”. Korea is highlighted.</p>'
    return f'<div class="scarbot-charts">{caption}{charts}</div>'


def too_long_message(n: int, limit: int) -> str:
    return (
        f"⚠️ Your message is {n:,} characters long; the limit is {limit:,}. "
        "Please shorten it to one question and send it again."
    )


def parse_history(history_json: str | None) -> list[dict[str, str]]:
    """History for the API: a JSON list of {"role": "user"|"assistant", "content": str}; "" means none."""
    if history_json is None or not str(history_json).strip():
        return []
    try:
        data = json.loads(history_json)
    except json.JSONDecodeError as err:
        raise InputError(f"history_json is not valid JSON ({err.msg}); send [] for no history.") from err
    if not isinstance(data, list) or not all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in data
    ):
        raise InputError('history_json must be a list of {"role": "user"|"assistant", "content": "..."} objects.')
    return [{"role": m["role"], "content": m["content"]} for m in data]


def _new_state() -> dict[str, Any]:
    return {"display": [], "history": [], "turns": {}}


# --- the app ---------------------------------------------------------------------------------------------


def build_app(
    assistant: AssistantLike,
    settings: Settings | None = None,
    *,
    store: FeedbackStore | None = None,
    concurrency: int | None = None,
) -> gr.Blocks:
    """Build (not launch) the chat app around ``assistant``; the feedback store defaults to the data folder."""
    _quiet_telemetry()
    import gradio as gr

    settings = settings or Settings()
    store = store or FeedbackStore(settings.feedback_db)
    limit = settings.max_question_chars
    concurrency = concurrency or int(getattr(settings, "ui_concurrency", DEFAULT_CONCURRENCY))

    def history_window(history: list[dict[str, str]]) -> list[dict[str, str]]:
        n = settings.history_turns * 2
        return list(history[-n:]) if n else []

    def respond(message: str, state: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        state = state or _new_state()
        display: list[dict[str, Any]] = list(state["display"])
        question = (message or "").strip()
        if not question:
            yield display, "", state, gr.skip(), gr.skip()
            return
        if len(question) > limit:
            display += [
                {"role": "user", "content": escape_text(_shorten(question, 300))},
                {"role": "assistant", "content": too_long_message(len(question), limit)},
            ]
            state = {**state, "display": display}
            # Keep the text in the box so the user can shorten it rather than retype it.
            yield display, message, state, gr.skip(), gr.skip()
            return

        display += [{"role": "user", "content": escape_text(question)}, {"role": "assistant", "content": "…"}]
        yield display, "", {**state, "display": display}, gr.skip(), gr.skip()

        final: Answer | None = None
        error: str | None = None
        try:
            for partial in assistant.stream(question, history=history_window(state["history"])):
                final = partial
                display[-1] = {"role": "assistant", "content": escape_answer(partial.text) or "…"}
                yield display, "", {**state, "display": display}, gr.skip(), gr.skip()
        except ScarbotError as err:  # InputError included: str(err) is written for the user
            error = str(err)
        except Exception:
            log.exception("answering %r failed", question[:200])
            error = GENERIC_ERROR
        if error is not None or final is None:
            display[-1] = {"role": "assistant", "content": "⚠️ " + escape_text(error or GENERIC_ERROR)}
            yield display, "", {**state, "display": display}, gr.skip(), gr.skip()
            return

        answer_idx = len(display) - 1
        display[-1] = {"role": "assistant", "content": render_answer(final)}
        record = {
            "question": question,
            "answer": final.text,
            "citations": [c.__dict__ for c in final.citations],
            "standalone_question": final.standalone_question,
            "abstained": final.abstained,
        }
        turns = dict(state["turns"])
        turns[str(answer_idx)] = record
        sources = render_sources(final, question)
        if sources:
            display.append(
                {
                    "role": "assistant",
                    "content": sources,
                    "metadata": {"title": sources_title(final), "status": "done"},
                }
            )
            turns[str(len(display) - 1)] = record
        history = [*state["history"], {"role": "user", "content": question},
                   {"role": "assistant", "content": final.text}]
        new_state = {"display": display, "history": history, "turns": turns}
        chart = chart_html(final, question)
        yield display, "", new_state, chart, gr.Column(visible=bool(chart))

    def on_example(state: dict[str, Any], evt: gr.SelectData) -> Iterator[tuple[Any, ...]]:
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from respond(str(value.get("text", "")), state)

    def on_like(state: dict[str, Any], data: gr.LikeData) -> None:
        idx = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = (state or {}).get("turns", {}).get(str(idx))
        liked = data.liked
        rating = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(liked)  # type: ignore[arg-type]
        if record is None or rating is None:
            return  # e.g. a click on an error message, or a like being withdrawn
        store.add(rating, **record)
        gr.Info("Thanks — your feedback was saved." if rating == "up" else
                "Thanks — we'll use this to improve the answers.")

    # Gradio injects event data by type hint; the hints are strings here (future annotations) and
    # ``gr`` is imported lazily, so give it the real classes.
    on_example.__annotations__["evt"] = gr.SelectData
    on_like.__annotations__["data"] = gr.LikeData

    def clear() -> tuple[Any, ...]:
        return [], "", _new_state(), "", gr.Column(visible=False)

    def ask(question: str, history_json: str = "[]") -> dict[str, Any]:
        """Ask one question; history_json is a JSON list of {"role", "content"} turns ("[]" for none).

        Returns the Answer as JSON: answer (text with [n] markers), abstained, standalone_question,
        citations [{n, chunk_id, section, quote, source}], contexts, timings_ms, prices.
        """
        question = (question or "").strip()
        try:
            if not question:
                raise InputError("Please type a question about atrophic scars or their treatment.")
            if len(question) > limit:
                raise InputError(too_long_message(len(question), limit).removeprefix("⚠️ "))
            history = parse_history(history_json)
            return assistant.ask(question, history=history_window(history)).to_dict()
        except ScarbotError as err:
            raise gr.Error(str(err), print_exception=False) from err

    theme = gr.themes.Soft(
        primary_hue="rose",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        state = gr.State(_new_state())
        gr.Markdown(f"# scarbot\n{DESCRIPTION}", elem_id="scarbot-header")
        gr.Markdown("⚕️ " + NOTICE, elem_id="scarbot-notice")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    elem_id="scarbot-chat",
                    height=560,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],  # prices are full of "$"
                    render_markdown=True,
                    layout="bubble",
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    placeholder="**Ask a question** or pick an example below.",
                    examples=[{"text": q, "display_text": f"{tag}: {q}"} for tag, q in EXAMPLES],
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask about scar types, treatments, clinics or prices…",
                        show_label=False,
                        lines=1,
                        max_lines=6,
                        scale=5,
                        autofocus=True,
                        submit_btn=False,
                        elem_id="scarbot-input",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="scarbot-send")
                new = gr.Button("New conversation", size="sm", variant="secondary", elem_id="scarbot-new")
            with gr.Column(scale=2, min_width=320, visible=False) as chart_col:
                gr.Markdown("### Price comparison")
                chart = gr.HTML(elem_id="scarbot-chart", js_on_load=None)

        outputs = [chatbot, box, state, chart, chart_col]
        common = {"api_visibility": "private", "show_progress": "hidden"}
        box.submit(respond, [box, state], outputs, **common)
        send.click(respond, [box, state], outputs, **common)
        chatbot.example_select(on_example, [state], outputs, **common)
        chatbot.like(on_like, [state], None, api_visibility="private")
        new.click(clear, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(clear, None, outputs, api_visibility="private", queue=False)
        gr.api(ask, api_name="ask")

    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    demo.scarbot_launch_kwargs = {"theme": theme, "css": CSS}  # type: ignore[attr-defined]
    return demo


# --- launching -------------------------------------------------------------------------------------------


def _quiet_telemetry() -> None:
    """No analytics or telemetry calls from Gradio, Hugging Face or Chroma (set before they are imported)."""
    for key, value in {
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
    }.items():
        os.environ.setdefault(key, value)


def resolve_address(settings: Settings, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Explicit arguments win, then SCARBOT_HOST/SCARBOT_PORT, then GRADIO_SERVER_NAME/PORT, then defaults."""
    explicit = settings.model_fields_set
    if host is None:
        host = settings.host if "host" in explicit else os.environ.get("GRADIO_SERVER_NAME") or settings.host
    if port is None:
        env_port = os.environ.get("GRADIO_SERVER_PORT")
        if "port" in explicit or not env_port:
            port = settings.port
        else:
            try:
                port = int(env_port)
            except ValueError as err:
                raise ScarbotError(f"GRADIO_SERVER_PORT={env_port!r} is not a port number.") from err
    return host, int(port)


def serve(demo: gr.Blocks, host: str, port: int, *, block: bool = True) -> None:
    """Start the server with the app's theme and CSS (Gradio 6 takes them in ``launch()``, not ``Blocks``).

    ``block=False`` returns once the server is up (tests and embedding); close it with ``demo.close()``.
    """
    from scarbot.environment import bypass_proxy_for_loopback

    bypass_proxy_for_loopback(host)  # Gradio's start-up self-check must not go through a proxy
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,  # never a public tunnel, whatever GRADIO_SHARE says
        prevent_thread_lock=not block,
        show_error=False,
        quiet=True,
        footer_links=["api"],
        **dict(getattr(demo, "scarbot_launch_kwargs", {})),
    )


def launch(settings: Settings | None = None, host: str | None = None, port: int | None = None) -> None:
    """Build the index if needed, load the assistant, and serve the chat (blocks until stopped)."""
    _quiet_telemetry()
    settings = settings or Settings()
    from scarbot.assistant import Assistant
    from scarbot.ingest import ensure_index

    ensure_index(settings)
    bot = Assistant.from_settings(settings)
    print("Loading the assistant (embedding model and index)…", flush=True)
    load = getattr(bot, "load", None) or getattr(bot, "warm_up", None)
    if callable(load):
        load()  # errors here (index/model mismatch) are actionable: let them stop the launch
    try:  # one throw-away question so the first patient does not wait for lazy initialisation
        bot.ask("What are atrophic scars?")
    except ScarbotError as err:
        print(f"warning: warm-up question failed: {err}", flush=True)
    demo = build_app(bot, settings)
    host, port = resolve_address(settings, host, port)
    serve(demo, host, port, block=False)
    # Printed only once the server accepts connections: scripts and tests wait for this line.
    print(f"scarbot is running at http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    demo.block_thread()
