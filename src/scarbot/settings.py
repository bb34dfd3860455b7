"""One place for configuration: environment variables with the ``SCARBOT_`` prefix, or ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from scarbot.errors import SettingsError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCARBOT_", env_file=".env", extra="ignore", env_ignore_empty=True)

    corpus_dir: Path = Field(default=REPO_ROOT / "corpus", description="folder of *.md articles")
    data_dir: Path = Field(default=REPO_ROOT / ".scarbot", description="index, records, feedback")
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
    prompts_dir: Path = REPO_ROOT / "prompts"
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
