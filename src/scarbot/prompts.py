"""Prompt templates live in ``prompts/*.txt`` so they can be read, reviewed and changed without code edits.

A template uses ``{name}`` placeholders (a bare identifier in single braces). Any other brace in the
text — JSON examples, ``{{name}}``, a lone ``}`` — stays exactly as written, so authors never escape.
A missing variable is an error, never a silent blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scarbot.errors import ScarbotError

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class PromptError(ScarbotError):
    """A prompt file is missing or unreadable, or a template was rendered without one of its variables."""


@dataclass(frozen=True)
class Template:
    """A prompt file's text and the variables it needs."""

    name: str
    path: Path
    text: str
    variables: tuple[str, ...] = field(default=())

    def render(self, **values: Any) -> str:
        """Fill every ``{name}``; values are inserted verbatim (braces in them are never re-read)."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(
                f"prompt '{self.name}' ({self.path}) needs {', '.join(repr(m) for m in missing)}; "
                f"got {', '.join(repr(k) for k in sorted(values)) or 'no variables'}"
            )
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.text)

    def to_fstring(self) -> str:
        """The same template in Python f-string syntax, for LangChain's ``ChatPromptTemplate``.

        Literal braces are doubled so only our placeholders are substituted.
        """
        out: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(self.text):
            out.append(self.text[pos : m.start()].replace("{", "{{").replace("}", "}}"))
            out.append("{" + m.group(1) + "}")
            pos = m.end()
        out.append(self.text[pos:].replace("{", "{{").replace("}", "}}"))
        return "".join(out)


def _default_dir() -> Path:
    from scarbot.settings import Settings

    return Settings().prompts_dir


@lru_cache(maxsize=128)
def _load(name: str, prompts_dir: Path) -> Template:
    path = prompts_dir / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        available = sorted(p.stem for p in prompts_dir.glob("*.txt")) if prompts_dir.is_dir() else []
        hint = f"available: {', '.join(available)}" if available else "the folder has no *.txt prompts"
        raise PromptError(
            f"prompt file not found: {path} ({hint}); set SCARBOT_PROMPTS_DIR to the folder holding the prompts"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise PromptError(f"cannot read prompt file {path}: {err}") from err
    text = text.rstrip("\n")
    variables = tuple(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(text)))
    return Template(name=name, path=path, text=text, variables=variables)


def load_prompt(name: str, prompts_dir: Path | str | None = None) -> Template:
    """Load ``<prompts_dir>/<name>.txt`` once per process (``name`` may include the ``.txt``)."""
    if name.endswith(".txt"):
        name = name[:-4]
    if not _NAME.match(name) or ".." in name:
        raise PromptError(f"invalid prompt name {name!r}: use a plain file name such as 'answer'")
    folder = Path(prompts_dir) if prompts_dir is not None else _default_dir()
    return _load(name, folder.resolve())


def render(name: str, prompts_dir: Path | str | None = None, **values: Any) -> str:
    """Load a prompt by name and fill its variables."""
    return load_prompt(name, prompts_dir).render(**values)


def clear_cache() -> None:
    """Forget loaded prompts (tests, or after editing prompt files in a long-running server)."""
    _load.cache_clear()
