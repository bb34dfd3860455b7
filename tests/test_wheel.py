"""An installed wheel runs on its own: it carries its prompts, vocabulary and ``py.typed``, and its
defaults point outside the source tree (corpus in the working folder, index in the user's data folder).

The wheel is built offline from a copy of the sources (nothing is written into the checkout), installed
with ``pip install --target`` and run in a subprocess that has only that folder on its path, with the
dependencies from this environment's site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

ARTICLE = """---
title: Laser Tattoo Removal in Portugal
---

# Laser Tattoo Removal in Portugal

Lisbon clinics remove tattoos with picosecond lasers for visitors from all over Europe.

## Procedures

### Picosecond Laser Removal

Picosecond laser removal breaks ink into tiny particles that the body clears.

- Sessions: 6-10 treatments, spaced eight weeks apart.
- Recovery: Redness and light scabbing for about a week.

## Cost of Laser Tattoo Removal in Portugal

Procedure | Portugal (USD) | UK (USD) |
---|---|---|
Picosecond Laser Removal | $150 - $300 | $400 - $700 |
"""

PROBE = """
import json, scarbot
from scarbot import lexicon
from scarbot.prompts import load_prompt
from scarbot.settings import Settings, source_checkout
s = Settings()
print(json.dumps({"package": scarbot.__file__, "checkout": str(source_checkout()), "corpus": str(s.corpus_dir),
                  "data": str(s.data_dir), "prompts": str(s.prompts_dir), "answer": str(load_prompt("answer").path),
                  "procedures": len(lexicon.PROCEDURES)}))
"""


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)
    assert done.returncode == 0, f"{args[:3]} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def _packages(root: Path) -> set[str]:
    return {".".join(p.parent.relative_to(root).parts) for p in root.rglob("__init__.py")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools")
    work = tmp_path_factory.mktemp("wheel-build")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "src", src / "src", ignore=ignore)
    shutil.copytree(REPO / "prompts", src / "prompts", ignore=ignore)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"),
          str(src)], env=env, cwd=work)
    [built] = list((work / "dist").glob("scarbot-*.whl"))
    return built


def test_wheel_holds_prompts_vocabulary_and_every_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scarbot/py.typed" in names
    assert "scarbot/data/lexicon.yaml" in names and "scarbot/data/generic_words.txt" in names
    prompts = {p.name for p in (REPO / "prompts").glob("*.txt")}
    assert prompts and {f"scarbot/data/prompts/{p}" for p in prompts} <= names
    # pyproject lists the packages (the prompts/ mapping needs it): a new package must be listed there
    shipped = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    assert _packages(REPO / "src") <= shipped, "add the missing package to [tool.setuptools] packages"
    assert not any(n.startswith(("tests/", "corpus/", "evals/")) for n in names)


def test_installed_wheel_ingests_and_answers_outside_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
          str(wheel)])
    cwd = tmp_path / "work"
    (cwd / "corpus").mkdir(parents=True)
    (cwd / "corpus" / "laser-tattoo-removal-portugal.md").write_text(ARTICLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCARBOT_") and k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(target), HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    script = target / "bin" / "scarbot"
    scarbot = [str(script)] if script.exists() else [sys.executable, "-m", "scarbot.cli"]

    probe = json.loads(_run([sys.executable, "-c", PROBE], env=env, cwd=cwd).stdout)
    assert probe["package"].startswith(str(target)), probe
    assert probe["checkout"] == "None"
    assert probe["corpus"] == str(cwd / "corpus")
    assert probe["data"] == str(tmp_path / "xdg" / "scarbot")
    assert probe["prompts"].startswith(str(target)) and probe["answer"].startswith(str(target))
    assert probe["procedures"] > 0
    assert not any(str(REPO) in str(v) for v in probe.values()), probe

    _run([*scarbot, "ingest", "--quiet"], env=env, cwd=cwd)
    assert (tmp_path / "xdg" / "scarbot").is_dir()
    out = _run([*scarbot, "ask", "How much is picosecond laser removal in Portugal?", "--json"], env=env, cwd=cwd)
    ans = json.loads(out.stdout)
    assert not ans["abstained"], ans["answer"]
    assert "$150" in ans["answer"] and "[1]" in ans["answer"]
    assert ans["citations"] and all(c["source"] == "laser-tattoo-removal-portugal.md" for c in ans["citations"])
