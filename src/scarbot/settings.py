"""One place for configuration: environment variables with the ``SCARBOT_`` prefix, or ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCARBOT_", env_file=".env", extra="ignore")

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
    port: int = 7860

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"
