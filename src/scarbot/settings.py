"""One place for configuration: environment variables with the ``SCARBOT_`` prefix, or ``.env``."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCARBOT_", env_file=".env", extra="ignore", env_ignore_empty=True)

    corpus_dir: Path = Field(default_factory=default_corpus_dir, description="folder of *.md articles")
    data_dir: Path = Field(default_factory=default_data_dir, description="index, records, feedback")
    chroma_url: str | None = Field(default=None, description="http://host:port of a Chroma server")
    collection: str = "scarbot"
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="'all-MiniLM-L6-v2' (bundled) or any sentence-transformers name or path",
    )
    llm: str = Field(default="none", description="none | openai:<model> | ollama:<model>")
    top_k: int = Field(default=4, ge=1, le=20)
    fusion: Literal["rrf", "convex"] = Field(default="convex", description="how dense and BM25 scores are fused")
    max_question_chars: int = Field(default=2000, ge=10)
    history_turns: int = Field(default=6, ge=0, le=50)
    prompts_dir: Path = Field(default_factory=default_prompts_dir, description="folder of prompt templates (*.txt)")
    project_dir: Path | None = Field(
        default=None,
        description="checkout whose evals/ `scarbot eval` reads and writes; found from the package when unset",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)

    def __init__(self, **values: Any) -> None:
        """Invalid values raise ``SettingsError``: one line per setting (name, value, what is allowed)."""
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise SettingsError(describe_invalid(err)) from None

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"


def allowed_values(name: str) -> str:
    """What a setting accepts, in words, from its type and bounds ("a whole number from 1 to 20")."""
    field = Settings.model_fields[name]
    ann = field.annotation
    if get_origin(ann) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(ann))
    if ann is int:
        lo = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
        hi = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
        if lo is not None and hi is not None:
            return f"a whole number from {lo} to {hi}"
        if lo is not None:
            return f"a whole number of at least {lo}"
        return "a whole number"
    if ann is Path or Path in get_args(ann):
        return "a folder path"
    return "text"


def describe_invalid(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        name = str(e["loc"][0]) if e.get("loc") else ""
        if name not in Settings.model_fields:
            lines.append(f"invalid setting: {e['msg']}")
            continue
        value = e.get("input")
        shown = repr(value if not isinstance(value, str) or len(value) <= 60 else value[:57] + "...")
        lines.append(f"invalid setting SCARBOT_{name.upper()}={shown}: it must be {allowed_values(name)}")
    return "\n".join(lines)
