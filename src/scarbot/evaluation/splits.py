"""Where ``scarbot eval`` finds its data: the project root, the dev split and the sealed splits.

``evals/qa.jsonl`` is the dev split, the one to read and improve against. ``evals/test*.jsonl``
are sealed: run them to measure, never read their items or tune on their failures; once a sealed
split's failures have been read, it is no longer sealed, so add a fresh one.
"""

from __future__ import annotations

import os
from pathlib import Path

DEV = "dev"
TEST = "test"
EVALS = "evals"
DEV_FILE = "qa.jsonl"
SEALED_PREFIX = "test"


def _is_project(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        return 'name = "scarbot"' in pyproject.read_text(encoding="utf-8")
    except OSError:
        return False


def project_root() -> Path:
    """The checkout that holds ``evals/``: ``SCARBOT_PROJECT_DIR`` when set, else the checkout this
    package lives in (an editable install), else the nearest folder up from the current one with
    scarbot's ``pyproject.toml``, else the current folder."""
    from scarbot.settings import Settings

    configured = Settings().project_dir
    if configured is not None:
        return Path(configured).expanduser().resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if _is_project(folder):
                return folder
    return Path(os.getcwd())


def split_path(name: str, root: Path) -> Path:
    """``dev`` → ``evals/qa.jsonl``, ``test`` → ``evals/test.jsonl``, ``NAME`` → ``evals/NAME.jsonl``."""
    if name == DEV:
        return root / EVALS / DEV_FILE
    return root / EVALS / f"{name}.jsonl"


def split_of(path: Path, root: Path) -> str | None:
    """The split name of a dataset file inside ``root/evals/``, or ``None`` for any other file."""
    try:
        resolved = path.resolve()
    except OSError:
        return None
    if resolved.parent != (root / EVALS).resolve() or resolved.suffix != ".jsonl":
        return None
    return DEV if resolved.name == DEV_FILE else resolved.stem


def is_sealed(split: str | None) -> bool:
    """Sealed splits (``test``, ``test-conversations``, ...) are for measuring, never for tuning."""
    return bool(split) and split.startswith(SEALED_PREFIX)


def available_splits(root: Path) -> list[str]:
    """The split names present in ``root/evals/``, dev first (file names only; no file is opened)."""
    folder = root / EVALS
    names = {p.stem for p in folder.glob("*.jsonl")} if folder.is_dir() else set()
    dev = DEV_FILE.removesuffix(".jsonl")
    return ([DEV] if dev in names else []) + sorted(names - {dev})
