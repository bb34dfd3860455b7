"""One place for configuration: environment variables with the ``SCARBOT_`` prefix, or ``.env``.

The same sources and precedence as pydantic-settings (keyword arguments, then the environment, then
``.env`` in the working folder, then the defaults; variable names in any case; an empty variable means
the default), read by a few lines of code rather than by pydantic: importing pydantic and building the
model cost a cold ``scarbot ask`` about 15 MiB of its 165 and ~0.3 s, for fourteen plain values.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scarbot.errors import SettingsError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]  # the checkout, when the package runs from one (src/scarbot)


def source_checkout() -> Path | None:
    """The checkout this package runs from (``make run``, an editable install, ``PYTHONPATH=src``), or
    None for an installed wheel: then no default may point into a source tree."""
    if PACKAGE_DIR.parent.name == "src" and (REPO_ROOT / "pyproject.toml").is_file() \
            and (REPO_ROOT / "prompts").is_dir():
        return REPO_ROOT
    return None


def user_data_dir() -> Path:
    """Where an installed scarbot keeps its index: the platform's per-user data folder + ``scarbot``
    (``$XDG_DATA_HOME/scarbot``, else ``~/.local/share/scarbot``; ``%LOCALAPPDATA%`` on Windows,
    ``~/Library/Application Support`` on macOS), as platformdirs would choose it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME", "").strip()
        if not base or not Path(base).is_absolute():  # the XDG spec: a relative value is ignored
            base = str(Path.home() / ".local" / "share")
    return Path(base) / "scarbot"


def default_corpus_dir() -> Path:
    """The checkout's ``corpus/``; installed: ``corpus/`` in the current folder."""
    root = source_checkout()
    return root / "corpus" if root else Path.cwd() / "corpus"


def default_data_dir() -> Path:
    """The checkout's ``.scarbot/``; installed: the user's data folder (``user_data_dir``)."""
    root = source_checkout()
    return root / ".scarbot" if root else user_data_dir()


def default_prompts_dir() -> Path:
    """The checkout's ``prompts/`` (the templates' one home); installed: the copy the wheel ships as
    ``scarbot/data/prompts/`` (package data, found with ``importlib.resources``)."""
    root = source_checkout()
    return root / "prompts" if root else Path(str(resources.files("scarbot").joinpath("data", "prompts")))


@dataclass(frozen=True)
class _Field:
    kind: str  # "path", "text", "int" or "choice"
    default: Any = None
    factory: Callable[[], Any] | None = None
    optional: bool = False  # None is a value (no Chroma server)
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""


FIELDS: dict[str, _Field] = {
    "corpus_dir": _Field("path", factory=default_corpus_dir, help="folder of *.md articles"),
    "data_dir": _Field("path", factory=default_data_dir, help="index, records, feedback"),
    "chroma_url": _Field("text", optional=True, help="http://host:port of a Chroma server"),
    "collection": _Field("text", "scarbot"),
    "embedding_model": _Field("text", DEFAULT_MODEL,
                              help="'all-MiniLM-L6-v2' (bundled) or any sentence-transformers name or path"),
    "llm": _Field("text", "none", help="none | openai:<model> | ollama:<model>"),
    "top_k": _Field("int", 4, lo=1, hi=20),
    "fusion": _Field("choice", "convex", choices=("rrf", "convex"), help="how dense and BM25 scores are fused"),
    "max_question_chars": _Field("int", 2000, lo=10),
    "history_turns": _Field("int", 6, lo=0, hi=50),
    "prompts_dir": _Field("path", factory=default_prompts_dir, help="folder of prompt templates (*.txt)"),
    "project_dir": _Field("path", optional=True,
                          help="checkout whose evals/ `scarbot eval` reads and writes; found from the package when unset"),
    "host": _Field("text", "127.0.0.1"),
    "port": _Field("int", 7860, lo=1, hi=65535),
}
PREFIX = "SCARBOT_"


def _convert(f: _Field, value: Any) -> Any:
    """The value as the field's type; ValueError when it is not one."""
    if value is None and f.optional:
        return None
    if f.kind == "path" and isinstance(value, (str, os.PathLike)):
        return Path(value)
    if f.kind == "text" and isinstance(value, str):
        return value
    if f.kind == "choice" and isinstance(value, str) and value in f.choices:
        return value
    if f.kind == "int":
        if isinstance(value, str):
            text = value.strip()
            number = int(text) if text.lstrip("+-").isdigit() else None
        else:
            number = int(value) if isinstance(value, int) and not isinstance(value, bool) else None
        if number is not None and (f.lo is None or number >= f.lo) and (f.hi is None or number <= f.hi):
            return number
    raise ValueError(value)


def _read_dotenv(path: str | Path | None) -> dict[str, str]:
    """``.env`` lines as python-dotenv reads them (quotes, ``export``, comments); only when the file exists."""
    if path is None or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class Settings:
    """Every setting, from keyword arguments, ``SCARBOT_*`` variables, ``.env`` or the defaults.

    Invalid values raise ``SettingsError``: one line per setting (name, value, what is allowed)."""

    corpus_dir: Path
    data_dir: Path
    chroma_url: str | None
    collection: str
    embedding_model: str
    llm: str
    top_k: int
    fusion: str
    max_question_chars: int
    history_turns: int
    prompts_dir: Path
    project_dir: Path | None
    host: str
    port: int

    def __init__(self, _env_file: str | Path | None = ".env", **values: Any) -> None:
        given: dict[str, Any] = {}
        for source in (_read_dotenv(_env_file), os.environ):  # later sources win
            for key, value in source.items():
                name = key.lower()
                if name.startswith(PREFIX.lower()) and name[len(PREFIX):] in FIELDS and value != "":
                    given[name[len(PREFIX):]] = value
        given.update((k, v) for k, v in values.items() if k in FIELDS)
        errors = []
        for name, f in FIELDS.items():
            if name not in given:
                value = f.factory() if f.factory is not None else f.default
            else:
                try:
                    value = _convert(f, given[name])
                except ValueError:
                    errors.append(_invalid(name, given[name]))
                    continue
            object.__setattr__(self, name, value)
        if errors:
            raise SettingsError("\n".join(errors))
        self.model_fields_set: set[str] = set(given)  # what was given rather than defaulted (as pydantic names it)

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Settings:
        """A copy with some values replaced (not validated, like pydantic's ``model_copy``)."""
        out = copy.copy(self)
        out.model_fields_set = set(self.model_fields_set) | set(update or {})
        for k, v in (update or {}).items():
            setattr(out, k, v)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, like a pydantic model

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"


def allowed_values(name: str) -> str:
    """What a setting accepts, in words, from its type and bounds ("a whole number from 1 to 20")."""
    f = FIELDS[name]
    if f.kind == "choice":
        return "one of " + ", ".join(f.choices)
    if f.kind == "int":
        if f.lo is not None and f.hi is not None:
            return f"a whole number from {f.lo} to {f.hi}"
        if f.lo is not None:
            return f"a whole number of at least {f.lo}"
        return "a whole number"
    if f.kind == "path":
        return "a folder path"
    return "text"


def _invalid(name: str, value: Any) -> str:
    shown = repr(value if not isinstance(value, str) or len(value) <= 60 else value[:57] + "...")
    return f"invalid setting {PREFIX}{name.upper()}={shown}: it must be {allowed_values(name)}"
