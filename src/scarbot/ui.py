"""The patient-facing Gradio chat: streamed, cited answers, readable sources, price charts, feedback.

Each reply is one message: the answer with ``[n]`` chips (hover, focus or tap shows the quote), the
price chart when there is one, and a Sources panel that opens inside it; suggested follow-ups sit
under the latest answer. What a message looks like, and how everything in it is escaped, is
``scarbot.chat_view``; the page's CSS and its small script (clean Copy and aria-labels, focus, the
notice) are ``web/chat.css`` and ``web/chat.js``. The conversation is kept in the browser
(``gr.BrowserState``) as data, and re-rendered by the server on reload.

``build_app`` takes any object with ``ask``/``stream`` (tests pass a fake); ``launch`` builds the
index when missing, warms the real assistant and serves on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from html import escape as html_escape
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from scarbot.chat_view import (
    answer_record,
    history_of,
    load_conversation,
    new_conversation,
    render_conversation,
    render_partial,
    render_question,
    saved_form,
    shorten,
)
from scarbot.errors import FeedbackError, InputError, ScarbotError
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
NOTICE_SUMMARY = "From one article · not medical advice"
NOTICE = (
    "Answers come from one article only (a medical-tourism blog post on atrophic scar treatment in Korea). "
    "This is general information, not medical advice: please see a dermatologist about your own skin."
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
DISLIKE_REASONS = [
    "A figure is wrong or missing",
    "It did not answer my question",
    "Hard to understand",
    "The sources do not support it",
    "Something else",
]
DEFAULT_CONCURRENCY = 4
STORAGE_KEY = "scarbot-conversation-v1"


def _asset(name: str) -> str:
    return resources.files("scarbot").joinpath("web", name).read_text("utf-8")


class AssistantLike(Protocol):
    def ask(self, question: str, history: list[dict[str, str]] | None = ...) -> Answer: ...

    def stream(self, question: str, history: list[dict[str, str]] | None = ...) -> Iterator[Answer]: ...


Suggest = Callable[[Answer, str, list[str]], list[str]]


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


# --- the app ---------------------------------------------------------------------------------------------


def build_app(
    assistant: AssistantLike,
    settings: Settings | None = None,
    *,
    store: FeedbackStore | None = None,
    concurrency: int | None = None,
    suggest: Suggest | None = None,
) -> gr.Blocks:
    """Build (not launch) the chat app around ``assistant``; the feedback store defaults to the data folder.

    ``suggest(answer, question, earlier_questions)`` gives follow-up questions to offer under an
    answer; by default they come from ``scarbot.followups`` when the assistant can parse questions.
    """
    _quiet_telemetry()
    import gradio as gr

    settings = settings or Settings()
    store = store or FeedbackStore(settings.feedback_db)
    limit = settings.max_question_chars
    concurrency = concurrency or int(getattr(settings, "ui_concurrency", DEFAULT_CONCURRENCY))
    # Each suggestion is checked by asking it: cheap with the grounded answerer, an LLM call per
    # candidate with an LLM backend, so suggestions are offered in the default mode only.
    if suggest is None and settings.llm.strip().lower() == "none":
        from scarbot.followups import FollowUps

        followups = FollowUps.for_assistant(assistant, settings.prompts_dir)
        if followups is not None:
            suggest = followups.suggest

    def history_window(history: list[dict[str, str]]) -> list[dict[str, str]]:
        # the whole answered history: the assistant's guard keeps what the dialogue needs (persona
        # stated early included) and the LLM backends cut to their own window
        return list(history) if settings.history_turns else []

    def respond(message: str, conv: dict[str, Any] | None) -> Iterator[tuple[Any, ...]]:
        conv = load_conversation(conv) if not (isinstance(conv, dict) and "turns" in conv) else conv
        turns = list(conv["turns"])
        done = render_conversation({"turns": turns})
        question = (message or "").strip()
        if not question:
            yield done, "", conv, gr.skip()
            return
        if len(question) > limit:
            conv = {**conv, "turns": [*turns, {"q": shorten(question, 300), "kind": "error",
                                                "error": too_long_message(len(question), limit).removeprefix("⚠️ ")}]}
            # Keep the text in the box so the user can shorten it rather than retype it.
            yield render_conversation(conv), message, conv, saved_form(conv)
            return

        for m in done:
            m.pop("options", None)  # the old follow-ups go once a new question is asked
        asking = [*done, {"role": "user", "content": render_question(question)}]
        yield [*asking, {"role": "assistant", "content": "…"}], "", conv, gr.skip()

        final: Answer | None = None
        error: str | None = None
        try:
            for partial in assistant.stream(question, history=history_window(history_of(conv))):
                final = partial
                yield [*asking, {"role": "assistant", "content": render_partial(partial.text)}], "", conv, gr.skip()
        except ScarbotError as err:  # InputError included: str(err) is written for the user
            error = str(err)
        except Exception:
            log.exception("answering %r failed", question[:200])
            error = GENERIC_ERROR
        if error is not None or final is None:
            conv = {**conv, "turns": [*turns, {"q": question, "kind": "error", "error": error or GENERIC_ERROR}]}
            yield render_conversation(conv), "", conv, saved_form(conv)
            return

        # Follow-ups are worked out before the final frame (a few warm look-ups, tens of ms, while the
        # streamed text is already on screen): one final frame, so a question sent right after it can
        # never be overwritten by a late one.
        ups: list[str] = []
        if suggest is not None and not final.abstained:
            try:
                ups = list(suggest(final, question, [t["q"] for t in turns]))[:3]
            except Exception:  # suggestions are a courtesy: never let them break an answer
                log.exception("follow-up suggestions for %r failed", question[:200])
        turn: dict[str, Any] = {"q": question, "kind": "answer", "answer": answer_record(final), "followups": ups}
        conv = {**conv, "turns": [*turns, turn]}
        yield render_conversation(conv), "", conv, saved_form(conv)

    def on_example(conv: dict[str, Any], evt: gr.SelectData) -> Iterator[tuple[Any, ...]]:
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from respond(str(value.get("text", "")), conv)

    def on_option(conv: dict[str, Any], evt: gr.SelectData) -> Iterator[tuple[Any, ...]]:
        value = evt.value.get("value", "") if isinstance(evt.value, dict) else evt.value
        yield from respond(str(value or ""), conv)

    def restore(saved_value: Any) -> tuple[Any, ...]:
        conv = load_conversation(saved_value)
        return render_conversation(conv), conv

    hidden = (gr.update(visible=False), None, gr.update(value=None), gr.update(value=""))

    def on_like(conv: dict[str, Any], data: gr.LikeData) -> tuple[Any, ...]:
        idx = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        liked = data.liked
        rating = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(liked)  # type: ignore[arg-type]
        turns = (conv or {}).get("turns", [])
        turn = turns[idx // 2] if isinstance(idx, int) and idx % 2 == 1 and idx // 2 < len(turns) else None
        if turn is None or turn.get("kind") != "answer" or rating is None:
            return hidden  # e.g. a click on an error message, or a like being withdrawn
        rec = turn["answer"]
        try:
            feedback_id = store.add(rating, question=turn["q"], answer=rec["text"], citations=rec["citations"],
                                    standalone_question=rec["standalone_question"], abstained=rec["abstained"])
        except FeedbackError as err:  # a rating that cannot be saved is said, never lost silently
            gr.Warning(str(err))
            return hidden
        if rating == "up":
            gr.Info("Thanks — your feedback was saved.")
            return hidden
        return gr.update(visible=True), feedback_id, gr.update(value=None), gr.update(value="")

    def send_reason(feedback_id: int | None, choice: str | None, text: str) -> tuple[Any, ...]:
        reason = ": ".join(p for p in ((choice or "").strip(), (text or "").strip()) if p)
        if feedback_id is not None and reason:
            try:
                store.set_reason(int(feedback_id), reason)
            except FeedbackError as err:
                gr.Warning(str(err))
                return hidden
        gr.Info("Thanks — we'll use this to improve the answers.")
        return hidden

    def skip_reason() -> tuple[Any, ...]:
        gr.Info("Thanks — we'll use this to improve the answers.")
        return hidden

    # Gradio injects event data by type hint; the hints are strings here (future annotations) and
    # ``gr`` is imported lazily, so give it the real classes.
    on_example.__annotations__["evt"] = gr.SelectData
    on_option.__annotations__["evt"] = gr.SelectData
    on_like.__annotations__["data"] = gr.LikeData

    def clear() -> tuple[Any, ...]:
        conv = new_conversation()
        return [], "", conv, conv

    def ask(question: str, history_json: str = "[]") -> dict[str, Any]:
        """Ask one question; history_json is a JSON list of {"role", "content"} turns ("[]" for none).

        Returns the Answer as JSON: answer (text with [n] markers), abstained, standalone_question,
        citations [{n, chunk_id, section, quote, quote_display, source}], contexts, timings_ms, prices,
        strategy, steps.
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
    header = (f'<header id="scarbot-header"><h1>scarbot</h1><p>{html_escape(DESCRIPTION)}</p></header>')
    notice = (f'<details open><summary>⚕️ {html_escape(NOTICE_SUMMARY)}</summary>'
              f"<p>{html_escape(NOTICE)}</p></details>")
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conv_state = gr.State(new_conversation())
        saved = gr.BrowserState(new_conversation(), storage_key=STORAGE_KEY, secret="scarbot")
        pending = gr.State(None)
        with gr.Row(elem_id="scarbot-top"):
            gr.HTML(header, padding=False)
            new = gr.Button("New conversation", size="sm", variant="secondary", elem_id="scarbot-new",
                            scale=0, min_width=0)
        gr.HTML(notice, elem_id="scarbot-notice", padding=False)
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            elem_id="scarbot-chat",
            height="auto",
            autoscroll=False,
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
        with gr.Column(elem_id="scarbot-inputbar"):
            with gr.Column(visible=False, elem_id="scarbot-reason") as reason_box, gr.Group():
                reason_choice = gr.Radio(DISLIKE_REASONS, label="What was wrong with this answer? (optional)",
                                         elem_id="scarbot-reason-choice")
                reason_text = gr.Textbox(placeholder="Tell us more (optional)", show_label=False, lines=1,
                                         max_lines=4, elem_id="scarbot-reason-text")
                with gr.Row():
                    reason_send = gr.Button("Send reason", size="sm", variant="primary", elem_id="scarbot-reason-send")
                    reason_skip = gr.Button("Skip", size="sm", elem_id="scarbot-reason-skip")
            with gr.Row(elem_id="scarbot-compose"):
                box = gr.Textbox(
                    placeholder="Ask about scar types, treatments, clinics or prices…",
                    show_label=False,
                    lines=1,
                    max_lines=6,
                    scale=5,
                    autofocus=False,  # web/chat.js focuses it on desktop only, without scrolling
                    submit_btn=False,
                    elem_id="scarbot-input",
                )
                send = gr.Button("Send", variant="primary", scale=0, min_width=72, elem_id="scarbot-send")

        outputs = [chatbot, box, conv_state, saved]
        common = {"api_visibility": "private", "show_progress": "hidden"}
        box.submit(respond, [box, conv_state], outputs, **common)
        send.click(respond, [box, conv_state], outputs, **common)
        chatbot.example_select(on_example, [conv_state], outputs, **common)
        chatbot.option_select(on_option, [conv_state], outputs, **common)
        reason_outputs = [reason_box, pending, reason_choice, reason_text]
        chatbot.like(on_like, [conv_state], reason_outputs, api_visibility="private")
        reason_send.click(send_reason, [pending, reason_choice, reason_text], reason_outputs,
                          api_visibility="private")
        reason_skip.click(skip_reason, None, reason_outputs, api_visibility="private")
        new.click(clear, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(clear, None, outputs, api_visibility="private", queue=False)
        demo.load(restore, [saved], [chatbot, conv_state], api_visibility="private", queue=False)
        gr.api(ask, api_name="ask")

    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    demo.scarbot_launch_kwargs = {  # type: ignore[attr-defined]
        "theme": theme, "css": _asset("chat.css"), "head": f"<script>{_asset('chat.js')}</script>"}
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
