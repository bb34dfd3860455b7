"""LLM mode: any LangChain chat model answers from the retrieved sources, with ``[n]`` citations.

``SCARBOT_LLM`` picks the backend — ``none`` (default: the extractive answerer is used),
``openai:<model>`` (OpenAI or any OpenAI-compatible server: vLLM, llama.cpp, Ollama's ``/v1``) or
``ollama:<model>``. Prompts come from ``prompts/*.txt``. Everything the user or the corpus supplies is
fenced inside ``<history>``/``<sources>``/``<question>`` blocks and the system prompt says those are data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scarbot.errors import BackendError, ScarbotError
from scarbot.prompts import load_prompt
from scarbot.types import Context

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

__all__ = [
    "LLMAnswerer",
    "LLMCondenser",
    "format_history",
    "format_sources",
    "make_chat_model",
    "parse_citations",
]

SPEC_FORMS = "'none', 'openai:<model>' (e.g. openai:gpt-4o-mini) or 'ollama:<model>' (e.g. ollama:llama3.1)"
DEFAULT_OLLAMA = "http://127.0.0.1:11434"
DUMMY_API_KEY = "sk-no-key-needed"  # local OpenAI-compatible servers ignore it, the SDK insists on one

# Tags that fence data in the prompts; occurrences inside the data are defused so text cannot close them.
_FENCE_TAGS = re.compile(r"<\s*(/?)\s*(history|sources|question)\s*>", re.IGNORECASE)
# A citation marker: [1], [1, 2], [1,2;3], [1-3]; consecutive markers ([1][2]) match one by one.
_MARKER = re.compile(r"(\s*)\[\s*(\d{1,3}(?:\s*(?:[,;]|[-–])\s*\d{1,3})*)\s*\]")
_WORD = re.compile(r"[a-z0-9$€₩]+(?:[.,'][a-z0-9]+)*")
_STOP_TEXT = """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only
    or other our out over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will with
    would you your yours tell please about much many thing things question answer article one ok okay yes
    what's whats how's it's there's"""
_STOPWORDS = frozenset(_STOP_TEXT.split())


# --------------------------------------------------------------------------- backends


def make_chat_model(spec: str, *, timeout: float = 60, max_retries: int = 1) -> BaseChatModel | None:
    """Build the chat model named by ``SCARBOT_LLM``; ``None`` means "no LLM, use the extractive answerer".

    Only constructs the client: nothing is sent until the first question.
    """
    raw = (spec or "").strip()
    if raw.lower() in {"", "none", "off", "false", "0"}:
        return None
    provider, sep, model = raw.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not sep or not model or provider not in {"openai", "ollama"}:
        raise ScarbotError(f"SCARBOT_LLM={spec!r} is not a valid LLM setting; use {SPEC_FORMS}")

    if provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as err:  # pragma: no cover - a dependency of the package
            raise ScarbotError(
                "SCARBOT_LLM=openai:... needs langchain-openai: pip install langchain-openai"
            ) from err
        base_url = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or None
        api_key = os.environ.get("OPENAI_API_KEY") or None
        if api_key is None:
            if base_url is None:
                raise ScarbotError(
                    f"SCARBOT_LLM={spec!r} needs OPENAI_API_KEY (for api.openai.com) or OPENAI_BASE_URL "
                    "(for a local OpenAI-compatible server such as vLLM, llama.cpp or Ollama's /v1)"
                )
            api_key = DUMMY_API_KEY
        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            temperature=0,
        )

    try:
        from langchain_ollama import ChatOllama
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise ScarbotError(
            "SCARBOT_LLM=ollama:... needs langchain-ollama: pip install langchain-ollama"
        ) from err
    return ChatOllama(
        model=model,
        base_url=_ollama_url(),
        temperature=0,
        client_kwargs={"timeout": timeout},
    )


def _ollama_url() -> str:
    """``OLLAMA_BASE_URL`` or ``OLLAMA_HOST`` (which Ollama allows as bare ``host[:port]``)."""
    host = (os.environ.get("OLLAMA_BASE_URL") or os.environ.get("OLLAMA_HOST") or "").strip()
    if not host:
        return DEFAULT_OLLAMA
    if "://" not in host:
        host = "http://" + host
        parts = urlsplit(host)
        if parts.port is None:
            host = f"{parts.scheme}://{parts.hostname or '127.0.0.1'}:11434{parts.path}"
    return host.rstrip("/")


def describe_endpoint(chat_model: Any) -> tuple[str, str]:
    """(endpoint URL, the setting that changes it) for error messages."""
    name = type(chat_model).__name__
    if name == "ChatOllama":
        return str(getattr(chat_model, "base_url", None) or DEFAULT_OLLAMA), "OLLAMA_HOST (or SCARBOT_LLM)"
    base = getattr(chat_model, "openai_api_base", None)
    if name.startswith("ChatOpenAI") or base is not None:
        return str(base or "https://api.openai.com/v1"), "OPENAI_BASE_URL (or SCARBOT_LLM)"
    return name, "SCARBOT_LLM"


def _is_backend_failure(err: BaseException) -> bool:
    """Network, timeout and API errors from the client libraries (not our own bugs)."""
    if isinstance(err, OSError | TimeoutError):  # ConnectionError, ollama's "Failed to connect"
        return True
    for cls in type(err).__mro__:
        root = cls.__module__.split(".", 1)[0]
        if root in {"openai", "httpx", "httpx2", "httpcore", "ollama", "requests", "urllib3", "aiohttp"}:
            return True
    return False


def _backend_error(err: BaseException, chat_model: Any) -> BackendError:
    endpoint, setting = describe_endpoint(chat_model)
    model = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None) or "?"
    text = " ".join(str(err).split()).rstrip(".") or type(err).__name__
    cause, seen = err.__cause__ or err.__context__, 0
    while cause is not None and seen < 5:  # the root cause says "Connection refused", not "Connection error"
        detail = " ".join(str(cause).split()).rstrip(".")
        if detail and detail not in text:
            text += f" ({detail})"
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    lowered = f"{type(err).__name__} {text}".lower()
    if "timeout" in lowered or "timed out" in lowered:
        what = "did not answer in time"
    elif "connect" in lowered or "refused" in lowered:
        what = "cannot be reached"
    else:
        what = "returned an error"
    return BackendError(
        f"LLM endpoint {endpoint} (model {model!r}) {what}: {text[:300]}. "
        f"Start the server, or change {setting}; SCARBOT_LLM=none uses the built-in extractive answerer."
    )


# --------------------------------------------------------------------------- formatting


def _defuse(text: str) -> str:
    """Keep data from opening or closing our fences: ``</sources>`` becomes ``[/sources]``."""
    return _FENCE_TAGS.sub(lambda m: f"[{m.group(1)}{m.group(2).lower()}]", text)


def format_sources(contexts: Sequence[Context], *, max_chars: int = 2500) -> str:
    """Number the retrieved chunks as the prompt expects: ``[1] (section path) text``, one per block."""
    if not contexts:
        return "(no sources were found)"
    blocks = []
    for i, ctx in enumerate(contexts, start=1):
        body = " ".join(ctx.text.split())
        if len(body) > max_chars:
            body = body[:max_chars].rstrip() + " …"
        section = " ".join((ctx.section or "article").split())
        blocks.append(_defuse(f"[{i}] ({section}) {body}"))
    return "\n\n".join(blocks)


def _bounded_history(
    history: Sequence[dict[str, Any]] | None, max_turns: int, max_chars: int
) -> list[tuple[str, str]]:
    turns: list[tuple[str, str]] = []
    for turn in list(history or [])[-max_turns:] if max_turns > 0 else []:
        if not isinstance(turn, dict):
            continue
        role = str(turn.get("role", "")).lower()
        content = " ".join(str(turn.get("content") or "").split())
        if role not in {"user", "assistant"} or not content:
            continue
        if role == "assistant":
            # Old [n] markers point at an earlier retrieval's numbering: they must not be mistaken for ours.
            content = " ".join(_MARKER.sub("", content).split())
        if len(content) > max_chars:
            content = content[:max_chars].rstrip() + " …"
        turns.append((role, content))
    return turns


def format_history(
    history: Sequence[dict[str, Any]] | None, *, max_turns: int = 6, max_chars: int = 600
) -> str:
    """The last ``max_turns`` messages as ``User: ...`` / ``Assistant (earlier reply, not a source): ...``."""
    turns = _bounded_history(history, max_turns, max_chars)
    if not turns:
        return "(no earlier conversation)"
    label = {"user": "User", "assistant": "Assistant (earlier reply, not a source)"}
    return "\n".join(_defuse(f"{label[role]}: {content}") for role, content in turns)


def parse_citations(text: str, n_sources: int) -> tuple[str, list[int]]:
    """Keep only markers that point at a given source; return the cleaned text and the cited numbers.

    ``[1, 3]`` and ``[1-3]`` are rewritten as ``[1][3]`` / ``[1][2][3]`` so every citation is one ``[n]``.
    Numbers outside ``1..n_sources`` are dropped (a marker left empty disappears with its leading space).
    """
    cited: list[int] = []

    def fix(m: re.Match[str]) -> str:
        numbers: list[int] = []
        for part in re.split(r"\s*[,;]\s*", m.group(2)):
            ends = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
            lo, hi = ends[0], ends[-1]
            span = range(lo, hi + 1) if 0 < hi - lo < 20 else dict.fromkeys([lo, hi])
            numbers.extend(n for n in span if 1 <= n <= n_sources and n not in numbers)
        if not numbers:
            return ""
        for n in numbers:
            if n not in cited:
                cited.append(n)
        return m.group(1) + "".join(f"[{n}]" for n in numbers)

    return _MARKER.sub(fix, text).strip(), cited


# --------------------------------------------------------------------------- chains


def _chat_prompt(system_name: str, human_name: str, prompts_dir: Path | str | None) -> Any:
    from langchain_core.prompts import ChatPromptTemplate

    system = load_prompt(system_name, prompts_dir)
    human = load_prompt(human_name, prompts_dir)
    prompt = ChatPromptTemplate.from_messages(
        [("system", system.to_fstring()), ("human", human.to_fstring())]
    )
    return prompt, set(system.variables) | set(human.variables), human


def _check_vars(needed: set[str], given: dict[str, Any], where: Path) -> None:
    from scarbot.prompts import PromptError

    missing = sorted(needed - set(given))
    if missing:
        raise PromptError(
            f"prompt {where} uses {missing} which scarbot does not supply; edit the prompt file"
        )


class _ChainRunner:
    """Shared plumbing: build ``prompt | chat_model | StrOutputParser`` and translate endpoint errors."""

    def __init__(self, chat_model: BaseChatModel, system: str, human: str, prompts_dir: Path | str | None):
        from langchain_core.output_parsers import StrOutputParser

        self.chat_model = chat_model
        self.prompt, self._needed, self._human = _chat_prompt(system, human, prompts_dir)
        self.chain: Runnable = self.prompt | chat_model | StrOutputParser()

    def _inputs(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_vars(self._needed, values, self._human.path)
        return {k: v for k, v in values.items() if k in self._needed}

    def _invoke(self, values: dict[str, Any]) -> str:
        try:
            return self.chain.invoke(self._inputs(values))
        except ScarbotError:
            raise
        except Exception as err:
            if _is_backend_failure(err):
                raise _backend_error(err, self.chat_model) from err
            raise

    def _stream(self, values: dict[str, Any]) -> Iterator[str]:
        inputs = self._inputs(values)
        try:
            for delta in self.chain.stream(inputs):
                if delta:
                    yield delta
        except ScarbotError:
            raise
        except Exception as err:
            if _is_backend_failure(err):
                raise _backend_error(err, self.chat_model) from err
            raise


class LLMAnswerer(_ChainRunner):
    """Answers a question from numbered contexts; the caller parses ``[n]`` with :func:`parse_citations`."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        prompts_dir: Path | str | None = None,
        *,
        history_turns: int = 6,
        max_turn_chars: int = 600,
        max_question_chars: int = 2000,
    ):
        super().__init__(chat_model, "system", "answer", prompts_dir)
        self.history_turns = history_turns
        self.max_turn_chars = max_turn_chars
        self.max_question_chars = max_question_chars

    def inputs(
        self, question: str, contexts: Sequence[Context], history: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, str]:
        """The template variables for one question (exposed so the UI/evals can show what was sent)."""
        q = " ".join(str(question).split())[: self.max_question_chars]
        return {
            "question": _defuse(q),
            "sources": format_sources(contexts),
            "history": format_history(history, max_turns=self.history_turns, max_chars=self.max_turn_chars),
        }

    def answer(
        self, question: str, contexts: Sequence[Context], history: Sequence[dict[str, Any]] | None = None
    ) -> str:
        """The model's full reply, with its raw ``[n]`` markers."""
        return self._invoke(self.inputs(question, contexts, history)).strip()

    def stream(
        self, question: str, contexts: Sequence[Context], history: Sequence[dict[str, Any]] | None = None
    ) -> Iterator[str]:
        """Text deltas as the model produces them (join them, then :func:`parse_citations`)."""
        return self._stream(self.inputs(question, contexts, history))


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (for the off-topic check of a rewrite)."""
    words = set()
    for w in _WORD.findall(text.lower()):
        w = w.strip(".,'")
        if (len(w) >= 3 and w not in _STOPWORDS) or any(c.isdigit() for c in w):
            words.add(w[:-1] if len(w) > 4 and w.endswith("s") else w)
    return words


class LLMCondenser(_ChainRunner):
    """Rewrites a follow-up into a standalone question; ``None`` tells the caller to use its own rules."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        prompts_dir: Path | str | None = None,
        *,
        history_turns: int = 6,
        max_turn_chars: int = 400,
    ):
        super().__init__(chat_model, "condense_system", "condense", prompts_dir)
        self.history_turns = history_turns
        self.max_turn_chars = max_turn_chars

    def condense(self, question: str, history: Sequence[dict[str, Any]] | None = None) -> str | None:
        """The standalone question, or ``None`` when the rewrite is empty, runaway or off-topic.

        With no history there is nothing to resolve and the question is returned unchanged, without a call.
        """
        q = " ".join(str(question).split())
        if not q:
            return None
        turns = _bounded_history(history, self.history_turns, self.max_turn_chars)
        if not turns:
            return q
        raw = self._invoke(
            {
                "question": _defuse(q),
                "history": format_history(
                    history, max_turns=self.history_turns, max_chars=self.max_turn_chars
                ),
            }
        )
        rewrite = _first_line(raw)
        if not rewrite or len(rewrite) > 3 * len(q) + 200:
            return None
        known = content_words(q) | content_words(" ".join(c for _, c in turns))
        if not content_words(rewrite) & known:
            return None
        return rewrite


def _first_line(text: str) -> str:
    for line in (text or "").strip().splitlines():
        line = line.strip()
        line = re.sub(
            r"^(standalone question|question|rewritten question)\s*:\s*", "", line, flags=re.IGNORECASE
        )
        line = line.strip().strip("\"“”'`").strip()
        if line:
            return line
    return ""
