"""What the web chat shows, and the conversation it keeps: pure functions, no Gradio.

Everything shown is escaped first: the user's text, the history and the article's own sentences are
data, never markup. Answer text stays Markdown (lists, bold) with every character that could form a
link, image or HTML escaped; our own markup (``[n]`` chips, the Sources panel, the price chart, the
error note) is HTML whose text is all entities, so neither HTML nor Markdown can form inside it.

Each message also carries its plain text in ``<input type="hidden" class="scarbot-plain">``:
``web/chat.js`` gives that to Copy and to screen readers instead of the escaped Markdown.

A conversation is data, ``{"v": 1, "turns": [{"q", "kind", "answer" | "error", "followups"}]}``: the
browser keeps it (``gr.BrowserState``) and, on a reload, the server checks it and renders it again.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from scarbot.charts import price_charts_inline
from scarbot.display import strategy_label
from scarbot.types import Answer, Citation, PriceRow

SAVED_TURNS = 30  # a reload restores this many turns (browser storage is small)
CONVERSATION_VERSION = 1

# --- rendering: untrusted text -> inert Markdown / HTML ---------------------------------------------------

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_LINK_CHARS = set("\\[]`")
_MD_ALL_CHARS = set("\\[]`*_{}()#+-.!|~")
# Inside raw HTML in a Markdown message these characters could still start Markdown (emphasis, links,
# code); as numeric entities they are plain text to every parser.
_HTML_TEXT = {**_ENTITIES, '"': "&quot;", "'": "&#39;", **{c: f"&#{ord(c)};" for c in "\\[]`*_{}()#+!|~$"}}


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


def html_text(text: str) -> str:
    """Text for inside our own HTML in a message: entities only, so neither HTML nor Markdown can form."""
    return "".join(_HTML_TEXT.get(ch, ch) for ch in " ".join(str(text).split()))


def plain_carrier(text: str) -> str:
    """The message's plain text, for Copy and screen readers (read by web/chat.js), as one HTML line."""
    value = "".join(_HTML_TEXT.get(ch, ch) for ch in text.strip()).replace("\n", "&#10;")
    return f'<input type="hidden" class="scarbot-plain" value="{value}">'


def _norm(q: str) -> str:
    return re.sub(r"[\W_]+", " ", q.casefold()).strip()


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section(c: Citation) -> str:
    return c.section.replace(" > ", " › ") or "Article"


def citation_chip(c: Citation) -> str:
    """``[n]`` as a chip; hovering, focusing or tapping it shows the section and the readable quote."""
    return (
        f'<span class="scarbot-cite" tabindex="0" role="button">&#91;{c.n}&#93;'
        f'<span class="scarbot-pop" role="tooltip"><span class="scarbot-pop-section">{html_text(_section(c))}'
        f"</span>“{html_text(c.quote_display or c.quote)}”</span></span>"
    )


_MARKER = re.compile(r"\\\[(\d+)\\\]")


def render_answer_text(answer: Answer) -> str:
    """The answer as safe Markdown, each ``[n]`` a chip; a visibly different note when it is a refusal."""
    body = escape_answer(answer.text.strip()) or "…"
    cites = {c.n: c for c in answer.citations}
    body = _MARKER.sub(lambda m: citation_chip(cites[int(m.group(1))]) if int(m.group(1)) in cites else m.group(0),
                       body)
    if answer.abstained:
        quoted = "\n".join("> " + line if line.strip() else ">" for line in body.splitlines())
        return "> ℹ️ **Not covered by the article**\n>\n" + quoted
    return body


def sources_title(answer: Answer) -> str:
    n = len({c.n for c in answer.citations})
    if n == 0:
        return "How your question was read"
    return f"Sources ({n})"


def render_sources(answer: Answer, asked: str) -> str:
    """The Sources panel as one HTML block (no blank line, so Markdown leaves it alone), or "".

    Only the citations the answer uses, table rows with their column names, the question as
    understood when it differs from what was typed, and, discreetly, which strategy answered.
    """
    parts: list[str] = []
    sq = (answer.standalone_question or "").strip()
    if sq and _norm(sq) != _norm(asked):
        parts.append(f'<p class="scarbot-understood">Question understood as: “{html_text(sq)}”</p>')
    seen: set[int] = set()
    for c in sorted(answer.citations, key=lambda c: c.n):
        if c.n in seen:
            continue
        seen.add(c.n)
        parts.append(
            f'<div class="scarbot-source"><strong>&#91;{c.n}&#93;</strong> '
            f'<span class="scarbot-source-section">{html_text(_section(c))}</span>'
            f'<p class="scarbot-source-quote">“{html_text(c.quote_display or c.quote)}”</p></div>'
        )
    if not parts:
        return ""
    how = strategy_label(answer.strategy)
    if how:
        parts.append(f'<p class="scarbot-how">Answered from {html_text(how)} '
                     f'<span class="scarbot-strategy">({html_text(answer.strategy)})</span>.</p>')
    return (f'<details class="scarbot-sources"><summary>{html_text(sources_title(answer))}</summary>'
            + "".join(parts) + "</details>")


def chart_html(answer: Answer) -> str:
    """The price chart shown inside the answer: one procedure priced in several countries, or ""."""
    return price_charts_inline(answer.prices)


def render_reply(answer: Answer, asked: str) -> str:
    """One assistant message: answer with chips, chart, sources panel, and the plain text for Copy."""
    blocks = [render_answer_text(answer), chart_html(answer), render_sources(answer, asked), plain_carrier(answer.text)]
    return "\n\n".join(b for b in blocks if b)


def render_partial(text: str) -> str:
    """A reply still streaming in."""
    return escape_answer(text) + "\n\n" + plain_carrier(text) if text.strip() else "…"


def render_error(message: str) -> str:
    """A warning or error: looks different, and gets no like/dislike buttons (see web/chat.css)."""
    return f'<div class="scarbot-error">⚠️ {html_text(message)}</div>\n\n{plain_carrier("⚠️ " + message)}'


def render_question(question: str) -> str:
    return escape_text(question) + "\n\n" + plain_carrier(question)


# --- the conversation as data (kept in the browser, rendered by the server) ------------------------------


def new_conversation() -> dict[str, Any]:
    return {"v": CONVERSATION_VERSION, "turns": []}


def answer_record(answer: Answer) -> dict[str, Any]:
    """What a reload needs to show an answer again (no retrieved contexts: they are large)."""
    return {
        "text": answer.text,
        "abstained": bool(answer.abstained),
        "standalone_question": answer.standalone_question,
        "citations": [asdict(c) for c in answer.citations],
        "prices": [asdict(p) for p in answer.prices],
        "strategy": answer.strategy,
    }


def _str(d: dict, key: str, default: str = "") -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise ValueError(key)
    return v


def _num(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError("price")
    return float(v)


def answer_from_record(rec: dict[str, Any]) -> Answer:
    """The inverse of ``answer_record``; ValueError for anything malformed (storage is user-controlled)."""
    cites = []
    for c in rec.get("citations") or []:
        if not isinstance(c, dict) or isinstance(c.get("n"), bool) or not isinstance(c.get("n"), int):
            raise ValueError("citation")
        cites.append(Citation(c["n"], _str(c, "chunk_id"), _str(c, "section"), _str(c, "quote"),
                              _str(c, "source"), _str(c, "quote_display")))
    prices = []
    for p in rec.get("prices") or []:
        if not isinstance(p, dict):
            raise ValueError("price")
        prices.append(PriceRow(_str(p, "procedure"), _str(p, "country"), _num(p.get("low")), _num(p.get("high")),
                               _str(p, "text"), _str(p, "source")))
    return Answer(_str(rec, "text"), cites, abstained=bool(rec.get("abstained")),
                  standalone_question=_str(rec, "standalone_question"), prices=prices,
                  strategy=_str(rec, "strategy"))


def load_conversation(value: Any) -> dict[str, Any]:
    """A conversation read back from browser storage: malformed turns are dropped, never rendered raw."""
    conv = new_conversation()
    if not isinstance(value, dict) or value.get("v") != CONVERSATION_VERSION or not isinstance(value.get("turns"), list):
        return conv
    for t in value["turns"][-SAVED_TURNS:]:
        try:
            if not isinstance(t, dict):
                raise ValueError("turn")
            q = _str(t, "q")
            if t.get("kind") == "answer":
                rec = t.get("answer")
                if not isinstance(rec, dict):
                    raise ValueError("answer")
                answer_from_record(rec)  # validates
                ups = [u for u in t.get("followups") or [] if isinstance(u, str)][:3]
                conv["turns"].append({"q": q, "kind": "answer", "answer": rec, "followups": ups})
            elif t.get("kind") == "error":
                conv["turns"].append({"q": q, "kind": "error", "error": _str(t, "error")})
        except (ValueError, TypeError, KeyError):
            continue
    return conv


def render_conversation(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """Chat messages for a conversation: a question and one reply per turn; follow-ups under the last."""
    messages: list[dict[str, Any]] = []
    for t in conv["turns"]:
        messages.append({"role": "user", "content": render_question(t["q"])})
        if t["kind"] == "answer":
            messages.append({"role": "assistant", "content": render_reply(answer_from_record(t["answer"]), t["q"])})
        else:
            messages.append({"role": "assistant", "content": render_error(t["error"])})
    last = conv["turns"][-1] if conv["turns"] else None
    if last and last["kind"] == "answer" and last.get("followups"):
        messages[-1]["options"] = [{"value": q, "label": q} for q in last["followups"]]
    return messages


def history_of(conv: dict[str, Any]) -> list[dict[str, str]]:
    """The turns the assistant answered, as chat history (errors are not part of the dialogue)."""
    out: list[dict[str, str]] = []
    for t in conv["turns"]:
        if t["kind"] == "answer":
            out += [{"role": "user", "content": t["q"]}, {"role": "assistant", "content": t["answer"]["text"]}]
    return out


def saved_form(conv: dict[str, Any]) -> dict[str, Any]:
    """What the browser keeps: the latest SAVED_TURNS turns."""
    return {"v": CONVERSATION_VERSION, "turns": conv["turns"][-SAVED_TURNS:]}
